"""The trust adapter of the switching classifier (:mod:`jaxmag.ml.switching`).

A sample is one task point: the design row ``(h, ψ, log α, log τ)`` of
:func:`jaxmag.ml.switching.design_matrix` (reduced units, see
:mod:`jaxmag.thermal`) and its deterministic label from the macrospin solver (1 when
m_z < 0 at the end of the pulse). The score is the ROC AUC; shuffled labels give 0.5.
"""

from dataclasses import dataclass, field

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import PRNGKeyArray

from jaxmag.ml.switching._model import DOMAIN, SwitchingMLP, design_matrix, train_mlp
from jaxmag.ml.switching._study import auc, make_split
from jaxmag.ml.trust.adapters._common import merged
from jaxmag.thermal import _pulses as ms


def _space() -> dict[str, list]:
    return {"width": [16, 32], "depth": [1, 2], "lr": [3e-3, 1e-2]}


def _default() -> dict:
    return {"width": 32, "depth": 2, "lr": 1e-2, "epochs": 80, "batch": 64, "patience": 15}


@dataclass(frozen=True)
class SwitchingTrust:
    """`SwitchingMLP` trained by `train_mlp` (float32, early stopping on a `val_fraction`
    of the training rows), on `n_quick` or `n_full` task points from `make_split`.

    The shifted set draws the pulse amplitude ``h`` from `shift_h` and its angle ``ψ``
    from `shift_psi_deg`, both beyond ``DOMAIN`` (``h ∈ [0, 2]``, ``ψ ∈ [0°, 90°]``).
    `features` (the applicability domain's space) is the model's own input, the design
    row standardised as the model standardises it; :meth:`hidden_features` is the
    MLP's last hidden layer, the space used before (it flagged 86.6 % of the shifted
    set: a learned layer need not keep far inputs far)."""

    n_quick: int = 399
    n_full: int = 2000
    val_fraction: float = 0.2
    shift_h: tuple = (2.2, 3.5)
    shift_psi_deg: tuple = (95.0, 150.0)
    space: dict = field(default_factory=_space)
    default: dict = field(default_factory=_default)
    name: str = "switching"

    def data(self, key: PRNGKeyArray, quick: bool) -> tuple[np.ndarray, np.ndarray]:
        """``X (n, 4)`` design rows and labels ``y (n,)`` in {0, 1}."""
        split = make_split(key, self.n_quick if quick else self.n_full, 1, 1)
        return split["X_train"], np.asarray(split["y_train"])

    def shifted(self, key: PRNGKeyArray, quick: bool) -> tuple[np.ndarray, np.ndarray]:
        """Task points with ``h`` and ``ψ`` outside ``DOMAIN``, labelled by the solver."""
        for name, (lo, hi) in (("h", self.shift_h), ("psi_deg", self.shift_psi_deg)):
            if lo <= DOMAIN[name][1] and hi >= DOMAIN[name][0]:
                raise ValueError(f"the shifted {name} range {(lo, hi)} overlaps {DOMAIN[name]}")
        n = max(8, (self.n_quick if quick else self.n_full) // 4)
        k_feat, k_h, k_psi = jax.random.split(key, 3)
        feats = dict(ms.sample_features(k_feat, n))
        feats["h"] = jax.random.uniform(k_h, (n,), float, *self.shift_h)
        feats["psi_deg"] = jax.random.uniform(k_psi, (n,), float, *self.shift_psi_deg)
        y = ms.switching_labels(feats)[0]
        return np.asarray(design_matrix(feats)), np.asarray(y)

    def fit(self, X, y, params: dict, key: PRNGKeyArray) -> SwitchingMLP:
        p = merged(self.default, params, self.name)
        X, y = np.asarray(X, np.float32), np.asarray(y, np.float32)
        k_split, k_train = jax.random.split(key)
        perm = np.asarray(jax.random.permutation(k_split, len(X)))
        n_val = max(1, int(round(self.val_fraction * len(X))))
        va, tr = perm[:n_val], perm[n_val:]
        model, _ = train_mlp(
            X[tr],
            y[tr],
            X[va],
            y[va],
            key=k_train,
            width=int(p["width"]),
            depth=int(p["depth"]),
            lr=float(p["lr"]),
            batch=int(p["batch"]),
            max_epochs=int(p["epochs"]),
            patience=int(p["patience"]),
        )
        return model

    def predict(self, model: SwitchingMLP, X) -> np.ndarray:
        """Switching probabilities ``(n,)``."""
        return np.asarray(model.predict_proba(np.asarray(X, float)), float)

    def score(self, model: SwitchingMLP, X, y) -> float:
        """ROC AUC."""
        return auc(y, self.predict(model, X))

    def error(self, model: SwitchingMLP, X, y) -> float:
        """Brier score: mean squared error of the probabilities (0 is perfect)."""
        return float(np.mean((self.predict(model, X) - np.asarray(y, float)) ** 2))

    def features(self, model: SwitchingMLP, X) -> np.ndarray:
        """The standardised design rows ``(X − mean) / scale`` ``(n, 4)``: the space in
        which the model was trained, so that distance in it is distance from the training
        data (four features; no learned map can fold a far input onto a near one)."""
        X = np.asarray(X, float)
        return (X - np.asarray(model.mean, float)) / np.asarray(model.scale, float)

    def hidden_features(self, model: SwitchingMLP, X) -> np.ndarray:
        """Activations of the MLP's last hidden layer ``(n, width)``."""
        Z = (jnp.asarray(X, model.mean.dtype) - model.mean) / model.scale
        for layer in model.mlp.layers[:-1]:
            Z = model.mlp.activation(jax.vmap(layer)(Z))
        return np.asarray(Z, float)
