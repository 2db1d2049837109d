"""Demagnetising factors of a uniformly magnetised rectangular prism, in closed form.

A. Aharoni, J. Appl. Phys. 83, 3432 (1998), eq. (1). Independent of the Newell tensor
(:mod:`jaxmag.energy`), whose self term for a single cell must agree with it: the
tests compare the two, and µMAG standard problem 2's small-particle limit uses it.
"""

import numpy as np

from jaxmag._validate import check_real


def _aharoni_nz(a, b, c):
    """``N_zz`` of the prism of half-edges ``a``, ``b``, ``c`` along x, y, z."""
    r = np.sqrt(a * a + b * b + c * c)
    rab, rbc, rac = np.sqrt(a * a + b * b), np.sqrt(b * b + c * c), np.sqrt(a * a + c * c)
    s = (
        (b * b - c * c) / (2 * b * c) * np.log((r - a) / (r + a))
        + (a * a - c * c) / (2 * a * c) * np.log((r - b) / (r + b))
        + b / (2 * c) * np.log((rab + a) / (rab - a))
        + a / (2 * c) * np.log((rab + b) / (rab - b))
        + c / (2 * a) * np.log((rbc - b) / (rbc + b))
        + c / (2 * b) * np.log((rac - a) / (rac + a))
        + 2 * np.arctan(a * b / (c * r))
        + (a**3 + b**3 - 2 * c**3) / (3 * a * b * c)
        + (a * a + b * b - 2 * c * c) / (3 * a * b * c) * r
        + c / (a * b) * (rac + rbc)
        - (rab**3 + rbc**3 + rac**3) / (3 * a * b * c)
    )
    return s / np.pi


def prism_demag_factors(size) -> np.ndarray:
    """``(Nxx, Nyy, Nzz)`` (dimensionless, summing to 1) of a rectangular prism with
    edge lengths ``size = (lx, ly, lz)`` along x, y, z, in any one length unit (> 0)."""
    check_real("size", size, positive=True)
    size = np.asarray(size, dtype=float)
    if size.shape != (3,):
        raise ValueError(f"size must have 3 edge lengths, got shape {size.shape}")
    a, b, c = size / 2
    return np.array([_aharoni_nz(b, c, a), _aharoni_nz(c, a, b), _aharoni_nz(a, b, c)])
