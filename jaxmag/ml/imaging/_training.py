"""Training a :class:`~jaxmag.ml.imaging.UNet` for binary segmentation with optax.

The loss of a batch is the mean binary cross-entropy of the logits plus
``dice_weight × (1 - soft Dice)``, the soft Dice coefficient of each image being
``(2 Σ p q + 1) / (Σ p + Σ q + 1)`` with ``p = sigmoid(logits)`` and ``q`` the true mask.
Minibatches are drawn at random (with replacement across steps, without within a batch)
and, with ``augment``, each image is flipped and (for square images) transposed at random:
the eight symmetries of the square, which leave a particle mask a valid particle mask.
The optimiser is AdamW with a warm-up then cosine decay of the learning rate.
"""

import time

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
from jaxtyping import Array, Float, PRNGKeyArray

from jaxmag._validate import check_real
from jaxmag.ml.imaging._unet import UNet, _check_int


def bce_dice_loss(logits, masks, dice_weight: float = 1.0) -> Float[Array, ""]:
    """Mean binary cross-entropy plus ``dice_weight × (1 - mean soft Dice)``, for a batch
    of logits and masks ``(n, H, W)``."""
    q = masks.astype(logits.dtype)
    bce = jnp.mean(optax.sigmoid_binary_cross_entropy(logits, q))
    p = jax.nn.sigmoid(logits)
    inter = jnp.sum(p * q, axis=(-2, -1))
    dice = (2 * inter + 1) / (jnp.sum(p, axis=(-2, -1)) + jnp.sum(q, axis=(-2, -1)) + 1)
    return bce + dice_weight * (1 - jnp.mean(dice))


def _augment(key, image, mask):
    """A random symmetry of the square (of the rectangle, when not square)."""
    u = jax.random.uniform(key, (3,))
    for k, flip in enumerate((lambda a: a[::-1, :], lambda a: a[:, ::-1], lambda a: a.T)):
        if k == 2 and image.shape[0] != image.shape[1]:
            break
        image = jnp.where(u[k] < 0.5, flip(image), image)
        mask = jnp.where(u[k] < 0.5, flip(mask), mask)
    return image, mask


def _check_data(images, masks, depth: int):
    x = np.asarray(images)
    y = np.asarray(masks)
    if x.ndim != 3 or x.shape[0] == 0:
        raise ValueError(f"images must be a non-empty batch (n, H, W), got shape {x.shape}")
    if y.shape != x.shape:
        raise ValueError(f"masks have shape {y.shape}, images {x.shape}: they must match")
    if x.dtype.kind not in "iuf" or not np.all(np.isfinite(x)):
        raise ValueError("images must be finite real numbers")
    if y.dtype != bool and not (y.dtype.kind in "iu" and np.all((y == 0) | (y == 1))):
        raise ValueError(f"masks must be boolean or 0/1 integers, got dtype {y.dtype}")
    m = 2**depth
    if x.shape[1] % m or x.shape[2] % m:
        raise ValueError(
            f"images are {x.shape[1]} × {x.shape[2]}; H and W must be multiples of 2**depth = {m}"
        )
    return x, y


def train_unet(
    images,
    masks,
    *,
    key: PRNGKeyArray,
    steps: int = 1500,
    batch_size: int = 16,
    learning_rate: float = 3e-3,
    weight_decay: float = 1e-4,
    dice_weight: float = 1.0,
    augment: bool = True,
    base: int = 8,
    depth: int = 3,
    norm: bool = False,
    model: UNet | None = None,
    verbose: bool = False,
    print_every: int = 100,
):
    """Fit a U-Net to ``(images, masks)``.

    **Arguments:**

    - `images`: ``(n, H, W)`` micrographs (any real scale; the network standardises each).
    - `masks`: ``(n, H, W)`` booleans (or 0/1), ``True`` on particles.
    - `key`: PRNG key for the initial weights, the batches and the augmentation.
    - `steps`: optimiser steps; `batch_size`: images per step.
    - `learning_rate`: peak AdamW learning rate (5 % warm-up, then cosine decay to 1 %);
      `weight_decay`: AdamW decoupled weight decay.
    - `dice_weight`: weight of the soft Dice term (0: cross-entropy only).
    - `augment`: random flips and transposes of each training image.
    - `base`, `depth`, `norm`: the :class:`UNet` to build, unless `model` is given (then
      training continues from it).
    - `verbose`, `print_every`: print the mean loss every ``print_every`` steps.

    Returns ``(model, history)``; ``history`` has ``loss`` (one value per step),
    ``seconds`` (the whole training, compilation included) and ``compile_seconds`` (the
    first step).
    """
    steps = _check_int("steps", steps, 1)
    batch_size = _check_int("batch_size", batch_size, 1)
    print_every = _check_int("print_every", print_every, 1)
    check_real("learning_rate", learning_rate, positive=True)
    check_real("weight_decay", weight_decay, nonneg=True)
    check_real("dice_weight", dice_weight, nonneg=True)
    if model is not None and not isinstance(model, UNet):
        raise ValueError(f"model must be a UNet, got {type(model).__name__}")
    if model is not None and model.in_channels != 1:
        raise ValueError("train_unet trains single-channel (grayscale) models")
    x, y = _check_data(
        images, masks, _check_int("depth", depth, 1, 5) if model is None else model.depth
    )
    k_model, k_train = jax.random.split(key)
    if model is None:
        model = UNet(1, base, depth, norm=norm, key=k_model)
    dtype = model.head.weight.dtype
    x, y = jnp.asarray(x, dtype), jnp.asarray(y, bool)
    n = x.shape[0]
    batch_size = min(batch_size, n)

    schedule = optax.warmup_cosine_decay_schedule(
        0.0, learning_rate, max(1, steps // 20), steps, end_value=learning_rate / 100
    )
    opt = optax.adamw(schedule, weight_decay=weight_decay)
    opt_state = opt.init(eqx.filter(model, eqx.is_array))

    @eqx.filter_jit
    def step(model, opt_state, x, y, key):
        k_idx, k_aug = jax.random.split(key)
        idx = jax.random.choice(k_idx, n, (batch_size,), replace=False)
        xb, yb = x[idx], y[idx]
        if augment:
            xb, yb = jax.vmap(_augment)(jax.random.split(k_aug, batch_size), xb, yb)

        def loss_fn(m):
            return bce_dice_loss(jax.vmap(m)(xb), yb, dice_weight)

        loss, grads = eqx.filter_value_and_grad(loss_fn)(model)
        updates, opt_state = opt.update(grads, opt_state, eqx.filter(model, eqx.is_array))
        return eqx.apply_updates(model, updates), opt_state, loss

    losses = []
    t0 = time.perf_counter()
    compile_s = 0.0
    for i in range(steps):
        model, opt_state, loss = step(model, opt_state, x, y, jax.random.fold_in(k_train, i))
        losses.append(loss)
        if i == 0:
            loss.block_until_ready()
            compile_s = time.perf_counter() - t0
        if verbose and ((i + 1) % print_every == 0 or i == steps - 1):
            recent = float(jnp.mean(jnp.stack(losses[-print_every:])))
            elapsed = time.perf_counter() - t0
            print(f"step {i + 1}/{steps}: loss {recent:.4f} ({elapsed:.1f} s)", flush=True)
    history = {
        "loss": [float(v) for v in jax.device_get(losses)],
        "seconds": time.perf_counter() - t0,
        "compile_seconds": compile_s,
        "steps": steps,
    }
    return model, history
