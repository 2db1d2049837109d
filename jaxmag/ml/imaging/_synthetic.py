"""Synthetic TEM-like micrographs of nanoparticles and nanowires, with exact masks.

They stand in for real bright-field TEM images (which are not shipped) when training and
testing segmentation. :func:`render_micrograph` turns a known mask into an image in four
steps, all in JAX (``jit`` and ``vmap`` over keys apply):

1. **Mass-thickness contrast.** The background has intensity ``background``; a particle
   pixel of relative projected thickness ``t`` in [0, 1] is darker by ``contrast × t``
   (or, with ``bright_particles``, a dark background ``1 - background`` and particles
   brighter by ``contrast × t``, as in dark-field imaging).
2. **Optical blur.** A Gaussian point-spread function of standard deviation ``blur_px``
   pixels (separable convolution, edges padded by repetition, no wrap-around).
3. **Illumination.** A smooth multiplicative field ``1 + shading × f`` where ``f`` mixes a
   linear gradient in a random direction with a vignette about a random centre, scaled to
   zero mean and a largest absolute value of 1: ``shading`` is the peak relative change.
4. **Shot noise.** Gaussian noise whose variance is proportional to the intensity
   (Poisson-like), scaled so that its standard deviation is ``noise × contrast`` at the
   background intensity. The result is clipped to [0, 1].

:func:`synthetic_segmentation_set` draws random masks (discs, ellipses, rods/wires at
random angles, some touching their neighbour) and renders them with parameters drawn
uniformly from the ``*_RANGE`` constants below.
"""

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Bool, Float, PRNGKeyArray

from jaxmag._validate import check_int, check_real, is_concrete

BLUR_PX_RANGE = (0.5, 1.5)
"""Standard deviation of the Gaussian point-spread function, in pixels."""
SHADING_RANGE = (0.0, 0.3)
"""Peak relative change of the illumination across the image."""
NOISE_RANGE = (0.05, 0.15)
"""Noise standard deviation at the background intensity, as a fraction of the contrast."""
CONTRAST_RANGE = (0.3, 0.6)
"""Intensity difference between background and a full-thickness particle."""
BACKGROUND_RANGE = (0.7, 0.85)
"""Background intensity (bright-field); particles are darker."""
THICKNESS_RANGE = (0.75, 1.0)
"""Relative projected thickness of each particle at its centre (it thins to 70 % of that
at its edge)."""

N_SHAPES_RANGE = (2, 8)
"""Number of particles per image (inclusive)."""
SHAPE_PROBABILITIES = {"disc": 0.4, "ellipse": 0.3, "rod": 0.3}
DISC_RADIUS_PX = (3.0, 8.0)
ELLIPSE_SEMI_AXES_PX = (3.0, 9.0)
ELLIPSE_MAX_ASPECT = 2.5
ROD_LENGTH_PX = (12.0, 40.0)
ROD_WIDTH_PX = (2.5, 6.0)
TOUCH_PROBABILITY = 0.3
"""Chance that a particle is placed against the previous one (an aggregate)."""
REFERENCE_SIZE_PX = 64
"""The ``*_PX`` sizes above are for a 64-pixel image; they scale with ``min(H, W) / 64``."""

MAX_BLUR_PX = 3.0
_RADIUS = 9  # kernel half-width in pixels: 3 sigma at MAX_BLUR_PX


def gaussian_blur(image: Float[Array, "H W"], sigma_px) -> Float[Array, "H W"]:
    """Blur with a Gaussian of standard deviation ``sigma_px`` pixels (0 to 3; 0 leaves
    the image unchanged), edges padded by repeating the border."""
    x = jnp.arange(-_RADIUS, _RADIUS + 1, dtype=image.dtype)
    s = jnp.maximum(jnp.asarray(sigma_px, image.dtype), 1e-3)
    w = jnp.exp(-0.5 * (x / s) ** 2)
    w = w / jnp.sum(w)
    p = jnp.pad(image, _RADIUS, mode="edge")
    rows = jax.vmap(lambda r: jnp.convolve(r, w, mode="valid"))(p)
    return jax.vmap(lambda c: jnp.convolve(c, w, mode="valid"), in_axes=1, out_axes=1)(rows)


def _illumination(key: PRNGKeyArray, shape, shading, dtype) -> Float[Array, "H W"]:
    h, w = shape
    y, x = jnp.meshgrid(jnp.linspace(-1, 1, h), jnp.linspace(-1, 1, w), indexing="ij")
    u = jax.random.uniform(key, (4,))
    angle, mix = 2 * jnp.pi * u[0], u[1]
    cx, cy = u[2] - 0.5, u[3] - 0.5  # vignette centre within the middle half
    f = mix * (x * jnp.cos(angle) + y * jnp.sin(angle)) - (1 - mix) * (
        (x - cx) ** 2 + (y - cy) ** 2
    )
    f = f - jnp.mean(f)
    f = f / jnp.maximum(jnp.max(jnp.abs(f)), 1e-6)
    return (1.0 + shading * f).astype(dtype)


