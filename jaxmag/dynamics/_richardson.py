"""``PreconditionedRichardson``: ``x ← x + P (b − A x)`` as a lineax solver.

Where the preconditioner ``P`` is close to ``A⁻¹`` and the initial guess is close to the
solution, as in the exchange solves of :class:`~jaxmag.SemiImplicitBDF2` (the guess is
the extrapolated state, a few 1e-5 off), one or two iterations reach the tolerance: fewer
preconditioner applications than GMRES, whose restarts and Cauchy test cost at least
three. As a lineax solver it gets lineax's derivatives: the JVP and the adjoint solve go
through :meth:`transpose` (the transposed operator and preconditioner).
"""

from typing import Any

import equinox as eqx
import jax.lax as lax
import jax.numpy as jnp
import lineax as lx
from lineax._solver.misc import preconditioner_and_y0


class PreconditionedRichardson(lx.AbstractLinearSolver):
    """Preconditioned Richardson iteration for square ``A x = b`` (arrays).

    Stops when ``max |b − A x| <= atol + rtol · max |b|``; fails with
    ``RESULTS.max_steps_reached`` after `max_steps` iterations or as soon as the residual
    grows (the iteration diverges when ``‖I − P A‖ > 1``; a caller shortens its step).

    **Arguments:** `rtol`, `atol` (dimensionless, in the units of ``b``), `max_steps`.
    Pass ``options={"preconditioner": P, "y0": guess}`` to :func:`lineax.linear_solve`.
    """

    rtol: float
    atol: float
    max_steps: int = eqx.field(static=True, default=20)

    def init(self, operator, options):
        del options
        if operator.in_structure() != operator.out_structure():
            raise ValueError("PreconditionedRichardson needs a square operator")
        return lx.linearise(operator)

    def compute(self, state, vector, options: dict[str, Any]):
        operator = state
        precond, y0 = preconditioner_and_y0(operator, vector, options)
        tol = self.atol + self.rtol * jnp.max(jnp.abs(vector))

        def res(x):
            r = vector - operator.mv(x)
            return r, jnp.max(jnp.abs(r))

        def cond(carry):
            _, _, rn, rn_prev, k = carry
            return (rn > tol) & (k < self.max_steps) & (rn <= rn_prev)

        def body(carry):
            x, r, rn, _, k = carry
            x = x + precond.mv(r)
            r, rn_new = res(x)
            return x, r, rn_new, rn, k + 1

        r0, rn0 = res(y0)
        x, _, rn, _, k = lax.while_loop(cond, body, (y0, r0, rn0, jnp.inf, 0))
        result = lx.RESULTS.where(rn <= tol, lx.RESULTS.successful, lx.RESULTS.max_steps_reached)
        return x, result, {"num_steps": k, "max_steps": self.max_steps}

    def transpose(self, state, options: dict[str, Any]):
        out = {}
        if "preconditioner" in options:
            out["preconditioner"] = options["preconditioner"].transpose()
        return state.transpose(), out

    def conj(self, state, options: dict[str, Any]):
        out = {}
        if "preconditioner" in options:
            out["preconditioner"] = lx.conj(options["preconditioner"])
        return lx.conj(state), out

    def assume_full_rank(self):
        return True

    def allow_dependent_columns(self, operator):
        del operator
        return False

    def allow_dependent_rows(self, operator):
        del operator
        return False
