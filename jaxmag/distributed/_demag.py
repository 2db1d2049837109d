"""The FFT demag field of a mesh split into x-slabs across devices, with explicit
transposes. Each device transforms its own slab along y and z (a real FFT along the
longer of the two, a complex FFT along the other; zero padding pruned as on one device:
each transform runs on the rows that hold data only). One ``lax.all_to_all`` then turns
x-slabs of (y, z)-frequencies into slabs of real-axis frequencies holding whole x lines;
the x transform, the product with the device's slice of the kernel, the inverse x
transform and a second ``all_to_all`` lead back. No device ever holds the whole padded
array (XLA's automatic partitioning of ``jnp.fft`` gathers half of it onto every device;
see :func:`~jaxmag.distributed.collectives`). Films (``nz = 1``) and bodies alike."""

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.sharding import Mesh as DeviceMesh
from jax.sharding import NamedSharding
from jax.sharding import PartitionSpec as P

from jaxmag.energy import Demag


def _pad_to(x, axis: int, size: int):
    extra = size - x.shape[axis]
    if extra == 0:
        return x
    pad = [(0, 0)] * x.ndim
    pad[axis] = (0, extra)
    return jnp.pad(x, pad)


def local_axes(term: Demag) -> tuple[int, int | None]:
    """``(r, c)``: the array axes (1 = x, 2 = y, 3 = z) of the slab-local transforms, ``r``
    the real FFT (the longer convolution among y and z), ``c`` the complex one (``None``
    where only one of y, z has more than one cell)."""
    return slab_axes(term.n, term.fft_n)


def slab_axes(n, fft_n) -> tuple[int, int | None]:
    """:func:`local_axes` from the cell counts `n` and convolution lengths `fft_n`."""
    axes = [ax for ax in (2, 3) if n[ax - 1] > 1]
    if not axes:
        raise ValueError("a slab decomposition along x needs more than one cell along y or z")
    axes.sort(key=lambda ax: fft_n[ax - 1])
    return axes[-1], (axes[0] if len(axes) == 2 else None)


def _half_spectrum_along(term: Demag, r: int) -> np.ndarray:
    """The kernel's transform, on the host, halved along axis `r` (frequencies
    ``0 … L_r/2``) and whole along the others: ``term.kernel`` itself when `r` is its
    real-FFT axis, else rebuilt from the stored half by Hermitian symmetry,
    ``K̂(k) = conj K̂(−k)`` (the kernel is real)."""
    K = np.asarray(term.kernel)
    ra = term.rfft_axis
    if ra == r:
        return K
    La = term.fft_n[ra - 1]
    neg = K.take((La - np.arange(La // 2 + 1, La)) % La, axis=ra)
    for ax in (1, 2, 3):
        if ax != ra:
            L = term.fft_n[ax - 1]
            neg = neg.take((-np.arange(L)) % L, axis=ax)
    full = np.concatenate([K, np.conj(neg)], axis=ra)
    return full.take(np.arange(term.fft_n[r - 1] // 2 + 1), axis=r)


def kernel_slabs(term: Demag, devices: DeviceMesh, axis_name: str = "x"):
    """The kernel transform that :func:`sharded_demag_field` uses, ``(6, Lx, k_r, …)``
    (the real-axis frequencies ``k_r`` padded to a multiple of the devices), placed on
    `devices` split along ``k_r``: each device holds its slice only. Make it once per run."""
    nd = devices.shape[axis_name]
    r, _ = local_axes(term)
    kr = term.fft_n[r - 1] // 2 + 1
    k = _half_spectrum_along(term, r)
    pad = [(0, 0)] * k.ndim
    pad[r] = (0, -(-kr // nd) * nd - kr)
    k = np.pad(k, pad)
    spec = [None] * k.ndim
    spec[r] = axis_name
    return jax.device_put(k, NamedSharding(devices, P(*spec)))


def sharded_demag_field(term: Demag, m, devices: DeviceMesh, axis_name: str = "x", kernel=None):
    """The demag field (A/m) of `term` at `m` ``(3, nx, ny, nz)``, computed with ``m``
    split along x over the mesh axis `axis_name` of `devices` (``nx`` a multiple of its
    size; more than one cell along y or z). Equals ``term.field(m)`` to round-off.
    `kernel`: :func:`kernel_slabs` (made here if not given; pass it, made once, so that
    each call does not redistribute it)."""
    nd = devices.shape[axis_name]
    nx = term.n[0]
    if nx % nd:
        raise ValueError(f"nx = {nx} must be a multiple of the {nd} devices along x")
    r, c = local_axes(term)
    L = (None, *term.fft_n)  # per array axis: 2 n (zero padded), n (periodic), 1
    n = (None, *term.n)
    kr = L[r] // 2 + 1
    krp = -(-kr // nd) * nd  # the real-axis frequencies, padded to a multiple of the devices
    kernel = kernel_slabs(term, devices, axis_name) if kernel is None else kernel

    def local(Mb, Nb):
        # Mb: (3, nx/nd, ny, nz), this device's x-slab; Nb: the kernel, split along r
        Mh = _pad_to(jnp.fft.rfft(Mb, n=L[r], axis=r), r, krp)
        if c is not None:
            Mh = jnp.fft.fft(Mh, n=L[c], axis=c)
        Mh = lax.all_to_all(Mh, axis_name, split_axis=r, concat_axis=1, tiled=True)
        Mh = jnp.fft.fft(Mh, n=L[1], axis=1)  # whole x lines, a slice of the r frequencies
        Nb = Nb.astype(Mh.dtype)
        Hh = jnp.stack(
            [
                Nb[0] * Mh[0] + Nb[3] * Mh[1] + Nb[4] * Mh[2],
                Nb[3] * Mh[0] + Nb[1] * Mh[1] + Nb[5] * Mh[2],
                Nb[4] * Mh[0] + Nb[5] * Mh[1] + Nb[2] * Mh[2],
            ]
        )
        Hh = lax.slice_in_dim(jnp.fft.ifft(Hh, axis=1), 0, nx, axis=1)
        Hh = lax.all_to_all(Hh, axis_name, split_axis=1, concat_axis=r, tiled=True)
        if c is not None:
            Hh = lax.slice_in_dim(jnp.fft.ifft(Hh, axis=c), 0, n[c], axis=c)
        H = jnp.fft.irfft(lax.slice_in_dim(Hh, 0, kr, axis=r), n=L[r], axis=r)
        return -lax.slice_in_dim(H, 0, n[r], axis=r)

    spec_k = [None] * kernel.ndim
    spec_k[r] = axis_name
    spec_m = P(None, axis_name)
    fn = jax.shard_map(local, mesh=devices, in_specs=(spec_m, P(*spec_k)), out_specs=spec_m)
    return fn(term.Ms * m, kernel)
