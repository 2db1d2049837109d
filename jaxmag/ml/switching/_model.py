"""A switching classifier for single-domain particles: an equinox MLP trained with optax.

Inputs are the task features ``h``, ``psi_deg``, ``alpha``, ``tau`` (see
:mod:`jaxmag.thermal`), mapped to ``(h, ψ, log α, log τ)`` and standardised with the
training set's mean and spread, which are stored in the model.
"""

import os
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
from jaxtyping import Array, Float, PRNGKeyArray

from jaxmag._validate import check_int
from jaxmag.ml._io import load_tagged, save_tagged
from jaxmag.ml._training import epoch_schedule, fit, split_chain
from jaxmag.thermal._pulses import ALPHA_RANGE, H_RANGE, PSI_DEG_RANGE, TAU_RANGE

KIND = "jaxmag.ml.switching.SwitchingMLP"
FEATURES = ("h", "psi_deg", "alpha", "tau")
POSITIVE = ("alpha", "tau")
"""Features that enter the model as logarithms: the damping α and the pulse length τ (s)."""


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


def _batch_loss(model, batch, key):
    return _loss(model, *batch)


_val_loss = eqx.filter_jit(_loss)


_permutation = eqx.filter_jit(jax.random.permutation)


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
    """Train with Adam (a cosine-decayed learning rate to 1 %, no warm-up) on epochs of
    random minibatches (:func:`jaxmag.ml.fit`; epoch ``e`` shuffles with the key of
    ``k_shuf, k = split(k_shuf)`` run ``e + 1`` times, ``k_shuf = split(key)[1]``),
    keeping the model of lowest validation loss and stopping after ``patience`` epochs
    without an improvement of 1e-6.
    Returns ``(model, history)``, the history of :func:`jaxmag.ml.fit` with the training
    loss per step (``loss``) and the validation loss per epoch (``val``)."""
    for name, v in (("width", width), ("depth", depth), ("batch", batch),
                    ("max_epochs", max_epochs), ("patience", patience)):  # fmt: skip
        check_int(name, v)
    X, X_val = jnp.asarray(X), jnp.asarray(X_val, dtype=X.dtype)
    y, y_val = jnp.asarray(y, dtype=X.dtype), jnp.asarray(y_val, dtype=X.dtype)
    k_init, k_shuf = jax.random.split(key)
    model = SwitchingMLP(width, depth, X.mean(0), X.std(0) + 1e-12, key=k_init, dtype=X.dtype)
    batch = min(batch, len(X))
    per_epoch = len(X) // batch
    epoch_keys = split_chain(k_shuf, max_epochs)[:, 0]

    def draw(epoch):  # the first rows of a permutation
        perm = _permutation(epoch_keys[epoch], len(X))
        return perm[: per_epoch * batch].reshape(per_epoch, batch), None

    return fit(
        model,
        _batch_loss,
        (X, y),
        key=k_shuf,
        steps=max_epochs * per_epoch,
        batch_size=batch,
        schedule=epoch_schedule(draw, per_epoch),
        learning_rate=lr,
        warmup=0,
        end_fraction=0.01,
        chunk=per_epoch,
        validate=lambda m: _val_loss(m, X_val, y_val),
        patience=patience,
        min_delta=1e-6,
        verbose=verbose,
        print_every=10 * per_epoch,
        label="switching MLP",
    )


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
    check_int("folds", folds, minimum=2, maximum=len(X))
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
    NaN or infinite values, and non-positive α or τ (naming the column and the first bad
    row). Returns a
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
        if k in POSITIVE and np.any(v <= 0):
            i = int(np.flatnonzero(v <= 0)[0])
            raise ValueError(
                f"column {k!r} must be positive (the model takes its logarithm), got "
                f"{v[i]:g} at data row {i + 1}; not predictable even out of domain"
            )
        lo, hi = domain[k]
        inside &= (v >= lo) & (v <= hi)
    return inside


def _structure(model: SwitchingMLP) -> dict:
    return {
        "width": int(model.mlp.width_size),
        "depth": len(model.mlp.layers) - 1,
        "n_features": int(model.mean.shape[0]),
        "dtype": str(model.mean.dtype),
    }


def _build(c: dict) -> SwitchingMLP:
    z = jnp.zeros(c["n_features"], dtype=c["dtype"])
    return SwitchingMLP(c["width"], c["depth"], z, z + 1, key=jax.random.PRNGKey(0))


def save_model(
    folder: str | os.PathLike, model: SwitchingMLP, *, metadata: dict | None = None
) -> Path:
    """Save `model` (orbax, through :mod:`jaxmag.io`) with its structure and the
    JSON-serialisable `metadata`, to which the feature names (``features``) and the
    training ranges (``domain``, :data:`DOMAIN`) are added unless given. Returns the
    folder."""
    if not isinstance(model, SwitchingMLP):
        raise TypeError(f"not a switching model: {type(model).__name__}")
    domain = {k: list(v) for k, v in DOMAIN.items()}
    metadata = {"features": list(FEATURES), "domain": domain, **(metadata or {})}
    return save_tagged(folder, model, kind=KIND, structure=_structure(model), metadata=metadata)


def load_model(folder: str | os.PathLike) -> tuple[SwitchingMLP, dict]:
    """``(model, metadata)`` from a folder written by :func:`save_model`."""
    return load_tagged(folder, kind=KIND, what="switching model", build=_build)
