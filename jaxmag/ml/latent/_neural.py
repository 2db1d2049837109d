"""A latent-space time stepper for thin-film magnetisation dynamics.

The neural counterpart of the kernel methods compared by Schaffer et al.
(arXiv:2103.09079): an autoencoder maps a snapshot ``m`` of the unit-vector field,
``(3, nx, ny)``, to a latent vector ``z`` of size ``d``, and a small MLP advances ``z`` by
one snapshot interval (the data's time step, e.g. 10 ps) under a constant in-plane applied
field ``(Bx, By)`` in mT:

- encoder: two stride-2 3 × 3 convolutions (16 and 32 channels, SiLU), then a linear map
  of the flattened coarse grid (``ceil(nx/4) × ceil(ny/4)``) to ``z``;
- decoder: a linear map from ``z`` to the coarse grid, then two ×2 upsampling steps
  back to ``(3, 4·ceil(nx/4), 4·ceil(ny/4))``, cropped to ``(3, nx, ny)``, and each
  cell's vector normalised to unit length (:func:`jaxmag.vectors.normalise`). Each
  upsampling is a sub-pixel convolution (a 3 × 3 convolution to 4× the channels, then
  depth-to-space): it can express any 4 × 4, stride-2 transposed convolution, but runs at the
  coarse resolution, about twice as fast as ``ConvTranspose2d`` on CPU;
- stepper: ``z_next = z + MLP(concat(z, B / 45 mT))`` (residual, small initial update).

:func:`train_neural_stepper` fits all three jointly on trajectories ``(F, T, 3, nx, ny)``
with a reconstruction loss, a multi-step rollout loss (back-propagated through the
rollout) and a small latent-consistency term. Parameters and training are float32, also
when jax's x64 mode is on (CPU speed). Models are saved with orbax through
:mod:`jaxmag.io`.
"""

import math
import time
from numbers import Integral

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
from jaxtyping import Array, Float, PRNGKeyArray

from jaxmag.vectors import normalise

KIND = "jaxmag.ml.latent.NeuralStepper"
FIELD_SCALE_MT = 45.0
"""Applied fields enter the stepper as ``B / FIELD_SCALE_MT`` (the largest training |B|)."""
MIN_CELLS = 4
"""Smallest grid size along each axis (the encoder downsamples twice by 2)."""
CHANNELS = (16, 32)
STEPPER_DEPTH = 2
DTYPE = jnp.float32


