"""Training a :class:`~jaxmag.ml.imaging.UNet` for binary segmentation with optax.

The loss of a batch is the mean binary cross-entropy of the logits plus
``dice_weight × (1 - soft Dice)``, the soft Dice coefficient of each image being
``(2 Σ p q + 1) / (Σ p + Σ q + 1)`` with ``p = sigmoid(logits)`` and ``q`` the true mask.
Minibatches are drawn at random (with replacement across steps, without within a batch)
and, with ``augment``, each image is flipped and (for square images) transposed at random:
the eight symmetries of the square, which leave a particle mask a valid particle mask.
Training runs :func:`jaxmag.ml.fit` (AdamW, warm-up then cosine decay of the learning
rate).
"""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
from jaxtyping import Array, Float, PRNGKeyArray

from jaxmag._validate import check_int, check_real
from jaxmag.ml._training import fit
from jaxmag.ml.imaging._unet import UNet


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


class _SegmentationLoss(eqx.Module):
    """:func:`bce_dice_loss` of a batch ``(images, masks)``, each pair first moved by a
    random symmetry with ``augment``."""

    dice_weight: float = eqx.field(static=True)
    augment: bool = eqx.field(static=True)

    def __call__(self, model, batch, key):
        xb, yb = batch
        if self.augment:
            xb, yb = jax.vmap(_augment)(jax.random.split(key, xb.shape[0]), xb, yb)
        return bce_dice_loss(jax.vmap(model)(xb), yb, self.dice_weight)


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

    Returns ``(model, history)``, the history of :func:`jaxmag.ml.fit` (``loss`` per
    step, ``seconds``, ``compile_seconds``, ...).
    """
    steps = check_int("steps", steps)
    batch_size = check_int("batch_size", batch_size)
    print_every = check_int("print_every", print_every)
    check_real("learning_rate", learning_rate, positive=True)
    check_real("weight_decay", weight_decay, nonneg=True)
    check_real("dice_weight", dice_weight, nonneg=True)
    if model is not None and not isinstance(model, UNet):
        raise ValueError(f"model must be a UNet, got {type(model).__name__}")
    if model is not None and model.in_channels != 1:
        raise ValueError("train_unet trains single-channel (grayscale) models")
    x, y = _check_data(
        images, masks, check_int("depth", depth, maximum=5) if model is None else model.depth
    )
    k_model, k_train = jax.random.split(key)
    if model is None:
        model = UNet(1, base, depth, norm=norm, key=k_model)
    dtype = model.head.weight.dtype
    data = (jnp.asarray(x, dtype), jnp.asarray(y, bool))
    return fit(
        model,
        _SegmentationLoss(float(dice_weight), bool(augment)),
        data,
        key=k_train,
        steps=steps,
        batch_size=batch_size,
        learning_rate=learning_rate,
        weight_decay=weight_decay,
        verbose=verbose,
        print_every=print_every,
        label="U-Net",
    )
