"""Baselines for per-grain switching fields: Stoner–Wohlfarth from the easy-axis angle
alone, and a random forest on per-grain features (Gusenbauer et al. 2020)."""

import numpy as np
from sklearn.ensemble import RandomForestRegressor

from jaxmag.ml.grains._features import grain_features
from jaxmag.ml.grains._maps import GrainMap, NdFeB
from jaxmag.ml.grains._stoner_wohlfarth import sw_grain_fields


def sw_baseline(grains: GrainMap, *, Ku1=NdFeB["Ku1"], Ms=NdFeB["Ms"]) -> np.ndarray:
    """Per-grain switching fields in T (negative: along the sweep) of isolated SW grains
    under a field along +z reversed."""
    return -sw_grain_fields(np.asarray(grains.axes), [0.0, 0.0, 1.0], Ku1, Ms)


class GrainForest:
    """A random forest from :func:`grain_features` to per-grain switching fields (T)."""

    def __init__(self, *, n_estimators: int = 300, min_samples_leaf: int = 2, seed: int = 0):
        self.model = RandomForestRegressor(
            n_estimators=n_estimators, min_samples_leaf=min_samples_leaf, random_state=seed
        )

    def fit(self, maps: list[GrainMap], fields: list) -> "GrainForest":
        """Train on grain maps and their per-grain fields (NaN grains are left out)."""
        X = np.concatenate([grain_features(g) for g in maps])
        y = np.concatenate(
            [np.asarray(f, float)[: g.n_grains] for g, f in zip(maps, fields, strict=True)]
        )
        keep = np.isfinite(y)
        if not keep.any():
            raise ValueError("no grain has a finite switching field to train on")
        self.model.fit(X[keep], y[keep])
        return self

    def predict(self, grains: GrainMap) -> np.ndarray:
        """Per-grain switching fields in T."""
        return self.model.predict(grain_features(grains))
