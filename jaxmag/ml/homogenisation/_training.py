"""Training, prediction and persistence for :class:`PermeabilityCNN`."""

import functools
import time

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
from jaxtyping import PRNGKeyArray

from jaxmag.io._model import load_model, save_model
from jaxmag.ml.homogenisation._cnn import (
    PermeabilityCNN,
    bruggeman_reference,
    build_model,
    model_config,
)
from jaxmag.ml.homogenisation._tensors import d4_transform, logm_spd


def log_targets(mu_eff, phases, contrasts) -> np.ndarray:
    """``log(μ_eff / μ_B)`` components, the CNN's regression targets."""
    f = np.asarray(phases).mean((-2, -1))
    ref = np.asarray(bruggeman_reference(f, np.asarray(contrasts, float)))
    return logm_spd(np.asarray(mu_eff) / ref[:, None, None])


def _loss(model, phases, contrasts, targets):
    pred = model.log_correction(phases, contrasts)
    w = jnp.array([1.0, 1.0, 2.0])  # xy counts twice in the Frobenius norm
    return jnp.mean(jnp.sum(w * (pred - targets) ** 2, -1))


def train_cnn(
    model: PermeabilityCNN,
    phases,
    contrasts,
    mu_eff,
    *,
    key: PRNGKeyArray,
    epochs: int = 100,
    batch_size: int = 64,
    learning_rate: float = 2e-3,
    weight_decay: float = 1e-4,
    augment: bool = True,
    verbose: bool = True,
):
    """Fit ``model`` by AdamW on the log-tensor misfit, with a cosine learning rate.

    **Arguments:**

    - `phases`: boolean maps ``(n, H, W)``; `contrasts`: ``(n,)``, μr of the particles.
    - `mu_eff`: target tensors ``(n, 2, 2)`` from the solver.
    - `augment`: apply a random element of the square's symmetry group to every batch
      (maps and tensors together; needs square maps).

    **Returns:** ``(model, history)``, the loss per epoch.
    """
    phases = np.asarray(phases, bool)
    contrasts = np.asarray(contrasts, np.float32)
    n = len(phases)
    if n < batch_size:
        raise ValueError(f"need at least batch_size = {batch_size} samples, got {n}")
    model.check_input(phases)
    targets = log_targets(mu_eff, phases, contrasts).astype(np.float32)
    steps = epochs * (n // batch_size)
    schedule = optax.warmup_cosine_decay_schedule(
        0.0, learning_rate, min(200, steps // 10 + 1), steps
    )
    opt = optax.adamw(schedule, weight_decay=weight_decay)
    state = opt.init(eqx.filter(model, eqx.is_array))

    @eqx.filter_jit
    def step(model, state, x, c, y, g):
        if augment:
            x, y = jax.lax.switch(
                g, [lambda x, y, i=i: d4_transform(x, y, i) for i in range(8)], x, y
            )
        loss, grads = eqx.filter_value_and_grad(_loss)(model, x, c, y)
        updates, state = opt.update(grads, state, eqx.filter(model, eqx.is_array))
        return eqx.apply_updates(model, updates), state, loss

    history, t0 = [], time.time()
    for epoch in range(epochs):
        key, kp, kg = jax.random.split(key, 3)
        perm = np.asarray(jax.random.permutation(kp, n))
        group = np.asarray(jax.random.randint(kg, (n // batch_size,), 0, 8))
        total = 0.0
        for b in range(n // batch_size):
            idx = perm[b * batch_size : (b + 1) * batch_size]
            model, state, loss = step(
                model, state, phases[idx], contrasts[idx], targets[idx], group[b]
            )
            total += float(loss)
        history.append(total / (n // batch_size))
        if verbose and (epoch % max(1, epochs // 10) == 0 or epoch == epochs - 1):
            print(
                f"  epoch {epoch + 1}/{epochs}: loss {history[-1]:.3e} ({time.time() - t0:.0f} s)",
                flush=True,
            )
    return model, np.array(history)


def predict(model: PermeabilityCNN, phases, contrasts, batch_size: int = 256) -> np.ndarray:
    """``μ_eff`` predictions ``(n, 2, 2)``, batched with ``vmap``."""
    phases = np.asarray(phases, bool)
    model.check_input(phases)
    if phases.ndim != 3:
        raise ValueError(f"phases must be (n, H, W), got shape {phases.shape}")
    contrasts = np.asarray(contrasts, np.float32)
    f = functools.partial(_apply, model)
    out = [
        f(phases[i : i + batch_size], contrasts[i : i + batch_size])
        for i in range(0, len(phases), batch_size)
    ]
    return np.concatenate([np.asarray(o) for o in out])


@eqx.filter_jit
def _apply(model, x, c):
    return model(x, c)


def save_cnn(folder, model: PermeabilityCNN, **metadata):
    """Save with orbax (see :func:`jaxmag.io.save_model`)."""
    return save_model(folder, model, model_config(model, **metadata))


def load_cnn(folder) -> tuple[PermeabilityCNN, dict]:
    return load_model(folder, build_model)
