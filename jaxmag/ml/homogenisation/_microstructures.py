"""Random two-phase periodic microstructures for homogenisation datasets.

Every generator returns a boolean phase map of static ``shape``, 2D ``(nx, ny)`` or 3D
``(nx, ny, nz)`` pixels: ``True`` is the inclusion phase (phase 1), ``False`` the matrix
(phase 0). Pixel ``i`` has its centre at coordinate ``i``, so the cell is ``[0, n)`` along
each axis. Lengths are in pixels (multiply by the pixel spacing in m for SI) and angles in
radians, measured from axis 0 toward axis 1.

Every map is periodic, so it tiles without seams: distances use the minimum image
convention and filters act in Fourier space. The generators are pure functions of an
explicit ``jax.random`` key. They ``jit`` with ``shape`` and the integer counts static, and
``vmap`` over keys and over their float parameters. Concrete arguments are checked before
any work; traced ones cannot be inspected and are let through.

Inclusions (disks, ellipses, spheres) are in :mod:`.microstructures_inclusions`, and the
mixture that draws a dataset in :mod:`.microstructures_mix`.
"""

import functools
import itertools
import math
import numbers

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Bool, Int, PRNGKeyArray

from jaxmag._validate import check_int, check_real, is_concrete


def check_grid(shape) -> tuple[int, ...]:
    """``shape`` as a tuple of 2 or 3 positive Python ints, or a ``ValueError``."""
    dims = tuple(shape) if isinstance(shape, tuple | list) else None
    if dims is None or len(dims) not in (2, 3):
        raise ValueError(f"shape must be 2D (nx, ny) or 3D (nx, ny, nz), got {shape!r}")
    for n in dims:
        if isinstance(n, bool | np.bool_) or not isinstance(n, numbers.Integral) or n < 1:
            raise ValueError(f"shape entries must be positive integers, got {shape!r}")
    return tuple(int(n) for n in dims)


def check_scalar(name: str, value, *, positive: bool = False, fraction: bool = False):
    """A real scalar (finite; ``> 0`` or strictly inside ``(0, 1)`` when asked)."""
    check_real(name, value, positive=positive)
    if is_concrete(value):
        if np.ndim(value) != 0:
            raise ValueError(f"{name} must be a scalar (vmap for a batch), got {value!r}")
        if fraction and not 0 < float(value) < 1:
            raise ValueError(f"{name} must lie strictly between 0 and 1, got {value!r}")
    return value


def minimum_image(d, n):
    """Minimum image of the displacement ``d`` on a period ``n``."""
    return d - n * jnp.round(d / n)


# --- Gaussian random field ------------------------------------------------------------


def _smooth_noise(key, shape, correlation_length):
    """White noise filtered so that its covariance is ``exp(−r²/(2ℓ²))`` (periodised)."""
    noise = jax.random.normal(key, (math.prod(shape),)).reshape(shape)  # 1D: fast to compile
    freqs = [np.fft.fftfreq(n) for n in shape[:-1]] + [np.fft.rfftfreq(shape[-1])]
    k2 = sum(f**2 for f in np.meshgrid(*freqs, indexing="ij"))
    filt = jnp.exp(-((jnp.pi * correlation_length) ** 2) * k2)
    return jnp.fft.irfftn(jnp.fft.rfftn(noise) * filt, s=shape)


def _threshold(field, volume_fraction):
    """The ``round(φ N)`` largest values of ``field`` (ties broken by index) as phase 1."""
    flat = field.ravel()
    n = flat.size
    m = jnp.round(volume_fraction * n).astype(int)
    ranks = jnp.zeros(n, int).at[jnp.argsort(flat)].set(jnp.arange(n))
    return (ranks >= n - m).reshape(field.shape)


@functools.partial(jax.jit, static_argnums=1)
def _grf(key, shape, correlation_length, volume_fraction):
    return _threshold(_smooth_noise(key, shape, correlation_length), volume_fraction)