def _check_int(name: str, value, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def _check_shape(shape) -> tuple[int, int]:
    try:
        entries = tuple(shape)
    except TypeError:
        raise ValueError(f"shape must be a pair (nx, ny), got {shape!r}") from None
    if len(entries) != 2:
        raise ValueError(f"shape must be a pair (nx, ny), got {shape!r}")
    nx, ny = (_check_int(f"shape[{i}]", v, MIN_CELLS) for i, v in enumerate(entries))
    return nx, ny


def _to_float32(tree):
    return jax.tree.map(lambda x: x.astype(DTYPE) if eqx.is_inexact_array(x) else x, tree)


class NeuralStepper(eqx.Module):
    """Convolutional autoencoder with a residual latent MLP stepper (float32).

    **Arguments:**

    - `shape`: the grid ``(nx, ny)``, each at least 4 cells.
    - `d`: latent size.
    - `width`: hidden width of the stepper MLP (two hidden layers).
    - `key`: PRNG key for the initial weights (keyword-only).

    One step of :meth:`step` is one snapshot interval of the training data; fields are
    in-plane applied fields ``(Bx, By)`` in mT.
    """

    shape: tuple[int, int] = eqx.field(static=True)
    d: int = eqx.field(static=True)
    width: int = eqx.field(static=True)
    coarse: tuple[int, int, int] = eqx.field(static=True)
    convs: tuple[eqx.nn.Conv2d, ...]
    enc_out: eqx.nn.Linear
    dec_in: eqx.nn.Linear
    upconvs: tuple[eqx.nn.Conv2d, ...]
    stepper: eqx.nn.MLP

    def __init__(self, shape: tuple[int, int], d: int, width: int, *, key: PRNGKeyArray):
        nx, ny = _check_shape(shape)
        d = _check_int("d", d, 1)
        width = _check_int("width", width, 1)
        self.shape, self.d, self.width = (nx, ny), d, width
        keys = jax.random.split(key, 7)
        c1, c2 = CHANNELS
        self.convs = (
            eqx.nn.Conv2d(3, c1, 3, stride=2, padding=1, dtype=DTYPE, key=keys[0]),
            eqx.nn.Conv2d(c1, c2, 3, stride=2, padding=1, dtype=DTYPE, key=keys[1]),
        )
        probe = jax.ShapeDtypeStruct((3, nx, ny), DTYPE)
        coarse = jax.eval_shape(lambda m: _conv_stack(self.convs, m), probe).shape
        coarse = tuple(int(n) for n in coarse)
        n_coarse = math.prod(coarse)
        self.coarse = coarse
        self.enc_out = eqx.nn.Linear(n_coarse, d, dtype=DTYPE, key=keys[2])
        dec_in = eqx.nn.Linear(d, n_coarse, dtype=DTYPE, key=keys[3])
        upconvs = (
            eqx.nn.Conv2d(c2, 4 * c1, 3, padding=1, dtype=DTYPE, key=keys[4]),
            eqx.nn.Conv2d(c1, 4 * 3, 3, padding=1, dtype=DTYPE, key=keys[5]),
        )
        self.dec_in, self.upconvs = dec_in, upconvs
        fine = jax.eval_shape(
            lambda z: _upsample_stack(dec_in, upconvs, coarse, z), jax.ShapeDtypeStruct((d,), DTYPE)
        ).shape
        if fine[0] != 3 or fine[1] < nx or fine[2] < ny:  # cannot happen: 4 ceil(n/4) >= n
            raise RuntimeError(f"decoder output {fine} does not cover the grid {(3, nx, ny)}")
        mlp = eqx.nn.MLP(
            d + 2, d, width, STEPPER_DEPTH, activation=jax.nn.silu, dtype=DTYPE, key=keys[6]
        )
        # small initial updates: the untrained stepper is close to the identity map
        self.stepper = eqx.tree_at(
            lambda s: (s.layers[-1].weight, s.layers[-1].bias),
            mlp,
            (mlp.layers[-1].weight * 0.1, jnp.zeros_like(mlp.layers[-1].bias)),
        )

    def encode(self, m: Float[Array, "3 nx ny"]) -> Float[Array, " d"]:
        """Latent vector of one snapshot ``m`` (unit vectors, components first)."""
        h = _conv_stack(self.convs, jnp.asarray(m, DTYPE))
        return self.enc_out(h.reshape(-1))

    def decode(self, z: Float[Array, " d"]) -> Float[Array, "3 nx ny"]:
        """Snapshot of latent ``z``: a unit vector in every cell, shape ``(3, nx, ny)``."""
        nx, ny = self.shape
        raw = _upsample_stack(self.dec_in, self.upconvs, self.coarse, jnp.asarray(z, DTYPE))
        return normalise(raw[:, :nx, :ny])

    def step(self, z: Float[Array, " d"], field_mT: Float[Array, " 2"]) -> Float[Array, " d"]:
        """Latent state one snapshot interval later, under applied field ``(Bx, By)`` (mT)."""
        z = jnp.asarray(z, DTYPE)
        b = jnp.asarray(field_mT, DTYPE) / FIELD_SCALE_MT
        return z + self.stepper(jnp.concatenate([z, b]))

    def latent_rollout(
        self, z0: Float[Array, " d"], field_mT: Float[Array, " 2"], n_steps: int
    ) -> Float[Array, "n_steps+1 d"]:
        """``z0`` and its ``n_steps`` successors under a constant field (mT)."""
        z0 = jnp.asarray(z0, DTYPE)

        def body(z, _):
            z = self.step(z, field_mT)
            return z, z

        _, zs = jax.lax.scan(body, z0, length=n_steps)
        return jnp.concatenate([z0[None], zs])

    def rollout(
        self, m0: Float[Array, "3 nx ny"], field_mT: Float[Array, " 2"], n_steps: int
    ) -> Float[Array, "n_steps+1 3 nx ny"]:
        """Predicted snapshots ``0 .. n_steps`` (one snapshot interval apart) from ``m0``
        under a constant field ``(Bx, By)`` in mT; index 0 is ``decode(encode(m0))``.
        ``n_steps`` must be a Python int (static under ``jit``)."""
        n_steps = _check_int("n_steps", n_steps, 0)
        zs = self.latent_rollout(self.encode(m0), field_mT, n_steps)
        return jax.vmap(self.decode)(zs)


def _conv_stack(convs, m):
    for conv in convs:
        m = jax.nn.silu(conv(m))
    return m


def _depth_to_space(h):
    """``(4c, a, b) -> (c, 2a, 2b)``: channel ``4k + 2i + j`` becomes sub-pixel ``(i, j)``
    of output channel ``k``."""
    c4, a, b = h.shape
    c = c4 // 4
    return h.reshape(c, 2, 2, a, b).transpose(0, 3, 1, 4, 2).reshape(c, 2 * a, 2 * b)


def _upsample_stack(dec_in, upconvs, coarse, z):
    h = jax.nn.silu(dec_in(z).reshape(coarse))
    for conv in upconvs[:-1]:
        h = jax.nn.silu(_depth_to_space(conv(h)))
    return _depth_to_space(upconvs[-1](h))


# ---------------------------------------------------------------------------- training


def _check_data(m, fields, name: str = "m", fields_name: str = "fields"):
    """Validated float32 copies of trajectories ``(F, T, 3, nx, ny)`` and fields ``(F, 2)``."""
    m = np.asarray(m)
    fields = np.asarray(fields)
    if m.ndim != 5 or m.shape[2] != 3:
        raise ValueError(f"{name} must have shape (F, T, 3, nx, ny), got {m.shape}")
    if m.size == 0:
        raise ValueError(f"{name} is empty (shape {m.shape})")
    if fields.shape != (m.shape[0], 2):
        raise ValueError(
            f"{fields_name} must have shape (F, 2) = ({m.shape[0]}, 2) to match {name} "
            f"with {m.shape[0]} trajectories, got {fields.shape}"
        )
    for arr, label in ((m, name), (fields, fields_name)):
        if not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
            raise ValueError(f"{label} must be real numbers, got dtype {arr.dtype}")
        bad = ~np.isfinite(arr)
        if bad.any():
            first = np.argwhere(bad)[0]
            raise ValueError(
                f"{label} has {int(bad.sum())} NaN/inf values (first at index "
                f"{tuple(int(i) for i in first)})"
            )
    _check_shape(m.shape[3:])
    return m.astype(np.float32), fields.astype(np.float32)


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


@eqx.filter_jit
def _rollout_mse(model: NeuralStepper, m, fields):
    n = m.shape[1] - 1
    pred = jax.vmap(lambda m0, f: model.rollout(m0, f, n))(m[:, 0], fields)
    return jnp.mean((pred - m) ** 2)


def rollout_error(
    model: NeuralStepper,
    m: Float[np.ndarray, "F T 3 nx ny"],
    fields: Float[np.ndarray, "F 2"],
    *,
    chunk: int = 8,
) -> float:
    """Mean squared error (per component and cell) of full-length rollouts from each
    trajectory's first snapshot, under its field (mT), over all ``T`` snapshots.
    Trajectories are evaluated ``chunk`` at a time to bound memory."""
    m, fields = _check_data(m, fields)
    chunk = _check_int("chunk", chunk, 1)
    if m.shape[3:] != model.shape:
        raise ValueError(f"m has grid {m.shape[3:]}, the model {model.shape}")
    total = 0.0
    for s in range(0, len(m), chunk):
        mse = _rollout_mse(model, jnp.asarray(m[s : s + chunk]), jnp.asarray(fields[s : s + chunk]))
        total += float(mse) * len(m[s : s + chunk])
    return total / len(m)


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
        _check_int("d", d, 1)
        _check_int("width", width, 1)
    rollout = _check_int("rollout", rollout, 1)
    epochs = _check_int("epochs", epochs, 1)
    batch = _check_int("batch", batch, 1)
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
    model = _to_float32(init) if init is not None else NeuralStepper(shape, d, width, key=k_init)

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
        model = eqx.apply_updates(model, _to_float32(updates))  # x64 schedules promote
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


# ----------------------------------------------------------------------- saving/loading


def model_config(model: NeuralStepper, **extra) -> dict:
    """What :func:`load` needs to rebuild ``model``, plus ``extra`` metadata."""
    return {
        "kind": KIND,
        "shape": list(model.shape),
        "d": int(model.d),
        "width": int(model.width),
        "dtype": "float32",
        "field_scale_mT": FIELD_SCALE_MT,
        **extra,
    }


def save(folder, model: NeuralStepper, **extra):
    """Save ``model`` with orbax (see :mod:`jaxmag.io`); ``extra``
    (JSON-serialisable) is stored in the configuration. Returns the folder."""
    from jaxmag.io._model import save_model

    if not isinstance(model, NeuralStepper):
        raise ValueError(f"expected a NeuralStepper, got {type(model).__name__}")
    return save_model(folder, model, model_config(model, **extra))


def load(folder) -> tuple[NeuralStepper, dict]:
    """Restore a model written by :func:`save`; returns ``(model, config)``."""
    from jaxmag.io._model import load_model

    def build(c):
        if c.get("kind") != KIND:
            raise ValueError(f"{folder}: not a neural stepper model (kind {c.get('kind')!r})")
        try:
            return NeuralStepper(tuple(c["shape"]), c["d"], c["width"], key=jax.random.key(0))
        except KeyError as e:
            raise ValueError(f"{folder}: model configuration lacks {e}") from None

    return load_model(folder, build)
