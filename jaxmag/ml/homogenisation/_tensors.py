"""Symmetric 2×2 tensors: the matrix exponential and logarithm, and the square group D4.

A tensor is stored as its three independent components ``(xx, yy, xy)``.
"""

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

COMPONENTS = ("xx", "yy", "xy")


def to_components(t: Float[Array, "*batch 2 2"]) -> Float[Array, "*batch 3"]:
    return jnp.stack([t[..., 0, 0], t[..., 1, 1], t[..., 0, 1]], -1)


def from_components(c: Float[Array, "*batch 3"]) -> Float[Array, "*batch 2 2"]:
    row0 = jnp.stack([c[..., 0], c[..., 2]], -1)
    row1 = jnp.stack([c[..., 2], c[..., 1]], -1)
    return jnp.stack([row0, row1], -2)


@jax.jit  # one program, not one per operation, when called outside a model
def expm_sym(c: Float[Array, "*batch 3"]) -> Float[Array, "*batch 2 2"]:
    """``exp(S)`` of the symmetric ``S`` with components ``c``: SPD for any real ``c``.

    ``exp(S) = e^m [cosh δ I + (sinh δ / δ)(S − m I)]``, ``m = tr S / 2``,
    ``δ = √(((a − d)/2)² + b²)``; ``sinh δ / δ`` by its series near δ = 0 (double
    ``where``, so gradients stay finite for isotropic tensors).
    """
    a, d, b = c[..., 0], c[..., 1], c[..., 2]
    m = 0.5 * (a + d)
    q = (0.5 * (a - d)) ** 2 + b**2
    small = q < 1e-12
    delta = jnp.sqrt(jnp.where(small, 1.0, q))
    sinhc = jnp.where(small, 1.0 + q / 6.0, jnp.sinh(delta) / delta)
    cosh = jnp.where(small, 1.0 + q / 2.0, jnp.cosh(delta))
    e = jnp.exp(m)
    xx = e * (cosh + sinhc * 0.5 * (a - d))
    yy = e * (cosh - sinhc * 0.5 * (a - d))
    xy = e * sinhc * b
    return from_components(jnp.stack([xx, yy, xy], -1))


def logm_spd(t) -> np.ndarray:
    """The components of ``log(T)`` for SPD 2×2 tensors ``T`` (NumPy, for targets)."""
    t = np.asarray(t, float)
    w, v = np.linalg.eigh(t)
    if np.any(w <= 0):
        raise ValueError("logm_spd needs positive-definite tensors")
    log_t = np.einsum("...ik,...k,...jk->...ij", v, np.log(w), v)
    return np.stack([log_t[..., 0, 0], log_t[..., 1, 1], log_t[..., 0, 1]], -1)


def d4_transform(maps, comps, index: int):
    """Apply element ``index`` (0–7) of the square's symmetry group to square ``maps``
    ``(..., n, n)`` and to tensor components ``(..., 3)`` consistently.

    Bit 0 swaps x and y (xx ↔ yy), bit 1 flips x, bit 2 flips y; each flip negates xy.
    """
    t, fx, fy = index & 1, (index >> 1) & 1, (index >> 2) & 1
    if t:
        maps = jnp.swapaxes(maps, -1, -2)
        comps = comps[..., jnp.array([1, 0, 2])]
    if fx:
        maps = jnp.flip(maps, -2)
    if fy:
        maps = jnp.flip(maps, -1)
    sign = -1.0 if fx ^ fy else 1.0
    return maps, comps * jnp.array([1.0, 1.0, sign], comps.dtype)


@jax.jit
def logm_sym(c: Float[Array, "*batch 3"]) -> Float[Array, "*batch 3"]:
    """The components of ``log(T)`` for SPD ``T`` with components ``c`` (JAX,
    differentiable): ``log T = ½(log λ₊ + log λ₋) I + (atanh(δ/m)/δ)(T − m I)``, with
    ``λ± = m ± δ``; ``atanh(δ/m)/δ`` by its series near δ = 0 (double ``where``)."""
    a, d, b = c[..., 0], c[..., 1], c[..., 2]
    m = 0.5 * (a + d)
    q = (0.5 * (a - d)) ** 2 + b**2
    small = q < 1e-12 * m**2
    # the unused branch at δ = m/2, finite with finite gradients (δ = 1 could be m)
    delta = jnp.sqrt(jnp.where(small, 0.25 * m**2, q))
    ratio = jnp.where(small, 1.0 / m * (1.0 + q / (3.0 * m**2)), jnp.arctanh(delta / m) / delta)
    mid = jnp.where(small, jnp.log(m) - q / (2.0 * m**2), 0.5 * jnp.log(m**2 - delta**2))
    return jnp.stack([mid + ratio * 0.5 * (a - d), mid - ratio * 0.5 * (a - d), ratio * b], -1)
