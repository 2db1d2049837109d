"""benchmarks/grains.py --quick ends with one JSON object holding the issue's keys."""

import numpy as np
import pytest

pytestmark = pytest.mark.slow  # a benchmark run: CI's slow set (.ci/run)


def test_grains_benchmark_quick(bench, tmp_path):
    f = bench("grains.py", "--quick", "--save", str(tmp_path / "cnn"), timeout=900).figures
    for k in (
        "loop_l1_rel",
        "hc_rel_err",
        "baselines",
        "grain_hs_mae",
        "ad_detection_rate",
        "ad_false_flag_rate",
        "y_randomised_scores",
        "n_train",
        "n_test",
    ):
        assert k in f, k
    assert set(f["baselines"]) == {"stoner_wohlfarth", "random_forest"}
    for v in f["baselines"].values():
        assert set(v) == {"loop_l1_rel", "hc_rel_err", "grain_hs_mae"}
    assert f["n_train"] == 20 and f["n_test"] == 4
    assert 0 <= f["loop_l1_rel"] <= 1 and 0 <= f["ad_detection_rate"] <= 1
    # the random forest learns from 20 films; shuffled targets drop it to chance
    assert f["y_true_scores"]["grain_forest"] > 0.5
    assert f["y_randomised_scores"]["grain_forest"] < 0.2
    assert set(f["y_randomised_chance"]) == {"grain_cnn", "grain_forest"}
    assert -0.5 < f["y_randomised_chance"]["grain_cnn"] < 0.5
    # Stoner–Wohlfarth ignores demag and the boundary phase: far off the simulation
    assert f["baselines"]["stoner_wohlfarth"]["grain_hs_mae"] > 0.5
    assert np.isfinite(f["speedup"]) and f["speedup"] > 0
    # the saved model carries the chosen hyper-parameters of the CV search
    from jaxmag.ml.grains import load_model

    model, metadata = load_model(tmp_path / "cnn")
    assert metadata["tuning"]["chosen"] == f["tuning"]["chosen"]
    assert metadata["train_params"]["depth"] == f["tuning"]["chosen"]["depth"] == model.net.depth
