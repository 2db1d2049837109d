"""The applicability domain: how far an input lies from the training data.

Features (a model's inputs, or its latent or penultimate-layer features) are standardised
with the training set's mean and spread. The score of an input is the mean Euclidean
distance to its `k` nearest training points (``method="knn"``), or its Mahalanobis
distance to the training distribution (``method="mahalanobis"``). The threshold is the
`quantile` of the training points' own scores (leave-one-out for k-NN), so that about
``1 − quantile`` of inputs drawn like the training data are flagged.
"""

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from jaxmag._validate import check_int, check_real


def _features(name, X, n_features=None) -> np.ndarray:
    X = np.asarray(X, dtype=float)
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"{name} must be a non-empty (n, features) array, got {X.shape}")
    if n_features is not None and X.shape[1] != n_features:
        raise ValueError(f"{name} has {X.shape[1]} features; the domain was fitted on {n_features}")
    check_real(name, X)
    return X


@dataclass(frozen=True)
class ApplicabilityDomain:
    """A fitted domain; build it with :meth:`fit`."""

    method: str
    mean: np.ndarray
    scale: np.ndarray
    train: np.ndarray
    k: int
    threshold: float
    precision: np.ndarray | None = None

    @classmethod
    def fit(
        cls, X_train, *, method: str = "knn", k: int = 5, quantile: float = 0.95
    ) -> "ApplicabilityDomain":
        """Fit on training features ``(n, features)``; `k` neighbours (k-NN only) and the
        training-score `quantile` in ``(0, 1)`` that sets the threshold."""
        if method not in ("knn", "mahalanobis"):
            raise ValueError(f"method must be 'knn' or 'mahalanobis', got {method!r}")
        X = _features("X_train", X_train)
        check_real("quantile", quantile, positive=True)
        if not quantile < 1:
            raise ValueError(f"quantile must lie in (0, 1), got {quantile}")
        check_int("k", k, maximum=len(X) - 1)
        mean = X.mean(0)
        scale = X.std(0)
        scale = np.where(scale > 0, scale, 1.0)  # a constant feature carries no distance
        Z = (X - mean) / scale
        precision = None
        if method == "knn":
            d, _ = cKDTree(Z).query(Z, k + 1)  # the first neighbour is the point itself
            own = d[:, 1:].mean(1)
        else:
            precision = np.linalg.pinv(np.cov(Z, rowvar=False).reshape(Z.shape[1], -1))
            own = np.sqrt(np.einsum("ni,ij,nj->n", Z, precision, Z))
        threshold = float(np.quantile(own, quantile))
        return cls(method, mean, scale, Z, int(k), threshold, precision)

    def score(self, X) -> np.ndarray:
        """The distance score of each input ``(n, features)`` (standardised units)."""
        Z = (_features("X", X, self.train.shape[1]) - self.mean) / self.scale
        if self.method == "knn":
            d, _ = cKDTree(self.train).query(Z, self.k)
            return d.reshape(len(Z), -1).mean(1)
        return np.sqrt(np.einsum("ni,ij,nj->n", Z, self.precision, Z))

    def in_domain(self, X) -> np.ndarray:
        """``True`` where an input's score is at most the threshold."""
        return self.score(X) <= self.threshold

    def rates(self, X_in, X_shifted) -> dict[str, float]:
        """``{'detection_rate', 'false_flag_rate'}``: the share of `X_shifted` flagged and
        the share of in-domain `X_in` flagged."""
        return {
            "detection_rate": float(np.mean(~self.in_domain(X_shifted))),
            "false_flag_rate": float(np.mean(~self.in_domain(X_in))),
        }
