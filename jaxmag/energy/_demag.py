"""Demagnetisation (magnetostatics) by FFT convolution with the Newell tensor."""

import functools
import math
from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from jaxmag._material import Material, per_cell
from jaxmag._mesh import Mesh
from jaxmag.constants import MU0
from jaxmag.energy._base import AbstractEnergy
from jaxmag.energy._demag_mumax3 import mumax3_octant
from jaxmag.energy._demag_pbc import image_octant
from jaxmag.energy._newell import newell_octant
from jaxmag.vectors import dot

# (a, b) of the six stored components, and the (x, y, z) parity of each.
_PAIRS = ((0, 0), (1, 1), (2, 2), (0, 1), (0, 2), (1, 2))
_ODD = ((0, 0, 0), (0, 0, 0), (0, 0, 0), (1, 1, 0), (1, 0, 1), (0, 1, 1))


def padded_shape(n) -> tuple[int, ...]:
    """Zero padding to ``2 n`` along each axis, none along an axis with one cell."""
    return tuple(2 * k if k > 1 else 1 for k in n)


def fft_shape(n, pbc=(0, 0, 0)) -> tuple[int, ...]:
    """The convolution's length per axis: ``2 n`` (zero padded) along an open axis, ``n``
    (circular) along a periodic one, 1 where there is one cell."""
    return tuple(1 if k == 1 else (k if p else 2 * k) for k, p in zip(n, pbc, strict=True))


def kernel_real_space(
    n, cell, pbc=(0, 0, 0), window=None, images="centred", quadrature="newell"
) -> np.ndarray:
    """The tensor on the wrapped grid ``(6, *fft_shape(n, pbc))`` (float64): open axes
    zero padded, periodic axes summed over images (:mod:`~jaxmag.energy`; `images` as
    :class:`~jaxmag.Mesh`'s ``pbc_images``; ``window = (start, width)`` overrides the
    infinite sum's window, for tests). `quadrature`: ``"newell"`` (exact) or ``"mumax3"``
    (mumax3's numerical integration, :mod:`~jaxmag.energy._demag_mumax3`, with its own
    image convention)."""
    pbc = tuple(pbc)
    if quadrature == "mumax3":
        octant = mumax3_octant(n, cell, pbc)
    elif quadrature != "newell":
        raise ValueError(f"quadrature must be 'newell' or 'mumax3', got {quadrature!r}")
    elif any(pbc):
        kw = {} if window is None else {"start": window[0], "width": window[1]}
        kw["images"] = images
        octant = image_octant(n, cell, pbc, **kw)
    else:
        octant = newell_octant(n, cell)
    P = fft_shape(n, pbc)
    idx = []
    sgn = []
    for k, p, per in zip(n, P, pbc, strict=True):
        q = np.arange(p)
        if per:
            off = np.where(2 * q <= k, q, q - k)  # minimum image; q = k/2 for even k
            valid = np.ones(p, bool)
            s = np.where(2 * q == k, 0, np.sign(off))  # odd parts vanish half a period away
        else:
            off = np.where(q < k, q, q - p)  # wrapped offset; q == k (only when p = 2k) is unused
            valid = np.abs(off) < k
            s = np.sign(off)
        idx.append((np.where(valid, np.abs(off), 0), valid))
        sgn.append(s)
    (ix, vx), (iy, vy), (iz, vz) = idx
    full = octant[:, ix[:, None, None], iy[None, :, None], iz[None, None, :]]
    full = full * (vx[:, None, None] & vy[None, :, None] & vz[None, None, :])
    for c, odd in enumerate(_ODD):
        for ax, o in enumerate(odd):
            if o:
                shape = [1, 1, 1]
                shape[ax] = -1
                full[c] *= sgn[ax].reshape(shape)
    if all(p == math.inf for p in pbc):
        # infinite bulk: no macroscopic field, the mean of H over the periodic cell is 0
        full -= full.mean(axis=(1, 2, 3), keepdims=True)
    return full


