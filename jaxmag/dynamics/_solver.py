"""``ProjectedSolver``: any diffrax solver, with ``m`` projected back onto ``|m| = 1``."""

import functools
from typing import Any

import diffrax
import equinox as eqx
import jax.numpy as jnp

from jaxmag.dynamics._adjoint_step import rk_step, supports
from jaxmag.vectors import dot, normalise


class ProjectedSolver(diffrax.AbstractWrappedSolver):
    """Wraps a diffrax solver and normalises the state after every step.

    The state is a magnetisation of shape ``(3, ...)``; each vector is divided by its
    length (zero vectors, in non-magnetic cells, stay zero). The step's error estimate
    is that of the inner solver, taken before projection. Projection does not lower
    the order of a one-step method (the exact flow stays on the sphere).

    First-same-as-last: FSAL methods (Dopri5, Tsit5, Bosh3) hand the next step the
    vector field at the *unprojected* end point. jaxmag's LLG right-hand side normalises
    its input, so that value equals the one at the projected point and reuse is exact.
    Wrap other right-hand sides only if they share that property, or use a non-FSAL
    method.

    Dense output (``SaveAt(ts=...)``) interpolates between projected points and is not
    exactly unit length: normalise saved values in ``SaveAt(fn=...)``, as
    :func:`jaxmag.simulate` does.

    **Arguments:**

    - `solver`: the diffrax solver to wrap, e.g. ``diffrax.Dopri5()``.
    """

    solver: diffrax.AbstractSolver
    adjoint_step: bool = eqx.field(static=True, default=False)

    @property
    def term_structure(self):
        return self.solver.term_structure

    @property
    def scan_kind(self):
        """The inner Runge–Kutta solver's ``scan_kind`` (diffrax reads it for forward-mode
        autodiff; :func:`jaxmag.simulate` sets it to ``"lax"`` under ``ForwardMode``)."""
        return getattr(self.solver, "scan_kind", None)

    @property
    def interpolation_cls(self):  # pyright: ignore
        return self.solver.interpolation_cls

    @property
    def term_compatible_contr_kwargs(self):
        return self.solver.term_compatible_contr_kwargs

    def order(self, terms):
        return self.solver.order(terms)

    def strong_order(self, terms):
        return self.solver.strong_order(terms)

    def error_order(self, terms):
        return self.solver.error_order(terms)

    def init(self, terms, t0, t1, y0, args) -> Any:
        return self.solver.init(terms, t0, t1, y0, args)

    def step(self, terms, t0, t1, y0, args, solver_state, made_jump):
        step = self.solver.step
        if self.adjoint_step and supports(self.solver):
            step = functools.partial(rk_step, self.solver)
        y1, y_error, dense_info, solver_state, result = step(
            terms, t0, t1, y0, args, solver_state, made_jump
        )
        y1 = normalise(y1)
        dense_info = dict(dense_info, y1=y1) if "y1" in dense_info else dense_info
        return y1, y_error, dense_info, solver_state, result

    def func(self, terms, t0, y0, args):
        return self.solver.func(terms, t0, y0, args)


def max_norm_deviation(m, magnetic=None) -> jnp.ndarray:
    """``max | |m| - 1 |`` over the cells: zero vectors count as non-magnetic cells
    (deviation 0), unless the boolean ``(nx, ny, nz)`` map `magnetic` says the cell is
    magnetic (deviation 1: a magnetisation that vanished, e.g. by overflow)."""
    n = jnp.sqrt(dot(m, m))
    dev = jnp.where(n > 0, jnp.abs(n - 1), 0.0)
    if magnetic is not None:
        dev = jnp.where(magnetic & (n == 0), 1.0, dev)
    return jnp.max(dev)
