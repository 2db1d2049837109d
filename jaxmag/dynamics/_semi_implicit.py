"""``SemiImplicitBDF2``: exchange implicit, everything else explicit, second order, as a
diffrax solver.

**Why.** On a film of 2.5 nm cells the stiffest exchange mode has ``|λ| ≈ 7e12 /s``; its
eigenvalue lies near the imaginary axis (``λ ∝ −α ± i``), where an explicit method is
stable only for ``h|λ|`` below ~2.9 (RK4), so the step stays near 0.4 ps whatever the
tolerance. Treating the exchange field implicitly removes that bound (the scheme below is
A-stable for the frozen linear problem, with the stiff modes damped as ``1/(h|λ|)``), so
the step is set by the accuracy of the slow dynamics; the demag field, smooth and costly
(an FFT convolution), is evaluated once per step, explicitly.

**The scheme** (the semi-implicit BDF2 projection method of Xie, García-Cervera, Wang,
Zhou and Chen, J. Comput. Phys. 404, 109104 (2020), with the variable-step BDF2 and
extrapolation coefficients of Wang and Ruuth, J. Comput. Math. 26, 838 (2008)). With
``ω = h_n / h_{n−1}``, the extrapolated state ``ŷ = (1+ω) y_n − ω y_{n−1}`` and ``û = ŷ/|ŷ|``:

    (1+2ω)/(1+ω) y* − (1+ω) y_n + ω²/(1+ω) y_{n−1} = h [L_û y* + g(û)],  y_{n+1} = y*/|y*|

``g`` is the torque of every explicit term (demag, Zeeman, anisotropy, spin torques) at
``û``; ``L_û`` the torque of the exchange field about ``û``, linear in ``y*``
(:func:`~jaxmag.dynamics._llg.split_rhs`). The linear system is solved through lineax,
preconditioned by the DCT-diagonalised operator of a uniform state
(:mod:`._implicit_exchange`), from the extrapolated guess, to the relative tolerance
``linear_rtol`` in the max norm; reverse-mode gradients go through lineax's adjoint
solve. The first step after the start or a jump is the semi-implicit Euler step (``ω = 0``).

**Error estimate** (Milne's device): the quadratic extrapolation ``y^P`` of the last three
points has the error ``C_p h³ y'''``, the step ``−C_c h³ y'''`` with
``C_p = (h+h₁)(h+h₁+h₂)/6`` and ``C_c = (h+h₁)²/(6(2h+h₁))`` (times ``h``, variable
steps), so ``y_error = C_c/(C_p + C_c) (y* − y^P)`` (``2/11 (y* − y^P)`` at constant
steps), of order 3 for diffrax's PID controller. The first two steps use the explicit
Euler (first step) and linear (second) predictors with the factor 1/2. Variable-step BDF2
is zero-stable for step ratios below ``1 + √2``: :func:`jaxmag.simulate`'s default
controller caps the growth at :data:`FACTOR_MAX` = 2 per step.

Dense output (``SaveAt(ts=...)``) is linear between steps (second order).
"""

from collections.abc import Callable
from typing import ClassVar

import diffrax
import equinox as eqx
import jax
import jax.numpy as jnp
import lineax as lx
from jax.lax import stop_gradient as nograd

from jaxmag._system import System
from jaxmag.dynamics._implicit_exchange import tangent_preconditioner
from jaxmag.dynamics._llg import TIME_UNIT, ScaledLLG, split_rhs
from jaxmag.dynamics._richardson import PreconditionedRichardson
from jaxmag.energy import Exchange

LINEAR_RTOL: float = 1e-8
"""The linear solves' relative tolerance when nothing sets it (see `linear_rtol`)."""

FACTOR_MAX: float = 2.0
"""The largest step growth :func:`~jaxmag.dynamics.default_controller` allows this
solver (variable-step BDF2 is zero-stable below ``1 + √2``)."""


