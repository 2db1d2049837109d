"""The Landau–Lifshitz–Gilbert equation in Landau–Lifshitz form.

``dm/dt = -γ/(1+α²) [m × H + α m × (m × H)] + Σ (τ + α m × τ)/(1+α²)`` with ``γ`` in
m/(A s), ``H`` in A/m, and the spin torques ``τ`` (1/s) of ``system.torques`` (the
Gilbert form ``dm/dt = -γ m × H + α m × dm/dt + Σ τ``, solved for ``dm/dt``).
"""

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array, Float, Scalar

from jaxmag._system import System
from jaxmag.vectors import cross, normalise

TIME_UNIT: float = 1e-12
"""The solver integrates in picoseconds, so that step sizes and tolerances are O(1)."""


def field_torque(system: System, m: Float[Array, "3 nx ny nz"], t: Scalar | float = 0.0):
    """``m × H`` in A/m (zero in non-magnetic cells)."""
    m = jnp.where(system.magnetic, normalise(m), 0.0)
    return cross(m, system.field(m, t))


def llg_rhs(
    system: System,
    m: Float[Array, "3 nx ny nz"],
    t: Scalar | float = 0.0,
    *,
    precession: bool = True,
) -> Float[Array, "3 nx ny nz"]:
    """``dm/dt`` in 1/s at time ``t`` (s).

    ``m`` is normalised first (and zeroed in non-magnetic cells), so the right-hand
    side is invariant under radial scaling of ``m``. This makes the first-same-as-last
    stage of an explicit Runge–Kutta method, evaluated at the unprojected end point of a
    step, equal to the one at the projected point: projection and FSAL are consistent.

    **Arguments:**

    - `system`: the :class:`System` (its ``gamma`` in m/(A s), ``material.alpha``).
    - `m`: magnetisation, unit length in magnetic cells.
    - `t`: time in s.
    - `precession`: set ``False`` for damping-only dynamics (relaxation).
    """
    m = jnp.where(system.magnetic, normalise(m), 0.0)
    dmdt = torque_of_field(system, m, system.field(m, t), precession)
    alpha = system.material.alpha
    for term in system.torques:  # Gilbert-form torques τ: (τ + α m × τ) / (1 + α²)
        tau = term.torque(m, t)
        dmdt = dmdt + (tau + alpha * cross(m, tau)) / (1 + alpha**2)
    return dmdt


def scaled_rhs(tau, m, system: System, precession: bool = True):
    """``dm/dτ`` in the solver's scaled time ``τ = t / TIME_UNIT`` (ps): the diffrax
    vector field ``(τ, y, args=system)`` of :func:`simulate`, :func:`simulate_fixed`
    and :func:`~jaxmag.simulate_checkpointed`."""
    return TIME_UNIT * llg_rhs(system, m, tau * TIME_UNIT, precession=precession)


class ScaledLLG(eqx.Module):
    """The diffrax vector field ``(τ, y, args=system) ↦ dm/dτ`` of :func:`scaled_rhs`,
    as a module, so that a solver can ask it for the split of :func:`split_rhs`
    (:class:`~jaxmag.SemiImplicitBDF2` does)."""

    precession: bool = eqx.field(static=True, default=True)

    def __call__(self, tau, y, args):
        return scaled_rhs(tau, y, args, self.precession)


def implicit_field(system: System, x, t, implicit: tuple[type, ...]):
    """The field in A/m of the terms of `system` that are instances of `implicit`, at
    ``x`` as given (not normalised): linear in ``x`` for the exchange stencil."""
    return sum(
        (term.field(x, t) for term in system.terms if isinstance(term, implicit)),
        jnp.zeros_like(x),
    )


def torque_of_field(system: System, u_hat, H, precession: bool = True):
    """``-γ/(1+α²) [u × H + α u × (u × H)]`` in 1/s: the LLG torque of the field ``H``
    (A/m) about the unit vectors ``u_hat``."""
    alpha = system.material.alpha
    uxH = cross(u_hat, H)
    damp = alpha * cross(u_hat, uxH)
    pre = -system.gamma / (1 + alpha**2)
    return pre * (uxH + damp) if precession else pre * damp


def split_rhs(
    system: System,
    u: Float[Array, "3 nx ny nz"],
    t: Scalar | float,
    implicit: tuple[type, ...],
    *,
    precession: bool = True,
):
    """The LLG right-hand side split about the state ``u``: returns ``(g, L)`` with
    ``g`` (1/s) the torque of the explicit terms (every term not an instance of
    `implicit`) and the spin torques at ``û = u/|u|``, and ``L(v)`` (1/s) the linear map
    ``v ↦ torque of the implicit terms' field at v``, taken about ``û``. Then
    ``llg_rhs(system, u, t) = L(u) + g`` for unit ``u``: a linearly implicit scheme
    solves for ``v`` with ``û`` frozen (Xie et al., J. Comput. Phys. 2020)."""
    u_hat = jnp.where(system.magnetic, normalise(u), 0.0)
    H_e = sum(
        (term.field(u_hat, t) for term in system.terms if not isinstance(term, implicit)),
        jnp.zeros_like(u),
    )
    g = torque_of_field(system, u_hat, H_e, precession)
    alpha = system.material.alpha
    for term in system.torques:
        tau = term.torque(u_hat, t)
        g = g + (tau + alpha * cross(u_hat, tau)) / (1 + alpha**2)

    def L(v):
        return torque_of_field(system, u_hat, implicit_field(system, v, t, implicit), precession)

    return g, L