def gaussian_random_field(
    key: PRNGKeyArray, shape: tuple[int, ...], *, correlation_length, volume_fraction
) -> Bool[Array, "*shape"]:
    """A thresholded Gaussian random field (a two-phase "spinodal" structure).

    White noise is filtered in Fourier space by ``exp(−π² ℓ² |k|²)`` (``k`` in cycles per
    pixel), which gives a field of covariance ``exp(−r²/(2ℓ²))``, periodised. The
    ``round(φ N)`` largest of its ``N`` pixels form phase 1, so the phase fraction equals
    ``volume_fraction`` to within ``1/(2N)``.

    **Arguments:**

    - `key`: a `jax.random` key.
    - `shape`: the static pixel counts, 2D or 3D.
    - `correlation_length`: ``ℓ`` in pixels, > 0 (pixel spacing times ``ℓ`` in m).
    - `volume_fraction`: ``φ`` of phase 1, in ``(0, 1)``.
    """
    shape = check_grid(shape)
    check_scalar("correlation_length (px)", correlation_length, positive=True)
    check_scalar("volume_fraction", volume_fraction, fraction=True)
    return _grf(key, shape, correlation_length, volume_fraction)


# --- Voronoi ------------------------------------------------------------------------


def _voronoi_draw(key, shape, n_seeds, n_active):
    """``(labels, priorities)``: nearest-seed labels among the first ``n_active`` (possibly
    traced) of ``n_seeds`` uniform seeds, and a uniform priority per grain. One draw of
    ``(n_seeds, d + 1)`` uniforms serves both (one flat random draw compiles fastest)."""
    d = len(shape)
    u = jax.random.uniform(key, ((d + 1) * n_seeds,)).reshape(n_seeds, d + 1)
    seeds = u[:, :d] * jnp.asarray(shape)
    coords = jnp.indices(shape, dtype=seeds.dtype)

    def body(carry, xs):
        best, label = carry
        seed, index = xs
        d2 = sum(minimum_image(coords[i] - seed[i], shape[i]) ** 2 for i in range(d))
        closer = (d2 < best) & (index < n_active)
        return (jnp.where(closer, d2, best), jnp.where(closer, index, label)), None

    init = (jnp.full(shape, jnp.inf, seeds.dtype), jnp.zeros(shape, int))
    (_, labels), _ = jax.lax.scan(body, init, (seeds, jnp.arange(n_seeds)))
    return labels, u[:, d]


@functools.partial(jax.jit, static_argnums=(1, 2))
def _voronoi_labels(key, shape, n_seeds, n_active):
    return _voronoi_draw(key, shape, n_seeds, n_active)[0]


@functools.partial(jax.jit, static_argnums=(1, 2))
def _voronoi(key, shape, n_seeds, n_active, volume_fraction):
    """Grains in a random order; the prefix whose area is nearest ``φ N`` is phase 1, among
    those that leave both phases present."""
    labels, priority = _voronoi_draw(key, shape, n_seeds, n_active)
    area = jnp.zeros(n_seeds).at[labels.ravel()].add(1.0)
    order = jnp.argsort(priority)
    cum = jnp.concatenate([jnp.zeros(1), jnp.cumsum(area[order])])
    # both phases present: at least one grain of each (a cell of one phase is no sample)
    both = (cum > 0) & (cum < labels.size)
    k = jnp.argmin(jnp.where(both, jnp.abs(cum - volume_fraction * labels.size), jnp.inf))
    rank = jnp.zeros(n_seeds, int).at[order].set(jnp.arange(n_seeds))
    return (rank < k)[labels]


def voronoi_labels(
    key: PRNGKeyArray, shape: tuple[int, ...], *, n_grains: int
) -> Int[Array, "*shape"]:
    """The grain index (``0 … n_grains − 1``) of each pixel in a periodic Voronoi
    tessellation of ``n_grains`` uniform random seeds (minimum-image distances). A seed's
    grain can miss every pixel centre, so fewer than ``n_grains`` labels may occur."""
    shape = check_grid(shape)
    n_grains = check_int("n_grains", n_grains)
    return _voronoi_labels(key, shape, n_grains, n_grains)


def voronoi(
    key: PRNGKeyArray, shape: tuple[int, ...], *, n_grains: int, volume_fraction
) -> Bool[Array, "*shape"]:
    """A periodic Voronoi polycrystal whose grains are wholly phase 1 or phase 0.

    The grains are those of :func:`voronoi_labels` with the same key. They are taken in a
    random order and the prefix whose total area is nearest ``φ N`` becomes phase 1, so
    the fraction is within half the largest grain's area (over ``N``) of the target,
    except that both phases always hold at least one grain.

    **Arguments:**

    - `key`: a `jax.random` key.
    - `shape`: the static pixel counts, 2D or 3D.
    - `n_grains`: the static number of seeds, >= 2.
    - `volume_fraction`: the target fraction ``φ`` of phase 1, in ``(0, 1)``.
    """
    shape = check_grid(shape)
    n_grains = check_int("n_grains", n_grains, minimum=2)
    check_scalar("volume_fraction", volume_fraction, fraction=True)
    return _voronoi(key, shape, n_grains, n_grains, volume_fraction)