def _check_params(mask, blur_px, shading, noise, contrast, background):
    check_real("blur_px (pixels)", blur_px, nonneg=True)
    check_real("shading", shading, nonneg=True)
    check_real("noise (fraction of the contrast)", noise, nonneg=True)
    check_real("contrast", contrast, positive=True)
    check_real("background", background, positive=True)
    if is_concrete(blur_px) and np.any(np.asarray(blur_px) > MAX_BLUR_PX):
        raise ValueError(f"blur_px must be at most {MAX_BLUR_PX} pixels, got {blur_px!r}")
    if is_concrete(shading) and np.any(np.asarray(shading) >= 1):
        raise ValueError(f"shading must be below 1 (a relative change), got {shading!r}")
    if is_concrete(background) and is_concrete(contrast):
        if np.any(np.asarray(background) > 1) or np.any(
            np.asarray(background) - np.asarray(contrast) < 0
        ):
            raise ValueError(
                f"need contrast <= background <= 1, got contrast {contrast!r}, "
                f"background {background!r}"
            )
    if mask.ndim != 2 or 0 in mask.shape:
        raise ValueError(f"mask must be a non-empty 2D (H, W) array, got shape {mask.shape}")


def render_micrograph(
    key: PRNGKeyArray,
    mask: Bool[Array, "H W"] | Float[Array, "H W"],
    *,
    blur_px=1.0,
    shading=0.15,
    noise=0.1,
    contrast=0.45,
    background=0.8,
    bright_particles=False,
) -> Float[Array, "H W"]:
    """A TEM-like image of ``mask`` (see the module docstring for the model).

    **Arguments:**

    - `key`: PRNG key for the illumination field and the noise.
    - `mask`: ``(H, W)`` booleans (``True`` on particles), or floats in [0, 1]: the
      relative projected thickness of each pixel.
    - `blur_px`: point-spread function standard deviation in pixels, 0 to 3.
    - `shading`: peak relative change of the illumination, in [0, 1).
    - `noise`: noise standard deviation at the background, as a fraction of ``contrast``.
    - `contrast`: intensity difference between background and full-thickness particle.
    - `background`: background intensity in (0, 1], at least ``contrast``.
    - `bright_particles`: bright particles on a dark (``1 - background``) background.

    Returns a float image in [0, 1] of the mask's shape (float32 for a boolean mask).
    Every parameter may be traced (``vmap`` over keys or parameters).
    """
    mask = jnp.asarray(mask)
    _check_params(mask, blur_px, shading, noise, contrast, background)
    dtype = mask.dtype if jnp.issubdtype(mask.dtype, jnp.floating) else jnp.float32
    t = mask.astype(dtype)
    sign = jnp.where(bright_particles, 1.0, -1.0).astype(dtype)
    base = jnp.where(bright_particles, 1.0 - background, background).astype(dtype)
    ideal = gaussian_blur(base + sign * contrast * t, blur_px)
    k_light, k_noise = jax.random.split(key)
    signal = ideal * _illumination(k_light, mask.shape, shading, dtype)
    sigma = noise * contrast * jnp.sqrt(jnp.maximum(signal, 0.0) / base)
    gauss = jax.random.normal(k_noise, (mask.size,), dtype).reshape(mask.shape)  # flat: see above
    out = signal + sigma * gauss
    return jnp.clip(out, 0.0, 1.0).astype(dtype)


def _scaled(u01, bounds, scale=1.0):
    """``u01`` in [0, 1) mapped onto ``bounds`` (times ``scale``)."""
    lo, hi = bounds
    return scale * (lo + (hi - lo) * u01)


