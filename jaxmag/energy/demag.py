"""Demagnetisation (magnetostatics) by FFT convolution with the Newell tensor."""

import functools
from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from ..constants import MU0
from ..material import Material, per_cell
from ..mesh import Mesh
from ..vectors import dot
from .base import AbstractEnergy
from .newell import newell_octant

# (a, b) of the six stored components, and the (x, y, z) parity of each.
_PAIRS = ((0, 0), (1, 1), (2, 2), (0, 1), (0, 2), (1, 2))
_ODD = ((0, 0, 0), (0, 0, 0), (0, 0, 0), (1, 1, 0), (1, 0, 1), (0, 1, 1))


def padded_shape(n) -> tuple[int, ...]:
    """Zero padding to ``2 n`` along each axis, none along an axis with one cell."""
    return tuple(2 * k if k > 1 else 1 for k in n)


def kernel_real_space(n, cell) -> np.ndarray:
    """The tensor on the padded, wrapped grid ``(6, *padded_shape(n))`` (float64)."""
    octant = newell_octant(n, cell)
    P = padded_shape(n)
    idx = []
    sgn = []
    for k, p in zip(n, P, strict=True):
        q = np.arange(p)
        off = np.where(q < k, q, q - p)  # wrapped offset; q == k (only when p = 2k) is unused
        valid = np.abs(off) < k
        idx.append((np.where(valid, np.abs(off), 0), valid))
        sgn.append(np.sign(off))
    (ix, vx), (iy, vy), (iz, vz) = idx
    full = octant[:, ix[:, None, None], iy[None, :, None], iz[None, None, :]]
    full = full * (vx[:, None, None] & vy[None, :, None] & vz[None, None, :])
    for c, odd in enumerate(_ODD):
        for ax, o in enumerate(odd):
            if o:
                shape = [1, 1, 1]
                shape[ax] = -1
                full[c] *= sgn[ax].reshape(shape)
    return full


def fft_axes(n) -> list[int]:
    """Array axes (1..3 of a vector field) with more than one cell, shortest first: the
    last is the real-FFT axis."""
    return sorted((ax + 1 for ax, k in enumerate(n) if k > 1), key=lambda a: n[a - 1])


@functools.lru_cache(maxsize=8)
def kernel_transform(n, cell) -> np.ndarray:
    """The tensor's transform ``(6, ...)`` (float64, read-only), as :class:`Demag` uses
    it: a real FFT along the longest axis (the last of the FFT axes), complex FFTs
    along the other axes with more than one cell. Cached per mesh, so systems that
    share a mesh compute it once."""
    axes = fft_axes(n)
    full = kernel_real_space(n, cell)
    if not axes:
        khat = full
    else:
        khat = np.fft.rfftn(full, axes=axes)  # the last of `axes` is the real one
        if np.max(np.abs(khat.imag)) > 1e-9 * np.max(np.abs(khat)):
            raise AssertionError("demag kernel transform is not real; symmetry broken")
        khat = np.ascontiguousarray(khat.real)
    khat.setflags(write=False)
    return khat


class Demag(AbstractEnergy):
    """``E = -μ0/2 Σ V Ms m·H_d`` with ``H_d = -N ⋆ (Ms m)``, the convolution with the
    Newell tensor (exact near field, Gauss–Legendre cubature of the same integral far;
    see :mod:`jaxmag.energy.newell`). Hand-written field, tested against the autodiff
    field.

    The convolution is a zero-padded FFT (padding to ``2 n``, none along an axis of one
    cell), pruned: a real FFT along the longest axis, then complex FFTs along the others,
    each applied only to the non-zero part of its input. The tensor's symmetry makes its
    transform real, so the kernel is stored as six real arrays, computed once, here.

    **Arguments:**

    - `mesh`, `material`: the grid and material (only ``Ms`` in A/m is used).
    """

    kernel: Float[Array, "6 ..."]
    Ms: Float[Array, "nx ny nz"]
    cell_volume: float
    n: tuple[int, int, int] = eqx.field(static=True)
    rfft_axis: int | None = eqx.field(static=True)
    cfft_axes: tuple[int, ...] = eqx.field(static=True)
    name: ClassVar[str] = "demag"

    def __init__(self, mesh: Mesh, material: Material):
        mat = per_cell(material, mesh)
        self.n = mesh.n
        axes = fft_axes(mesh.n)
        self.rfft_axis = axes[-1] if axes else None
        self.cfft_axes = tuple(axes[:-1])
        khat = kernel_transform(mesh.n, mesh.cell)
        self.kernel = jnp.asarray(khat, dtype=float)
        self.Ms = mat.Ms
        self.cell_volume = mesh.cell_volume

    def field(self, m, t=0.0):
        M = self.Ms * m
        N = self.kernel.astype(m.dtype)
        if self.rfft_axis is None:  # a single cell: the self term only
            N = N[..., 0, 0, 0]
            N = jnp.array([[N[0], N[3], N[4]], [N[3], N[1], N[5]], [N[4], N[5], N[2]]])
            return -jnp.einsum("ab,b...->a...", N, M)
        n = (None, *self.n)
        Mh = jnp.fft.rfft(M, n=2 * n[self.rfft_axis], axis=self.rfft_axis)
        for ax in self.cfft_axes:
            Mh = jnp.fft.fft(Mh, n=2 * n[ax], axis=ax)
        Hh = jnp.stack(
            [
                N[0] * Mh[0] + N[3] * Mh[1] + N[4] * Mh[2],
                N[3] * Mh[0] + N[1] * Mh[1] + N[5] * Mh[2],
                N[4] * Mh[0] + N[5] * Mh[1] + N[2] * Mh[2],
            ]
        )
        for ax in reversed(self.cfft_axes):
            Hh = jax.lax.slice_in_dim(jnp.fft.ifft(Hh, axis=ax), 0, n[ax], axis=ax)
        H = jnp.fft.irfft(Hh, n=2 * n[self.rfft_axis], axis=self.rfft_axis)
        return -jax.lax.slice_in_dim(H, 0, n[self.rfft_axis], axis=self.rfft_axis)

    def energy(self, m, t=0.0):
        H = self.field(m, t)
        return -0.5 * MU0 * self.cell_volume * jnp.sum(self.Ms * dot(m, H))
