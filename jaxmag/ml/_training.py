"""One training loop for every model in :mod:`jaxmag.ml`: :func:`fit`, on the optimiser of
:func:`make_optimiser` (AdamW, linear warm-up, cosine decay).

**Randomness.** Step ``i`` (counted from 0) uses ``k_batch, k_loss =
jax.random.split(jax.random.fold_in(key, i))``: ``k_batch`` draws the minibatch and
``k_loss`` goes to the loss (for augmentation, dropout or noise). The same `key` and
settings give the same run, whatever the `chunk` size.

**Minibatches** of an array `data` (a pytree of arrays sharing a leading axis of ``n``
rows), by ``sampling``:

- ``"random"``: every step draws ``batch_size`` distinct rows
  (``jax.random.choice(k_batch, n, (batch_size,), replace=False)``), independently of
  the other steps;
- ``"epoch"``: an epoch is ``n // batch_size`` steps over one random permutation of the
  rows (drawn with the ``k_batch`` of the epoch's first step); the last
  ``n % batch_size`` rows of each permutation are left out.

With ``batch_size=None`` every step sees the whole `data`; with a callable
``data(k_batch) -> batch`` every step draws a fresh batch (a PINN's collocation points).

**An explicit schedule** replaces these draws: ``schedule(start, length)`` gives
``(draws, loss_keys)`` for steps ``start … start + length - 1`` (called once per chunk, in
order), each an array with a leading axis of ``length`` or ``None`` (fit's own draw):
``draws`` the rows of each step's minibatch ``(length, batch_size)`` (array `data`) or
the key passed to a callable `data`, and ``loss_keys`` the third argument of each step's
loss call. A model keeps the batch order and augmentation draws of its own published
runs this way, on the shared loop.

**Compilation.** ``chunk`` steps run as one compiled ``lax.scan`` (one step per call with
the default ``chunk=1``). The compiled chunk is cached on the loss, the optimiser's
settings, the data's shapes and the model's structure, so a second :func:`fit` with the
same ones (a cross-validation fold, a seed) does not compile again. For the cache to hit,
pass a module-level loss function or an :class:`equinox.Module` whose arrays are fields
(they are traced, not baked into the compiled step); a new closure compiles anew.

**Validation and stopping.** Between chunks, at multiples of ``validate_every`` steps and
after the last step, ``validate(model)`` gives a float (lower is better). With it,
:func:`fit` returns the model of lowest validation value (improving by more than
``min_delta``); training stops after ``patience`` validations without improvement, or at
a non-finite validation value or training loss. ``max_seconds`` ends training after the
chunk that passes it.
"""

import dataclasses
import math
import time
from collections.abc import Callable
from typing import Any, Literal, TypeVar

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
from jaxtyping import Array, PRNGKeyArray

from jaxmag._validate import check_int, check_real

Model = TypeVar("Model", bound=eqx.Module)


