"""The trust layer (:mod:`jaxmag.trust`) applied to the grain models: the callables
``fit(X, y, params, key)`` and ``score(model, X, y)`` for the grain CNN and for the
random forest on per-grain features, and the shifted films for the applicability domain.

- Grain CNN: ``X`` is the inputs ``(n, 4, nx, ny)`` of :func:`~jaxmag.grains.cnn.dataset_inputs`,
  ``y`` (:func:`cnn_targets`) the two switching-field maps ``(n, 2, nx, ny)`` in T of
  :func:`~jaxmag.grains.cnn.dataset_targets`, then the grain map's loss weights
  (:func:`~jaxmag.grains.cnn.grain_weights`) and the film's grain labels, so that folds
  keep each film's weights and labels with its maps (a shuffle pairs a film's inputs
  with another film's maps, weights and labels); the score is R² over both maps and
  the cells that reversed in the simulation. Shuffling ``y`` across films (Y-randomisation) pairs
  each film with another film's map.
- Forest: ``X`` is per-grain features ``(grains, 6)``, ``y`` per-grain fields in T; R².
"""

import numpy as np
from sklearn.ensemble import RandomForestRegressor

from ..trust import FlaggedPredictor
from .cnn import (
    GrainCNN,
    cnn_features,
    dataset_targets,
    grain_weights,
    predict_maps,
    train_grain_cnn,
)

CNN_SPACE = {
    "learning_rate": [1e-3, 3e-3],
    "base": [8, 16],
    "depth": [2, 3],
    "weight_decay": [0.0, 1e-4],
}
"""The declared search space of the grain CNN."""

FOREST_SPACE = {"n_estimators": [100, 300], "min_samples_leaf": [1, 2, 5]}
"""The declared search space of the per-grain random forest."""


def r2(true, pred) -> float:
    """``1 − SSE / SST`` over the finite entries of `true`."""
    t = np.asarray(true, float).ravel()
    p = np.asarray(pred, float).ravel()
    ok = np.isfinite(t)
    t, p = t[ok], p[ok]
    return float(1 - np.sum((p - t) ** 2) / np.sum((t - t.mean()) ** 2))


def cnn_targets(data: dict) -> np.ndarray:
    """``y`` ``(n, 4, nx, ny)`` of a grain dataset for :func:`fit_cnn`: the ``cell`` and
    ``grain`` maps (T), the grain map's loss weights and the grain labels."""
    labels = np.asarray(data["labels"])
    weights = grain_weights(labels)[:, 1:]
    return np.concatenate([dataset_targets(data), weights, labels[:, None]], 1)


def _split(y):
    y = np.asarray(y, np.float32)
    if y.ndim != 4 or y.shape[1] != 4:
        raise ValueError(f"y must be (n, 4, nx, ny) from cnn_targets, got shape {y.shape}")
    w = np.concatenate([np.ones_like(y[:, :1]), y[:, 2:3]], 1)
    return y[:, :2], w, y[:, 3].astype(np.int32)


def fit_cnn(X, y, params: dict, key) -> GrainCNN:
    """Train a grain CNN on `y` from :func:`cnn_targets` with `params` (any keyword of
    :func:`train_grain_cnn`)."""
    targets, weights, labels = _split(y)
    return train_grain_cnn(X, targets, labels, weights=weights, key=key, **params)[0]


def predict_cnn(model: GrainCNN, X, y) -> np.ndarray:
    """The model's two maps ``(n, 2, nx, ny)`` of the films `X`, labels taken from `y`."""
    return predict_maps(model, X, _split(y)[2])


def score_cnn(model: GrainCNN, X, y) -> float:
    """R² of the predicted switching-field maps (both outputs)."""
    return r2(_split(y)[0], predict_cnn(model, X, y))


def flagged_grain_cnn(model: GrainCNN, train_inputs, **domain_options) -> FlaggedPredictor:
    """The grain CNN with its applicability domain: ``predictor(inputs, labels)`` gives
    the maps of :func:`predict_maps` and an in-domain flag per film, from a k-NN domain
    (by default k = 5, the 95 % training quantile) in :func:`cnn_features`, fitted on the
    training films' inputs ``(n, 4, nx, ny)``."""
    options = {"method": "knn", "k": 5, "quantile": 0.95, **domain_options}
    return FlaggedPredictor.from_training(
        lambda X, labels: predict_maps(model, X, labels),
        lambda X, labels=None: cnn_features(model, X),
        train_inputs,
        **options,
    )


def fit_forest(X, y, params: dict, key) -> RandomForestRegressor:
    """A scikit-learn random forest with `params`, seeded from `key`."""
    import jax

    seed = int(jax.random.randint(key, (), 0, 2**31 - 1))
    keep = np.isfinite(y)
    return RandomForestRegressor(random_state=seed, n_jobs=-1, **params).fit(X[keep], y[keep])


def score_forest(model, X, y) -> float:
    """R² of the forest's per-grain fields."""
    return r2(y, model.predict(X))
