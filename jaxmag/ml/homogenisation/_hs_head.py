"""A head whose tensors lie inside the Hashin–Shtrikman (trace) bounds by construction.

The network's symmetric ``S`` proposes ``μ = μ_B exp(S)``, with ``μ_B`` the isotropic
Bruggeman estimate, which lies strictly inside the bounds for 0 < f < 1. In the plane of
the eigenvalues the set the bounds allow is convex (each bound is a sublevel set of a
sum of ``1/(λ_i − μ_lo)`` or ``1/(μ_hi − λ_i)``), so the ray from ``μ_B (1, 1)`` through
the proposal leaves it once, at a distance ``r_max`` in closed form (a quadratic in the
distance per bound). A proposal inside is kept as it is; one outside is projected
along that ray to ``r = (1 − ε) r_max``: its deviation ``ρ`` from ``μ_B`` becomes
``min(ρ, r)``. Eigenvectors are kept, so the prediction stays SPD, and

    μ = μ_B ((1 − k) I + k exp(S)),   k = min(1, r / ρ) ∈ (0, 1].

(A smooth squash such as ``k = (1 + (ρ/r)⁴)^(−1/4)`` reaches the bound only as ρ → ∞: a
target on the bound, a laminate's tensor, then drives the proposal to overflow in
training. The projection reaches it at a finite proposal and leaves every prediction
inside unchanged.) ``S`` is clipped to ±30 before the exponential (float32).

For one phase only (f = 0 or 1) or no contrast the bounds are a point and ``k = 0``.
"""

import jax.numpy as jnp
from jaxtyping import Array, Float

from jaxmag.ml.homogenisation._tensors import expm_sym, logm_sym, to_components

SHRINK_MARGIN: float = 1e-4
"""ε: predictions stay at least this fraction of ``r_max`` inside the bounds (float32)."""


def _inverse_exit(bound, a, d1, d2):
    """``1 / r`` at which ``1/(a + r d1) + 1/(a + r d2) = bound`` first holds for r > 0
    (0 if never), times the length of ``(d1, d2)``: the smaller positive root of
    ``bound (a + r d1)(a + r d2) − (2a + r (d1 + d2)) = 0``, whose constant term
    ``a (bound a − 2)`` is positive inside."""
    A = bound * d1 * d2
    B = (bound * a - 1.0) * (d1 + d2)
    C = a * (bound * a - 2.0)
    disc = B**2 - 4.0 * A * C
    root = jnp.sqrt(jnp.where(disc > 0, disc, 1.0))
    # -B + root without cancellation: for B > 0 it is -4AC / (B + root) (float32 lost
    # the root of anisotropic proposals, A < 0, to rounding and let 0.4 % out)
    q = jnp.where(B <= 0, -B + root, -4.0 * A * C / jnp.where(B > 0, B + root, 1.0))
    q = jnp.where(disc > 0, q, 0.0)
    return jnp.maximum(q, 0.0) / (2.0 * C)


def shrink_factor(
    s: Float[Array, "*batch 3"],
    f: Float[Array, "*batch"],
    contrast: Float[Array, "*batch"],
    centre: Float[Array, "*batch"],
) -> Float[Array, "*batch"]:
    """``k`` of the module docstring for log-corrections ``s`` (components ``xx, yy,
    xy``), volume fractions ``f`` of the particles (μr = ``contrast``) in a matrix of 1,
    and the isotropic ``centre`` ``μ_B``."""
    lo, hi = jnp.minimum(1.0, contrast), jnp.maximum(1.0, contrast)
    f_hi = jnp.where(contrast >= 1.0, f, 1.0 - f)
    f_lo = 1.0 - f_hi
    degenerate = (f_hi <= 0) | (f_lo <= 0) | (hi - lo <= 0)
    f_hi_s = jnp.where(degenerate, 0.5, f_hi)
    f_lo_s = jnp.where(degenerate, 0.5, f_lo)
    delta = jnp.where(degenerate, 1.0, hi - lo)
    bound_lo = 2.0 / (f_hi_s * delta) + f_lo_s / (f_hi_s * lo)
    bound_hi = 2.0 / (f_lo_s * delta) - f_hi_s / (f_lo_s * hi)
    a, dd, b = s[..., 0], s[..., 1], s[..., 2]
    m = 0.5 * (a + dd)
    q = (0.5 * (a - dd)) ** 2 + b**2
    half = jnp.sqrt(jnp.where(q > 0, q, 1.0))
    half = jnp.where(q > 0, half, 0.0)
    d1 = centre * jnp.expm1(m + half)  # the proposal's eigenvalues minus the centre
    d2 = centre * jnp.expm1(m - half)
    a_lo = jnp.where(degenerate, 1.0, centre - lo)
    a_hi = jnp.where(degenerate, 1.0, hi - centre)
    x = jnp.maximum(
        _inverse_exit(bound_lo, a_lo, d1, d2), _inverse_exit(bound_hi, a_hi, -d1, -d2)
    ) / (1.0 - SHRINK_MARGIN)
    k = 1.0 / jnp.maximum(x, 1.0)
    return jnp.where(degenerate, 0.0, k)


def bounded_relative(s, f, contrast, centre) -> Float[Array, "*batch 3"]:
    """The components of ``μ / μ_B = (1 − k) I + k exp(S)``."""
    s = jnp.clip(s, -30.0, 30.0)
    k = shrink_factor(s, f, contrast, centre)[..., None]
    e = to_components(expm_sym(s))
    return (1.0 - k) * jnp.array([1.0, 1.0, 0.0], e.dtype) + k * e


def bounded_log_correction(s, f, contrast, centre) -> Float[Array, "*batch 3"]:
    """``log(μ / μ_B)`` of the bounded prediction: what the loss compares with the
    targets, so that training goes through the bound."""
    return logm_sym(bounded_relative(s, f, contrast, centre))
