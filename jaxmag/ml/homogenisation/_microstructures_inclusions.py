"""Random overlapping inclusions (a periodic Boolean model): disks, ellipses, spheres.

Conventions as in :mod:`.microstructures`: boolean maps, ``True`` is the inclusion phase,
pixel ``i`` centred at coordinate ``i``, lengths in pixels, angles in radians from axis 0
toward axis 1, minimum-image distances so every map tiles.
"""

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Bool, Float, PRNGKeyArray

from jaxmag._validate import check_int, check_real, is_concrete
from jaxmag.ml.homogenisation._microstructures import (
    check_grid,
    check_scalar,
    minimum_image,
)

_CHUNK = 16  # inclusions rasterised per scan step


def inclusion_count(shape: tuple[int, ...], *, volume_fraction, radius) -> Float[Array, ""]:
    """The number ``n`` of independent uniform inclusions of area (volume) ``a`` whose
    expected phase fraction in a periodic cell of ``A`` pixels is ``volume_fraction``:
    ``1 − (1 − a/A)^n = φ``, i.e. ``n = ln(1 − φ)/ln(1 − a/A)``. For ``a ≪ A`` this is the
    Boolean-model count ``n = −(A/a) ln(1 − φ)`` of ``φ = 1 − exp(−n a/A)``.

    ``a = π r²`` in 2D (also for ellipses, whose area is kept) and ``4/3 π r³`` in 3D, with
    ``radius`` ``r`` in pixels."""
    shape = check_grid(shape)
    xp = np if is_concrete(volume_fraction) and is_concrete(radius) else jnp
    area = np.pi * radius**2 if len(shape) == 2 else 4 / 3 * np.pi * radius**3
    return xp.log1p(-xp.asarray(volume_fraction)) / xp.log1p(-area / math.prod(shape))


def _check_inclusion_shape(shape, radius, aspect_ratio):
    check_real("radius (px)", radius, positive=True)
    check_real("aspect_ratio", aspect_ratio, positive=True)
    if is_concrete(aspect_ratio) and np.any(np.asarray(aspect_ratio) < 1):
        raise ValueError(
            f"aspect_ratio must be >= 1 (angle sets the major axis), got {aspect_ratio!r}"
        )
    if len(shape) == 3 and is_concrete(aspect_ratio) and np.any(np.asarray(aspect_ratio) != 1):
        raise ValueError(f"3D inclusions are spheres: aspect_ratio must be 1, got {aspect_ratio!r}")
    if is_concrete(radius) and is_concrete(aspect_ratio):
        semi_major = np.max(np.asarray(radius) * np.sqrt(np.asarray(aspect_ratio)))
        if semi_major > min(shape) / 2:
            raise ValueError(
                f"radius (px) gives a semi-major axis of {semi_major:g} px, more than half the "
                f"smallest side of shape {shape}: the inclusion would overlap its periodic image"
            )


@functools.partial(jax.jit, static_argnums=0)
def _rasterise(shape, centres, radius, aspect, angles, active):
    """The union of inclusions, scanned ``_CHUNK`` at a time (memory ``O(_CHUNK N)``)."""
    d = len(shape)
    m = centres.shape[0]
    pad = -m % _CHUNK
    per = [jnp.broadcast_to(jnp.asarray(x, centres.dtype), (m,)) for x in (radius, aspect, angles)]
    xs = [centres, *per, jnp.asarray(active, bool)]
    xs = [jnp.pad(x, [(0, pad)] + [(0, 0)] * (x.ndim - 1)) for x in xs]
    xs = [x.reshape(-1, _CHUNK, *x.shape[1:]) for x in xs]
    coords = jnp.indices(shape, dtype=centres.dtype)
    ex = (slice(None),) + (None,) * d

    def body(covered, chunk):
        c, r, a, th, act = chunk
        dx = [minimum_image(coords[i][None] - c[:, i][ex], shape[i]) for i in range(d)]
        if d == 2:
            cos, sin = jnp.cos(th)[ex], jnp.sin(th)[ex]
            u = (dx[0] * cos + dx[1] * sin) / (r * jnp.sqrt(a))[ex]
            v = (dx[1] * cos - dx[0] * sin) / (r / jnp.sqrt(a))[ex]
            rho2 = u**2 + v**2
        else:
            rho2 = sum(x**2 for x in dx) / (r**2)[ex]
        return covered | jnp.any((rho2 <= 1) & act[ex], axis=0), None

    covered, _ = jax.lax.scan(body, jnp.zeros(shape, bool), xs)
    return covered


