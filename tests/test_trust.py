"""The trust layer on a tiny model: random-feature ridge regression (a seed-dependent
model with one hyper-parameter pair), and the applicability domain on Gaussian data."""

import jax
import numpy as np
import pytest

from jaxmag.ml.trust import (
    ApplicabilityDomain,
    cross_validated_search,
    kfold_indices,
    noise_sensitivity,
    seed_spread,
    y_randomisation,
)

RNG = np.random.default_rng(0)
X = RNG.normal(size=(300, 3))
Y = np.sin(X[:, 0]) + 0.5 * X[:, 1] ** 2 - X[:, 2] + 0.05 * RNG.normal(size=300)


def fit(X, y, params, key):
    """Random Fourier features of bandwidth `gamma`, ridge `lam`."""
    W = np.asarray(jax.random.normal(key, (X.shape[1], 64))) * params["gamma"]
    b = np.asarray(jax.random.uniform(jax.random.fold_in(key, 1), (64,))) * 2 * np.pi
    F = np.cos(X @ W + b)
    w = np.linalg.solve(F.T @ F + params["lam"] * np.eye(64), F.T @ (y - y.mean()))
    return W, b, w, y.mean()


def predict(model, X):
    W, b, w, mu = model
    return np.cos(X @ W + b) @ w + mu


def r2(model, X, y):
    return 1 - np.mean((predict(model, X) - y) ** 2) / np.var(y)


GOOD = {"gamma": 0.7, "lam": 1e-2}


def test_kfold_indices_partition():
    folds = kfold_indices(jax.random.key(0), 23, 5)
    val = np.concatenate([v for _, v in folds])
    assert sorted(val) == list(range(23))
    for tr, va in folds:
        assert set(tr).isdisjoint(va) and len(tr) + len(va) == 23
    with pytest.raises(ValueError, match="k must be"):
        kfold_indices(jax.random.key(0), 4, 5)


def test_cross_validated_search_prefers_the_right_regularisation():
    space = {"gamma": [0.7], "lam": [1e-2, 1e4, 1e6]}
    res = cross_validated_search(fit, r2, X, Y, space, key=jax.random.key(1), k=4)
    assert res.best == {"gamma": 0.7, "lam": 1e-2} and res.best_score > 0.9
    assert [p["lam"] for p, _, _ in res.table] == [1e-2, 1e4, 1e6]
    assert res.table[2][1] < 0.5  # over-regularised
    rec = res.record()
    assert rec["chosen"] == res.best and rec["k_folds"] == 4 and len(rec["tried"]) == 3
    big = {"gamma": [0.3, 0.7, 1.5], "lam": [1e-3, 1e-2, 1e-1]}
    res = cross_validated_search(fit, r2, X, Y, big, key=jax.random.key(2), k=3, budget=4)
    assert len(res.table) == 4  # the budget, not the 9-point grid
    with pytest.raises(ValueError, match="space"):
        cross_validated_search(fit, r2, X, Y, {"lam": []}, key=jax.random.key(0))


def test_search_tries_first_before_the_grid():
    """`first` is tried first and always kept (one of the budget), even off the grid;
    the rest of the budget comes from the grid without it, and it wins only on
    cross-validated evidence."""
    big = {"gamma": [0.3, 0.7, 1.5], "lam": [1e-3, 1e-2, 1e-1]}
    bad = {"gamma": 0.7, "lam": 1e6}  # off the grid, and over-regularised
    res = cross_validated_search(fit, r2, X, Y, big, key=jax.random.key(2), k=3, budget=3,
                                 first=bad)  # fmt: skip
    tried = [p for p, _, _ in res.table]
    assert len(tried) == 3 and tried[0] == bad and bad not in tried[1:]
    assert res.best != bad and res.table[0][1] < res.best_score
    on_grid = {"lam": 1e-2, "gamma": 0.7}
    res = cross_validated_search(fit, r2, X, Y, big, key=jax.random.key(2), k=3, budget=4,
                                 first=on_grid)  # fmt: skip
    tried = [p for p, _, _ in res.table]
    assert tried[0] == GOOD and tried.count(GOOD) == 1 and len(tried) == 4
    # a point within first's standard error does not replace it: the rule keeps `first`
    # while plain argmax would move (gamma 0.6 at lam 1e-2 is marginally better here)
    near = {"gamma": [0.7, 0.6], "lam": [1e-2]}
    res = cross_validated_search(fit, r2, X, Y, near, key=jax.random.key(2), k=3, budget=2,
                                 first=GOOD)  # fmt: skip
    (_, m0, s0), (_, m1, _) = res.table
    assert m0 < m1 <= m0 + s0 / np.sqrt(3), res.table  # the premise: better, within noise
    assert res.best == GOOD and res.best_score == m0
    res = cross_validated_search(fit, r2, X, Y, big, key=jax.random.key(2), k=3, budget=1,
                                 first=GOOD)  # fmt: skip
    assert [p for p, _, _ in res.table] == [GOOD] and res.best == GOOD
    with pytest.raises(ValueError, match="first must set exactly"):
        cross_validated_search(fit, r2, X, Y, big, key=jax.random.key(0), first={"lam": 1.0})


