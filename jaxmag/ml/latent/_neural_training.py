"""Training of the neural latent stepper (:class:`NeuralStepper`) on trajectories
``(F, T, 3, nx, ny)`` in constant in-plane fields (mT): a reconstruction loss, a
multi-step rollout loss (back-propagated through the rollout) and a small
latent-consistency term, in float32 also when jax's x64 mode is on (CPU speed)."""

import time

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
from jaxtyping import Float, PRNGKeyArray

from jaxmag._validate import check_int

from ._evaluate import check_trajectories, rollout_error
from ._neural import DTYPE, NeuralStepper, check_grid, to_float32


def _check_data(m, fields, name: str = "m", fields_name: str = "fields"):
    """Validated float32 copies of trajectories and fields, on a grid of >= 4 cells."""
    m, fields = check_trajectories(m, fields, name, fields_name, dtype=np.float32)
    check_grid(m.shape[3:])
    return m, fields


def _window_loss(model: NeuralStepper, window, field_mT, latent_weight):
    """Losses of one window ``m_{t0 .. t0+R}``: reconstruction, rollout, consistency."""
    n = window.shape[0] - 1
    z_true = jax.vmap(model.encode)(window)
    recon = jnp.mean((jax.vmap(model.decode)(z_true) - window) ** 2)
    z_pred = model.latent_rollout(z_true[0], field_mT, n)[1:]
    roll = jnp.mean((jax.vmap(model.decode)(z_pred) - window[1:]) ** 2)
    consist = jnp.mean((z_pred - z_true[1:]) ** 2)
    return recon + roll + latent_weight * consist, jnp.stack([recon, roll, consist])


def _batch_loss(model, windows, fields_mT, latent_weight):
    total, parts = jax.vmap(_window_loss, in_axes=(None, 0, 0, None))(
        model, windows, fields_mT, latent_weight
    )
    return jnp.mean(total), jnp.mean(parts, axis=0)


