"""Demagnetisation curves from switching-field maps, and their error measures.

A cell whose switching field is ``H_s`` (T, negative: the sweep runs from 0 to negative
fields) has reversed at an applied field ``B ≤ H_s``. The curve is the reversed volume
fraction against ``B``; the coercive field is where it crosses one half.
"""

import numpy as np


def reversed_fraction(field_map, B) -> np.ndarray:
    """The fraction of cells reversed at each field in `B` (T), from a switching-field map
    ``(..., nx, ny)`` in T (NaN: never reverses). Returns ``(..., steps)``."""
    f = np.asarray(field_map, float)
    flat = f.reshape(*f.shape[:-2], -1)
    B = np.asarray(B, float)
    with np.errstate(invalid="ignore"):
        rev = flat[..., None, :] >= B[:, None]  # NaN compares False: never reversed
    return rev.mean(-1)


def coercive_field(B, fraction) -> np.ndarray:
    """The field (T) where the reversed `fraction` first reaches 1/2, interpolated
    linearly between steps; NaN where it never does. `fraction` is ``(..., steps)``."""
    B = np.asarray(B, float)
    y = np.asarray(fraction, float) - 0.5
    flat = y.reshape(-1, y.shape[-1])
    out = np.full(len(flat), np.nan)
    for i, row in enumerate(flat):
        k = np.flatnonzero(row >= 0)
        if k.size and k[0] > 0:
            j = k[0]
            out[i] = B[j - 1] + (B[j] - B[j - 1]) * (-row[j - 1]) / (row[j] - row[j - 1])
        elif k.size:
            out[i] = B[0]
    return out.reshape(y.shape[:-1])


def loop_l1_rel(B, fraction_a, fraction_b) -> np.ndarray:
    """The L1 distance between two curves (trapezoid rule over `B`), as a fraction of the
    swept field range: 0 for equal curves, 1 for a step at one end against one at the
    other."""
    B = np.asarray(B, float)
    d = np.abs(np.asarray(fraction_a, float) - np.asarray(fraction_b, float))
    return np.trapezoid(d, B, axis=-1) * np.sign(B[-1] - B[0]) / abs(B[-1] - B[0])
