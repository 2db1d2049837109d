"""LLG residuals for PINNs, with derivatives by forward-mode autodiff (``jax.jvp``), and the
manufactured 1D solution.

Macrospin, reduced units of :mod:`jaxmag.thermal` (field in ``H_K``, time in
``1/(γ0 H_K)``)::

    r = ∂t m + 1/(1+α²) [m × h + α m × (m × h)],   h = h_app + k m_z ẑ

1D film on x ∈ [0, 1] (exchange only, unit exchange length and time), with a forcing
``g``::

    r = ∂t m + m × ∂xx m + α m × (m × ∂xx m) - g

The manufactured solution of the 1D problem is ``m_e = (cos x̄ sin t, sin x̄ sin t, cos t)``
with ``x̄ = x²(1-x)²``; it satisfies homogeneous Neumann conditions (``x̄' = 0`` at 0 and
1), and :func:`manufactured_forcing` is the ``g`` for which it solves the equation,
written out by hand (tested against autodiff of :func:`manufactured_solution`).
"""

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from jaxmag.thermal._pulses import pulse_field, reduced_rhs
from jaxmag.vectors import cross


def time_derivative(fn, t, *args):
    """``(fn(t, *args), ∂fn/∂t)`` by one ``jax.jvp``."""
    return jax.jvp(lambda s: fn(s, *args), (t,), (jnp.ones_like(t),))


def macrospin_residual(model, t, p, k_easy=1.0) -> Float[Array, " 3"]:
    """LLG residual of ``model(t, p) -> m`` at one time ``t`` (reduced units), for the
    task parameters ``p = (h, ψ in degrees, α)`` (field ``h (sin ψ, 0, -cos ψ)``);
    ``k_easy`` is the easy-axis (z) anisotropy field in the same unit as ``h``."""
    m, dm = time_derivative(model, t, p)
    return dm - reduced_rhs(m, pulse_field(p[0], p[1]), p[2], k_easy=k_easy)


def film1d_residual(model, x, t, alpha, forcing) -> Float[Array, " 3"]:
    """1D LLG residual of ``model(x, t) -> m`` at one point; ``forcing(x, t)`` is ``g``
    (use ``lambda x, t: 0`` for the free equation)."""

    def m_x(xx):
        return jax.jvp(lambda s: model(s, t), (xx,), (jnp.ones_like(xx),))[1]

    m, dm_dt = time_derivative(lambda s: model(x, s), t)
    lap = jax.jvp(m_x, (x,), (jnp.ones_like(x),))[1]
    mxl = cross(m, lap)
    return dm_dt + mxl + alpha * cross(m, mxl) - forcing(x, t)


def _xbar(x):
    """x̄, x̄', x̄'' of ``x̄ = x²(1-x)²``."""
    return x**2 * (1 - x) ** 2, 2 * x * (1 - x) * (1 - 2 * x), 2 - 12 * x + 12 * x**2


def manufactured_solution(x, t) -> Float[Array, " 3"]:
    """``m_e(x, t) = (cos x̄ sin t, sin x̄ sin t, cos t)``, ``x̄ = x²(1-x)²``."""
    xb = _xbar(x)[0]
    return jnp.stack([jnp.cos(xb) * jnp.sin(t), jnp.sin(xb) * jnp.sin(t), jnp.cos(t)])


def manufactured_forcing(x, t, alpha) -> Float[Array, " 3"]:
    """``g = ∂t m_e + m_e × ∂xx m_e + α m_e × (m_e × ∂xx m_e)`` in closed form:
    ``∂t m_e = (cos x̄ cos t, sin x̄ cos t, -sin t)`` and
    ``∂xx m_e = sin t [x̄'' (-sin x̄, cos x̄, 0) - x̄'² (cos x̄, sin x̄, 0)]``."""
    xb, d1, d2 = _xbar(x)
    c, s = jnp.cos(xb), jnp.sin(xb)
    m = manufactured_solution(x, t)
    dt = jnp.stack([c * jnp.cos(t), s * jnp.cos(t), -jnp.sin(t)])
    lap = jnp.sin(t) * jnp.stack([-d2 * s - d1**2 * c, d2 * c - d1**2 * s, jnp.zeros_like(x)])
    mxl = cross(m, lap)
    return dt + mxl + alpha * cross(m, mxl)
