"""Helpers for fitting simulations to data."""

from collections.abc import Callable

import jax


def dense_jacobian_jvp(residuals: Callable) -> Callable:
    """Wrap ``residuals(p, *args)`` so that its JVP builds the whole Jacobian in one
    forward-mode pass and multiplies by it.

    Least-squares solvers (optimistix's Gauss–Newton, Levenberg–Marquardt) linearise
    their function with ``jax.linearize``. JAX keeps no residuals from a while loop, so
    each product with that linearisation re-runs the whole LLG solve. With few
    parameters ``p`` it is cheaper to compute ``J = jacfwd(residuals)`` once (one solve
    carrying ``len(p)`` tangents, with ``adjoint=diffrax.ForwardMode()``) and reuse it.
    Only ``p`` is differentiated; ``args`` are treated as constants.
    """

    @jax.custom_jvp
    def wrapped(p, *args):
        return residuals(p, *args)

    @wrapped.defjvp
    def _jvp(primals, tangents):
        p, *args = primals

        def with_value(q):
            r = residuals(q, *args)
            return r, r

        J, r = jax.jacfwd(with_value, has_aux=True)(p)
        return r, J @ tangents[0]

    return wrapped
