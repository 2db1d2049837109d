"""The switching study's pieces: feature checks, orbax save/restore, the cross-validated
search, the baselines, noisy labels and the oracle, and the `jaxmag switching` commands."""

import json
import time

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxmag import thermal as ms
from jaxmag.cli import main
from jaxmag.io import read_csv
from jaxmag.ml.switching import _baselines as baselines
from jaxmag.ml.switching import _model as sw
from jaxmag.ml.switching import auc, make_split

GOOD = {"h": [1.0, 0.5], "psi_deg": [30.0, 80.0], "alpha": [0.1, 0.01], "tau": [10.0, 2.0]}


def test_check_features():
    np.testing.assert_array_equal(sw.check_features(GOOD), [True, True])
    outside = dict(GOOD, tau=[10.0, 150.0])
    np.testing.assert_array_equal(sw.check_features(outside), [True, False])
    with pytest.raises(ValueError, match=r"missing \['tau'\]"):
        sw.check_features({k: v for k, v in GOOD.items() if k != "tau"})
    with pytest.raises(ValueError, match=r"unknown \['T'\]"):
        sw.check_features(dict(GOOD, T=[1.0, 1.0]))
    with pytest.raises(ValueError, match="'alpha' has 1 NaN"):
        sw.check_features(dict(GOOD, alpha=[0.1, np.nan]))
    with pytest.raises(ValueError, match="different lengths"):
        sw.check_features(dict(GOOD, h=[1.0]))


def _model(width=8, dtype=jnp.float32):
    z = jnp.zeros(4, dtype=dtype)
    return sw.SwitchingMLP(width, 2, z + 0.5, z + 2.0, key=jax.random.PRNGKey(0))


@pytest.mark.parametrize("dtype", [jnp.float32, jnp.float64])
def test_save_and_load(tmp_path, dtype):
    model = _model(dtype=dtype)
    sw.save_model(tmp_path / "m", model, metadata={"note": "test"})
    sw.save_model(tmp_path / "m", model, metadata={"note": "again"})  # replacing a model works
    back, metadata = sw.load_model(tmp_path / "m")
    X = jax.random.normal(jax.random.PRNGKey(1), (7, 4))
    np.testing.assert_array_equal(model.predict_proba(X), back.predict_proba(X))
    assert metadata["note"] == "again" and back.mlp.width_size == 8 and back.mean.dtype == dtype
    assert metadata["features"] == list(sw.FEATURES) and set(metadata["domain"]) == set(sw.FEATURES)
    np.testing.assert_array_equal(back.scale, model.scale)


def test_load_rejects_bad_folders(tmp_path):
    with pytest.raises(ValueError, match="not a jaxmag model folder"):
        sw.load_model(tmp_path)
    sw.save_model(tmp_path / "m", _model())
    cfg = tmp_path / "m" / "config.json"
    good = cfg.read_text()
    cfg.write_text(good[:20])
    with pytest.raises(ValueError, match="corrupt model configuration"):
        sw.load_model(tmp_path / "m")
    wider = json.loads(good)
    wider["model"]["width"] = 16
    cfg.write_text(json.dumps(wider))
    with pytest.raises(ValueError, match="cannot restore|shape"):
        sw.load_model(tmp_path / "m")
    cfg.write_text(json.dumps(dict(json.loads(good), kind="other")))
    with pytest.raises(ValueError, match="not a switching model"):
        sw.load_model(tmp_path / "m")


@pytest.fixture(scope="module")
def split():
    return make_split(jax.random.PRNGKey(0), 1500, 300, 600)


def test_split_shapes_and_labels(split):
    assert split["X_train"].shape == (1500, 4) and split["X_test"].shape == (600, 4)
    assert split["sims"] == 2400
    f = split["features_test"]
    again = ms.switching_labels({k: v[:50] for k, v in f.items()}, chunk=16)[0]
    np.testing.assert_array_equal(again, split["y_test"][:50])  # chunking and padding


