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

from jaxmag._validate import check_int

BASELINES = ("rf", "svm", "logreg")


def make_baseline(name: str, *, seed: int = 0, n_jobs: int = -1):
    """An unfitted scikit-learn classifier with ``predict_proba``.

    - ``"rf"``: 300 trees, fully grown, ``min_samples_leaf=1``.
    - ``"svm"``: RBF kernel, ``C=10``, ``gamma="scale"``, a 1 GB kernel cache (speed
      only); scored by its decision function (ROC AUC depends only on the ranking,
      which Platt scaling keeps).
    - ``"logreg"``: L2-regularised logistic regression (``C=1``).
    """
    if name == "rf":
        return RandomForestClassifier(n_estimators=300, n_jobs=n_jobs, random_state=seed)
    if name == "svm":
        return make_pipeline(
            StandardScaler(), SVC(C=10.0, kernel="rbf", cache_size=1000, random_state=seed)
        )
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


def grow_within_budget(
    fit_rows,
    n_max: int,
    budget_s: float,
    *,
    start: int,
    exponent: float = 2.0,
    margin: float = 0.9,
    verbose: bool = False,
) -> tuple[int, list[dict]]:
    """The most training rows a model fits within `budget_s` seconds, found by fitting.

    ``fit_rows(n)`` fits on the first ``n`` rows and returns its wall time (s). Starting
    at `start` rows (at most `n_max`), the rows double while the predicted time of the
    next fit stays within the budget: the time scales as ``n^q``, ``q`` measured from the
    last two fits (clipped to [1, 3]; `exponent` until two fits over 0.05 s exist). When
    doubling would overrun, one last fit is made at the rows predicted to take
    ``margin × budget_s``, if that is at least 1.2 times the last rows.

    Returns ``(rows, ladder)``: the most rows whose fit took at most `budget_s` (the
    first fit's rows if even that overran), and every fit as ``{"rows", "fit_s"}``.
    """
    check_int("start", start)
    check_int("n_max", n_max)
    if not (np.isfinite(budget_s) and budget_s > 0):
        raise ValueError(f"budget_s must be a positive number of seconds, got {budget_s!r}")
    ladder = []

    def run(n):
        secs = float(fit_rows(n))
        ladder.append({"rows": int(n), "fit_s": secs})
        if verbose:
            print(f"  {n} rows: {secs:.1f} s (budget {budget_s:.1f} s)", flush=True)
        return secs

    n = min(start, n_max)
    t = run(n)
    q = exponent
    while n < n_max and t <= budget_s:
        if len(ladder) >= 2 and ladder[-2]["fit_s"] > 0.05:
            prev = ladder[-2]
            q = float(np.clip(np.log(t / prev["fit_s"]) / np.log(n / prev["rows"]), 1, 3))
        nxt = min(2 * n, n_max)
        if t * (nxt / n) ** q <= budget_s:
            n, t = nxt, run(nxt)
            continue
        target = min(n_max, int(n * (margin * budget_s / max(t, 1e-9)) ** (1 / q)))
        if target >= 1.2 * n:
            run(target)
        break
    inside = [r["rows"] for r in ladder if r["fit_s"] <= budget_s]
    return (max(inside) if inside else ladder[0]["rows"]), ladder
