"""scikit-learn baselines for tabular classification: random forest, RBF-kernel SVM and
logistic regression, each in a pipeline with standardised inputs.

They take the same design matrix as the equinox models (e.g.
:func:`jaxmag.ml.switching.design_matrix`), so comparisons are on equal features.
"""

import time

import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

BASELINES = ("rf", "svm", "logreg")


def make_baseline(name: str, *, seed: int = 0, n_jobs: int = -1):
    """An unfitted scikit-learn classifier with ``predict_proba``.

    - ``"rf"``: 300 trees, fully grown, ``min_samples_leaf=1``.
    - ``"svm"``: RBF kernel, ``C=10``, ``gamma="scale"``; scored by its decision
      function (ROC AUC depends only on the ranking, which Platt scaling keeps).
    - ``"logreg"``: L2-regularised logistic regression (``C=1``).
    """
    if name == "rf":
        return RandomForestClassifier(n_estimators=300, n_jobs=n_jobs, random_state=seed)
    if name == "svm":
        return make_pipeline(StandardScaler(), SVC(C=10.0, kernel="rbf", random_state=seed))
    if name == "logreg":
        return make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    raise ValueError(f"unknown baseline {name!r}; choose from {BASELINES}")


def fit_baselines(
    X, y, names=BASELINES, *, max_train: dict | None = None, seed: int = 0, verbose=False
) -> dict:
    """Fit each named baseline on ``(X, y)``; returns ``{name: (model, fit_seconds)}``.

    ``max_train`` caps the training rows per model, e.g. ``{"svm": 20000}``: kernel SVM
    training is quadratic to cubic in the number of samples, so it sees the first rows of
    the same training split only. The cap used is stored on the model as ``n_train_``.
    """
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim != 2 or y.shape != (len(X),):
        raise ValueError(f"X must be (n, d) and y (n,), got {X.shape} and {y.shape}")
    caps = {"svm": 20000} if max_train is None else max_train
    out = {}
    for name in names:
        n = min(len(X), caps.get(name, len(X)))
        t = time.perf_counter()
        model = make_baseline(name, seed=seed).fit(X[:n], y[:n])
        model.n_train_ = n
        out[name] = (model, time.perf_counter() - t)
        if verbose:
            print(f"  {name}: fitted on {n} samples in {out[name][1]:.1f} s", flush=True)
    return out


def score(model, X) -> np.ndarray:
    """A score increasing with the chance of class 1: the probability where the model
    has one, else the decision function (SVM)."""
    X = np.asarray(X)
    if hasattr(model, "predict_proba"):
        return model.predict_proba(X)[:, 1]
    return model.decision_function(X)