def test_cv_search_ranks_settings(split):
    grid = [{"width": 4, "depth": 1}, {"width": 32, "depth": 2}]
    res = sw.cv_search(
        split["X_train"][:900],
        split["y_train"][:900],
        grid,
        key=jax.random.PRNGKey(2),
        folds=3,
        max_epochs=15,
        batch=64,
    )
    assert [r["mean_auc"] for r in res] == sorted((r["mean_auc"] for r in res), reverse=True)
    assert all(len(r["fold_auc"]) == 3 for r in res)
    assert res[0]["width"] == 32  # the bigger network wins on this task
    with pytest.raises(ValueError, match="folds"):
        sw.cv_search(split["X_train"], split["y_train"], grid, key=jax.random.PRNGKey(2), folds=1)


def test_baselines(split):
    fitted = baselines.fit_baselines(split["X_train"], split["y_train"], max_train={"svm": 500})
    scores = {
        k: auc(split["y_test"], baselines.score(m, split["X_test"])) for k, (m, _) in fitted.items()
    }
    assert fitted["svm"][0].n_train_ == 500 and fitted["rf"][0].n_train_ == 1500
    assert scores["rf"] > 0.9 and scores["svm"] > 0.85 and scores["logreg"] > 0.75, scores
    assert scores["rf"] > scores["logreg"]  # the boundary is far from linear
    with pytest.raises(ValueError, match="unknown baseline"):
        baselines.make_baseline("xgboost")


def _ladder(budget, n_max=10**6, start=1000, c=1e-8, p=2.0):
    """grow_within_budget on a fit whose time is c n^p seconds (no fitting)."""
    return baselines.grow_within_budget(lambda n: c * n**p, n_max, budget, start=start)


def test_grow_within_budget_doubles_then_lands_under_the_budget():
    rows, ladder = _ladder(10.0)  # 1000 rows: 0.01 s ... 16000: 2.56 s, 32000 would be 10.24
    assert [r["rows"] for r in ladder] == [1000, 2000, 4000, 8000, 16000, 30000]
    assert rows == 30000 and ladder[-1]["fit_s"] == pytest.approx(9.0)  # 0.9 of the budget
    rows, ladder = _ladder(10.0, p=3.0, c=1e-12)  # cubic: the measured exponent is used
    assert rows == ladder[-1]["rows"] and 8.0 < ladder[-1]["fit_s"] <= 10.0
    assert all(r["fit_s"] <= 10.0 for r in ladder)


def test_grow_within_budget_edges():
    rows, ladder = _ladder(1e9, n_max=5000)  # every row fits: stop at the data
    assert rows == 5000 and [r["rows"] for r in ladder] == [1000, 2000, 4000, 5000]
    rows, ladder = _ladder(1e-3)  # even the first fit overruns: reported, not hidden
    assert rows == 1000 and len(ladder) == 1 and ladder[0]["fit_s"] > 1e-3
    with pytest.raises(ValueError, match="budget_s"):
        _ladder(0.0)
    # real fits: the SVM on a tiny set, timed, within a budget it cannot overrun
    X, y = np.random.default_rng(0).normal(size=(400, 4)), np.arange(400) % 2
    fitted = []

    def fit(n):
        t = time.perf_counter()
        fitted.append(baselines.make_baseline("svm").fit(X[:n], y[:n]).n_features_in_)
        return time.perf_counter() - t

    rows, ladder = baselines.grow_within_budget(fit, 400, 60.0, start=100)
    assert rows == 400 and [r["rows"] for r in ladder] == [100, 200, 400] and fitted == [4] * 3


@pytest.mark.slow  # heavy: moved out of the fast suite (its 10-minute budget)
def test_noisy_labels_and_oracle():
    f = ms.sample_features(jax.random.PRNGKey(4), 300)
    det = ms.switching_labels(f)[0]
    reps = ms.switching_labels(f, delta=20.0, key=jax.random.PRNGKey(5), replicas=8)
    assert reps.shape == (8, 300)
    p = np.asarray(reps).mean(0)
    # noise blurs the boundary: some points switch in some replicas only, and the
    # switching fraction still follows the deterministic label
    assert 0 < np.mean((p > 0) & (p < 1)) < 0.5
    assert auc(det, p) > 0.9
    # in the weak-noise limit every replica gives the deterministic label
    weak = ms.switching_labels(f, delta=1e9, key=jax.random.PRNGKey(5), replicas=2)
    assert float(jnp.mean(weak == det[None])) >= 0.99
    with pytest.raises(ValueError, match="replicas"):
        ms.switching_labels(f, replicas=2)
    s = make_split(jax.random.PRNGKey(6), 100, 50, 60, delta=60.0, oracle_replicas=4)
    assert s["p_oracle"].shape == (60,) and s["sims"] == 210 + 240
    assert set(np.unique(s["p_oracle"] * 4)) <= {0.0, 1.0, 2.0, 3.0, 4.0}
    assert s["replica_labels"].shape == (4, 60)
    np.testing.assert_array_equal(s["replica_labels"].mean(0), s["p_oracle"])