def test_explicit_split_and_true_score():
    """An explicit (train, test) split is used as given, and a given true score is
    reported without refitting."""
    tr, te = np.arange(200), np.arange(200, 300)
    out = y_randomisation(fit, r2, X, Y, GOOD, key=jax.random.key(3), repeats=1,
                          split=(tr, te), true_score=-7.0)  # fmt: skip
    assert out["true"] == -7.0 and out["shuffled"] < 0.05
    spread = seed_spread(fit, r2, X, Y, GOOD, seeds=[5], split=(tr, te))
    model = fit(X[tr], Y[tr], GOOD, jax.random.key(5))
    assert spread["scores"] == [pytest.approx(r2(model, X[te], Y[te]), rel=1e-12)]


def test_y_randomisation_drops_to_chance():
    out = y_randomisation(fit, r2, X, Y, GOOD, key=jax.random.key(3), repeats=3)
    assert out["true"] > 0.9
    assert out["shuffled"] < 0.05 and len(out["shuffled_scores"]) == 3


def test_noise_sensitivity_grows_with_the_noise():
    model = fit(X, Y, GOOD, jax.random.key(4))
    out = noise_sensitivity(lambda x: predict(model, x), X, [0.0, 0.05, 0.3], key=jax.random.key(5))
    assert out[0.0] == 0.0 and 0 < out[0.05] < out[0.3]


def test_seed_spread_is_small_but_not_zero():
    out = seed_spread(fit, r2, X, Y, GOOD, seeds=range(4))
    assert 0 < out["std"] < 0.05 and out["mean"] > 0.9


@pytest.mark.parametrize("method", ["knn", "mahalanobis"])
def test_applicability_domain_flags_shifted_inputs(method):
    rng = np.random.default_rng(1)
    train = rng.normal(size=(2000, 4))
    ad = ApplicabilityDomain.fit(train, method=method, quantile=0.95)
    same = rng.normal(size=(1000, 4))
    shifted = same + np.array([6.0, 0, 0, 0])  # 6σ along one feature
    rates = ad.rates(same, shifted)
    assert 0.01 < rates["false_flag_rate"] < 0.1, rates
    assert rates["detection_rate"] > 0.9, rates
    assert np.median(ad.score(shifted)) > 2 * np.median(ad.score(same))


def test_applicability_domain_bad_input():
    ad = ApplicabilityDomain.fit(np.random.default_rng(0).normal(size=(50, 3)), k=3)
    with pytest.raises(ValueError, match="X has 2 features; the domain was fitted on 3"):
        ad.score(np.zeros((4, 2)))
    with pytest.raises(ValueError, match="X"):
        ad.score(np.full((4, 3), np.nan))
    with pytest.raises(ValueError, match="method"):
        ApplicabilityDomain.fit(np.zeros((10, 2)), method="svm")
    with pytest.raises(ValueError, match="k must be"):
        ApplicabilityDomain.fit(np.zeros((5, 2)), k=5)


def test_flagged_predictor_flags_each_prediction():
    from jaxmag.ml.trust import FlaggedPredictor

    model = fit(X[:200], Y[:200], GOOD, jax.random.key(0))
    fp = FlaggedPredictor.from_training(
        lambda A: predict(model, A), lambda A: A, X[:200], k=5, quantile=0.95
    )
    far = X[200:] + np.array([8.0, 0.0, 0.0])
    near, out = fp(X[200:]), fp(far)
    np.testing.assert_allclose(near.prediction, predict(model, X[200:]))
    assert near.in_domain.shape == (100,) and near.in_domain.mean() > 0.85
    assert not out.in_domain.any()
    # the flag marks where the error rises: the model was never fitted out there
    err_near = np.mean((near.prediction - Y[200:]) ** 2)
    y_far = np.sin(far[:, 0]) + 0.5 * far[:, 1] ** 2 - far[:, 2]
    assert np.mean((out.prediction - y_far) ** 2) > 5 * err_near
    np.testing.assert_array_equal(out.in_domain, out.score <= out.threshold)
