"""The relaxed equilibrium as a differentiable function: gradients by the implicit
function theorem, not by backpropagation through the minimiser's iterations.

At an equilibrium ``m*`` the torque vanishes: ``r(m*, θ) = P(m*) H(m*, θ) = 0`` with
``P(m) = I - m mᵀ`` per cell and ``θ`` everything in the :class:`System` (material
parameters, applied fields, design maps). For a perturbation ``δθ`` the tangent response
``δm`` solves ``A δm = -P ∂H/∂θ δθ`` with ``A = P (∂H/∂m) P - diag(m·H)``. Writing
``D = μ0 Ms V`` per cell, ``D A = -Hess`` where ``Hess = P ∇²E P + D diag(m·H)`` is the
Riemannian Hessian of the energy on the product of spheres: symmetric, and positive
definite at a stable minimum. The backward pass therefore solves one linear system with
it by conjugate gradients (lineax ``CG``; Hessian-vector products by ``jax.jvp`` of the
field), then takes one VJP of the field with respect to ``θ``. Its cost is a few dozen
field evaluations, whatever the number of minimiser iterations.
"""

import equinox as eqx
import jax
import jax.numpy as jnp
import lineax as lx

from jaxmag._system import System
from jaxmag._validate import is_concrete
from jaxmag.statics._relax import REASONS, minimise
from jaxmag.vectors import dot


def _project(m, x):
    return x - dot(m, x) * m


def _relaxed(system, m0, tol, max_iter):
    """The minimiser's state, refused unless it converged (stop reason ``converged``; not
    ``max_iter``, ``stagnated`` or ``non_finite``): the implicit gradient is only valid at
    an equilibrium. With concrete values (also in the forward pass of an eager
    ``jax.grad``) the error names the reason, the iterations and the torque reached;
    under ``jit`` it is an ``eqx.branched_error_if`` naming the reason, raised when the
    compiled function runs."""
    res = minimise(system, m0, tol=tol, max_iter=max_iter)
    what = "jaxmag.equilibrium: the minimiser did not converge in max_iter={} iterations"
    advice = "the implicit gradient is only valid at an equilibrium; raise max_iter or tol"
    tol_s = f"{float(tol):.3e}" if is_concrete(tol) else "tol"
    if is_concrete(res.max_torque):
        if not bool(res.converged):
            raise RuntimeError(
                f"{what.format(max_iter)} (stop reason: {res.reason_name}, after "
                f"{int(res.iterations)} iterations): max torque |m × H| / max(Ms) = "
                f"{float(res.max_torque):.3e}, not below tol = {tol_s}; {advice}"
            )
        return res.m
    msgs = tuple(
        f"{what.format(max_iter)} (stop reason: {name}): max torque |m × H| / max(Ms) "
        f">= tol = {tol_s}; {advice}"
        for name in REASONS
    )
    return eqx.branched_error_if(res.m, jnp.logical_not(res.converged), res.reason, msgs)


@eqx.filter_custom_vjp
def _equilibrium(system, m0, tol, max_iter, cg_tol, cg_max_steps):
    return _relaxed(system, m0, tol, max_iter)


@_equilibrium.def_fwd
def _equilibrium_fwd(perturbed, system, m0, tol, max_iter, cg_tol, cg_max_steps):
    m = _relaxed(system, m0, tol, max_iter)
    return m, m


@_equilibrium.def_bwd
def _equilibrium_bwd(m, g, perturbed, system, m0, tol, max_iter, cg_tol, cg_max_steps):
    mag = system.magnetic
    scale = jax.lax.stop_gradient(jnp.max(system.material.Ms))
    d = system.material.Ms / scale  # D up to a constant factor
    H = system.field(m) / scale
    mH = dot(m, H)

    def field_of_m(x):
        return system.field(x) / scale

    def hess(x):  # Riemannian Hessian (scaled) on tangent vectors; identity elsewhere
        xt = _project(m, x)
        jH = jax.jvp(field_of_m, (m,), (xt,))[1]
        out = -_project(m, d * jH) + d * mH * xt
        normal = dot(m, x) * m
        return jnp.where(mag, out + normal, x)

    g_t = jnp.where(mag, _project(m, g), 0.0)
    op = lx.FunctionLinearOperator(
        hess, jax.eval_shape(lambda: m), tags=(lx.symmetric_tag, lx.positive_semidefinite_tag)
    )
    solver = lx.CG(rtol=cg_tol, atol=cg_tol, max_steps=cg_max_steps)
    y = lx.linear_solve(op, -g_t, solver).value
    lam = jnp.where(mag, d * _project(m, y), 0.0)

    def residual(sys):
        return _project(m, sys.field(m) / scale)

    _, vjp = eqx.filter_vjp(residual, system)
    (grad_sys,) = vjp(-lam)
    return grad_sys


def equilibrium(
    system: System,
    m0,
    *,
    tol: float | None = None,
    max_iter: int = 200_000,
    cg_tol: float = 1e-10,
    cg_max_steps: int = 10_000,
):
    """The relaxed state reached from ``m0`` (Barzilai–Borwein, :func:`jaxmag.minimise`),
    differentiable with respect to everything in ``system`` by the implicit function
    theorem (see the module docstring).

    **Arguments:**

    - `system`: the :class:`System`; gradients flow to its arrays (Ms, A, α, Ku, the
      applied field, per-cell maps...).
    - `m0`: the starting guess (no gradient flows to it: a stable equilibrium does not
      depend on the guess to first order).
    - `tol`: torque tolerance of the minimiser (see :func:`jaxmag.minimise`). The
      gradient is as accurate as the equilibrium: keep `tol` small (default 1e-7 in
      float64).
    - `max_iter`: iteration limit of the minimiser. If the torque is still at or above
      `tol` when it is reached, or the minimiser stopped for another reason (its torque
      stagnated above `tol`, or became non-finite), the state is no equilibrium and its
      implicit gradient would be wrong: a ``RuntimeError`` naming the stop reason, the
      torque reached and `tol` is raised in the forward pass (under ``jit``, an
      ``eqx.branched_error_if`` error naming the reason, when it runs).
    - `cg_tol`, `cg_max_steps`: the conjugate-gradient solve of the backward pass. It
      raises an error if it fails (e.g. at a saddle point, where the Hessian is not
      positive definite), rather than returning a wrong gradient.
    """
    m0 = system.check_magnetisation(m0)
    if tol is None:
        tol = 1e-7 if m0.dtype == jnp.float64 else 1e-5
    return _equilibrium(system, m0, tol, max_iter, cg_tol, cg_max_steps)
