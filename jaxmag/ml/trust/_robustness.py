"""Robustness checks: Y-randomisation, sensitivity to input noise, spread over seeds."""

from collections.abc import Callable

import jax
import numpy as np

from jaxmag._validate import check_real


def holdout_split(n: int, frac_test: float, key) -> tuple[np.ndarray, np.ndarray]:
    """The ``(train, test)`` indices that :func:`y_randomisation` and :func:`seed_spread`
    use: a keyed permutation of ``range(n)`` with ``round(frac_test · n)`` (at least 1)
    held out."""
    perm = np.asarray(jax.random.permutation(key, n))
    n_test = max(1, int(round(frac_test * n)))
    return perm[n_test:], perm[:n_test]


def y_randomisation(
    fit: Callable,
    score: Callable,
    X,
    y,
    params: dict,
    *,
    key,
    repeats: int = 3,
    frac_test: float = 0.25,
    split: tuple | None = None,
    true_score: float | None = None,
) -> dict:
    """Train on shuffled targets and score on held-out data with its true targets.

    A model that learns the input–target relation drops to chance (R² ≤ 0, AUC ≈ 0.5);
    one that scores well on shuffled targets has leaked the answer. Returns
    ``{'true', 'shuffled', 'shuffled_scores'}``: the score with the real targets, the mean
    over `repeats` shuffles and each of them.

    `split`: ``(train, test)`` indices (default: :func:`holdout_split` with `frac_test`);
    `true_score`: the held-out score of a model already fitted with `params` on that
    split, which saves fitting it again."""
    X, y = np.asarray(X), np.asarray(y)
    k_split, k_fit, k_perm = jax.random.split(key, 3)
    tr, te = split if split is not None else holdout_split(len(y), frac_test, k_split)
    if true_score is None:
        true_score = score(fit(X[tr], y[tr], params, k_fit), X[te], y[te])
    true = float(true_score)
    shuffled = []
    for r in range(repeats):
        perm = np.asarray(jax.random.permutation(jax.random.fold_in(k_perm, r), len(tr)))
        model = fit(X[tr], y[tr][perm], params, jax.random.fold_in(k_fit, r + 1))
        shuffled.append(float(score(model, X[te], y[te])))
    return {"true": true, "shuffled": float(np.mean(shuffled)), "shuffled_scores": shuffled}


def noise_sensitivity(predict: Callable, X, sigmas, *, key) -> dict[float, float]:
    """The RMS change of the predictions when Gaussian noise of each relative level in
    `sigmas` (times each feature's spread) is added to the inputs, relative to the RMS
    spread of the clean predictions."""
    X = np.asarray(X, float)
    clean = np.asarray(predict(X))
    spread = float(np.std(clean)) or 1.0
    scale = X.std(0, keepdims=True)
    out = {}
    for i, s in enumerate(sigmas):
        check_real("sigma", s, nonneg=True)
        noise = np.asarray(jax.random.normal(jax.random.fold_in(key, i), X.shape))
        moved = np.asarray(predict(X + s * scale * noise))
        out[float(s)] = float(np.sqrt(np.mean((moved - clean) ** 2)) / spread)
    return out


def spread_of(scores) -> dict:
    """``{'mean', 'std', 'scores'}`` of a list of scores (std with ddof 0)."""
    scores = [float(s) for s in scores]
    return {"mean": float(np.mean(scores)), "std": float(np.std(scores)), "scores": scores}


def seed_spread(
    fit: Callable, score: Callable, X, y, params: dict, *, seeds, frac_test=0.25, split=None
):
    """Mean and standard deviation of the held-out score over training seeds
    (``jax.random.key(seed)``) on one fixed split: ``{'mean', 'std', 'scores'}``.
    `split`: ``(train, test)`` indices (default: :func:`holdout_split` with `frac_test`
    and ``key(0)``)."""
    X, y = np.asarray(X), np.asarray(y)
    tr, te = split if split is not None else holdout_split(len(y), frac_test, jax.random.key(0))
    return spread_of(
        score(fit(X[tr], y[tr], params, jax.random.key(int(s))), X[te], y[te]) for s in seeds
    )