# --- laminates ----------------------------------------------------------------------


@functools.cache
def _wavevector_table(ndim, max_index):
    span = range(-max_index, max_index + 1)
    keep = [v for v in itertools.product(span, repeat=ndim) if any(v) and next(filter(None, v)) > 0]
    return np.array(keep, dtype=int)


def wavevectors(ndim: int, max_index: int) -> np.ndarray:
    """All integer vectors in ``[−M, M]^ndim`` whose first non-zero entry is positive
    (``k`` and ``−k`` give the same laminate), shape ``(count, ndim)``."""
    return _wavevector_table(ndim, max_index).copy()


def layers(
    shape: tuple[int, ...], wavevector: Int[Array, " d"], *, volume_fraction, offset=0.0
) -> Bool[Array, "*shape"]:
    """A laminate exactly periodic on the grid: ``frac(Σ_a k_a i_a / n_a + offset) < φ``.

    The phase is evaluated in integer arithmetic (``k_a mod n_a``, over the common period
    ``lcm(shape)``), so equal layers are bit-identical; this is exact while
    ``max(shape) · lcm(shape)`` fits the integer type (2³¹ without x64). With ``L``
    distinct layer values the fraction is within ``1/L`` of ``φ``.

    **Arguments:**

    - `shape`: the static pixel counts, 2D or 3D.
    - `wavevector`: integers ``k`` (periods across the cell per axis), not all zero.
    - `volume_fraction`: ``φ``, the thickness of a phase-1 layer over the period, in ``(0, 1)``.
    - `offset`: the phase shift, in periods.
    """
    shape = check_grid(shape)
    check_scalar("volume_fraction", volume_fraction, fraction=True)
    check_scalar("offset", offset)
    if is_concrete(wavevector):
        k = np.asarray(wavevector)
        if k.shape != (len(shape),) or k.dtype.kind not in "iu" or not np.any(k):
            raise ValueError(f"wavevector must be {len(shape)} integers, not all 0, got {k!r}")
    return _layers(shape, wavevector, volume_fraction, offset)


@functools.partial(jax.jit, static_argnums=0)
def _layers(shape, wavevector, volume_fraction, offset):
    period = math.lcm(*shape)
    k = jnp.asarray(wavevector)
    idx = jnp.indices(shape)
    s = sum((k[a] % n * idx[a] * (period // n)) % period for a, n in enumerate(shape)) % period
    t = s / period + offset
    return t - jnp.floor(t) < volume_fraction


@functools.partial(jax.jit, static_argnums=(1, 3))
def _random_laminate(key, shape, volume_fraction, max_index):
    """``(map, wavevector, offset)`` with the wave vector uniform over :func:`wavevectors`."""
    table = jnp.asarray(_wavevector_table(len(shape), max_index))
    u = jax.random.uniform(key, (2,))
    k = table[jnp.minimum(jnp.floor(u[0] * len(table)).astype(int), len(table) - 1)]
    offset = u[1]
    return _layers(shape, k, volume_fraction, offset), k, offset


def laminate(
    key: PRNGKeyArray, shape: tuple[int, ...], *, volume_fraction, max_index: int = 3
) -> Bool[Array, "*shape"]:
    """A periodic laminate at a random orientation: :func:`layers` with a wave vector
    drawn uniformly from :func:`wavevectors` ``(d, max_index)`` and a uniform offset.

    **Arguments:**

    - `key`: a `jax.random` key.
    - `shape`: the static pixel counts, 2D or 3D.
    - `volume_fraction`: ``φ`` of phase 1, in ``(0, 1)``.
    - `max_index`: the static bound ``M >= 1`` on ``|k_a|``; ``2M < min(shape)`` so that
      every wave vector is resolved.
    """
    shape = check_grid(shape)
    check_scalar("volume_fraction", volume_fraction, fraction=True)
    max_index = check_int("max_index", max_index)
    if 2 * max_index >= min(shape):
        raise ValueError(
            f"max_index must be below min(shape)/2 = {min(shape) / 2}, got {max_index}"
        )
    return _random_laminate(key, shape, volume_fraction, max_index)[0]
