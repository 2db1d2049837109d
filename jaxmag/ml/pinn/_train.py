"""Training a PINN: Adam on freshly resampled collocation points, then L-BFGS.

- **Adam** (:func:`jaxmag.ml.fit` with ``data=sample``: Adam on a cosine-decayed learning
  rate, no warm-up): a new batch of collocation points every step (``sample(key)``),
  ``chunk`` steps per compiled ``lax.scan``.

Keys: ``key, k_val = split(key)`` gives the validation batch; then every chunk of either
phase takes ``key, k = split(key)``: an Adam chunk samples step ``j`` from
``split(k, chunk)[j]``, an L-BFGS round its batch from ``k``.
- **L-BFGS** (``optax.lbfgs`` with its zoom line search): a deterministic objective on one
  batch for ``chunk`` iterations, then a new batch and a fresh L-BFGS state, so the
  collocation points keep being resampled. The last round is shorter where
  ``lbfgs_steps`` is not a multiple of ``chunk``: exactly ``lbfgs_steps`` iterations run
  (a short round compiles once more).

Progress (phase, step, loss, seconds) is printed after every chunk when ``verbose``. The
model with the lowest loss on a fixed validation batch (checked after every chunk) is
returned, so a diverging L-BFGS round cannot spoil the result; a non-finite loss ends
the current phase.
"""

import time
from collections.abc import Callable
from functools import partial

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
from jaxtyping import PRNGKeyArray

from jaxmag._validate import check_int, check_real
from jaxmag.ml._training import fit


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
    - `chunk`: iterations per compiled chunk (and per L-BFGS batch); each phase runs
      exactly its number of iterations, the last chunk shorter if need be.
    - `max_seconds`: wall-clock budget for both phases together (checked per chunk).

    Returns ``(best model, history)`` with ``history = {"step", "loss", "phase",
    "seconds", "train_s"}`` per chunk (``loss`` on the validation batch).
    """
    adam_steps = check_int("adam_steps", adam_steps, minimum=0)
    lbfgs_steps = check_int("lbfgs_steps", lbfgs_steps, minimum=0)
    chunk = check_int("chunk", chunk)
    check_real("lr", lr, positive=True)
    if max_seconds is not None:
        check_real("max_seconds", max_seconds, positive=True)
    params, static = eqx.partition(model, eqx.is_inexact_array)

    def f(p, batch):
        return loss(eqx.combine(p, static), batch)

    key, k_val = jax.random.split(key)
    val_batch = sample(k_val)
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

    def elapsed():
        return time.perf_counter() - t0

    def out_of_time():
        return max_seconds is not None and elapsed() > max_seconds

    step = 0
    if adam_steps:

        def validate(m):
            nonlocal step
            step = min(step + chunk, adam_steps)
            return record("adam", step, eqx.filter(m, eqx.is_inexact_array))

        def schedule(start, length):  # per chunk: key, k = split(key); step keys split(k, chunk)
            nonlocal key
            key, k = jax.random.split(key)
            return jax.random.split(k, chunk)[:length], None

        fit(
            model,
            lambda m, batch, k: loss(m, batch),
            sample,
            key=key,
            steps=adam_steps,
            schedule=schedule,
            learning_rate=lr,
            warmup=0,
            end_fraction=0.01,
            chunk=chunk,
            validate=validate,
            max_seconds=None if max_seconds is None else max(max_seconds - elapsed(), 1e-9),
        )

    lbfgs = optax.lbfgs()

    @partial(jax.jit, static_argnums=2)
    def lbfgs_chunk(p, key, length):
        batch = sample(key)

        def fb(q):
            return f(q, batch)

        vg = optax.value_and_grad_from_state(fb)

        def body(carry, _):
            p, state = carry
            val, g = vg(p, state=state)
            upd, state = lbfgs.update(g, state, p, value=val, grad=g, value_fn=fb)
            return (optax.apply_updates(p, upd), state), val

        (p, _), vals = jax.lax.scan(body, (p, lbfgs.init(p)), None, length=length)
        return p, jnp.all(jnp.isfinite(vals))

    params, done = best, 0
    while done < lbfgs_steps and not out_of_time():
        key, k = jax.random.split(key)
        length = min(chunk, lbfgs_steps - done)
        new, finite = lbfgs_chunk(params, k, length)
        done += length
        if not (bool(finite) and np.isfinite(record("lbfgs", step + done, new))):
            break
        params = new
    hist["train_s"] = time.perf_counter() - t0
    return eqx.combine(best, static), hist
