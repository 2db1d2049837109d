"""A reproducible mixture of random periodic microstructures, for homogenisation datasets.

:func:`sample_dataset_maps` draws ``n`` phase maps from a key and returns them with the
generator parameters of every sample, so a dataset can be stored with its provenance and
regenerated from the seed. Sample ``i`` depends only on ``fold_in(key, i)``: its kind, its
target volume fraction and its kind-specific parameters, all uniform over the ranges below.

Lengths (correlation length, radius) are quoted in pixels for a cell of
``REFERENCE_SIDE = 64`` pixels and scaled by ``length_scale``, by default
``min(shape) / 64``, so the statistics relative to the cell do not change with resolution.
"""

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import PRNGKeyArray

from jaxmag._validate import check_int
from jaxmag.ml.homogenisation._microstructures import (
    _grf,
    _random_laminate,
    _voronoi,
    check_grid,
    check_scalar,
)
from jaxmag.ml.homogenisation._microstructures_inclusions import (
    _random_inclusions,
    inclusion_count,
)

GENERATOR_VERSION = 2
"""Bumped whenever the same key draws different maps (2: no single-phase cells), so that a
cached dataset records which draws it holds."""

KINDS = ("gaussian_random_field", "inclusions", "voronoi", "laminate")
"""The generator of each ``kind`` code: ``KINDS[params["kind"][i]]``."""

VOLUME_FRACTION_RANGE = (0.05, 0.6)
REFERENCE_SIDE = 64
CORRELATION_LENGTH_RANGE = (2.0, 8.0)
"""Gaussian random field ``ℓ``, px at the reference side."""
RADIUS_RANGE = (3.0, 10.0)
"""Inclusion radius ``r``, px at the reference side (ellipses keep the area ``π r²``)."""
ASPECT_RATIO_RANGE = (1.0, 4.0)
"""Ellipse aspect ratio in 2D; 3D inclusions are spheres (aspect 1)."""
ALIGNED_PROBABILITY = 0.5
"""The chance that all ellipses share one angle (uniform in ``[0, π)``); else each is random."""
N_GRAINS_RANGE = (8, 40)
"""Voronoi seeds, inclusive."""
MAX_INDEX = 3
"""Laminate wave-vector bound, lowered to ``(min(shape) − 1) // 2`` on small grids."""

PIXEL_BUDGET = 2**21
"""Pixels per compiled batch by default (the inclusion scan holds 16 maps per sample)."""

PARAMS = (
    "kind",
    "volume_fraction_target",
    "volume_fraction",
    "correlation_length",
    "radius",
    "aspect_ratio",
    "angle",
    "n_inclusions",
    "n_grains",
    "wavevector",
    "offset",
)
"""The keys of the parameter dict; ``angle`` is NaN for randomly oriented inclusions."""


def _within(u, bounds, scale=1.0):
    return (bounds[0] + (bounds[1] - bounds[0]) * u) * scale


@jax.jit
def _draw_kinds(key, index, n_kinds):
    """Per sample ``i``, from ``fold_in(key, i)``: its kind, target fraction, six uniforms
    for the kind's parameters and the key of its map."""

    def draw(i):
        k_par, k_map = jax.random.split(jax.random.fold_in(key, i))
        u = jax.random.uniform(k_par, (8,))
        kind = jnp.minimum(jnp.floor(u[0] * n_kinds).astype(int), n_kinds - 1)
        return kind, _within(u[1], VOLUME_FRACTION_RANGE), u[2:], k_map

    return jax.vmap(draw)(index)


def _draw_grf(u, k_map, vf, shape, scale):
    ell = _within(u[0], CORRELATION_LENGTH_RANGE, scale)
    return _grf(k_map, shape, ell, vf), {"correlation_length": ell}


def _draw_inclusions(u, k_map, vf, shape, scale):
    r = _within(u[0], RADIUS_RANGE, scale)
    aspect = _within(u[1], ASPECT_RATIO_RANGE) if len(shape) == 2 else jnp.ones(())
    aligned = (u[2] < ALIGNED_PROBABILITY) & (len(shape) == 2)
    angle = u[3] * np.pi
    max_count = _max_inclusions(shape, scale)
    phase, count = _random_inclusions(k_map, shape, vf, r, aspect, angle, aligned, max_count)
    angle = jnp.where(aligned, angle, jnp.nan)
    return phase, {"radius": r, "aspect_ratio": aspect, "angle": angle, "n_inclusions": count}


def _draw_voronoi(u, k_map, vf, shape, scale):
    lo, hi = N_GRAINS_RANGE
    n_grains = jnp.minimum(lo + jnp.floor(u[0] * (hi - lo + 1)).astype(int), hi)
    return _voronoi(k_map, shape, hi, n_grains, vf), {"n_grains": n_grains}