def _random_density(key: PRNGKeyArray, shape) -> Float[Array, "H W"]:
    """Relative projected thickness of random particles (0 outside them)."""
    h, w = shape
    scale = min(h, w) / REFERENCE_SIZE_PX
    y, x = jnp.meshgrid(jnp.arange(h, dtype=float), jnp.arange(w, dtype=float), indexing="ij")
    k_count, key = jax.random.split(key)
    lo, hi = N_SHAPES_RANGE
    count = jax.random.randint(k_count, (), lo, hi + 1)
    margin = 4.0 * scale

    cum = jnp.cumsum(jnp.asarray(list(SHAPE_PROBABILITIES.values())))
    # one flat draw: a multi-dimensional shape makes XLA:CPU compile threefry slowly
    draws = jax.random.uniform(key, (hi * 12,)).reshape(hi, 12)

    def particle(carry, i):
        density, prev_centre, prev_extent = carry
        u01 = draws[i]
        kind = jnp.sum(u01[0] * cum[-1] >= cum[:-1])  # 0 disc, 1 ellipse, 2 rod
        angle = np.pi * u01[1]
        r = _scaled(u01[2], DISC_RADIUS_PX, scale)
        a = _scaled(u01[3], ELLIPSE_SEMI_AXES_PX, scale)
        b = a * _scaled(u01[4], (1 / ELLIPSE_MAX_ASPECT, 0.9))
        b = jnp.maximum(b, ELLIPSE_SEMI_AXES_PX[0] * scale * 0.6)
        half_len = _scaled(u01[5], ROD_LENGTH_PX, scale) / 2
        rod_r = _scaled(u01[6], ROD_WIDTH_PX, scale) / 2
        semi = jnp.stack([jnp.stack([r, r]), jnp.stack([a, b]), jnp.stack([half_len, rod_r])])
        sa, sb = semi[kind]
        extent = jnp.where(kind == 2, rod_r + 0.3 * half_len, (sa + sb) / 2)
        free = margin + u01[7:9] * (jnp.asarray([w, h]) - 2 * margin)
        phi = 2 * np.pi * u01[9]
        touch = prev_centre + (prev_extent + extent) * jnp.stack([jnp.cos(phi), jnp.sin(phi)])
        touching = (i > 0) & (u01[10] < TOUCH_PROBABILITY)
        centre = jnp.where(touching, touch, free)
        du, dv = x - centre[0], y - centre[1]
        u = du * jnp.cos(angle) + dv * jnp.sin(angle)
        v = -du * jnp.sin(angle) + dv * jnp.cos(angle)
        rho2_ellipse = (u / sa) ** 2 + (v / sb) ** 2
        rho2_rod = (jnp.maximum(jnp.abs(u) - sa, 0.0) ** 2 + v**2) / sb**2
        rho2 = jnp.where(kind == 2, rho2_rod, rho2_ellipse)
        peak = _scaled(u01[11], THICKNESS_RANGE)
        profile = peak * (0.7 + 0.3 * jnp.sqrt(jnp.clip(1.0 - rho2, 0.0, 1.0)))
        active = i < count
        density = jnp.where((rho2 < 1.0) & active, jnp.maximum(density, profile), density)
        prev_centre = jnp.where(active, centre, prev_centre)
        prev_extent = jnp.where(active, extent, prev_extent)
        return (density, prev_centre, prev_extent), None

    init = (jnp.zeros(shape), jnp.asarray([w / 2, h / 2], dtype=float), jnp.asarray(0.0))
    (density, _, _), _ = jax.lax.scan(particle, init, jnp.arange(hi))
    return density


def _draw(key: PRNGKeyArray, shape, p_bright: float):
    k_shape, k_render, k_params = jax.random.split(key, 3)
    u = jax.random.uniform(k_params, (6,))
    density = _random_density(k_shape, shape).astype(jnp.float32)
    image = render_micrograph(
        k_render,
        density,
        blur_px=_scaled(u[0], BLUR_PX_RANGE),
        shading=_scaled(u[1], SHADING_RANGE),
        noise=_scaled(u[2], NOISE_RANGE),
        contrast=_scaled(u[3], CONTRAST_RANGE),
        background=_scaled(u[4], BACKGROUND_RANGE),
        bright_particles=u[5] < p_bright,
    )
    return image.astype(jnp.float32), density > 0


_CHUNK = 32  # images per compiled call, so that every n reuses one compilation
_draw_chunk = jax.jit(jax.vmap(_draw, in_axes=(0, None, None)), static_argnums=(1,))


def synthetic_segmentation_set(
    key: PRNGKeyArray, n: int, shape: tuple[int, int] = (64, 64), *, p_bright: float = 0.0
) -> tuple[Float[Array, "n H W"], Bool[Array, "n H W"]]:
    """``n`` random particle masks and their rendered micrographs.

    **Arguments:**

    - `key`: PRNG key; the same key gives the same set.
    - `n`: number of images, >= 1.
    - `shape`: ``(H, W)`` in pixels, each >= 16.
    - `p_bright`: probability that an image shows bright particles on a dark background
      (dark-field); 0 by default (bright-field TEM).

    Returns ``(images, masks)``: float32 ``(n, H, W)`` in [0, 1] and boolean
    ``(n, H, W)``. Shapes and rendering parameters are drawn from the ranges defined in
    this module.
    """
    check_int("n", n)
    shape = tuple(shape)
    if len(shape) != 2 or not all(isinstance(s, int | np.integer) and s >= 16 for s in shape):
        raise ValueError(f"shape must be (H, W) with integers >= 16, got {shape!r}")
    check_real("p_bright", p_bright, nonneg=True)
    if p_bright > 1:
        raise ValueError(f"p_bright must be a probability in [0, 1], got {p_bright!r}")
    n = int(n)
    keys = jax.random.split(key, -(-n // _CHUNK) * _CHUNK).reshape(-1, _CHUNK)
    shape = tuple(int(s) for s in shape)
    parts = [_draw_chunk(k, shape, float(p_bright)) for k in keys]
    images = jnp.concatenate([p[0] for p in parts])[:n]
    masks = jnp.concatenate([p[1] for p in parts])[:n]
    return images, masks
