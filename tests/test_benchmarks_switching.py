"""benchmarks/switching.py --quick ends with one JSON object holding issue 40's keys:
baselines on equal footing (same budget, same rows), the Bayes-optimal AUC of the noisy
labels with its standard error, the applicability domain's detection and false-flag
rates, and the headline AUC's interval and seed spread."""

import numpy as np
import pytest

pytestmark = pytest.mark.slow  # a benchmark run: CI's slow set (.ci/run)

MODELS = {"dnn", "rf", "svm", "logreg"}


def test_switching_benchmark_quick(bench):
    f = bench("switching.py", "--quick", timeout=900).figures
    for k in (
        "n_train",
        "n_test",
        "pos_fraction",
        "auc",
        "auc_ci95",
        "auc_seed_spread",
        "svm_same_budget",
        "auc_same_20k",
        "ad_detection_switching",
        "ad_false_flag_switching",
        "auc_bayes",
        "auc_delta60",
        "auc_expected_delta20",
        "gap_delta20",
        "replica_fraction_auc_delta60",
        "sims_per_s",
    ):
        assert k in f, k
    assert "oracle_auc_delta60" not in f  # renamed: it was a lower bound, not the ceiling
    for table in (f["auc"], f["auc_same_20k"], f["auc_delta60"], f["auc_expected_delta20"]):
        assert set(table) == MODELS
        assert all(0.5 < v <= 1 for v in table.values()), table
    assert 0.2 < f["pos_fraction"] < 0.8 and f["sims_per_s"] > 0
    # the interval brackets each AUC; the seeds are the ones asked for
    for m, (lo, hi) in f["auc_ci95"].items():
        assert lo <= f["auc"][m] <= hi and hi - lo < 0.1, m
    spread = f["auc_seed_spread"]
    assert spread["seeds"] == 2 and spread["aucs"][0] == f["auc"]["dnn"]
    assert spread["std"] >= 0
    # the SVM grew to every training row (quick sizes fit the budget), stated as such
    svm = f["svm_same_budget"]
    assert svm["rows"] == f["n_train"] and svm["all_rows_used"] and svm["within_budget"]
    assert svm["auc"] == f["auc"]["svm"] and svm["budget_s"] == f["fit_info"]["train_seconds"]
    assert [r["rows"] for r in svm["ladder"]] == [750, 1500, 3000]
    assert f["same_20k_rows"] == 1500
    # the domain: issue 40's target on the shifted set, the false flags beside it
    assert f["ad_detection_switching"] >= 0.9
    assert 0 < f["ad_false_flag_switching"] < 0.15
    assert f["ad_switching"]["quantile_0.99"]["false_flag_rate"] <= f["ad_false_flag_switching"]
    for tag in ("delta60", "delta20"):
        b = f["auc_bayes"][tag]
        assert b["lower"] <= b["value"] <= b["upper"] + 1e-3 and b["replicas"] == 16
        assert 0 < b["se"] < 5e-3 and b["n_points"] == f["noise_n_test"]
        for m in MODELS:
            e = f[f"auc_expected_{tag}"][m]
            assert e <= b["upper"]  # no scorer beats the plug-in ceiling under its weights
            assert f[f"gap_{tag}"][m] == pytest.approx(b["value"] - e)
            lo, hi = f[f"gap_ci95_{tag}"][m]
            assert lo <= f[f"gap_{tag}"][m] <= hi
    # less thermal noise, a higher ceiling
    assert f["auc_bayes"]["delta60"]["value"] > f["auc_bayes"]["delta20"]["value"]
    assert np.isfinite(f["auc_fresh_reloaded"])
