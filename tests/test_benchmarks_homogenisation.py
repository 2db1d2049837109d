"""benchmarks/homogenisation.py --quick ends with one JSON object holding the figures."""

import pytest

pytestmark = pytest.mark.slow  # a benchmark run: CI's slow set (.ci/run)


def test_homogenisation_benchmark_quick(bench, tmp_path):
    f = bench("homogenisation.py", "--quick", timeout=900).figures
    keys = (
        "r2_cnn",
        "r2_baselines",
        "inside_hs_bounds",
        "solver_laminate_rel_err",
        "solver_checkerboard_rel_err",
        "speedup",
        "unet_iou",
        "n_train",
        "n_test",
    )
    for k in keys:
        assert k in f, k
    assert f["solver_checkerboard_rel_err"] < 1e-6 and f["solver_laminate_rel_err"] < 1e-6
    assert f["inside_hs_bounds"] == 1.0 and f["n_train"] + f["n_test"] == 160
    assert set(f["r2_baselines"]) == {
        "maxwell_garnett",
        "bruggeman",
        "random_forest",
        "gradient_boosting",
    }
    assert 0.0 <= f["unet_iou"] <= 1.0 and f["speedup"] > 0
    lo, hi = f["r2_cnn_ci95"]  # a bootstrap interval around the headline R²
    assert lo <= hi
    free = f["unbounded_head"]  # the same trained network with the bound switched off
    assert {"r2_cnn", "inside_hs_bounds"} <= set(free) and 0 <= free["inside_hs_bounds"] <= 1
    for k, change in free["bound_r2_change"].items():  # bounded − unbounded, paired
        assert change["value"] == pytest.approx(
            f["r2_cnn_components"][k] - free["r2_cnn_components"][k]
        )
        assert change["ci95"][0] <= change["ci95"][1]
    seeds = f["r2_cnn_seeds"]  # the headline fit and one more seed
    assert len(seeds["r2_cnn"]) == 2 and seeds["r2_cnn"][0] == f["r2_cnn"]
    assert seeds["r2_std"] >= 0 and seeds["inside_hs_bounds"] == [1.0, 1.0]
    assert f["gt_refine_n"] == 4 and f["gt_refine_size"] == [128, 128]
    assert 0 <= f["gt_refine_median_rel"] <= f["gt_refine_max_rel"] < 0.5
    assert 0 <= f["gt_spread_covers_refine"] <= 1 and f["cnn_err_median_rel"] > 0