def train_neural_stepper(
    m: Float[np.ndarray, "F T 3 nx ny"],
    fields: Float[np.ndarray, "F 2"],
    *,
    key: PRNGKeyArray,
    d: int = 8,
    width: int = 64,
    rollout: int = 10,
    epochs: int = 30,
    lr: float = 1e-3,
    batch: int = 16,
    latent_weight: float = 0.1,
    val_m: Float[np.ndarray, "Fv Tv 3 nx ny"] | None = None,
    val_fields: Float[np.ndarray, "Fv 2"] | None = None,
    init: NeuralStepper | None = None,
    verbose: bool = False,
    max_seconds: float | None = None,
) -> tuple[NeuralStepper, dict]:
    """Fit a :class:`NeuralStepper` to trajectories ``m`` ``(F, T, 3, nx, ny)`` (one
    snapshot interval per step) under constant fields ``(F, 2)`` in mT.

    Each sample is a window ``m_{t0 .. t0+rollout}`` of one trajectory; its loss is the
    reconstruction MSE of ``decode(encode(m_t))`` over the window, plus the MSE of the
    ``rollout`` decoded predictions from ``encode(m_{t0})`` (gradients flow through the
    whole rollout), plus ``latent_weight`` times the mean ``(z_k - encode(m_{t0+k}))²``.
    An epoch visits every window once in random minibatches of ``batch``; the optimiser
    is Adam with gradient clipping (global norm 1) and a cosine-decayed learning rate.

    With ``val_m`` and ``val_fields``, the full-length :func:`rollout_error` on them is
    computed after every epoch and the model with the lowest one is returned. ``init``
    continues training from a given model instead of a new one (``d`` and ``width`` are
    then ignored). ``max_seconds`` stops training (after the current minibatch) once that
    much wall time has passed.

    Returns ``(model, history)``: history has per-epoch mean training losses ``"train"``,
    the validation rollout errors ``"val"`` (if validation data are given), ``"epochs"``
    (completed, a partial last one counted), ``"seconds"`` and ``"stopped_early"``.
    """
    m, fields = _check_data(m, fields)
    if init is None:
        check_int("d", d, minimum=1)
        check_int("width", width, minimum=1)
    rollout = check_int("rollout", rollout, minimum=1)
    epochs = check_int("epochs", epochs, minimum=1)
    batch = check_int("batch", batch, minimum=1)
    if not (np.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a positive number, got {lr!r}")
    if not (np.isfinite(latent_weight) and latent_weight >= 0):
        raise ValueError(f"latent_weight must be >= 0, got {latent_weight!r}")
    if max_seconds is not None and not max_seconds > 0:
        raise ValueError(f"max_seconds must be positive or None, got {max_seconds!r}")
    n_traj, n_time = m.shape[:2]
    if n_time < rollout + 1:
        raise ValueError(
            f"trajectories have {n_time} snapshots; rollout={rollout} needs at least {rollout + 1}"
        )
    if (val_m is None) != (val_fields is None):
        raise ValueError("give both val_m and val_fields, or neither")
    if val_m is not None:
        val_m, val_fields = _check_data(val_m, val_fields, "val_m", "val_fields")
        if val_m.shape[3:] != m.shape[3:]:
            raise ValueError(f"val_m has grid {val_m.shape[3:]}, m has {m.shape[3:]}")
    shape = m.shape[3:]
    if init is not None:
        if not isinstance(init, NeuralStepper):
            raise ValueError(f"init must be a NeuralStepper, got {type(init).__name__}")
        if init.shape != shape:
            raise ValueError(f"init model has grid {init.shape}, the data {shape}")

    k_init, k_shuf = jax.random.split(key)
    model = to_float32(init) if init is not None else NeuralStepper(shape, d, width, key=k_init)

    starts = n_time - rollout  # valid t0 per trajectory
    n_windows = n_traj * starts
    batch = min(batch, n_windows)
    steps_per_epoch = max(1, n_windows // batch)
    schedule = optax.cosine_decay_schedule(lr, epochs * steps_per_epoch, alpha=0.05)
    opt = optax.chain(optax.clip_by_global_norm(1.0), optax.adam(schedule))
    state = opt.init(eqx.filter(model, eqx.is_inexact_array))
    offsets = jnp.arange(rollout + 1)
    m_dev, f_dev = jnp.asarray(m), jnp.asarray(fields)
    lw = jnp.asarray(latent_weight, DTYPE)

    @eqx.filter_jit
    def train_step(model, state, m, fields, i, t0):
        windows = m[i[:, None], t0[:, None] + offsets[None, :]]  # (B, R+1, 3, nx, ny)
        (loss, parts), grads = eqx.filter_value_and_grad(_batch_loss, has_aux=True)(
            model, windows, fields[i], lw
        )
        updates, state = opt.update(grads, state, eqx.filter(model, eqx.is_inexact_array))
        model = eqx.apply_updates(model, to_float32(updates))  # x64 schedules promote
        return model, state, loss, parts

    history = {"train": [], "epochs": 0, "stopped_early": False}
    if val_m is not None:
        history["val"] = []
    best, best_val = model, np.inf
    t_start = time.perf_counter()
    print_every = max(1, epochs // 10)
    rng = np.random.default_rng(np.asarray(jax.random.key_data(k_shuf)).ravel())
    for ep in range(epochs):
        perm = rng.permutation(n_windows)[: steps_per_epoch * batch].reshape(-1, batch)
        losses = []
        for idx in perm:
            i, t0 = np.divmod(idx, starts)
            model, state, loss, parts = train_step(
                model, state, m_dev, f_dev, jnp.asarray(i), jnp.asarray(t0)
            )
            losses.append(float(loss))
            if max_seconds is not None and time.perf_counter() - t_start > max_seconds:
                history["stopped_early"] = True
                break
        history["train"].append(float(np.mean(losses)))
        history["epochs"] = ep + 1
        msg = f"epoch {ep}: train {history['train'][-1]:.5f}"
        if val_m is not None:
            va = rollout_error(model, val_m, val_fields)
            history["val"].append(va)
            msg += f", val rollout {va:.5f}"
            if va < best_val:
                best, best_val = model, va
        else:
            best = model
        if verbose and (ep % print_every == 0 or ep == epochs - 1 or history["stopped_early"]):
            print(msg + f" ({time.perf_counter() - t_start:.1f} s)", flush=True)
        if history["stopped_early"]:
            break
    history["seconds"] = time.perf_counter() - t_start
    return best, history