def place_inclusions(
    shape: tuple[int, ...],
    centres: Float[Array, "count d"],
    *,
    radius,
    aspect_ratio=1.0,
    angle=0.0,
) -> Bool[Array, "*shape"]:
    """The union of inclusions at given centres, wrapped periodically (deterministic).

    A pixel is inside when its centre is. In 2D an inclusion is an ellipse with semi-axes
    ``r √α`` (along ``angle``) and ``r / √α``, so its area ``π r²`` does not depend on the
    aspect ratio ``α``; in 3D it is a sphere of radius ``r``.

    **Arguments:**

    - `shape`: the static pixel counts, 2D or 3D.
    - `centres`: shape ``(count, d)``, in pixels (any real values; they wrap).
    - `radius`: ``r`` in pixels, > 0, a scalar or one per inclusion.
    - `aspect_ratio`: ``α >= 1`` (2D only), a scalar or one per inclusion.
    - `angle`: the major axis from axis 0 toward axis 1, in radians; scalar or per inclusion.
    """
    shape = check_grid(shape)
    check_real("centres (px)", centres)
    if is_concrete(centres) and (np.ndim(centres) != 2 or np.shape(centres)[1] != len(shape)):
        raise ValueError(f"centres must have shape (count, {len(shape)}), got {np.shape(centres)}")
    _check_inclusion_shape(shape, radius, aspect_ratio)
    check_real("angle (rad)", angle)
    centres = jnp.asarray(centres, dtype=jnp.result_type(float))
    return _rasterise(shape, centres, radius, aspect_ratio, angle, jnp.ones(len(centres), bool))


@functools.partial(jax.jit, static_argnums=(1, 7))
def _random_inclusions(key, shape, volume_fraction, radius, aspect, angle, aligned, max_count):
    """``(phase map, number placed)``; ``aligned`` (possibly traced) selects ``angle``."""
    d = len(shape)
    # One flat random draw for everything: it compiles several times faster than many.
    u = jax.random.uniform(key, (max_count * (d + 2),)).reshape(max_count, d + 2)
    n_exp = inclusion_count(shape, volume_fraction=volume_fraction, radius=radius)
    low = jnp.floor(n_exp)
    # at least one inclusion: a cell drawn for a phase fraction must contain the phase
    count = jnp.clip(low + (u[0, d + 1] < n_exp - low), 1, max_count).astype(int)
    centres = u[:, :d] * jnp.asarray(shape)
    angles = jnp.where(aligned, angle, u[:, d] * jnp.pi)
    active = jnp.arange(max_count) < count
    return _rasterise(shape, centres, radius, aspect, angles, active), count


def inclusions(
    key: PRNGKeyArray,
    shape: tuple[int, ...],
    *,
    volume_fraction,
    radius,
    aspect_ratio=1.0,
    angle=None,
    max_count: int = 1024,
) -> Bool[Array, "*shape"]:
    """Overlapping random inclusions (a Boolean model): disks, ellipses or spheres.

    Centres are uniform in the cell. The count is :func:`inclusion_count` ``n``, rounded
    up with probability ``n − ⌊n⌋`` and down otherwise, so that the *expected* phase
    fraction is ``volume_fraction`` to ``O((a/A)²)``, pixelisation included (a uniformly
    placed inclusion covers each pixel centre with probability ``a/A``), except that at
    least one inclusion is placed (for ``n < 1`` the fraction is then that of one). The realised
    fraction is random: its spread is about 0.02 at ``φ = 0.3`` and ``a/A = 2 %``. At most
    ``max_count`` inclusions are drawn (a static size under ``jit``); with concrete
    arguments a ``max_count`` below ``⌈n⌉`` is an error, under tracing the count is
    silently capped.

    **Arguments:**

    - `key`: a `jax.random` key.
    - `shape`: the static pixel counts, 2D or 3D.
    - `volume_fraction`: the expected fraction ``φ`` of phase 1, in ``(0, 1)``.
    - `radius`: ``r`` in pixels; see :func:`place_inclusions` for the ellipse axes.
    - `aspect_ratio`: ``α >= 1``, 2D only (3D inclusions are spheres).
    - `angle`: the major axis in radians; ``None`` draws each uniformly in ``[0, π)``.
    - `max_count`: the static upper bound on the number of inclusions.
    """
    shape = check_grid(shape)
    check_scalar("volume_fraction", volume_fraction, fraction=True)
    check_scalar("radius (px)", radius, positive=True)
    check_scalar("aspect_ratio", aspect_ratio, positive=True)
    _check_inclusion_shape(shape, radius, aspect_ratio)
    if angle is not None:
        check_scalar("angle (rad)", angle)
    max_count = check_int("max_count", max_count)
    if is_concrete(volume_fraction) and is_concrete(radius):
        need = math.ceil(
            float(inclusion_count(shape, volume_fraction=volume_fraction, radius=radius))
        )
        if need > max_count:
            raise ValueError(f"max_count={max_count} is below the {need} inclusions needed")
    aligned = angle is not None
    angle = 0.0 if angle is None else angle
    phase, _ = _random_inclusions(
        key, shape, volume_fraction, radius, aspect_ratio, angle, aligned, max_count
    )
    return phase
