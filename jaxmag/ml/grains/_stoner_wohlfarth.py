"""The Stoner–Wohlfarth baseline for per-grain switching fields: every grain an
isolated single-domain particle, with the closed-form coercive field of
:func:`jaxmag.statics.sw_uniaxial_coercive_field` (the physics lives in the simulator).
"""

import numpy as np

from jaxmag.constants import MU0
from jaxmag.statics import anisotropy_field, sw_uniaxial_coercive_field


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
    return MU0 * anisotropy_field(Ku1, Ms) * sw_uniaxial_coercive_field(psi)