def _vector_field(terms) -> ScaledLLG:
    while isinstance(getattr(terms, "term", None), diffrax.AbstractTerm):
        terms = terms.term  # diffrax's WrapTerm (the direction of integration: forward)
    vf = getattr(terms, "vector_field", None)
    if not isinstance(vf, ScaledLLG):
        raise TypeError(
            "SemiImplicitBDF2 integrates jaxmag's LLG equation only: its term must be "
            f"diffrax.ODETerm(ScaledLLG(...)) with args a System, got {terms!r}"
        )
    return vf


class SemiImplicitBDF2(diffrax.AbstractAdaptiveSolver):
    """Second-order semi-implicit BDF2 for the LLG equation: the exchange field implicit
    (linear solves preconditioned by the DCT), all other fields and torques explicit at the
    extrapolated state, one evaluation of them per step. See the module docstring.

    Use it through :func:`jaxmag.simulate` (``solver=SemiImplicitBDF2()``) or
    :func:`jaxmag.simulate_fixed`; the projection onto ``|m| = 1`` is the wrapper's
    (:class:`ProjectedSolver`).

    **Arguments:**

    - `linear_rtol`, `linear_atol`: the linear solve stops when the max-norm residual is
      below ``linear_rtol · max|b| + linear_atol`` (dimensionless; ``b`` is O(1)). By
      default :func:`jaxmag.simulate` sets ``linear_rtol`` to 1e-3 × its `rtol` (at least
      1e-13), so the solve stays three orders below the step's error; alone, the
      default is :data:`LINEAR_RTOL`.
    - `max_linear_steps`: iterations at most; a solve that does not converge rejects the
      step (the controller shortens it) or, at a fixed step, fails the run.
    - `linear_solver`: a lineax solver for the exchange system (default
      :class:`PreconditionedRichardson` with the tolerances above, which needs one or two
      preconditioner applications per step on a film; ``lineax.GMRES(...)`` works too,
      at three or more). It receives the preconditioner and the extrapolated guess.
    - `implicit`: the energy classes whose fields are treated implicitly; their field
      must be linear in ``m`` (default: :class:`~jaxmag.energy.Exchange`).
    """

    linear_rtol: float | None = None
    linear_atol: float = 1e-12
    max_linear_steps: int = eqx.field(static=True, default=20)
    linear_solver: lx.AbstractLinearSolver | None = None
    implicit: tuple[type, ...] = eqx.field(static=True, default=(Exchange,))

    term_structure: ClassVar = diffrax.AbstractTerm
    interpolation_cls: ClassVar[Callable[..., diffrax.LocalLinearInterpolation]] = (
        diffrax.LocalLinearInterpolation
    )

    def order(self, terms):
        del terms
        return 2

    def error_order(self, terms):
        del terms
        return 3

    def init(self, terms, t0, t1, y0, args):
        del t1
        _vector_field(terms)
        if not isinstance(args, System):
            raise TypeError(f"SemiImplicitBDF2 needs args to be a jaxmag System, got {args!r}")
        z = jnp.zeros((), jnp.result_type(t0, float))
        return (y0, y0, z, z, jnp.zeros((), jnp.int32))

    def func(self, terms, t0, y0, args):
        return terms.vf(t0, y0, args)

    def step(self, terms, t0, t1, y0, args, solver_state, made_jump):
        llg = _vector_field(terms)
        system: System = args
        y1m, y2m, h1, h2, count = solver_state
        count = jnp.where(made_jump, 0, count)
        h = t1 - t0
        dt = y0.dtype
        first = count == 0
        # ω = 0 on the first step: the variable-step BDF2 reduces to implicit Euler
        w = jnp.where(first, 0.0, h / jnp.where(first, 1.0, h1)).astype(dt)
        y_hat = (1 + w) * y0 - w * y1m
        beta = (1 + 2 * w) / (1 + w)
        g, L = split_rhs(system, y_hat, t1 * TIME_UNIT, self.implicit, precession=llg.precession)
        g = TIME_UNIT * g
        b = (1 + w) * y0 - (w * w / (1 + w)) * y1m + h * g

        def matvec(v):
            return beta * v - (h * TIME_UNIT) * L(v)

        u_hat = jnp.where(system.magnetic, y_hat / _norm(y_hat), 0.0)
        struct = jax.ShapeDtypeStruct(y0.shape, dt)
        # the quadratic predictor through the last three points (used from step 3 on)
        s1 = jnp.where(count >= 1, h1, 1.0)
        s2 = jnp.where(count >= 2, h2, 1.0)
        l0 = (h + s1) * (h + s1 + s2) / (s1 * (s1 + s2))
        l1 = -h * (h + s1 + s2) / (s1 * s2)
        l2 = h * (h + s1) / ((s1 + s2) * s2)
        y_quad = l0 * y0 + l1 * y1m + l2 * y2m
        guess = jnp.where(count >= 2, y_quad, y_hat)
        solver = self.linear_solver
        if solver is None:
            rtol = LINEAR_RTOL if self.linear_rtol is None else self.linear_rtol
            solver = PreconditionedRichardson(
                rtol=rtol, atol=self.linear_atol, max_steps=self.max_linear_steps
            )
        sol = lx.linear_solve(
            lx.FunctionLinearOperator(matvec, struct),
            b,
            solver,
            # lineax differentiates the solution, not how it was reached: the options
            # carry no derivative
            options={
                "preconditioner": tangent_preconditioner(
                    system, nograd(u_hat), nograd(beta), nograd(h), precession=llg.precession
                ),
                "y0": nograd(guess),
            },
            throw=False,
        )
        y1 = sol.value
        # Milne's device; the explicit-Euler and linear predictors on steps 1 and 2
        c_c = h * (h + s1) ** 2 / (6 * (2 * h + s1))
        c_p = h * (h + s1) * (h + s1 + s2) / 6
        predictor = jax.lax.cond(  # explicit Euler on the first step, linear on the second
            first, lambda: y0 + h * (g + TIME_UNIT * L(y0)), lambda: y_hat
        )
        y_error = jnp.where(count >= 2, (c_c / (c_p + c_c)) * (y1 - y_quad), 0.5 * (y1 - predictor))
        ok = sol.result == lx.RESULTS.successful
        # a failed solve: rejected by an adaptive controller; NaN fails a fixed-step run
        y_error = jnp.where(ok, y_error, jnp.inf)
        y1 = jnp.where(ok, y1, jnp.nan)
        result = diffrax.RESULTS.promote(sol.result)
        new_state = (y0, y1m, h, h1, jnp.minimum(count + 1, 2))
        return y1, y_error, dict(y0=y0, y1=y1), new_state, result


def factormax(solver) -> float:
    """The step growth cap of the default controller for `solver`: :data:`FACTOR_MAX`
    for :class:`SemiImplicitBDF2`, diffrax's 10 otherwise."""
    return FACTOR_MAX if isinstance(solver, SemiImplicitBDF2) else 10.0


def with_linear_tolerance(solver, rtol):
    """`solver` with ``linear_rtol = max(1e-3 · rtol, 1e-13)`` if it is a
    :class:`SemiImplicitBDF2` that leaves it unset (``None``), else `solver` as it is."""
    if isinstance(solver, SemiImplicitBDF2) and solver.linear_rtol is None:
        lin = jnp.maximum(1e-3 * jnp.asarray(rtol, dtype=float), 1e-13)
        return eqx.tree_at(lambda s: s.linear_rtol, solver, lin, is_leaf=lambda x: x is None)
    return solver


def _norm(y):
    n = jnp.sqrt(jnp.sum(y * y, axis=0, keepdims=True))
    return jnp.where(n > 0, n, 1.0)