def fft_axes(n, pbc=(0, 0, 0)) -> list[int]:
    """Array axes (1..3 of a vector field) with more than one cell, shortest convolution
    first: the last is the real-FFT axis."""
    P = fft_shape(n, pbc)
    return sorted((ax + 1 for ax, k in enumerate(n) if k > 1), key=lambda a: P[a - 1])


@functools.lru_cache(maxsize=8)
def kernel_transform(n, cell, pbc=(0, 0, 0), images="centred", quadrature="newell") -> np.ndarray:
    """The tensor's transform ``(6, ...)`` (float64, read-only), as :class:`Demag` uses
    it: a real FFT along the longest axis (the last of the FFT axes), complex FFTs
    along the other axes with more than one cell. Cached per mesh, so systems that
    share a mesh compute it once."""
    axes = fft_axes(n, pbc)
    full = kernel_real_space(n, cell, pbc, images=images, quadrature=quadrature)
    if not axes:
        khat = full
    else:
        khat = np.fft.rfftn(full, axes=axes)  # the last of `axes` is the real one
        if np.max(np.abs(khat.imag)) > 1e-9 * np.max(np.abs(khat)):
            raise AssertionError("demag kernel transform is not real; symmetry broken")
        khat = np.ascontiguousarray(khat.real)
    khat.setflags(write=False)
    return khat


def transform_size(n, pbc=(0, 0, 0)) -> int:
    """Entries per component of the kernel's transform as :func:`kernel_transform` stores
    it (half the longest convolution axis, plus one, times the others): also the size of
    one component of the transformed magnetisation in :meth:`Demag.field`."""
    P = list(fft_shape(n, pbc))
    axes = fft_axes(n, pbc)
    if axes:
        P[axes[-1] - 1] = P[axes[-1] - 1] // 2 + 1
    return math.prod(P)


KERNEL_BUILD_FLOATS: int = 16
"""float64 values per entry of the convolution grid (``prod(fft_shape)``) that building
the kernel on the host holds at its peak: the octant, the wrapped tensor and its
transform with numpy's temporaries. Measured with ``tracemalloc``: 5 to 8 on
512 × 512 × 1, 14 on 48³ (beyond a constant of about 200 MB)."""

KERNEL_BUILD_CHUNK: int = 12 << 10
"""Bytes per far-field cell, up to 2^14 cells, of the Newell cubature's work arrays
(``_newell._CHUNK`` cells at a time; measured 8.6 MB on 32 × 32 × 1, 197 MB on
128 × 128 × 1)."""


def kernel_build_bytes(n, pbc=(0, 0, 0)) -> int:
    """The host memory in bytes that :func:`kernel_transform` needs at its peak for a mesh
    of ``n = (nx, ny, nz)`` cells with periodicity `pbc` (an upper estimate)."""
    P = math.prod(fft_shape(n, pbc))
    return 8 * KERNEL_BUILD_FLOATS * P + KERNEL_BUILD_CHUNK * min(math.prod(n), 1 << 14)


