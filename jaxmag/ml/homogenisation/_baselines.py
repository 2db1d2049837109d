"""Baselines for the CNN surrogate: effective-medium formulas and regressors on image
statistics.

- **Maxwell Garnett and Bruggeman** use only the volume fraction and the contrast, and
  predict an isotropic tensor.
- **Random forest and gradient boosting** (scikit-learn) read simple statistics of the
  map: the volume fraction, ``log c`` and the normalised two-point correlation
  ``(S2(r) − f²)/(f − f²)`` along x, y and both diagonals at lags of 1–16 px. Like the
  CNN they predict ``S`` in ``μ_eff = μ_B exp(S)``, so their tensors are SPD too.
"""

import numpy as np
from sklearn.ensemble import HistGradientBoostingRegressor, RandomForestRegressor
from sklearn.multioutput import MultiOutputRegressor

from jaxmag.ml.homogenisation._bounds import bruggeman, maxwell_garnett
from jaxmag.ml.homogenisation._cnn import bruggeman_reference
from jaxmag.ml.homogenisation._tensors import expm_sym, from_components
from jaxmag.ml.homogenisation._training import log_targets

LAGS = (1, 2, 4, 8, 16)


def effective_medium(phases, contrasts, formula: str) -> np.ndarray:
    """Isotropic ``(n, 2, 2)`` tensors from ``"maxwell_garnett"`` or ``"bruggeman"``."""
    f = np.asarray(phases).reshape(len(phases), -1).mean(1)
    c = np.asarray(contrasts, float)
    fn = {"maxwell_garnett": maxwell_garnett, "bruggeman": bruggeman}[formula]
    mu = np.asarray(fn(f, 1.0, c, 2))
    return mu[:, None, None] * np.eye(2)


def image_features(phases, contrasts) -> np.ndarray:
    """Per-map statistics ``(n, 2 + 4 len(LAGS))`` for the regressors."""
    x = np.asarray(phases, float)
    n = len(x)
    f = x.reshape(n, -1).mean(1)
    spec = np.abs(np.fft.fft2(x)) ** 2
    s2 = np.real(np.fft.ifft2(spec)) / x[0].size  # periodic two-point function
    var = np.maximum(f - f**2, 1e-12)[:, None]
    feats = [f[:, None], np.log(np.asarray(contrasts, float))[:, None]]
    for lag in (min(lag, min(x.shape[1:]) // 2) for lag in LAGS):
        pairs = [s2[:, lag, 0], s2[:, 0, lag], s2[:, lag, lag], s2[:, lag, -lag]]
        feats.append((np.stack(pairs, 1) - f[:, None] ** 2) / var)
    return np.concatenate(feats, 1)


class ImageStatisticsRegressor:
    """A scikit-learn regressor from :func:`image_features` to ``μ_eff``."""

    def __init__(self, kind: str = "random_forest", seed: int = 0):
        if kind == "random_forest":
            self.model = RandomForestRegressor(
                n_estimators=300, min_samples_leaf=2, n_jobs=-1, random_state=seed
            )
        elif kind == "gradient_boosting":
            self.model = MultiOutputRegressor(
                HistGradientBoostingRegressor(max_iter=500, learning_rate=0.05, random_state=seed)
            )
        else:
            raise ValueError(f"kind must be 'random_forest' or 'gradient_boosting', got {kind!r}")
        self.kind = kind

    def fit(self, phases, contrasts, mu_eff) -> "ImageStatisticsRegressor":
        self.model.fit(image_features(phases, contrasts), log_targets(mu_eff, phases, contrasts))
        return self

    def predict(self, phases, contrasts) -> np.ndarray:
        s = self.model.predict(image_features(phases, contrasts))
        f = np.asarray(phases).reshape(len(phases), -1).mean(1)
        ref = np.asarray(bruggeman_reference(f, np.asarray(contrasts, float)))
        return ref[:, None, None] * np.asarray(expm_sym(s))


def r2_components(true, pred) -> dict[str, float]:
    """R² of each independent component (xx, yy, xy) of ``(n, 2, 2)`` tensors."""
    true, pred = np.asarray(true), np.asarray(pred)
    out = {}
    for name, (i, j) in (("xx", (0, 0)), ("yy", (1, 1)), ("xy", (0, 1))):
        t, p = true[:, i, j], pred[:, i, j]
        out[name] = float(1 - np.sum((t - p) ** 2) / np.sum((t - t.mean()) ** 2))
    return out


__all__ = [
    "ImageStatisticsRegressor",
    "effective_medium",
    "from_components",
    "image_features",
    "r2_components",
]
