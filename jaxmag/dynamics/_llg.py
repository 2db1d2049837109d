"""The Landau–Lifshitz–Gilbert equation in Landau–Lifshitz form.

``dm/dt = -γ/(1+α²) [m × H + α m × (m × H)] + Σ (τ + α m × τ)/(1+α²)`` with ``γ`` in
m/(A s), ``H`` in A/m, and the spin torques ``τ`` (1/s) of ``system.torques`` (the
Gilbert form ``dm/dt = -γ m × H + α m × dm/dt + Σ τ``, solved for ``dm/dt``).
"""

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
    H = system.field(m, t)
    mxH = cross(m, H)
    alpha = system.material.alpha
    damp = alpha * cross(m, mxH)
    pre = -system.gamma / (1 + alpha**2)
    dmdt = pre * (mxH + damp) if precession else pre * damp
    for term in system.torques:  # Gilbert-form torques τ: (τ + α m × τ) / (1 + α²)
        tau = term.torque(m, t)
        dmdt = dmdt + (tau + alpha * cross(m, tau)) / (1 + alpha**2)
    return dmdt


def scaled_rhs(tau, m, system: System, precession: bool = True):
    """``dm/dτ`` in the solver's scaled time ``τ = t / TIME_UNIT`` (ps): the diffrax
    vector field ``(τ, y, args=system)`` of :func:`simulate`, :func:`simulate_fixed`
    and :func:`~jaxmag.simulate_checkpointed`."""
    return TIME_UNIT * llg_rhs(system, m, tau * TIME_UNIT, precession=precession)
