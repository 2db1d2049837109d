"""A switching classifier for single-domain particles: an equinox MLP trained with optax.

Inputs are the task features ``h``, ``psi_deg``, ``alpha``, ``tau`` (see
:mod:`jaxmag.macrospin`), mapped to ``(h, ψ, log α, log τ)`` and standardised with the
training set's mean and spread, which are stored in the model.
"""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
from jaxtyping import Array, Float, PRNGKeyArray

FEATURES = ("h", "psi_deg", "alpha", "tau")


def design_matrix(features: dict) -> Float[Array, "n 4"]:
    """``(h, ψ, log α, log τ)`` as columns, from a dict of 1D arrays."""
    missing = [k for k in FEATURES if k not in features]
    if missing:
        raise ValueError(f"missing feature columns: {missing}; expected {list(FEATURES)}")
    cols = [jnp.asarray(features[k], dtype=float) for k in FEATURES]
    return jnp.stack([cols[0], cols[1], jnp.log(cols[2]), jnp.log(cols[3])], axis=1)


class SwitchingMLP(eqx.Module):
    """``p_switch = sigmoid(MLP(standardised features))``.

    **Arguments:**

    - `width`, `depth`: hidden width and number of hidden layers.
    - `mean`, `scale`: standardisation of :func:`design_matrix` columns.
    - `key`: PRNG key for the initial weights (keyword-only).
    """

    mlp: eqx.nn.MLP
    mean: Float[Array, " 4"]
    scale: Float[Array, " 4"]

    def __init__(self, width: int, depth: int, mean, scale, *, key: PRNGKeyArray):
        self.mlp = eqx.nn.MLP(4, "scalar", width, depth, activation=jax.nn.silu, key=key)
        self.mean = jnp.asarray(mean, dtype=float)
        self.scale = jnp.asarray(scale, dtype=float)

    def logits(self, X: Float[Array, "n 4"]) -> Float[Array, " n"]:
        return jax.vmap(self.mlp)((X - self.mean) / self.scale)

    def predict_proba(self, X: Float[Array, "n 4"]) -> Float[Array, " n"]:
        return jax.nn.sigmoid(self.logits(X))


def _loss(model, X, y):
    return jnp.mean(optax.sigmoid_binary_cross_entropy(model.logits(X), y))


def train_mlp(
    X,
    y,
    X_val,
    y_val,
    *,
    key: PRNGKeyArray,
    width: int = 128,
    depth: int = 3,
    lr: float = 3e-3,
    batch: int = 512,
    max_epochs: int = 200,
    patience: int = 15,
    verbose: bool = False,
):
    """Train with Adam (cosine-decayed learning rate) on minibatches, keeping the model of
    lowest validation loss and stopping after ``patience`` epochs without improvement.
    Returns ``(model, history)`` with per-epoch train and validation losses."""
    X, X_val = jnp.asarray(X, dtype=float), jnp.asarray(X_val, dtype=float)
    y, y_val = jnp.asarray(y, dtype=float), jnp.asarray(y_val, dtype=float)
    k_init, k_shuf = jax.random.split(key)
    model = SwitchingMLP(width, depth, X.mean(0), X.std(0) + 1e-12, key=k_init)
    steps_per_epoch = max(1, len(X) // batch)
    opt = optax.adam(optax.cosine_decay_schedule(lr, max_epochs * steps_per_epoch, 0.01))
    state = opt.init(eqx.filter(model, eqx.is_inexact_array))

    @eqx.filter_jit
    def epoch(model, state, key):
        perm = jax.random.permutation(key, len(X))[: steps_per_epoch * batch]
        idx = perm.reshape(steps_per_epoch, batch)

        params, static = eqx.partition(model, eqx.is_array)

        def step(carry, i):
            params, state = carry
            model = eqx.combine(params, static)
            loss, g = eqx.filter_value_and_grad(_loss)(model, X[i], y[i])
            upd, state = opt.update(g, state, eqx.filter(model, eqx.is_inexact_array))
            model = eqx.apply_updates(model, upd)
            return (eqx.filter(model, eqx.is_array), state), loss

        (params, state), losses = jax.lax.scan(step, (params, state), idx)
        model = eqx.combine(params, static)
        return model, state, jnp.mean(losses), _loss(model, X_val, y_val)

    best, best_val, wait = model, np.inf, 0
    history = {"train": [], "val": []}
    for ep in range(max_epochs):
        k_shuf, k = jax.random.split(k_shuf)
        model, state, tr, va = epoch(model, state, k)
        history["train"].append(float(tr))
        history["val"].append(float(va))
        if verbose and ep % 10 == 0:
            print(f"epoch {ep}: train {float(tr):.4f}, val {float(va):.4f}", flush=True)
        if float(va) < best_val - 1e-6:
            best, best_val, wait = model, float(va), 0
        else:
            wait += 1
            if wait >= patience:
                break
    return best, history
