"""Bounds and effective-medium formulas for two-phase composites (dimensionless μr).

Phase 1 has relative permeability ``mu1`` and volume fraction ``1 − f``, phase 2 has
``mu2`` and ``f``; ``d`` is the dimension (2 or 3).

- Wiener: the harmonic and arithmetic means, valid for any microstructure.
- Hashin–Shtrikman: the best bounds given only ``f`` for isotropic composites. For an
  anisotropic tensor the trace bounds of Murat & Tartar / Lurie & Cherkaev apply,

      Tr[(μ_eff − μ_lo I)⁻¹] ≤ d / (f_hi Δ) + f_lo / (f_hi μ_lo),
      Tr[(μ_hi I − μ_eff)⁻¹] ≤ d / (f_lo Δ) − f_hi / (f_lo μ_hi),

  with ``Δ = μ_hi − μ_lo``; they reduce to the HS bounds for isotropic tensors and are
  attained by laminates (Milton, *The Theory of Composites*, ch. 23).
- Maxwell Garnett: inclusions of ``mu2`` in a host of ``mu1``, exact to first order
  in ``f`` (it is the HS bound with the host as the reference).
- Bruggeman: the symmetric effective-medium approximation.
"""

import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Bool, Float

from jaxmag._validate import check_real, is_concrete


def _check(f, mu1, mu2, d):
    check_real("volume fraction f", f, nonneg=True)
    if is_concrete(f) and np.any(np.asarray(f) > 1):
        raise ValueError(f"volume fraction f must lie in [0, 1], got {f!r}")
    check_real("relative permeability mu1", mu1, positive=True)
    check_real("relative permeability mu2", mu2, positive=True)
    if d not in (2, 3):
        raise ValueError(f"dimension d must be 2 or 3, got {d!r}")


def wiener_bounds(f: ArrayLike, mu1: ArrayLike, mu2: ArrayLike) -> tuple[Array, Array]:
    """``(harmonic, arithmetic)`` means: the bounds on every eigenvalue of ``μ_eff``."""
    _check(f, mu1, mu2, 2)
    return 1.0 / ((1 - f) / mu1 + f / mu2), (1 - f) * mu1 + f * mu2


def maxwell_garnett(f: ArrayLike, mu1: ArrayLike, mu2: ArrayLike, d: int = 2) -> Array:
    """Maxwell Garnett: ``(μ − μ1)/(μ + (d−1)μ1) = f (μ2 − μ1)/(μ2 + (d−1)μ1)``."""
    _check(f, mu1, mu2, d)
    beta = f * (mu2 - mu1) / (mu2 + (d - 1) * mu1)
    return mu1 * (1 + (d - 1) * beta) / (1 - beta)


def bruggeman(f: ArrayLike, mu1: ArrayLike, mu2: ArrayLike, d: int = 2) -> Array:
    """Bruggeman: ``Σ f_i (μ_i − μ)/(μ_i + (d−1)μ) = 0``, the positive root."""
    _check(f, mu1, mu2, d)
    a = d - 1
    b = (1 - f) * (a * mu1 - mu2) + f * (a * mu2 - mu1)
    return (b + jnp.sqrt(b**2 + 4 * a * mu1 * mu2)) / (2 * a)


def hashin_shtrikman(f: ArrayLike, mu1: ArrayLike, mu2: ArrayLike, d: int = 2):
    """``(lower, upper)`` Hashin–Shtrikman bounds on an isotropic ``μ_eff``."""
    _check(f, mu1, mu2, d)
    lo, hi = jnp.minimum(mu1, mu2), jnp.maximum(mu1, mu2)
    f_hi = jnp.where(mu2 >= mu1, f, 1 - f)
    return maxwell_garnett(f_hi, lo, hi, d), maxwell_garnett(1 - f_hi, hi, lo, d)


def hs_trace_margins(
    mu_eff: Float[Array, "*batch d d"], f: ArrayLike, mu1: ArrayLike, mu2: ArrayLike
) -> tuple[Array, Array]:
    """The relative margins ``(lower, upper)`` of the trace bounds; both ≥ 0 inside.

    A margin is ``1 − Tr[…]⁻¹-form / bound``; it is negative when the bound is violated or
    when ``μ_eff`` leaves ``μ_lo I ≤ μ_eff ≤ μ_hi I``. For a single phase (``f`` = 0 or
    1) both bounds are that phase's ``μ I`` and both margins are ``−max|λ(μ_eff − μ I)|/μ``.
    Vectorised over leading axes.
    """
    mu_eff = jnp.asarray(mu_eff)
    d = mu_eff.shape[-1]
    _check(f, mu1, mu2, d)
    f, mu1, mu2 = (jnp.asarray(v, float)[..., None] for v in (f, mu1, mu2))
    lo, hi = jnp.minimum(mu1, mu2), jnp.maximum(mu1, mu2)
    f_hi = jnp.where(mu2 >= mu1, f, 1 - f)
    f_lo = 1 - f_hi
    delta = hi - lo
    eye = jnp.eye(d)
    ev_lo = jnp.linalg.eigvalsh(mu_eff - lo[..., None] * eye)
    ev_hi = jnp.linalg.eigvalsh(hi[..., None] * eye - mu_eff)
    # bound ≥ Σ 1/ev with every ev > 0  ⇔  margin = 1 − Σ(1/ev)/bound ≥ 0
    bound_lo = d / (f_hi * delta) + f_lo / (f_hi * lo)
    bound_hi = d / (f_lo * delta) - f_hi / (f_lo * hi)
    m_lo = jnp.where(
        jnp.all(ev_lo > 0, -1, keepdims=True),
        1 - jnp.sum(1 / ev_lo, -1, keepdims=True) / bound_lo,
        -jnp.inf,
    )
    m_hi = jnp.where(
        jnp.all(ev_hi > 0, -1, keepdims=True),
        1 - jnp.sum(1 / ev_hi, -1, keepdims=True) / bound_hi,
        -jnp.inf,
    )
    # one phase only (f = 0 or 1): both bounds are that phase's μ I, and the margins are
    # minus the largest relative deviation of μ_eff from it
    pure = jnp.where(f_hi > 0, hi, lo)
    dev = -jnp.max(jnp.abs(jnp.linalg.eigvalsh(mu_eff - pure[..., None] * eye)), -1) / pure[..., 0]
    one = ((f_hi == 0) | (f_lo == 0))[..., 0]
    return jnp.where(one, dev, m_lo[..., 0]), jnp.where(one, dev, m_hi[..., 0])


def inside_hs_bounds(
    mu_eff: Float[Array, "*batch d d"],
    f: ArrayLike,
    mu1: ArrayLike,
    mu2: ArrayLike,
    *,
    rtol: float = 1e-6,
) -> Bool[Array, "*batch"]:
    """Whether each ``μ_eff`` satisfies both trace bounds, to a relative slack ``rtol``."""
    m_lo, m_hi = hs_trace_margins(mu_eff, f, mu1, mu2)
    return (m_lo >= -rtol) & (m_hi >= -rtol)
