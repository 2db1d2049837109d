"""The FFT demag field of a film split into x-slabs across devices, with explicit
transposes: each device transforms its own slab along y (the real, zero-padded FFT, on
its data only), one ``lax.all_to_all`` turns x-slabs of y-frequencies into
y-frequency slabs of whole x lines, the x transform (zero padding pruned as on one
device), the product with the device's slice of the kernel, and the way back. No device
ever holds the whole padded array (XLA's automatic partitioning of ``jnp.fft`` gathers
half of it onto every device; see :func:`~jaxmag.distributed.collectives`)."""

import jax
import jax.numpy as jnp
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


def _y_half_spectrum(term: Demag):
    """The kernel's transform on frequencies ``(all kx, ky <= Ly/2)``: ``term.kernel``
    itself when y is its real-FFT axis, else rebuilt from its x half by Hermitian
    symmetry, ``K̂(kx, ky) = conj K̂(−kx, −ky)`` (the kernel is real)."""
    if term.rfft_axis == 2:
        return term.kernel
    Lx, Ly = term.fft_n[0], term.fft_n[1]
    half = term.kernel  # (6, Lx/2 + 1, Ly, 1)
    kx = jnp.arange(Lx)
    neg = jnp.conj(half[:, (Lx - kx[Lx // 2 + 1 :]) % Lx][:, :, (-jnp.arange(Ly)) % Ly])
    full = jnp.concatenate([half, neg], axis=1)  # (6, Lx, Ly, 1)
    return full[:, :, : Ly // 2 + 1]


def kernel_slabs(term: Demag, devices: DeviceMesh, axis_name: str = "x"):
    """The kernel transform that :func:`sharded_demag_field` uses, ``(6, Lx, kyp, 1)``
    (y frequencies padded to a multiple of the devices), placed on `devices` split along
    its y frequencies: each device holds its slice only. Make it once per run."""
    nd = devices.shape[axis_name]
    ky = term.fft_n[1] // 2 + 1
    k = _pad_to(_y_half_spectrum(term), 2, -(-ky // nd) * nd)
    return jax.device_put(k, NamedSharding(devices, P(None, None, axis_name)))


def sharded_demag_field(term: Demag, m, devices: DeviceMesh, axis_name: str = "x", kernel=None):
    """The demag field (A/m) of `term` at `m` ``(3, nx, ny, 1)``, computed with ``m``
    split along x over the mesh axis `axis_name` of `devices` (``nx`` a multiple of its
    size). A film (``nz = 1``) with its FFT along x and y; equals ``term.field(m)`` to
    round-off. `kernel`: :func:`kernel_slabs` (made here if not given; pass it, made
    once, so that each call does not redistribute it)."""
    nd = devices.shape[axis_name]
    nx, ny, nz = term.n
    if nz != 1 or sorted((term.rfft_axis, *term.cfft_axes)) != [1, 2]:
        raise ValueError("sharded_demag_field handles films (nz = 1, FFT along x and y)")
    if nx % nd:
        raise ValueError(f"nx = {nx} must be a multiple of the {nd} devices along x")
    Lx, Ly = term.fft_n[0], term.fft_n[1]
    ky = Ly // 2 + 1
    kyp = -(-ky // nd) * nd  # the y frequencies, padded to a multiple of the devices
    kernel = kernel_slabs(term, devices, axis_name) if kernel is None else kernel

    def local(Mb, Nb):
        # Mb: (3, nx/nd, ny, 1) this device's x-slab; Nb: (6, Lx, kyp/nd, 1)
        Mh = _pad_to(jnp.fft.rfft(Mb, n=Ly, axis=2), 2, kyp)  # (3, nx/nd, kyp, 1)
        Mh = lax.all_to_all(Mh, axis_name, split_axis=2, concat_axis=1, tiled=True)
        Mh = jnp.fft.fft(Mh, n=Lx, axis=1)  # (3, Lx, kyp/nd, 1): whole x lines
        Nb = Nb.astype(Mh.dtype)
        Hh = jnp.stack(
            [
                Nb[0] * Mh[0] + Nb[3] * Mh[1] + Nb[4] * Mh[2],
                Nb[3] * Mh[0] + Nb[1] * Mh[1] + Nb[5] * Mh[2],
                Nb[4] * Mh[0] + Nb[5] * Mh[1] + Nb[2] * Mh[2],
            ]
        )
        Hh = lax.slice_in_dim(jnp.fft.ifft(Hh, axis=1), 0, nx, axis=1)
        Hh = lax.all_to_all(Hh, axis_name, split_axis=1, concat_axis=2, tiled=True)
        H = jnp.fft.irfft(Hh[:, :, :ky], n=Ly, axis=2)  # (3, nx/nd, Ly, 1)
        return -lax.slice_in_dim(H, 0, ny, axis=2)

    spec_m, spec_k = P(None, axis_name), P(None, None, axis_name)
    fn = jax.shard_map(local, mesh=devices, in_specs=(spec_m, spec_k), out_specs=spec_m)
    return fn(term.Ms * m, kernel)
