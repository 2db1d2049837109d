"""k-fold cross-validated hyper-parameter search over a small declared space."""

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

import jax
import numpy as np

from jaxmag._validate import check_int


def kfold_indices(key, n: int, k: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """``k`` (train, validation) index pairs of a random partition of ``range(n)``."""
    check_int("k", k, minimum=2, maximum=n)
    perm = np.asarray(jax.random.permutation(key, n))
    folds = np.array_split(perm, k)
    return [(np.concatenate(folds[:i] + folds[i + 1 :]), folds[i]) for i in range(k)]


@dataclass(frozen=True)
class SearchResult:
    """`best`: the chosen hyper-parameters; `best_score`: their mean validation score;
    `table`: ``(params, mean, std)`` for every candidate tried, in order; `k`, `budget`."""

    best: dict
    best_score: float
    table: list = field(default_factory=list)
    k: int = 5
    budget: int = 8

    def record(self) -> dict:
        """A JSON-ready record to store with the model."""
        return {
            "chosen": self.best,
            "cv_score": self.best_score,
            "k_folds": self.k,
            "budget": self.budget,
            "tried": [{"params": p, "mean": m, "std": s} for p, m, s in self.table],
        }


def cross_validated_search(
    fit: Callable,
    score: Callable,
    X,
    y,
    space: dict[str, list],
    *,
    key,
    k: int = 5,
    budget: int = 8,
    first: dict | None = None,
    verbose: bool = False,
) -> SearchResult:
    """Try at most `budget` points of the grid `space` (all of it when it is smaller, else
    a random subset drawn with `key`), score each by `k`-fold cross-validation, and return
    the best mean. `fit(X, y, params, key)` trains; `score(model, X, y)` scores (higher is
    better). `X` and `y` are arrays (or pytrees of arrays) with a leading sample axis.

    `first`: a setting of every name in `space` that is tried first and always kept, one
    of the `budget` points (it need not lie on the grid); the others are drawn from the
    rest of the grid. Another point replaces `first` only if its mean score beats
    first's by more than the standard error of first's mean over the folds (its std
    over √k): the one-standard-error rule, so a difference inside the folds' noise keeps
    `first`. The trust report passes a model's default, the setting its benchmark
    trains, so the search moves away from it only on cross-validated evidence. Ties
    keep the earlier point."""
    if not space or not all(isinstance(v, list | tuple) and v for v in space.values()):
        raise ValueError("space must map each hyper-parameter name to a non-empty list")
    check_int("budget", budget)
    names = list(space)
    grid = [dict(zip(names, v, strict=True)) for v in itertools.product(*space.values())]
    if first is not None:
        if set(first) != set(names):
            raise ValueError(f"first must set exactly {sorted(names)}, got {sorted(first)}")
        first = {n: first[n] for n in names}
        grid = [g for g in grid if g != first]
    n_pick = budget - (first is not None)
    k_pick, k_fold, k_fit = jax.random.split(key, 3)
    if len(grid) > n_pick:
        pick = np.asarray(jax.random.choice(k_pick, len(grid), (n_pick,), replace=False))
        grid = [grid[i] for i in sorted(pick)]
    grid = [first, *grid] if first is not None else grid
    n = len(jax.tree_util.tree_leaves(y)[0])
    folds = kfold_indices(k_fold, n, k)
    take = lambda tree, idx: jax.tree_util.tree_map(lambda a: np.asarray(a)[idx], tree)  # noqa: E731
    table = []
    for j, params in enumerate(grid):
        scores = []
        for i, (tr, va) in enumerate(folds):
            model = fit(take(X, tr), take(y, tr), params, jax.random.fold_in(k_fit, i))
            scores.append(float(score(model, take(X, va), take(y, va))))
        table.append((params, float(np.mean(scores)), float(np.std(scores))))
        if verbose:
            print(f"cv {j + 1}/{len(grid)}: {params} → {table[-1][1]:.4f} ± {table[-1][2]:.4f}")
    best = max(table, key=lambda r: r[1])
    if first is not None and best is not table[0]:
        # one-standard-error rule in favour of `first`: another point replaces it only
        # if its mean beats first's by more than the standard error of first's mean
        _, mean0, std0 = table[0]
        if best[1] - mean0 <= std0 / np.sqrt(k):
            best = table[0]
    return SearchResult(best[0], best[1], table, k, budget)
