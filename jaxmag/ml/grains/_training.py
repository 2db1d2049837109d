"""Training of the grain CNN (:class:`~jaxmag.ml.grains._cnn.GrainCNN`): AdamW with warm-up
and cosine decay on the mean squared error of both switching-field maps, on random
symmetries of the square (see :mod:`jaxmag.ml.grains`)."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import PRNGKeyArray

from jaxmag._validate import check_int, check_real
from jaxmag.ml._training import fit
from jaxmag.ml.grains._cnn import OUTPUTS, GrainCNN, _check_batch, _check_labels


def _augment(key, x, y):
    """A random symmetry of the square applied to an input ``(4, nx, ny)`` and to maps
    ``(k, nx, ny)`` that move with it."""
    u = jax.random.uniform(key, (3,))
    sign_x = jnp.array([-1.0, 1.0, 1.0, 1.0], x.dtype)[:, None, None]
    sign_y = jnp.array([1.0, -1.0, 1.0, 1.0], x.dtype)[:, None, None]
    x = jnp.where(u[0] < 0.5, x[:, ::-1] * sign_x, x)
    y = jnp.where(u[0] < 0.5, y[:, ::-1], y)
    x = jnp.where(u[1] < 0.5, x[:, :, ::-1] * sign_y, x)
    y = jnp.where(u[1] < 0.5, y[:, :, ::-1], y)
    if x.shape[1] == x.shape[2]:
        xt = jnp.swapaxes(x, 1, 2)[jnp.array([1, 0, 2, 3])]
        x = jnp.where(u[2] < 0.5, xt, x)
        y = jnp.where(u[2] < 0.5, jnp.swapaxes(y, 1, 2), y)
    return x, y


class _GrainLoss(eqx.Module):
    """The weighted mean squared error of both standardised maps, on a batch ``(inputs,
    targets + weights + labels)`` moved by a random symmetry with ``augment``."""

    augment: bool = eqx.field(static=True)

    def __call__(self, model, batch, key):
        xb, ywb = batch
        if self.augment:
            xb, ywb = jax.vmap(_augment)(jax.random.split(key, xb.shape[0]), xb, ywb)
        k = len(OUTPUTS)
        yb, wb, lb = ywb[:, :k], ywb[:, k : 2 * k], ywb[:, 2 * k].astype(jnp.int32)
        err = (jax.vmap(model)(xb, lb) - model.offset) / model.scale - yb
        return jnp.sum(wb * err**2) / jnp.sum(wb)


def train_grain_cnn(
    inputs,
    targets,
    labels,
    *,
    key: PRNGKeyArray,
    steps: int = 2000,
    batch_size: int = 16,
    learning_rate: float = 3e-3,
    weight_decay: float = 1e-4,
    base: int = 16,
    depth: int = 3,
    augment: bool = True,
    weights=None,
    verbose: bool = False,
    print_every: int = 250,
) -> tuple[GrainCNN, dict]:
    """Fit a :class:`GrainCNN` to `inputs` ``(n, 4, nx, ny)`` with their grain `labels`
    ``(n, nx, ny)`` and switching-field maps `targets` ``(n, 2, nx, ny)`` in T
    (:func:`dataset_targets`; NaN entries, cells or grains that never reversed, are left
    out of the loss). `weights`, of the targets'
    shape and non-negative, weight each entry's squared error (for example
    :func:`grain_weights`, which counts every grain once in the ``grain`` map). Trains with
    :func:`jaxmag.ml.fit` (AdamW, warm-up and cosine decay, random minibatches). Returns
    ``(model, history)``, the history of :func:`jaxmag.ml.fit` (``loss`` per step,
    ``seconds``, ...)."""
    steps = check_int("steps", steps)
    batch_size = check_int("batch_size", batch_size)
    depth = check_int("depth", depth, maximum=5)
    check_real("learning_rate", learning_rate, positive=True)
    check_real("weight_decay", weight_decay, nonneg=True)
    x = _check_batch(depth, inputs)
    lab = _check_labels(labels, x)
    y = np.asarray(targets, np.float32)
    if y.shape != (x.shape[0], len(OUTPUTS), *x.shape[2:]):
        raise ValueError(
            f"targets have shape {y.shape}; the inputs {x.shape} need ({x.shape[0]}, "
            f"{len(OUTPUTS)}, {x.shape[2]}, {x.shape[3]}) (the maps {OUTPUTS})"
        )
    finite = np.isfinite(y)
    if not finite.any():
        raise ValueError("targets hold no finite switching field")
    w = finite.astype(np.float32)
    if weights is not None:
        weights = np.asarray(weights, np.float32)
        if weights.shape != y.shape:
            raise ValueError(f"weights have shape {weights.shape}; the targets have {y.shape}")
        check_real("weights", weights, nonneg=True)
        w = w * weights
    offset, scale = float(y[finite].mean()), float(y[finite].std()) or 1.0
    k_model, k_train = jax.random.split(key)
    in_mean = x.mean(axis=(0, 2, 3))
    in_std = np.where(x.std(axis=(0, 2, 3)) > 0, x.std(axis=(0, 2, 3)), 1.0)
    model = GrainCNN(
        base, depth, offset=offset, scale=scale, in_mean=in_mean, in_std=in_std, key=k_model
    )
    # the label map rides with the targets through the symmetries (exact in float32)
    yw = np.concatenate([np.where(finite, (y - offset) / scale, 0.0), w, lab[:, None]], 1)
    return fit(
        model,
        _GrainLoss(bool(augment)),
        (jnp.asarray(x), jnp.asarray(yw)),
        key=k_train,
        steps=steps,
        batch_size=batch_size,
        learning_rate=learning_rate,
        weight_decay=weight_decay,
        verbose=verbose,
        print_every=print_every,
        label="grain CNN",
    )
