"""The trust layer (:mod:`jaxmag.ml.trust`) applied to the grain models: the callables
``fit(X, y, params, key)`` and ``score(model, X, y)`` for the grain CNN and for the
random forest on per-grain features, and the shifted films for the applicability domain.

- Grain CNN: ``X`` (:func:`cnn_inputs`) is the inputs ``(n, 4, nx, ny)`` of
  :func:`~jaxmag.ml.grains.dataset_inputs` with the grain labels as a fifth channel (the
  labels are an input: the model pools over them), ``y`` (:func:`cnn_targets`) the two
  switching-field maps ``(n, 2, nx, ny)`` in T of
  :func:`~jaxmag.ml.grains.dataset_targets`, then the grain map's loss weights
  (:func:`~jaxmag.ml.grains.grain_weights`). Shuffling ``y`` across films
  (Y-randomisation) pairs each film's map and labels with another film's fields, so no
  input reaches the shuffled targets. The score is R² over both maps and the cells
  that reversed in the simulation.
- Forest: ``X`` is per-grain features ``(grains, 6)``, ``y`` per-grain fields in T; R².
"""

import numpy as np
from sklearn.ensemble import RandomForestRegressor

from jaxmag.ml._metrics import r2_pooled
from jaxmag.ml.grains._cnn import (
    GrainCNN,
    cnn_features,
    dataset_inputs,
    dataset_targets,
    grain_weights,
    predict_maps,
)
from jaxmag.ml.grains._training import train_grain_cnn
from jaxmag.ml.trust import FlaggedPredictor

CNN_SPACE = {
    "learning_rate": [1e-3, 3e-3],
    "base": [8, 16],
    "depth": [2, 3],
    "weight_decay": [0.0, 1e-4],
}
"""The declared search space of the grain CNN."""

FOREST_SPACE = {"n_estimators": [100, 300], "min_samples_leaf": [1, 2, 5]}
"""The declared search space of the per-grain random forest."""


def cnn_inputs(data: dict) -> np.ndarray:
    """``X`` ``(n, 5, nx, ny)`` of a grain dataset for :func:`fit_cnn`: the four input
    channels, then the grain labels (exact in float32)."""
    labels = np.asarray(data["labels"], np.float32)[:, None]
    return np.concatenate([dataset_inputs(data), labels], 1)


def cnn_targets(data: dict) -> np.ndarray:
    """``y`` ``(n, 3, nx, ny)`` of a grain dataset for :func:`fit_cnn`: the ``cell`` and
    ``grain`` maps (T), then the grain map's loss weights."""
    weights = grain_weights(data["labels"])[:, 1:]
    return np.concatenate([dataset_targets(data), weights], 1)


def _split_x(X):
    X = np.asarray(X, np.float32)
    if X.ndim != 4 or X.shape[1] != 5:
        raise ValueError(f"X must be (n, 5, nx, ny) from cnn_inputs, got shape {X.shape}")
    return X[:, :4], X[:, 4].astype(np.int32)


def _split_y(y):
    y = np.asarray(y, np.float32)
    if y.ndim != 4 or y.shape[1] != 3:
        raise ValueError(f"y must be (n, 3, nx, ny) from cnn_targets, got shape {y.shape}")
    return y[:, :2], np.concatenate([np.ones_like(y[:, :1]), y[:, 2:3]], 1)


def fit_cnn(X, y, params: dict, key) -> GrainCNN:
    """Train a grain CNN on `X` from :func:`cnn_inputs` and `y` from :func:`cnn_targets`
    with `params` (any keyword of :func:`train_grain_cnn`)."""
    inputs, labels = _split_x(X)
    targets, weights = _split_y(y)
    return train_grain_cnn(inputs, targets, labels, weights=weights, key=key, **params)[0]


def predict_cnn(model: GrainCNN, X) -> np.ndarray:
    """The model's two maps ``(n, 2, nx, ny)`` of the films `X` from :func:`cnn_inputs`."""
    return predict_maps(model, *_split_x(X))


def score_cnn(model: GrainCNN, X, y) -> float:
    """R² (:func:`jaxmag.ml.r2_pooled`) of the predicted switching-field maps (both
    outputs, the cells that reversed)."""
    return r2_pooled(_split_y(y)[0], predict_cnn(model, X))


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
    """R² (:func:`jaxmag.ml.r2_pooled`) of the forest's per-grain fields."""
    return r2_pooled(y, model.predict(X))
