"""The pieces of ``benchmarks/switching.py``: model fits, the equal-footing baselines,
the bootstrap interval of an AUC, the applicability domain and the noise study."""

import time

import jax
import numpy as np
from _common import bootstrap_ci

from jaxmag.ml.switching import _baselines as baselines
from jaxmag.ml.switching import auc, fit_dnn, make_split
from jaxmag.ml.switching._bayes import bayes_auc, pair_auc
from jaxmag.ml.trust import ApplicabilityDomain
from jaxmag.ml.trust.adapters import SwitchingTrust


def rows(split: dict, n: int) -> dict:
    """``split`` with only the first ``n`` training rows."""
    return {**split, "X_train": split["X_train"][:n], "y_train": split["y_train"][:n]}


def dnn(split, key, grid, args, verbose=True):
    """``(model, info)`` of :func:`fit_dnn` with the study's settings."""
    return fit_dnn(
        split,
        key=key,
        grid=grid,
        cv_samples=args.cv_samples,
        cv_folds=args.cv_folds,
        cv_epochs=args.cv_epochs,
        max_epochs=args.epochs,
        verbose=verbose,
    )


def fit_scored(name, split, n):
    """Fit baseline ``name`` on the first ``n`` training rows; ``(p_test, fit_s)``."""
    fitted = baselines.fit_baselines(
        split["X_train"][:n], split["y_train"][:n], (name,), max_train={}
    )
    model, secs = fitted[name]
    return baselines.score(model, split["X_test"]), secs


def auc_ci(y, p, n_boot: int, seed: int = 0) -> list:
    """95 % percentile bootstrap interval of the AUC over the test items."""
    y, p = np.asarray(y, float), np.asarray(p, float)
    return bootstrap_ci(lambda i: pair_auc(p[i], y[i]), len(y), n_boot=n_boot, seed=seed)


def equal_footing(split, budget_s: float, args) -> tuple[dict, dict, dict]:
    """The baselines on the full training split within the DNN's time budget.

    The forest and logistic regression fit every training row (their fit times are
    reported against the budget). The RBF-SVM's rows double from ``args.svm_start``
    until its fit would overrun ``budget_s`` (:func:`grow_within_budget`). Returns
    ``(p_test, fit_record, svm_same_budget)``; the SVM models of the ladder are kept in
    ``fit_record["_svm_models"]`` by rows, for reuse."""
    probs, record = {}, {}
    for name in ("rf", "logreg"):
        n = len(split["X_train"])
        probs[name], secs = fit_scored(name, split, n)
        record[name] = {"rows": n, "fit_s": secs, "within_budget": secs <= budget_s}
        print(f"  {name}: {n} rows in {secs:.1f} s (budget {budget_s:.1f} s)", flush=True)
    models = {}

    def fit_rows(n):
        t = time.perf_counter()
        models[n] = baselines.make_baseline("svm").fit(split["X_train"][:n], split["y_train"][:n])
        return time.perf_counter() - t

    n_svm, ladder = baselines.grow_within_budget(
        fit_rows, len(split["X_train"]), budget_s, start=args.svm_start, verbose=True
    )
    probs["svm"] = baselines.score(models[n_svm], split["X_test"])
    fit_s = next(r["fit_s"] for r in ladder if r["rows"] == n_svm)
    svm = {
        "rows": n_svm,
        "fit_s": fit_s,
        "auc": auc(split["y_test"], probs["svm"]),
        "budget_s": budget_s,
        "within_budget": fit_s <= budget_s,
        "all_rows_used": n_svm == len(split["X_train"]),
        "ladder": ladder,
        "kind": "exact RBF-SVM (libsvm, one thread)",
    }
    record["svm"] = {k: svm[k] for k in ("rows", "fit_s", "within_budget")}
    record["_svm_models"] = models
    return probs, record, svm


def same_rows(split, n, setting, key, args, svm_models) -> dict:
    """Every model's test AUC when trained on the same first ``n`` training rows (the
    DNN: the chosen setting, early stopping on the same validation split)."""
    sub = rows(split, n)
    model, _ = dnn(sub, key, [setting], args, verbose=False)
    out = {"dnn": auc(split["y_test"], model.predict_proba(split["X_test"]))}
    for name in ("rf", "svm", "logreg"):
        if name == "svm" and n in svm_models:
            p = baselines.score(svm_models[n], split["X_test"])
        else:
            p, _ = fit_scored(name, sub, n)
        out[name] = auc(split["y_test"], p)
    return out


def domain(model, split, key, n_shifted: int) -> dict:
    """The applicability domain of the trust layer's switching adapter (k-NN, k = 5, on
    ``SwitchingTrust.features``) fitted on this model's training rows: the share of the
    held-out test rows flagged (false flags) and of the adapter's shifted set (h in
    [2.2, 3.5], ψ in [95°, 150°]) flagged, at the training-score quantiles 0.95 (the
    trust report's) and 0.99."""
    a = SwitchingTrust(n_full=4 * n_shifted)
    Xs, _ = a.shifted(key, False)
    F_tr, F_te, F_s = (a.features(model, X) for X in (split["X_train"], split["X_test"], Xs))
    out = {
        "feature_space": "standardised inputs (h, psi, log alpha, log tau)",
        "method": "knn",
        "k": 5,
        "n_train": len(F_tr),
        "n_heldout": len(F_te),
        "n_shifted": len(F_s),
        "shift_h": list(a.shift_h),
        "shift_psi_deg": list(a.shift_psi_deg),
    }
    for q in (0.95, 0.99):
        rates = ApplicabilityDomain.fit(F_tr, k=5, quantile=q).rates(F_te, F_s)
        out[f"quantile_{q}"] = rates
    return out


def noise_study(key, delta, setting, args) -> dict:
    """Labels from one noisy run at ``delta``; every model fitted on them; on the test
    points (``args.replicas`` further runs each) the Bayes-optimal AUC, each model's AUC
    with the label noise averaged out and its gap to the Bayes AUC."""
    noisy = make_split(
        key,
        args.noise_train,
        args.noise_train // 8,
        args.noise_test,
        delta=delta,
        oracle_replicas=args.replicas,
        verbose=True,
    )
    model, _ = dnn(noisy, jax.random.fold_in(key, 1), [setting], args)
    probs = {"dnn": np.asarray(model.predict_proba(noisy["X_test"]))}
    fitted = baselines.fit_baselines(
        noisy["X_train"], noisy["y_train"], max_train={"svm": args.svm_max}, verbose=True
    )
    for name, (m, _) in fitted.items():
        probs[name] = baselines.score(m, noisy["X_test"])
    t = time.perf_counter()
    bayes = bayes_auc(noisy["replica_labels"], probs, n_boot=args.n_boot_bayes)
    models = bayes.pop("models")
    bayes["seconds"] = time.perf_counter() - t
    return {
        "split": noisy,
        "probs": probs,
        "auc": {m: auc(noisy["y_test"], p) for m, p in probs.items()},
        "bayes": bayes,
        "expected": {m: v["expected_auc"] for m, v in models.items()},
        "gap": {m: v["gap"] for m, v in models.items()},
        "gap_ci95": {m: v["gap_ci95"] for m, v in models.items()},
        "replica_fraction_auc": auc(noisy["y_test"], noisy["p_oracle"]),
        "svm_rows": fitted["svm"][0].n_train_,
    }