def _predict(model, inp, out, *extra):
    return main(["switching", "predict", "--model", str(model), "--in", str(inp),
                 "--out", str(out), *extra])  # fmt: skip


def test_switching_commands(tmp_path, capsys):
    out = tmp_path / "model"
    train = ["switching", "train", "--n", "600", "--out", str(out), "--epochs", "8", "--no-cv"]
    assert main(train) == 0
    assert (out / "roc.png").stat().st_size > 1000
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["n_train"] == 600 and 0.5 < metrics["auc_test"]["dnn"] <= 1
    rng = np.random.default_rng(0)
    rows = np.stack(
        [rng.uniform(0, 2, 20), rng.uniform(0, 90, 20), np.full(20, 0.1), np.full(20, 10.0)], 1
    )
    header = "h,psi_deg,alpha,tau"
    np.savetxt(tmp_path / "f.csv", rows, delimiter=",", header=header, comments="")
    assert _predict(out, tmp_path / "f.csv", tmp_path / "p.csv") == 0
    table = read_csv(tmp_path / "p.csv")
    assert list(table) == ["h", "psi_deg", "alpha", "tau", "p_switch", "in_domain"]
    model, _ = sw.load_model(out)
    expected = model.predict_proba(sw.design_matrix(dict(zip(sw.FEATURES, rows.T, strict=True))))
    np.testing.assert_allclose(table["p_switch"], expected, rtol=1e-6)
    assert np.all(table["in_domain"] == 1)

    # tau 20x too long: an error, or a flag when asked for
    np.savetxt(tmp_path / "bad.csv", rows * [1, 1, 1, 20], delimiter=",", header=header,
               comments="")  # fmt: skip
    capsys.readouterr()
    assert _predict(out, tmp_path / "bad.csv", tmp_path / "q.csv") == 2
    assert "outside the training domain" in capsys.readouterr().err
    assert not (tmp_path / "q.csv").exists()
    assert _predict(out, tmp_path / "bad.csv", tmp_path / "q.csv", "--allow-out-of-domain") == 0
    assert np.all(read_csv(tmp_path / "q.csv")["in_domain"] == 0)

    for text, message in [
        ("h,psi_deg,alpha,tau\n1,30,nan,10\n", "NaN"),
        ("h,psi,alpha,tau\n1,30,0.1,10\n", "missing ['psi_deg']"),
        ("h,psi_deg,alpha,tau\n1,30,x,10\n", "not a numeric CSV"),
        ("h,psi_deg,alpha,tau\n", "a header (h, psi_deg, alpha, tau) but no data rows"),
        ("h,psi_deg,alpha,tau,h\n1,30,0.1,10,2\n", "duplicated column names ['h']"),
    ]:
        (tmp_path / "in.csv").write_text(text)
        assert _predict(out, tmp_path / "in.csv", tmp_path / "r.csv") == 2
        assert message in capsys.readouterr().err
        assert not (tmp_path / "r.csv").exists()
    # α ≤ 0 or τ ≤ 0 gave p_switch = nan and exit status 0, even out of domain
    for text, column in [("1,30,0,10", "alpha"), ("1,30,0.1,-5", "tau")]:
        (tmp_path / "in.csv").write_text("h,psi_deg,alpha,tau\n" + text + "\n")
        args = (tmp_path / "in.csv", tmp_path / "r.csv", "--allow-out-of-domain")
        assert _predict(out, *args) == 2
        assert f"column '{column}' must be positive" in capsys.readouterr().err
        assert not (tmp_path / "r.csv").exists()
    assert main(["switching", "train", "--n", "10", "--out", str(tmp_path / "x")]) == 2
