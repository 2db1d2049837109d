"""The Bayes-optimal ROC AUC of noisy labels, estimated from replica runs.

With a thermal field, the label of a test point ``x_i`` is one draw
``y_i ~ Bernoulli(p_i)``, ``p_i = p(x_i)`` the true switching probability. For a scorer
``s`` on ``n`` points with independent labels, the expected number of correctly ordered
(positive, negative) pairs and the expected number of such pairs are

    E[N(s)] = Σ_{i≠j} p_i (1 − p_j) K(s_i, s_j),    E[n₁ n₀] = Σ_{i≠j} p_i (1 − p_j),

with ``K(a, b) = 1`` for ``a > b``, ``½`` for ``a = b`` and 0 otherwise (``n₁ n₀ =
Σ_i Σ_j y_i (1 − y_j)`` and the ``i = j`` terms vanish). Their ratio ``A(s; p)``
(:func:`pair_auc`) is the AUC of ``s`` on these points with the label noise averaged
out; the AUC on one draw of labels scatters about it by O(n^-1/2) and differs from it in
expectation by O(1/n). A pair ``{i, j}`` contributes ``p_i (1 − p_j)`` when ``i`` ranks
above ``j`` and ``p_j (1 − p_i)`` otherwise; the larger is taken by ranking the larger
``p`` first, so ``s = p`` maximises ``A`` pair by pair: the Bayes-optimal AUC is
``A(p; p)``, and no scorer exceeds it on the same points.

``p`` is unknown; ``R`` replica runs per point estimate it. The weights
``p̂_i (1 − p̂_j)``, ``i ≠ j``, are unbiased (different points' replicas are
independent), the scorer ``p̂`` is noisy. :func:`bayes_auc` reports

- ``upper = A(p̂; p̂)``: at least ``A(p; p̂)`` for every draw (``p̂`` ranks best under
  its own weights), so biased up, by O(1/R);
- ``lower = ½[A(p̂_a; p̂_b) + A(p̂_b; p̂_a)]`` over the two halves ``a, b`` of the
  replicas: the scorer is independent of the weights, so its expectation is the AUC of a
  noisy scorer, at most the Bayes AUC: biased down, by O(2/R);
- ``value = 2 A(p̂; p̂) − ½[A(p̂_a; p̂_a) + A(p̂_b; p̂_b)]``: the plug-in with its
  O(1/R) bias removed by Richardson extrapolation from R/2 to R replicas, and
  ``richardson_change``, the same extrapolation from R/4 to R/2 subtracted from it (the
  size of what the extrapolation leaves);
- ``se_replicas`` (bootstrap over each point's replicas), ``se_points`` (bootstrap over
  the test points) and ``se``, their root sum of squares.

:func:`expected_auc` is ``A(s; p̂)`` with all replicas: a model's AUC with the label
noise averaged out, comparable with ``value`` on the same points.
"""

import numpy as np

from jaxmag._validate import check_int


def _vector(name, a) -> np.ndarray:
    a = np.asarray(a, dtype=float)
    if a.ndim != 1 or a.size == 0:
        raise ValueError(f"{name} must be a non-empty 1D array, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains NaN or inf")
    return a


def pair_auc(scores, w1, w0=None) -> float:
    """``Σ_{i≠j} w1_i w0_j K(s_i, s_j) / Σ_{i≠j} w1_i w0_j`` (``K``: 1 for ``s_i > s_j``,
    ½ for a tie), in O(n log n).

    With ``w1 = p`` and ``w0 = 1 − p`` (the default) it is the AUC of `scores` expected
    under labels ``y_i ~ Bernoulli(p_i)`` (ratio of expectations); with ``w1 = y`` in
    {0, 1} it is the ordinary ROC AUC (Mann–Whitney, ties counted ½)."""
    s = _vector("scores", scores)
    w1 = _vector("w1", w1)
    w0 = 1.0 - w1 if w0 is None else _vector("w0", w0)
    if not (len(s) == len(w1) == len(w0)):
        raise ValueError(f"scores, w1, w0 differ in length: {len(s)}, {len(w1)}, {len(w0)}")
    if np.any(w1 < 0) or np.any(w0 < 0):
        raise ValueError("weights must be >= 0")
    order = np.argsort(s, kind="stable")
    s, w1, w0 = s[order], w1[order], w0[order]
    start = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])  # first of each run of ties
    g1, g0 = np.add.reduceat(w1, start), np.add.reduceat(w0, start)
    below0 = np.cumsum(g0) - g0
    diagonal = np.sum(w1 * w0)  # i = j: a tie with itself, counted ½ above
    num = np.sum(g1 * (below0 + 0.5 * g0)) - 0.5 * diagonal
    den = w1.sum() * w0.sum() - diagonal
    if not den > 0:
        raise ValueError("no (positive, negative) pairs: the AUC is undefined")
    return float(num / den)


