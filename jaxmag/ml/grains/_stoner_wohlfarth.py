"""The Stoner–Wohlfarth baseline for per-grain switching fields.

An isolated single-domain grain with uniaxial anisotropy, magnetised along the field
direction ``d`` and then swept along ``−d``, reverses its ``m·d`` at the coercive field

    h_c(ψ) = 1 / (cos^(2/3) ψ + sin^(2/3) ψ)^(3/2)      for ψ ≤ π/4 (the astroid, a jump),
    h_c(ψ) = sin ψ cos ψ                                   for ψ > π/4 (reversibly),

in units of the anisotropy field ``H_K = 2 Ku / (μ0 Ms)``, where ``ψ`` is the angle between
the easy axis and ``d`` (an easy axis and its reverse are the same axis, so ``ψ`` is
folded into ``[0, π/2]``).
"""

import numpy as np

from jaxmag._validate import check_real
from jaxmag.constants import MU0


def anisotropy_field(Ku1: float, Ms: float) -> float:
    """``H_K = 2 Ku1 / (μ0 Ms)`` in A/m, from `Ku1` in J/m³ and `Ms` in A/m."""
    check_real("Ku1 (J/m³)", Ku1, positive=True)
    check_real("Ms (A/m)", Ms, positive=True)
    return 2 * Ku1 / (MU0 * Ms)


def sw_coercive_field(psi) -> np.ndarray:
    """``h_c(ψ)`` in units of ``H_K`` for angles `psi` (rad) between easy axis and field."""
    check_real("psi (rad)", psi)
    psi = np.abs(np.asarray(psi, float)) % np.pi
    psi = np.minimum(psi, np.pi - psi)  # the axis, not its sign
    c, s = np.cos(psi), np.sin(psi)
    astroid = 1 / (np.abs(c) ** (2 / 3) + np.abs(s) ** (2 / 3)) ** 1.5
    return np.where(psi <= np.pi / 4, astroid, s * c)


def sw_grain_fields(axes, direction, Ku1: float, Ms: float) -> np.ndarray:
    """Per-grain Stoner–Wohlfarth coercive fields ``μ0 H_c`` in T for unit easy `axes`
    ``(n, 3)`` and the field `direction` ``d`` (3-vector; the sweep runs along ``−d``)."""
    ax = np.asarray(axes, float)
    d = np.asarray(direction, float)
    if ax.ndim != 2 or ax.shape[1] != 3 or d.shape != (3,) or not np.linalg.norm(d) > 0:
        raise ValueError(
            f"axes must be (n, 3) and direction a non-zero 3-vector; got {ax.shape}, {d.shape}"
        )
    cos = np.abs(ax @ d) / (np.linalg.norm(ax, axis=1) * np.linalg.norm(d))
    psi = np.arccos(np.clip(cos, 0.0, 1.0))
    return MU0 * anisotropy_field(Ku1, Ms) * sw_coercive_field(psi)
