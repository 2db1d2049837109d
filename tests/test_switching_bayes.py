"""The Bayes-optimal AUC of noisy labels (jaxmag.ml.switching._bayes): the pair formula
against sklearn, a double loop, exact enumeration of every label draw and a Monte-Carlo
of realised AUCs; the Bayes scorer ranks best; the replica estimator brackets and hits
the true value on a synthetic case with known probabilities."""

import itertools

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from jaxmag.ml.switching._bayes import bayes_auc, expected_auc, pair_auc


def _brute(s, w1, w0):
    num = den = 0.0
    for i in range(len(s)):
        for j in range(len(s)):
            if i != j:
                k = 1.0 if s[i] > s[j] else 0.5 if s[i] == s[j] else 0.0
                num += w1[i] * w0[j] * k
                den += w1[i] * w0[j]
    return num / den


def test_pair_auc_with_labels_is_roc_auc():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 500)
    s = rng.integers(0, 20, 500) + 0.3 * y  # many ties
    assert pair_auc(s, y) == pytest.approx(roc_auc_score(y, s), abs=1e-14)


def test_pair_auc_against_a_double_loop():
    rng = np.random.default_rng(1)
    s = rng.integers(0, 5, 40).astype(float)
    w1, w0 = rng.random(40), rng.random(40)
    assert pair_auc(s, w1, w0) == pytest.approx(_brute(s, w1, w0), abs=1e-14)
    p = rng.random(40)
    assert pair_auc(s, p) == pytest.approx(_brute(s, p, 1 - p), abs=1e-14)


def test_expected_auc_is_the_ratio_of_expectations_over_every_label_draw():
    """Enumerate all 2^8 label vectors of 8 points: E[correct pairs] / E[n1 n0]."""
    rng = np.random.default_rng(2)
    p = rng.random(8)
    s = np.round(rng.random(8), 1)
    s[3] = s[5]  # a tie
    num = den = 0.0
    for y in itertools.product((0, 1), repeat=8):
        y = np.array(y)
        prob = np.prod(np.where(y == 1, p, 1 - p))
        pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
        num += prob * sum(1.0 if s[i] > s[j] else 0.5 if s[i] == s[j] else 0.0
                          for i in pos for j in neg)  # fmt: skip
        den += prob * len(pos) * len(neg)
    assert pair_auc(s, p) == pytest.approx(num / den, abs=1e-14)


def test_expected_auc_against_monte_carlo_of_realised_aucs():
    rng = np.random.default_rng(3)
    n, draws = 2000, 400
    p = rng.beta(0.3, 0.3, n)
    s = p + 0.2 * rng.standard_normal(n)  # a mediocre scorer
    realised = [pair_auc(s, rng.random(n) < p) for _ in range(draws)]  # = roc_auc_score
    se = np.std(realised) / np.sqrt(draws)
    assert abs(np.mean(realised) - pair_auc(s, p)) < 4 * se + 1e-4  # O(1/n) ratio bias


def test_the_true_probability_ranks_best():
    rng = np.random.default_rng(4)
    p = rng.beta(0.5, 0.5, 3000)
    best = pair_auc(p, p)
    for noise in (1e-3, 0.05, 0.3):
        assert pair_auc(p + noise * rng.standard_normal(3000), p) < best
    assert pair_auc(np.round(p, 1), p) <= best  # a coarser ranking: ties
    assert pair_auc(rng.random(3000), p) == pytest.approx(0.5, abs=0.03)


@pytest.fixture(scope="module")
def synthetic():
    """8000 points, a third of them deterministic, the rest with p spread over (0, 1),
    and 64 Bernoulli replicas each."""
    rng = np.random.default_rng(5)
    n = 8000
    p = np.where(rng.random(n) < 0.33, rng.integers(0, 2, n).astype(float), rng.beta(0.4, 0.4, n))
    Y = (rng.random((64, n)) < p).astype(np.int8)
    return p, Y


def test_bayes_estimate_brackets_and_hits_the_truth(synthetic):
    p, Y = synthetic
    truth = pair_auc(p, p)
    s = p + 0.1 * np.random.default_rng(6).standard_normal(len(p))
    r = bayes_auc(Y, {"noisy": s}, n_boot=40)
    assert r["lower"] < truth < r["upper"]
    assert r["upper"] - r["lower"] > 1e-3  # the bounds alone would not meet 1e-3
    assert abs(r["value"] - truth) < 3e-4, (r["value"], truth)
    assert abs(r["richardson_change"]) < 5e-4
    assert 0 < r["se_replicas"] < 2e-4 and 0 < r["se_points"] < 3e-3
    assert r["se"] == pytest.approx(np.hypot(r["se_replicas"], r["se_points"]))
    m = r["models"]["noisy"]
    assert m["expected_auc"] == pytest.approx(pair_auc(s, p), abs=1e-3)
    assert m["expected_auc"] == pytest.approx(expected_auc(s, Y))
    assert m["expected_auc"] <= r["upper"]  # the plug-in ceiling holds for every scorer
    assert m["gap_ci95"][0] < m["gap"] < m["gap_ci95"][1] and m["gap"] > 0


def test_the_plugin_alone_is_biased_up_by_order_one_over_r(synthetic):
    p, Y = synthetic
    truth = pair_auc(p, p)
    few = pair_auc(Y[:8].mean(0), Y[:8].mean(0))
    many = pair_auc(Y.mean(0), Y.mean(0))
    assert few - truth > 2 * (many - truth) > 0


def test_replica_se_matches_the_spread_over_fresh_replicas():
    rng = np.random.default_rng(7)
    n = 3000
    p = rng.beta(0.4, 0.4, n)
    values = [
        bayes_auc((rng.random((16, n)) < p).astype(np.int8), n_boot=2)["value"] for _ in range(30)
    ]
    se = bayes_auc((rng.random((16, n)) < p).astype(np.int8), n_boot=60)["se_replicas"]
    assert 0.5 < se / np.std(values, ddof=1) < 2.0


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="even number"):
        bayes_auc(np.ones((3, 10), int))
    with pytest.raises(ValueError, match="0 or 1"):
        bayes_auc(np.full((2, 10), 2))
    with pytest.raises(ValueError, match="no \\(positive, negative\\) pairs"):
        pair_auc([0.1, 0.2], [1.0, 1.0])
    with pytest.raises(ValueError, match="differ in length"):
        pair_auc([0.1, 0.2], [1.0])
    with pytest.raises(ValueError, match="NaN"):
        pair_auc([0.1, np.nan], [1.0, 0.0])
    with pytest.raises(ValueError, match="has 3 points"):
        bayes_auc(np.ones((2, 4), int) * [[0], [1]], {"m": [1.0, 2.0, 3.0]})