def make_optimiser(
    learning_rate: float,
    steps: int,
    *,
    weight_decay: float = 0.0,
    warmup: int | None = None,
    end_fraction: float = 0.01,
    clip: float | None = None,
) -> optax.GradientTransformation:
    """AdamW whose learning rate rises linearly from 0 to `learning_rate` over `warmup`
    steps (default ``max(1, steps // 20)``; at most ``steps - 1``), then follows a cosine
    to ``end_fraction × learning_rate`` at step `steps` and stays there. `weight_decay` is
    AdamW's decoupled decay (0: plain Adam); `clip`, if given, first scales each gradient
    to a global norm of at most `clip`."""
    steps = check_int("steps", steps)
    warmup = max(1, steps // 20) if warmup is None else check_int("warmup", warmup, minimum=0)
    warmup = min(warmup, steps - 1)
    if warmup:
        schedule = optax.warmup_cosine_decay_schedule(
            0.0, learning_rate, warmup, steps, end_value=learning_rate * end_fraction
        )
    else:  # the same curve, with end_fraction exactly (not end_value / peak_value)
        schedule = optax.cosine_decay_schedule(learning_rate, steps, alpha=end_fraction)
    if weight_decay:
        opt = optax.adamw(schedule, weight_decay=weight_decay)
    else:
        opt = optax.adam(schedule)
    return opt if clip is None else optax.chain(optax.clip_by_global_norm(clip), opt)


@dataclasses.dataclass(frozen=True)
class _Spec:
    """The static configuration of a compiled chunk (hashable: the jit cache key)."""

    optimiser: tuple  # make_optimiser's arguments
    sampling: str  # "random", "epoch", "full" or "sample"
    n: int
    batch_size: int


def _optimiser(spec: _Spec) -> optax.GradientTransformation:
    lr, steps, weight_decay, warmup, end_fraction, clip = spec.optimiser
    return make_optimiser(
        lr, steps, weight_decay=weight_decay, warmup=warmup, end_fraction=end_fraction, clip=clip
    )


def _batch(spec: _Spec, data, k_batch, rows):
    """The batch of one step: `rows` (a key for callable data) from the schedule or the
    epoch's permutation, else fit's own draw from `k_batch`."""
    if spec.sampling == "sample":
        return data(k_batch if rows is None else rows)
    if spec.sampling == "full":
        return data
    if rows is None:
        rows = jax.random.choice(k_batch, spec.n, (spec.batch_size,), replace=False)
    return jax.tree.map(lambda a: a[rows], data)


@eqx.filter_jit
def _chunk(model, opt_state, data, key, start, draws, loss, spec: _Spec, length: int):
    """Steps ``start … start + length - 1`` (``draws``: each step's rows or data key and
    loss key, ``None`` for fit's own); returns the model, the optimiser state and the
    loss of each step."""
    opt = _optimiser(spec)
    params, static = eqx.partition(model, eqx.is_inexact_array)

    def step(carry, xs):
        params, opt_state = carry
        i, (rows_i, loss_key_i) = xs
        model = eqx.combine(params, static)
        k_batch, k_loss = jax.random.split(jax.random.fold_in(key, i))
        batch = _batch(spec, data, k_batch, rows_i)
        k_loss = k_loss if loss_key_i is None else loss_key_i
        value, grads = eqx.filter_value_and_grad(loss)(model, batch, k_loss)
        updates, opt_state = opt.update(grads, opt_state, params)
        # keep each parameter's dtype (an x64 schedule must not promote float32 weights)
        updates = jax.tree.map(lambda u, p: u.astype(p.dtype), updates, params)
        return (eqx.apply_updates(params, updates), opt_state), value

    steps = start + jnp.arange(length)
    if length == 1:  # one step, as written: no scan around it
        draws0 = jax.tree.map(lambda a: a[0], draws)
        (params, opt_state), value = step((params, opt_state), (steps[0], draws0))
        values = value[None]
    else:
        (params, opt_state), values = jax.lax.scan(step, (params, opt_state), (steps, draws))
    return eqx.combine(params, static), opt_state, values


@eqx.filter_jit
def _permutation(key, step, n: int):
    return jax.random.permutation(jax.random.split(jax.random.fold_in(key, step))[0], n)


def _check_data(data, batch_size, sampling):
    """``(data on the device, sampling mode, rows, batch size)``."""
    if callable(data):
        return data, "sample", 0, 0
    leaves = jax.tree.leaves(data)
    if not leaves:
        raise ValueError("data must be a callable or a pytree of arrays with a leading axis")
    data = jax.tree.map(jnp.asarray, data)
    rows = {jnp.shape(a)[0] if jnp.ndim(a) else None for a in jax.tree.leaves(data)}
    if len(rows) != 1 or None in rows or 0 in rows:
        raise ValueError(f"the arrays in data need one shared leading axis of rows, got {rows}")
    n = rows.pop()
    if batch_size is None:
        return data, "full", n, n
    if sampling not in ("random", "epoch"):
        raise ValueError(f"sampling must be 'random' or 'epoch', got {sampling!r}")
    return data, sampling, n, min(check_int("batch_size", batch_size), n)


def fit(
    model: Model,
    loss: Callable[[Model, Any, PRNGKeyArray], Array],
    data,
    *,
    key: PRNGKeyArray,
    steps: int,
    batch_size: int | None = None,
    sampling: Literal["random", "epoch"] = "random",
    learning_rate: float = 1e-3,
    weight_decay: float = 0.0,
    warmup: int | None = None,
    end_fraction: float = 0.01,
    clip: float | None = None,
    schedule: Callable[[int, int], tuple[Any, Any]] | None = None,
    chunk: int = 1,
    validate: Callable[[Model], float] | None = None,
    validate_every: int | None = None,
    patience: int | None = None,
    min_delta: float = 0.0,
    max_seconds: float | None = None,
    verbose: bool = False,
    print_every: int = 100,
    label: str = "fit",
) -> tuple[Model, dict]:
    """Minimise ``loss(model, batch, key)`` (a scalar) over minibatches of `data` with the
    optimiser of :func:`make_optimiser` (see the module docstring for the batches, the
    keys, the compilation and the stopping rules).

    **Arguments:**

    - `model`: the initial model; its inexact arrays are trained (their dtypes kept).
    - `loss`: ``loss(model, batch, key) -> scalar``; `batch` has `data`'s structure.
    - `data`: a pytree of arrays with a shared leading axis of rows, or a callable
      ``data(key) -> batch``.
    - `key`: PRNG key of the batches and of the loss's keys (keyword-only).
    - `steps`: optimiser steps; `batch_size`: rows per step (at most the rows of `data`;
      ``None``: all of them); `sampling`: ``"random"`` or ``"epoch"``.
    - `learning_rate`, `weight_decay`, `warmup`, `end_fraction`, `clip`: the optimiser
      (:func:`make_optimiser`, whose schedule spans `steps`).
    - `schedule`: ``schedule(start, length) -> (draws, loss_keys)``, explicit minibatch
      draws and loss keys (module docstring); ``None``: fit's own.
    - `chunk`: steps per compiled call.
    - `validate`, `validate_every` (steps, a multiple of `chunk`; default `chunk`),
      `patience` (validations; ``None``: never), `min_delta`: validation and early stopping.
    - `max_seconds`: a wall-clock budget, checked after every chunk.
    - `verbose`, `print_every`, `label`: print ``label``, the step, the mean training loss
      since the last print and the last validation value every `print_every` steps.

    **Returns:** ``(model, history)``: the final model, or with `validate` the best one,
    and ``history`` with ``loss`` (the training loss of each step), ``val`` and
    ``val_step`` (each validation value and the step count it was taken at),
    ``best_step`` (the step count of the returned model), ``steps`` (steps run),
    ``seconds`` (wall time, compilation included), ``compile_seconds`` (the first chunk)
    and ``stopped`` (``None``, ``"patience"``, ``"max_seconds"`` or ``"non-finite"``).
    """
    steps = check_int("steps", steps)
    chunk = check_int("chunk", chunk)
    validate_every = (
        chunk if validate_every is None else check_int("validate_every", validate_every)
    )
    if validate_every % chunk:
        raise ValueError(f"validate_every ({validate_every}) must be a multiple of chunk ({chunk})")
    print_every = check_int("print_every", print_every)
    if patience is not None:
        patience = check_int("patience", patience)
    check_real("learning_rate", learning_rate, positive=True)
    check_real("weight_decay", weight_decay, nonneg=True)
    check_real("end_fraction", end_fraction, nonneg=True)
    check_real("min_delta", min_delta, nonneg=True)
    if clip is not None:
        check_real("clip", clip, positive=True)
    if max_seconds is not None:
        check_real("max_seconds", max_seconds, positive=True)
    data, mode, n, batch_size = _check_data(data, batch_size, sampling)
    if warmup is not None:
        warmup = check_int("warmup", warmup, minimum=0)
    opt_args = (float(learning_rate), steps, float(weight_decay), warmup, float(end_fraction))
    spec = _Spec((*opt_args, None if clip is None else float(clip)), mode, n, batch_size)
    opt_state = _optimiser(spec).init(eqx.filter(model, eqx.is_inexact_array))
    if schedule is None and mode == "epoch":  # the first rows of a permutation per epoch
        per_epoch = n // batch_size

        def draw(epoch):
            perm = np.asarray(_permutation(key, jnp.int32(epoch * per_epoch), n))
            return perm[: per_epoch * batch_size].reshape(per_epoch, batch_size), None

        schedule = epoch_schedule(draw, per_epoch)

    def scheduled(start, length):
        """``(draws, loss_keys)`` of steps ``start …`` from `schedule`, shapes checked."""
        draws, loss_keys = schedule(start, length)
        for name, a in (("draws", draws), ("loss_keys", loss_keys)):
            if a is not None and jnp.shape(a)[:1] != (length,):
                raise ValueError(f"schedule({start}, {length}) gave {name} of shape "
                                 f"{jnp.shape(a)}, needs a leading axis of {length}")  # fmt: skip
        if mode != "sample" and draws is not None and jnp.shape(draws) != (length, batch_size):
            raise ValueError(f"schedule({start}, {length}) gave rows of shape "
                             f"{jnp.shape(draws)}, needs ({length}, {batch_size})")  # fmt: skip
        return draws, loss_keys

    def rows_of(start, length):
        """``(draws, loss_keys)`` of steps ``start …``: the schedule's (in ``"epoch"``
        sampling, the epochs' permutations), else fit's own draws."""
        return (None, None) if schedule is None else scheduled(start, length)

    hist = {"loss": [], "val": [], "val_step": [], "best_step": None, "steps": 0,
            "seconds": 0.0, "compile_seconds": 0.0, "stopped": None}  # fmt: skip
    best, best_val, waited = model, math.inf, 0
    losses, printed, t0 = [], 0, time.perf_counter()  # printed: steps already reported

    def check(done):
        """Validate; return why training stops, or None."""
        nonlocal best, best_val, waited
        val = float(validate(model))
        hist["val"].append(val)
        hist["val_step"].append(done)
        if not (np.isfinite(val) and np.isfinite(float(losses[-1][-1]))):
            return "non-finite"
        if val < best_val - min_delta:
            best, best_val, waited, hist["best_step"] = model, val, 0, done
            return None
        waited += 1
        return "patience" if patience is not None and waited >= patience else None

    done = 0
    while done < steps:
        length = min(chunk, steps - done)
        model, opt_state, values = _chunk(
            model,
            opt_state,
            data,
            key,
            jnp.asarray(done, jnp.int32),
            rows_of(done, length),
            loss,
            spec,
            length,
        )
        losses.append(values)
        done += length
        if done == length:
            values.block_until_ready()
            hist["compile_seconds"] = time.perf_counter() - t0
        elif max_seconds is not None:
            values.block_until_ready()
        out_of_time = max_seconds is not None and time.perf_counter() - t0 > max_seconds
        stop = None
        if validate is not None and (done % validate_every == 0 or done == steps or out_of_time):
            stop = check(done)
        stop = stop or ("max_seconds" if out_of_time and done < steps else None)
        if verbose and (done // print_every > printed // print_every or done == steps or stop):
            recent = np.concatenate(jax.device_get(losses))[printed:]
            msg = f"{label} step {done}/{steps}: loss {np.mean(recent):.4g}"
            if hist["val"]:
                msg += f", val {hist['val'][-1]:.4g}"
            print(f"{msg} ({time.perf_counter() - t0:.1f} s)", flush=True)
            printed = done
        if stop:
            hist["stopped"] = stop
            break
    hist["loss"] = [float(v) for v in np.concatenate(jax.device_get(losses))]
    hist["steps"] = done
    hist["seconds"] = time.perf_counter() - t0
    if validate is None:
        hist["best_step"] = done
        return model, hist
    return best, hist


def split_chain(key: PRNGKeyArray, count: int, num: int = 2) -> Array:
    """The keys of a loop that runs ``key, *ks = jax.random.split(key, num)`` `count`
    times: an array ``(count, num - 1)`` of the ``ks`` of each pass (for a `schedule`
    that keeps a hand-written loop's draws)."""
    count = check_int("count", count, minimum=0)

    def link(key, _):
        key, *ks = jax.random.split(key, num)
        return key, jnp.stack(ks)

    return jax.lax.scan(link, key, None, length=count)[1]


def epoch_schedule(draw: Callable[[int], tuple[Any, Any]], per_epoch: int):
    """A `schedule` for :func:`fit` from whole epochs: ``draw(epoch)`` gives the epoch's
    ``(rows, loss_keys)``, each with a leading axis of ``per_epoch`` steps (or ``None``);
    any chunk size then takes its steps from them."""
    per_epoch = check_int("per_epoch", per_epoch)
    cache = {}

    def schedule(start, length):
        parts, i = [], start
        while i < start + length:  # a run of steps from each epoch the chunk touches
            epoch, j = divmod(i, per_epoch)
            if epoch not in cache:
                cache.clear()
                cache[epoch] = draw(epoch)
            take = min(per_epoch - j, start + length - i)
            parts.append(jax.tree.map(lambda a, j=j, take=take: a[j : j + take], cache[epoch]))
            i += take
        if len(parts) == 1:
            return parts[0]
        return jax.tree.map(lambda *a: jnp.concatenate(a), *parts)

    return schedule
