"""A switching classifier for single-domain particles: an equinox MLP trained with optax.

Inputs are the task features ``h``, ``psi_deg``, ``alpha``, ``tau`` (see
:mod:`jaxmag.thermal`), mapped to ``(h, ψ, log α, log τ)`` and standardised with the
training set's mean and spread, which are stored in the model.
"""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
from jaxtyping import Array, Float, PRNGKeyArray

from jaxmag.thermal._pulses import ALPHA_RANGE, H_RANGE, PSI_DEG_RANGE, TAU_RANGE

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

    def __init__(self, width: int, depth: int, mean, scale, *, key: PRNGKeyArray, dtype=None):
        mean, scale = jnp.asarray(mean, dtype=dtype), jnp.asarray(scale, dtype=dtype)
        n = mean.shape[0]
        self.mlp = eqx.nn.MLP(
            n, "scalar", width, depth, activation=jax.nn.silu, key=key, dtype=mean.dtype
        )
        self.mean, self.scale = mean, scale

    def logits(self, X: Float[Array, "n 4"]) -> Float[Array, " n"]:
        X = jnp.asarray(X, dtype=self.mean.dtype)
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
    X, X_val = jnp.asarray(X), jnp.asarray(X_val, dtype=X.dtype)
    y, y_val = jnp.asarray(y, dtype=X.dtype), jnp.asarray(y_val, dtype=X.dtype)
    k_init, k_shuf = jax.random.split(key)
    model = SwitchingMLP(width, depth, X.mean(0), X.std(0) + 1e-12, key=k_init, dtype=X.dtype)
    batch = min(batch, len(X))
    steps_per_epoch = len(X) // batch
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


def cv_search(
    X,
    y,
    grid: list[dict],
    *,
    key: PRNGKeyArray,
    folds: int = 3,
    verbose: bool = False,
    **train_kwargs,
) -> list[dict]:
    """K-fold cross-validated search over hyper-parameter settings of :func:`train_mlp`.

    Each setting in ``grid`` (e.g. ``{"width": 64, "depth": 2, "lr": 3e-3}``) is trained
    ``folds`` times, each time validated (early stopping and scoring) on the held-out
    fold. Returns one dict per setting, best first, with the setting, the fold AUCs and
    their mean.
    """
    from sklearn.metrics import roc_auc_score

    X, y = np.asarray(X), np.asarray(y)
    if folds < 2 or folds > len(X):
        raise ValueError(f"folds must be in [2, {len(X)}], got {folds}")
    if not grid:
        raise ValueError("empty hyper-parameter grid")
    k_perm, k_train = jax.random.split(key)
    parts = np.array_split(np.asarray(jax.random.permutation(k_perm, len(X))), folds)
    results = []
    for setting in grid:
        aucs = []
        for i in range(folds):
            tr = np.concatenate([p for j, p in enumerate(parts) if j != i])
            va = parts[i]
            model, _ = train_mlp(
                X[tr],
                y[tr],
                X[va],
                y[va],
                key=jax.random.fold_in(k_train, i),
                **{**train_kwargs, **setting},
            )
            aucs.append(float(roc_auc_score(y[va], np.asarray(model.predict_proba(X[va])))))
        results.append({**setting, "fold_auc": aucs, "mean_auc": float(np.mean(aucs))})
        if verbose:
            print(f"  cv {setting}: AUC {np.mean(aucs):.5f} ± {np.std(aucs):.5f}", flush=True)
    return sorted(results, key=lambda r: -r["mean_auc"])


DOMAIN = {
    "h": H_RANGE,
    "psi_deg": PSI_DEG_RANGE,
    "alpha": ALPHA_RANGE,
    "tau": TAU_RANGE,
}
"""The training ranges of each feature (inclusive)."""


def check_features(features: dict, domain: dict = DOMAIN) -> np.ndarray:
    """Validate a feature table and return its in-domain mask.

    Raises ``ValueError`` for missing or unknown columns, columns of different lengths,
    and NaN or infinite values (naming the column and the first bad row). Returns a
    boolean array, True where every feature lies inside its training range ``domain``.
    """
    names = set(features)
    missing = [k for k in FEATURES if k not in names]
    unknown = sorted(names - set(FEATURES))
    if missing or unknown:
        raise ValueError(f"expected columns {list(FEATURES)}; missing {missing}, unknown {unknown}")
    cols = {k: np.asarray(features[k], dtype=float).reshape(-1) for k in FEATURES}
    lengths = {k: len(v) for k, v in cols.items()}
    if len(set(lengths.values())) != 1:
        raise ValueError(f"feature columns have different lengths: {lengths}")
    inside = np.ones(len(cols["h"]), dtype=bool)
    for k, v in cols.items():
        bad = np.flatnonzero(~np.isfinite(v))
        if len(bad):
            raise ValueError(
                f"column {k!r} has {len(bad)} NaN/inf values (first at data row {bad[0] + 1})"
            )
        lo, hi = domain[k]
        inside &= (v >= lo) & (v <= hi)
    return inside


def model_config(model: SwitchingMLP, **extra) -> dict:
    """What :func:`load` needs to rebuild ``model``, plus ``extra`` metadata."""
    n_hidden = len(model.mlp.layers) - 1
    return {
        "kind": "jaxmag.ml.switching.SwitchingMLP",
        "width": int(model.mlp.width_size),
        "depth": int(n_hidden),
        "n_features": int(model.mean.shape[0]),
        "dtype": str(model.mean.dtype),
        "features": list(FEATURES),
        "domain": {k: list(v) for k, v in DOMAIN.items()},
        **extra,
    }


def save(folder, model: SwitchingMLP, **extra):
    """Save ``model`` with orbax (see :mod:`jaxmag.io`)."""
    from jaxmag.io._model import save_model

    return save_model(folder, model, model_config(model, **extra))


def load(folder) -> tuple[SwitchingMLP, dict]:
    """Restore a model written by :func:`save`; returns ``(model, config)``."""
    from jaxmag.io._model import load_model

    def build(c):
        if c.get("kind") != "jaxmag.ml.switching.SwitchingMLP":
            raise ValueError(f"{folder}: not a switching model (kind {c.get('kind')!r})")
        z = jnp.zeros(c["n_features"], dtype=c["dtype"])
        return SwitchingMLP(c["width"], c["depth"], z, z + 1, key=jax.random.PRNGKey(0))

    return load_model(folder, build)
