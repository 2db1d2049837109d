"""A head whose tensors lie inside the Hashin–Shtrikman (trace) bounds by construction.

The network's symmetric ``S`` proposes ``μ = μ_B exp(S)``, with ``μ_B`` the isotropic
Bruggeman estimate, which lies strictly inside the bounds for 0 < f < 1. A proposal
inside the bounds is kept as it is. One outside is replaced by the nearest admissible
tensor in the Frobenius norm (:mod:`._hs_projection`): the set the bounds allow is
convex, so this projection never moves a prediction further from any admissible tensor,
the true one included, and cannot raise a sample's error. (The earlier head moved the
proposal towards ``μ_B`` along its eigenvalue ray, which can; it cost R² 0.0005.)

The projection lands on the bound; a last step keeps every prediction a fraction ε of
the way inside, so that float32 rounding cannot put it outside. In the plane of the
eigenvalues the ray from ``μ_B (1, 1)`` through a tensor leaves the admissible set once,
at a distance ``r_max`` in closed form (a quadratic in the distance per bound); a
tensor's deviation ``ρ`` from ``μ_B`` becomes ``min(ρ, (1 − ε) r_max)``. Eigenvectors
are kept, so the prediction stays SPD, and with ``P`` the projected ``exp(S)``

    μ = μ_B ((1 − k) I + k P),   k = min(1, (1 − ε) r_max / ρ) ∈ (0, 1].

For one phase only (f = 0 or 1) or no contrast the bounds are a point and ``k = 0``.
``S`` is clipped to ±30 before the exponential (float32).
"""

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from jaxmag.ml.homogenisation._hs_projection import TraceBounds, project_tensor
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


def _bounds(f, contrast, centre):
    """``(TraceBounds, degenerate)`` for particles of μr = ``contrast`` at fraction ``f``
    in a matrix of 1, relative to ``centre`` (``lo``, ``hi`` and the laminates'
    arithmetic and harmonic means divided by it, the ``b`` multiplied); safe finite
    values where degenerate."""
    lo, hi = jnp.minimum(1.0, contrast), jnp.maximum(1.0, contrast)
    f_hi = jnp.where(contrast >= 1.0, f, 1.0 - f)
    f_lo = 1.0 - f_hi
    degenerate = (f_hi <= 0) | (f_lo <= 0) | (hi - lo <= 0)
    f_hi_s = jnp.where(degenerate, 0.5, f_hi)
    f_lo_s = jnp.where(degenerate, 0.5, f_lo)
    delta = jnp.where(degenerate, 1.0, hi - lo)
    bound_lo = 2.0 / (f_hi_s * delta) + f_lo_s / (f_hi_s * lo)
    bound_hi = 2.0 / (f_lo_s * delta) - f_hi_s / (f_lo_s * hi)
    lo_r = jnp.where(degenerate, 0.5, lo / centre)
    hi_r = jnp.where(degenerate, 2.0, hi / centre)
    b_lo = jnp.where(degenerate, 8.0, bound_lo * centre)
    b_hi = jnp.where(degenerate, 8.0, bound_hi * centre)
    arith = (f_hi_s * hi + f_lo_s * lo) / centre
    harm = 1.0 / (f_hi_s / hi + f_lo_s / lo) / centre
    arith, harm = jnp.where(degenerate, 1.0, arith), jnp.where(degenerate, 1.0, harm)
    return TraceBounds(lo_r, hi_r, b_lo, b_hi, arith, harm), degenerate


@jax.jit  # one program, not one per operation, when called outside a model
def shrink_factor(
    s: Float[Array, "*batch 3"],
    f: Float[Array, "*batch"],
    contrast: Float[Array, "*batch"],
    centre: Float[Array, "*batch"],
) -> Float[Array, "*batch"]:
    """``k`` of the module docstring for log-corrections ``s`` (components ``xx, yy,
    xy``), volume fractions ``f`` of the particles (μr = ``contrast``) in a matrix of 1,
    and the isotropic ``centre`` ``μ_B``."""
    (lo_r, hi_r, b_lo, b_hi, *_), degenerate = _bounds(f, contrast, centre)
    a, dd, b = s[..., 0], s[..., 1], s[..., 2]
    m = 0.5 * (a + dd)
    q = (0.5 * (a - dd)) ** 2 + b**2
    half = jnp.sqrt(jnp.where(q > 0, q, 1.0))
    half = jnp.where(q > 0, half, 0.0)
    d1 = jnp.expm1(m + half)  # the proposal's eigenvalues minus the centre, relative
    d2 = jnp.expm1(m - half)
    x = jnp.maximum(
        _inverse_exit(b_lo, 1.0 - lo_r, d1, d2), _inverse_exit(b_hi, hi_r - 1.0, -d1, -d2)
    ) / (1.0 - SHRINK_MARGIN)
    k = 1.0 / jnp.maximum(x, 1.0)
    return jnp.where(degenerate, 0.0, k)


@jax.jit
def bounded_relative(s, f, contrast, centre) -> Float[Array, "*batch 3"]:
    """The components of ``μ / μ_B = (1 − k) I + k P``: ``exp(S)`` projected onto the
    bounds (``P``), then kept a fraction ε inside."""
    s = jnp.clip(s, -30.0, 30.0)
    bounds, degenerate = _bounds(f, contrast, centre)
    e = project_tensor(to_components(expm_sym(s)), bounds)
    eye = jnp.array([1.0, 1.0, 0.0], e.dtype)
    e = jnp.where(degenerate[..., None], eye, e)  # the bounds are a point: μ_B itself
    k = shrink_factor(logm_sym(e), f, contrast, centre)[..., None]
    return (1.0 - k) * eye + k * e


def bounded_log_correction(s, f, contrast, centre) -> Float[Array, "*batch 3"]:
    """``log(μ / μ_B)`` of the bounded prediction: what the loss compares with the
    targets, so that training goes through the bound."""
    return logm_sym(bounded_relative(s, f, contrast, centre))
