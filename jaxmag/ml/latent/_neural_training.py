"""Training of the neural latent stepper (:class:`NeuralStepper`) on trajectories
``(F, T, 3, nx, ny)`` in constant in-plane fields (mT): a reconstruction loss, a
multi-step rollout loss (back-propagated through the rollout) and a small
latent-consistency term, in float32 also when jax's x64 mode is on (CPU speed)."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, PRNGKeyArray

from jaxmag._validate import check_int
from jaxmag.ml._training import epoch_schedule, fit

from ._evaluate import check_trajectories, rollout_error
from ._neural import DTYPE, NeuralStepper, check_grid, to_float32


def _check_data(m, fields, name: str = "m", fields_name: str = "fields"):
    """Validated float32 copies of trajectories and fields, on a grid of >= 4 cells."""
    m, fields = check_trajectories(m, fields, name, fields_name, dtype=np.float32)
    check_grid(m.shape[3:])
    return m, fields


def _window_loss(model: NeuralStepper, window, field_mT, latent_weight, average_weight):
    """Losses of one window ``m_{t0 .. t0+R}``: reconstruction, rollout, consistency and
    the average head's error along the encoded and the rolled-out states."""
    n = window.shape[0] - 1
    z_true = jax.vmap(model.encode)(window)
    recon = jnp.mean((jax.vmap(model.decode)(z_true) - window) ** 2)
    z_pred = model.latent_rollout(z_true[0], field_mT, n)[1:]
    roll = jnp.mean((jax.vmap(model.decode)(z_pred) - window[1:]) ** 2)
    consist = jnp.mean((z_pred - z_true[1:]) ** 2)
    avg = jnp.mean(window, axis=(-2, -1))
    average = jnp.mean((jax.vmap(model.decode_average)(z_true) - avg) ** 2) + jnp.mean(
        (jax.vmap(model.decode_average)(z_pred) - avg[1:]) ** 2
    )
    total = recon + roll + latent_weight * consist + average_weight * average
    return total, jnp.stack([recon, roll, consist, average])


def _batch_loss(model, windows, fields_mT, latent_weight, average_weight=1.0):
    total, parts = jax.vmap(_window_loss, in_axes=(None, 0, 0, None, None))(
        model, windows, fields_mT, latent_weight, average_weight
    )
    return jnp.mean(total), jnp.mean(parts, axis=0)


class _WindowLoss(eqx.Module):
    """The mean loss of a batch of windows, given by their indices ``t0 + starts · i``
    into the trajectories ``m`` (trajectory ``i``, first snapshot ``t0``)."""

    m: Float[Array, "F T 3 nx ny"]
    fields: Float[Array, "F 2"]
    latent_weight: Float[Array, ""]
    average_weight: Float[Array, ""]
    rollout: int = eqx.field(static=True)
    starts: int = eqx.field(static=True)

    def __call__(self, model: NeuralStepper, idx, key) -> Float[Array, ""]:
        i, t0 = jnp.divmod(idx, self.starts)
        windows = self.m[i[:, None], t0[:, None] + jnp.arange(self.rollout + 1)[None, :]]
        return _batch_loss(model, windows, self.fields[i], self.latent_weight,
                           self.average_weight)[0]  # fmt: skip


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
    average_weight: float = 1.0,
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
    whole rollout), plus ``latent_weight`` times the mean ``(z_k - encode(m_{t0+k}))²``,
    plus ``average_weight`` times the mean squared error of the average head's ⟨m⟩ along
    the encoded and the rolled-out latent states.
    Training runs on :func:`jaxmag.ml.fit`: an epoch visits every window once in random
    minibatches of ``batch`` (permutations from ``numpy.random.default_rng`` seeded with
    the key data of ``split(key)[1]``; the last ``n_windows % batch`` windows of each
    permutation left out); the optimiser is Adam
    (:func:`jaxmag.ml.make_optimiser` with no weight decay and no warm-up) with gradient
    clipping (global norm 1) and a learning rate decayed by a cosine from ``lr`` to
    ``0.05 lr`` over all ``epochs``.

    With ``val_m`` and ``val_fields``, the full-length :func:`rollout_error` on them is
    computed after every epoch and the model with the lowest one is returned. ``init``
    continues training from a given model instead of a new one (``d`` and ``width`` are
    then ignored). ``max_seconds`` stops training (after the current minibatch) once that
    much wall time has passed.

    Returns ``(model, history)``: the history of :func:`jaxmag.ml.fit` (``"loss"`` per
    step, the validation rollout errors ``"val"`` at steps ``"val_step"``, ``"steps"``,
    ``"seconds"``, ``"stopped"``, ...) with ``"epochs"``, the epochs run (a partial last
    one counted).
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
    for name, v in (("latent_weight", latent_weight), ("average_weight", average_weight)):
        if not (np.isfinite(v) and v >= 0):
            raise ValueError(f"{name} must be >= 0, got {v!r}")
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
    rng = np.random.default_rng(np.asarray(jax.random.key_data(k_shuf)).ravel())

    def draw(epoch):  # called once per epoch, in order: rng's next permutation
        return rng.permutation(n_windows)[: steps_per_epoch * batch].reshape(-1, batch), None

    loss = _WindowLoss(jnp.asarray(m), jnp.asarray(fields), jnp.asarray(latent_weight, DTYPE),
                       jnp.asarray(average_weight, DTYPE), rollout, starts)  # fmt: skip
    validate = None if val_m is None else (lambda model: rollout_error(model, val_m, val_fields))
    model, history = fit(
        model,
        loss,
        jnp.arange(n_windows),
        key=k_shuf,
        steps=epochs * steps_per_epoch,
        batch_size=batch,
        schedule=epoch_schedule(draw, steps_per_epoch),
        learning_rate=lr,
        warmup=0,
        end_fraction=0.05,
        clip=1.0,
        validate=validate,
        validate_every=steps_per_epoch,
        max_seconds=max_seconds,
        verbose=verbose,
        print_every=steps_per_epoch * max(1, epochs // 10),
        label="neural stepper",
    )
    history["epochs"] = -(-history["steps"] // steps_per_epoch)
    return model, history