def _draw_laminate(u, k_map, vf, shape, scale):
    max_index = min(MAX_INDEX, (min(shape) - 1) // 2)
    phase, k, offset = _random_laminate(k_map, shape, vf, max_index)
    return phase, {"wavevector": k, "offset": offset}


_DRAW = {
    "gaussian_random_field": _draw_grf,
    "inclusions": _draw_inclusions,
    "voronoi": _draw_voronoi,
    "laminate": _draw_laminate,
}


def _max_inclusions(shape, scale):
    """Enough inclusions for the largest fraction at the smallest radius (a static int)."""
    r = RADIUS_RANGE[0] * scale
    n = inclusion_count(shape, volume_fraction=VOLUME_FRACTION_RANGE[1], radius=r)
    return math.ceil(float(n)) + 1


@functools.cache
def _batched(kind, shape, scale):
    draw = functools.partial(_DRAW[kind], shape=shape, scale=scale)
    return jax.jit(jax.vmap(lambda u, km, vf: draw(u, km, vf)))


def sample_dataset_maps(
    key: PRNGKeyArray,
    n: int,
    shape: tuple[int, ...],
    *,
    kinds: tuple[str, ...] = KINDS,
    length_scale: float | None = None,
    batch_size: int | None = None,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Draw ``n`` random two-phase periodic maps from a mixture of generators.

    Each sample draws a kind uniformly from `kinds`, a target volume fraction uniform in
    ``VOLUME_FRACTION_RANGE`` and its kind's parameters uniformly from the module's ranges.
    The result is a deterministic function of the key (and of ``jax_enable_x64``, which
    changes the random draws), and the first ``m`` samples do not depend on ``n >= m`` nor
    on `batch_size` (up to float rounding in batched FFTs). Each kind runs as one jitted
    ``vmap`` per batch, so the call itself is not jit-able (it needs concrete kinds).

    **Arguments:**

    - `key`: a `jax.random` key.
    - `n`: the number of samples, >= 1.
    - `shape`: the static pixel counts, 2D or 3D (each side >= 3).
    - `kinds`: the generators to mix, names from ``KINDS``; codes stay those of ``KINDS``.
    - `length_scale`: pixels per reference pixel for the length ranges; ``None`` is
      ``min(shape) / REFERENCE_SIDE``.
    - `batch_size`: samples per compiled call (memory, not results); ``None`` is
      ``PIXEL_BUDGET // prod(shape)``, between 1 and 64.

    **Returns:** ``(maps, params)``: ``maps`` a NumPy bool array ``(n, *shape)``, and
    ``params`` a dict of NumPy arrays of length ``n`` with the keys ``PARAMS``: ``kind``
    (int codes into ``KINDS``), ``volume_fraction_target``, ``volume_fraction`` (realised,
    ``maps.mean``), and the kind-specific ones (``wavevector`` has shape ``(n, d)``), NaN
    where they do not apply.
    """
    n = check_int("n", n)
    shape = check_grid(shape)
    if min(shape) < 3:
        raise ValueError(f"shape sides must be >= 3 for the mixture, got {shape!r}")
    kinds = tuple(kinds) if isinstance(kinds, tuple | list) else (kinds,)
    bad = [k for k in kinds if k not in KINDS]
    if not kinds or bad:
        raise ValueError(f"kinds must be a non-empty subset of {KINDS}, got {kinds!r}")
    scale = min(shape) / REFERENCE_SIDE if length_scale is None else length_scale
    scale = float(check_scalar("length_scale", scale, positive=True))
    aspect = ASPECT_RATIO_RANGE[1] if len(shape) == 2 else 1.0
    if RADIUS_RANGE[1] * scale * math.sqrt(aspect) > min(shape) / 2:
        raise ValueError(f"length_scale={scale:g} makes inclusions too large for shape {shape}")
    if batch_size is None:
        batch_size = max(1, min(64, PIXEL_BUDGET // math.prod(shape)))
    batch_size = check_int("batch_size", batch_size)

    size = min(batch_size, 1 << (n - 1).bit_length())  # one compiled size per call
    index = jnp.arange(size * -(-n // size))  # padded too, so n = 9 and n = 12 share code
    pick, vf, u, k_map = _draw_kinds(key, index, len(kinds))
    codes = np.array([KINDS.index(k) for k in kinds])[np.asarray(pick)[:n]]

    maps = np.zeros((n, *shape), dtype=bool)
    params = {p: np.full(n, np.nan) for p in PARAMS[3:]}
    params["wavevector"] = np.full((n, len(shape)), np.nan)
    for code, kind in enumerate(KINDS):
        group = np.flatnonzero(codes == code)
        for start in range(0, len(group), size):
            idx = group[start : start + size]
            sel = np.concatenate([idx, np.full(size - len(idx), idx[0])])
            out, extra = _batched(kind, shape, scale)(u[sel], k_map[sel], vf[sel])
            maps[idx] = np.asarray(out)[: len(idx)]
            for name, value in extra.items():
                params[name][idx] = np.asarray(value, dtype=np.float64)[: len(idx)]
    params["kind"] = codes.astype(np.int32)
    params["volume_fraction_target"] = np.asarray(vf, dtype=np.float64)[:n]
    params["volume_fraction"] = maps.reshape(n, -1).mean(axis=1)
    return maps, {p: params[p] for p in PARAMS}