class Demag(AbstractEnergy):
    """``E = -μ0/2 Σ V Ms m·H_d`` with ``H_d = -N ⋆ (Ms m)``, the convolution with the
    Newell tensor (exact near field, Gauss–Legendre cubature of the same integral far;
    see :mod:`jaxmag.energy`). Hand-written field, tested against the autodiff
    field.

    The convolution is a zero-padded FFT along open axes (padding to ``2 n``, none along
    an axis of one cell) and a circular FFT of length ``n`` along periodic axes
    (``mesh.pbc``), pruned: a real FFT along the longest axis, then complex FFTs along
    the others, each applied only to the non-zero part of its input. The tensor's
    symmetry makes its transform real, so the kernel is stored as six real arrays,
    computed once per mesh (cached), here.

    **Periodic boundaries** (:mod:`jaxmag.energy`). With ``pbc = P`` along an
    axis the tensor is summed over the images ``-P … P`` of the whole mesh about each
    cell's minimum image: a cell feels the ``2P + 1`` periods centred on it (magnum.np
    and mumax+; mumax3's ``PBC = P`` sums all sources within ``P n - 1`` cells of the
    destination, about jaxmag's ``P - 1/2``). A film's ``Nzz`` then approaches 1 only
    as ``1/P`` (``1 - Nzz ≈ √2 t / (π (P + 1/2) L)``), a rod's ``Nzz`` 0 as ``1/P²``.
    ``pbc = math.inf`` gives the infinite lattice sum (an explicit sum plus the
    continuum integral of the rest; uniform films, rods and bulk come out exact to
    ~1e-11). With all three axes infinite it is an infinite bulk: the mean field over
    the periodic cell is 0 (add a finite sample's macroscopic ``-N_macro ⟨M⟩`` as an
    applied field). The kernel is built on the host once per mesh (cached): a
    32 × 32 × 1 film takes ~1 s with ``P = 50`` images along x and y, ~0.1 s infinite.

    A geometry need not be periodic itself: with a mask (``Ms = 0`` cells) the mesh is
    one period of a periodic array of particles, which is physical and supported (a
    particle touching the boundary joins its image).

    **Arguments:**

    - `mesh`, `material`: the grid, with its ``pbc``, and material (only ``Ms`` in A/m
      is used).
    - `kernel`: ``"newell"`` (the exact tensor, the default) or ``"mumax3"``: mumax3's
      numerical quadrature of the same integral (:mod:`jaxmag.energy._demag_mumax3`),
      to reproduce mumax3's own numbers; ~1e-3 off the exact tensor on thin cells.
    """

    kernel: Float[Array, "6 ..."]
    Ms: Float[Array, "nx ny nz"]
    cell_volume: float
    n: tuple[int, int, int] = eqx.field(static=True)
    fft_n: tuple[int, int, int] = eqx.field(static=True)
    rfft_axis: int | None = eqx.field(static=True)
    cfft_axes: tuple[int, ...] = eqx.field(static=True)
    name: ClassVar[str] = "demag"

    def __init__(self, mesh: Mesh, material: Material, kernel: str = "newell"):
        mat = per_cell(material, mesh)
        self.n = mesh.n
        self.fft_n = fft_shape(mesh.n, mesh.pbc)
        axes = fft_axes(mesh.n, mesh.pbc)
        self.rfft_axis = axes[-1] if axes else None
        self.cfft_axes = tuple(axes[:-1])
        if kernel not in ("newell", "mumax3"):
            raise ValueError(f"Demag kernel must be 'newell' or 'mumax3', got {kernel!r}")
        khat = kernel_transform(mesh.n, mesh.cell, mesh.pbc, mesh.pbc_images, kernel)
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
        L = (None, *self.fft_n)  # 2 n (zero padded) or n (periodic)
        ra = self.rfft_axis
        Mh = jnp.fft.rfft(M, n=L[ra], axis=ra)
        for ax in self.cfft_axes:
            Mh = jnp.fft.fft(Mh, n=L[ax], axis=ax)
        Hh = jnp.stack(
            [
                N[0] * Mh[0] + N[3] * Mh[1] + N[4] * Mh[2],
                N[3] * Mh[0] + N[1] * Mh[1] + N[5] * Mh[2],
                N[4] * Mh[0] + N[5] * Mh[1] + N[2] * Mh[2],
            ]
        )
        for ax in reversed(self.cfft_axes):
            Hh = jax.lax.slice_in_dim(jnp.fft.ifft(Hh, axis=ax), 0, n[ax], axis=ax)
        H = jnp.fft.irfft(Hh, n=L[ra], axis=ra)
        return -jax.lax.slice_in_dim(H, 0, n[ra], axis=ra)

    def energy(self, m, t=0.0):
        H = self.field(m, t)
        return -0.5 * MU0 * self.cell_volume * jnp.sum(self.Ms * dot(m, H))
