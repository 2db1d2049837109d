"""Training a PINN: Adam on freshly resampled collocation points, then L-BFGS.

- **Adam** (``optax.adam`` on a cosine-decayed learning rate): a new batch of collocation
  points every step (``sample(key)``), ``chunk`` steps per compiled ``lax.scan``.
- **L-BFGS** (``optax.lbfgs`` with its zoom line search): a deterministic objective on one
  batch for ``chunk`` iterations, then a new batch and a fresh L-BFGS state, so the
  collocation points keep being resampled.

Progress (phase, step, loss, seconds) is printed after every chunk when ``verbose``. The
model with the lowest loss on a fixed validation batch (checked after every chunk) is
returned, so a diverging L-BFGS round cannot spoil the result; a non-finite loss ends
the current phase.
"""

import time
from collections.abc import Callable

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
from jaxtyping import PRNGKeyArray


def _check_steps(**kw):
    for k, v in kw.items():
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise ValueError(f"{k} must be a non-negative integer, got {v!r}")


def train(
    loss: Callable,
    model: eqx.Module,
    sample: Callable,
    *,
    key: PRNGKeyArray,
    adam_steps: int = 5000,
    lr: float = 1e-3,
    lbfgs_steps: int = 1000,
    chunk: int = 500,
    max_seconds: float | None = None,
    verbose: bool = False,
    label: str = "pinn",
) -> tuple[eqx.Module, dict]:
    """Minimise ``loss(model, batch)`` with batches from ``sample(key)``.

    **Arguments:**

    - `adam_steps`, `lbfgs_steps`: iterations of each phase (0 skips it).
    - `lr`: Adam's initial learning rate (cosine decay to 1 % of it).
    - `chunk`: iterations per compiled chunk (and per L-BFGS batch).
    - `max_seconds`: wall-clock budget for both phases together (checked per chunk).

    Returns ``(best model, history)`` with ``history = {"step", "loss", "phase",
    "seconds", "train_s"}`` per chunk (``loss`` on the validation batch).
    """
    _check_steps(adam_steps=adam_steps, lbfgs_steps=lbfgs_steps)
    if isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < 1:
        raise ValueError(f"chunk must be a positive integer, got {chunk!r}")
    if not lr > 0:
        raise ValueError(f"lr must be > 0, got {lr}")
    params, static = eqx.partition(model, eqx.is_inexact_array)

    def f(p, batch):
        return loss(eqx.combine(p, static), batch)

    sched = optax.cosine_decay_schedule(lr, max(adam_steps, 1), alpha=0.01)
    adam = optax.adam(sched)

    @jax.jit
    def adam_chunk(p, state, key):
        def body(carry, k):
            p, state = carry
            val, g = jax.value_and_grad(f)(p, sample(k))
            upd, state = adam.update(g, state, p)
            return (optax.apply_updates(p, upd), state), val

        (p, state), vals = jax.lax.scan(body, (p, state), jax.random.split(key, chunk))
        return p, state, vals[-1]

    lbfgs = optax.lbfgs()

    @jax.jit
    def lbfgs_chunk(p, key):
        batch = sample(key)

        def fb(q):
            return f(q, batch)

        vg = optax.value_and_grad_from_state(fb)

        def body(carry, _):
            p, state = carry
            val, g = vg(p, state=state)
            upd, state = lbfgs.update(g, state, p, value=val, grad=g, value_fn=fb)
            return (optax.apply_updates(p, upd), state), val

        (p, _), vals = jax.lax.scan(body, (p, lbfgs.init(p)), None, length=chunk)
        return p, jnp.all(jnp.isfinite(vals))

    key, kv = jax.random.split(key)
    val_batch = sample(kv)
    val_loss = jax.jit(lambda p: f(p, val_batch))
    hist = {"step": [], "loss": [], "phase": [], "seconds": []}
    best, best_loss = params, np.inf
    t0 = time.perf_counter()

    def record(phase, step, p):
        nonlocal best, best_loss
        val = float(val_loss(p))
        hist["step"].append(step)
        hist["loss"].append(val)
        hist["phase"].append(phase)
        hist["seconds"].append(time.perf_counter() - t0)
        if verbose:
            print(f"  {label} {phase} {step:6d}: loss {val:.3e} ({hist['seconds'][-1]:.0f} s)",
                  flush=True)  # fmt: skip
        if np.isfinite(val) and val < best_loss:
            best, best_loss = p, val
        return val

    def out_of_time():
        return max_seconds is not None and time.perf_counter() - t0 > max_seconds

    state = adam.init(params)
    step = 0
    while step < adam_steps and not out_of_time():
        key, k = jax.random.split(key)
        params, state, last = adam_chunk(params, state, k)
        step += chunk
        if not (np.isfinite(record("adam", step, params)) and np.isfinite(float(last))):
            break
    params, done = best, 0
    while done < lbfgs_steps and not out_of_time():
        key, k = jax.random.split(key)
        new, finite = lbfgs_chunk(params, k)
        done += chunk
        if not (bool(finite) and np.isfinite(record("lbfgs", step + done, new))):
            break
        params = new
    hist["train_s"] = time.perf_counter() - t0
    return eqx.combine(best, static), hist
