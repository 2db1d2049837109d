"""Training of the grain CNN (:class:`~jaxmag.ml.grains._cnn.GrainCNN`): AdamW with warm-up
and cosine decay on the mean squared error of both switching-field maps, on random
symmetries of the square (see :mod:`jaxmag.ml.grains`)."""

import time

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
from jaxtyping import PRNGKeyArray

from jaxmag._validate import check_real
from jaxmag.ml.grains._cnn import OUTPUTS, GrainCNN, _check_batch, _check_labels
from jaxmag.ml.imaging._unet import _check_int


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
    :func:`grain_weights`, which counts every grain once in the ``grain`` map). Returns
    ``(model, history)`` with the loss per step and the seconds."""
    steps = _check_int("steps", steps, 1)
    batch_size = _check_int("batch_size", batch_size, 1)
    depth = _check_int("depth", depth, 1, 5)
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
    x = jnp.asarray(x)
    # the label map rides with the targets through the symmetries (exact in float32)
    yw = np.concatenate([np.where(finite, (y - offset) / scale, 0.0), w, lab[:, None]], 1)
    yw = jnp.asarray(yw)
    n = x.shape[0]
    batch_size = min(batch_size, n)
    schedule = optax.warmup_cosine_decay_schedule(
        0.0, learning_rate, max(1, steps // 20), steps, end_value=learning_rate / 100
    )
    opt = optax.adamw(schedule, weight_decay=weight_decay)
    opt_state = opt.init(eqx.filter(model, eqx.is_array))

    @eqx.filter_jit
    def step(model, opt_state, key):
        k_idx, k_aug = jax.random.split(key)
        idx = jax.random.choice(k_idx, n, (batch_size,), replace=False)
        xb, ywb = x[idx], yw[idx]
        if augment:
            xb, ywb = jax.vmap(_augment)(jax.random.split(k_aug, batch_size), xb, ywb)
        k = len(OUTPUTS)
        yb, wb, lb = ywb[:, :k], ywb[:, k : 2 * k], ywb[:, 2 * k].astype(jnp.int32)

        def loss_fn(m):
            err = (jax.vmap(m)(xb, lb) - offset) / scale - yb
            return jnp.sum(wb * err**2) / jnp.sum(wb)

        loss, grads = eqx.filter_value_and_grad(loss_fn)(model)
        updates, opt_state = opt.update(grads, opt_state, eqx.filter(model, eqx.is_array))
        return eqx.apply_updates(model, updates), opt_state, loss

    losses, t0 = [], time.perf_counter()
    for i in range(steps):
        model, opt_state, loss = step(model, opt_state, jax.random.fold_in(k_train, i))
        losses.append(loss)
        if verbose and ((i + 1) % print_every == 0 or i == steps - 1):
            recent = float(jnp.mean(jnp.stack(losses[-print_every:])))
            print(
                f"grain CNN step {i + 1}/{steps}: loss {recent:.4f} "
                f"({time.perf_counter() - t0:.0f} s)",
                flush=True,
            )
    history = {
        "loss": [float(v) for v in jax.device_get(losses)],
        "seconds": time.perf_counter() - t0,
        "steps": steps,
    }
    return model, history