def _replicas(replica_labels) -> np.ndarray:
    Y = np.asarray(replica_labels)
    if Y.ndim != 2 or Y.shape[1] < 2:
        raise ValueError(f"replica_labels must be (replicas, points), got shape {Y.shape}")
    if not np.all((Y == 0) | (Y == 1)):
        raise ValueError("replica_labels must be 0 or 1")
    if Y.shape[0] < 2 or Y.shape[0] % 2:
        raise ValueError(f"an even number of replicas (>= 2) is needed, got {Y.shape[0]}")
    return Y.astype(float)


def expected_auc(scores, replica_labels) -> float:
    """The AUC of `scores` ``(n,)`` with the label noise averaged out: :func:`pair_auc`
    with ``p`` the replica fraction of `replica_labels` ``(R, n)`` in {0, 1}."""
    return pair_auc(scores, _replicas(replica_labels).mean(0))


def _estimates(ka, kb, half: int) -> tuple[float, float, float]:
    """``(value, upper, lower)`` from the switch counts of the two halves."""
    a, b, p = ka / half, kb / half, (ka + kb) / (2 * half)
    upper = pair_auc(p, p)
    half_plugin = 0.5 * (pair_auc(a, a) + pair_auc(b, b))
    lower = 0.5 * (pair_auc(a, b) + pair_auc(b, a))
    return 2 * upper - half_plugin, upper, lower


def bayes_auc(
    replica_labels, scores: dict | None = None, *, n_boot: int = 200, seed: int = 0
) -> dict:
    """The Bayes-optimal AUC of the points of `replica_labels` ``(R, n)`` (``R`` even
    independent noisy labels per point, 0 or 1), with its bounds and standard errors
    (see the module docstring), as a JSON-ready dict: ``value``, ``upper``, ``lower``,
    ``richardson_change`` (None unless ``R`` is a multiple of 4), ``se_replicas``,
    ``se_points``, ``se``, ``replicas``, ``n_points``, ``n_boot``.

    `scores`: optional ``{name: (n,) scores}``; each gets ``models[name]`` with its
    ``expected_auc``, its ``gap`` (``value − expected_auc``) and the gap's 95 %
    percentile interval over test points resampled with replacement (``gap_ci95``,
    paired: the same resamples as ``se_points``)."""
    Y = _replicas(replica_labels)
    check_int("n_boot", n_boot, minimum=2)
    R, n = Y.shape
    scores = {k: _vector(k, v) for k, v in (scores or {}).items()}
    for k, v in scores.items():
        if len(v) != n:
            raise ValueError(f"scores {k!r} has {len(v)} points, replica_labels {n}")
    half = R // 2
    ka, kb = Y[:half].sum(0), Y[half:].sum(0)
    value, upper, lower = _estimates(ka, kb, half)
    change = None
    if R % 4 == 0:
        q = R // 4
        quarters = [Y[i * q : (i + 1) * q].sum(0) for i in range(4)]
        at_half = 0.5 * (
            _estimates(quarters[0], quarters[1], q)[0] + _estimates(quarters[2], quarters[3], q)[0]
        )
        change = value - at_half
    rng = np.random.default_rng(seed)
    p = (ka + kb) / R
    by_replicas = [
        _estimates(rng.binomial(half, p), rng.binomial(half, p), half)[0] for _ in range(n_boot)
    ]
    by_points, gaps = [], {k: [] for k in scores}
    for _ in range(n_boot):
        idx = rng.integers(0, n, n)
        v = _estimates(ka[idx], kb[idx], half)[0]
        by_points.append(v)
        for k, s in scores.items():
            gaps[k].append(v - pair_auc(s[idx], p[idx]))
    se_r, se_p = float(np.std(by_replicas, ddof=1)), float(np.std(by_points, ddof=1))
    models = {}
    for k, s in scores.items():
        e = pair_auc(s, p)
        lo, hi = np.percentile(gaps[k], [2.5, 97.5])
        models[k] = {"expected_auc": e, "gap": value - e, "gap_ci95": [float(lo), float(hi)]}
    out = {
        "value": float(value),
        "upper": float(upper),
        "lower": float(lower),
        "richardson_change": None if change is None else float(change),
        "se_replicas": se_r,
        "se_points": se_p,
        "se": float(np.hypot(se_r, se_p)),
        "replicas": int(R),
        "n_points": int(n),
        "n_boot": int(n_boot),
    }
    if scores:
        out["models"] = models
    return out
