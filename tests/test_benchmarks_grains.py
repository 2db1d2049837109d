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
    # intervals (issue 40): the paired forest − CNN difference over grains and over films
    diff = f["baselines"]["random_forest"]["grain_hs_mae"] - f["grain_hs_mae"]
    assert f["grain_mae_diff"] == pytest.approx(diff, abs=1e-12)
    for k in ("grain_mae_diff_ci95", "grain_mae_diff_ci95_by_film"):
        lo, hi = f[k]
        assert lo <= hi and lo - 1e-12 <= diff <= hi + 1e-12, (k, f[k], diff)
    assert f["bootstrap"]["n_boot"] == 1000
    assert set(f["ci95"]) == {"cnn", "random_forest", "stoner_wohlfarth"}
    for name, model in (("cnn", f), *f["baselines"].items()):
        c = f["ci95"][name]
        assert set(c) == {"loop_l1_rel", "hc_rel_err", "grain_hs_mae", "grain_hs_mae_by_film"}
        for k in ("loop_l1_rel", "grain_hs_mae"):  # the interval holds its own point figure
            assert c[k][0] <= model[k] <= c[k][1], (name, k, c[k], model[k])
        lo, hi = c["grain_hs_mae_by_film"]
        assert 0 <= lo <= model["grain_hs_mae"] <= hi
    # two training seeds: seed 0 is the headline pair, seed 1 trained again
    s = f["grain_mae_seeds"]
    assert s["seeds"] == [0, 1]
    assert s["cnn"][0] == pytest.approx(f["grain_hs_mae"], abs=1e-12)
    assert s["forest"][0] == pytest.approx(f["baselines"]["random_forest"]["grain_hs_mae"])
    assert s["cnn"][1] != s["cnn"][0] and s["forest"][1] != s["forest"][0]
    np.testing.assert_allclose(s["diff"], np.subtract(s["forest"], s["cnn"]), atol=1e-12)
    assert len(s["diff_ci95"]) == len(s["diff_ci95_by_film"]) == 2
    assert s["diff_ci95"][0] == f["grain_mae_diff_ci95"]
    assert s["summary"]["cnn"]["mean"] == pytest.approx(np.mean(s["cnn"]))
    assert s["summary"]["diff"]["std"] == pytest.approx(np.std(s["diff"], ddof=1))
    assert f["cnn_seed_figures"]["loop_l1_rel"]["values"][0] == pytest.approx(f["loop_l1_rel"])
    assert len(f["seed_spread"]["scores"]) == 2
    # the saved model carries the chosen hyper-parameters of the CV search
    from jaxmag.ml.grains import load_model

    model, metadata = load_model(tmp_path / "cnn")
    assert metadata["tuning"]["chosen"] == f["tuning"]["chosen"]
    assert metadata["train_params"]["depth"] == f["tuning"]["chosen"]["depth"] == model.net.depth
