"""Pieces shared by the trust adapters: the RMS error, checked
hyper-parameters, and the SP4-family trajectories of the two latent steppers.

A stepper sample is one whole trajectory: the input row is ``(Bx, By, m0)`` (the
in-plane field in mT, then the flattened start ``(3, nx, ny)``, the relaxed s-state for
every sample), the target row the flattened snapshots ``1 .. T``. The start is the same
for every sample, so shuffling targets across samples pairs each field with another
field's trajectory and breaks the input→target relation. Input noise
(:func:`jaxmag.ml.trust.noise_sensitivity`, scaled by each input's spread across samples)
moves only the field, since the start does not vary.

The trajectories are those of ``benchmarks/latent_sp4.py``'s family S, at its grid and
horizon: in full mode its very fields (:func:`jaxmag.ml.latent.sp4_family`, cached on
disk where the benchmark caches them), in quick mode its quick grid and horizon.
"""

import functools
from dataclasses import dataclass

import jax
import numpy as np
from jaxtyping import PRNGKeyArray

from jaxmag.ml.latent import _data as latent_data
from jaxmag.ml.trust._robustness import holdout_split


def seed_of(key: PRNGKeyArray) -> int:
    """A non-negative integer seed drawn from a `jax.random` key."""
    return int(jax.random.randint(key, (), 0, 2**31 - 1))


def rmse(y_true, y_pred) -> float:
    """Root-mean-square error over samples and outputs."""
    t = np.asarray(y_true, float)
    return float(np.sqrt(np.mean((t - np.asarray(y_pred, float).reshape(t.shape)) ** 2)))


def merged(default: dict, params: dict, name: str) -> dict:
    """``default`` updated by ``params``; unknown names raise a ``ValueError``."""
    unknown = sorted(set(params) - set(default))
    if unknown:
        raise ValueError(f"{name}: unknown hyper-parameters {unknown}; known {sorted(default)}")
    return {**default, **params}


@functools.lru_cache(maxsize=4)
def _s_state(cells: tuple) -> np.ndarray:
    return np.asarray(latent_data.relaxed_s_state(cells))


@functools.lru_cache(maxsize=32)
def _simulate(fields: tuple, cells: tuple, t1: float, dt_save: float) -> np.ndarray:
    m0 = _s_state(cells)
    return latent_data.simulate_fields(np.asarray(fields), cells, t1, dt_save, m0=m0)


@dataclass(frozen=True)
class SP4Trajectories:
    """Family S of ``benchmarks/latent_sp4.py`` (:mod:`jaxmag.ml.latent`) as trust-layer
    samples: SP4's 500 × 125 × 3 nm film from the relaxed s-state, a snapshot every
    `dt_save` (s).

    - Full mode, as the benchmark's full run: `cells` ``(100, 25, 1)``, `t1` 1 ns, and
      the fields of ``sp4_family(family="S", n_train=n_full, n_heldout=n_full_random,
      seed=0)``: `n_full` Sobol fields, SP4 fields 1 and 2, `n_full_random` random ones
      (the benchmark's training and held-out fields, 274 in all), read from or written to
      `cache_dir` (the benchmark's default ``--cache``, relative to the working
      directory), so a run after the benchmark simulates none of them.
    - Quick mode, as the benchmark's ``--quick``: `quick_cells` ``(20, 5, 1)``,
      `quick_t1` 0.1 ns, `n_quick` random fields with |B| in `b_range_mT` and angles in
      ``latent_data.ANGLE_RANGE_DEG``, kept in memory (both stepper adapters share one
      simulation).
    - The shifted set: a quarter as many random fields with |B| in `shift_b_mT`, beyond
      the family's range. In full mode they are fixed (seed `shift_seed`) and go
      through `cache_dir`, so both steppers are scored on the same shifted fields and the
      second report simulates none of them; in quick mode the key draws them.
    - The held-out samples (:meth:`heldout`): in full mode the benchmark's 18 test
      fields, so the report scores the model its benchmark scores on the same fields;
      in quick mode a random `frac_test` of them.

    The two grids must differ: an input row's length tells which mode it belongs to.
    """

    cells: tuple = (100, 25, 1)
    t1: float = 1e-9
    dt_save: float = 1e-11
    n_full: int = 256
    n_full_random: int = 16
    cache_dir: str = "latent_cache"
    quick_cells: tuple = (20, 5, 1)
    quick_t1: float = 1e-10
    n_quick: int = 33
    b_range_mT: tuple = latent_data.B_RANGE_MT
    shift_b_mT: tuple = (60.0, 80.0)
    shift_seed: int = 2

    def __post_init__(self):
        if self.grid(True) == self.grid(False):
            raise ValueError(f"quick_cells {self.quick_cells} and cells {self.cells} must differ")
        for quick in (True, False):
            self.n_steps(quick)  # t1 a positive multiple of dt_save

    def grid(self, quick: bool) -> tuple[int, int, int]:
        """``(3, nx, ny)`` of one mode."""
        cells = self.quick_cells if quick else self.cells
        return (3, int(cells[0]), int(cells[1]))

    def n_steps(self, quick: bool) -> int:
        """Snapshot intervals per trajectory, ``T``: the rollout horizon."""
        t1 = self.quick_t1 if quick else self.t1
        n = int(round(t1 / self.dt_save))
        if n < 1 or not np.isclose(n * self.dt_save, t1, rtol=1e-9, atol=0.0):
            raise ValueError(f"t1 = {t1} s must be a multiple >= 1 of dt_save = {self.dt_save} s")
        return n

    def is_quick(self, X) -> bool:
        """The mode an input array ``(n, 2 + 3 nx ny)`` belongs to, by its row length."""
        X = np.asarray(X)
        sizes = {int(np.prod(self.grid(q))): q for q in (True, False)}
        if X.ndim != 2 or X.shape[1] - 2 not in sizes:
            widths = " or ".join(str(2 + s) for s in sizes)
            raise ValueError(f"stepper inputs must be (n, {widths}), got {X.shape}")
        return sizes[X.shape[1] - 2]

    def _rows(self, fields, m) -> tuple[np.ndarray, np.ndarray]:
        n = len(fields)
        start = np.broadcast_to(m[:1, 0].reshape(1, -1), (n, m[0, 0].size))
        X = np.concatenate([np.asarray(fields, float), start], 1)
        return X, m[:, 1:].reshape(n, -1)

    def _quick(self, key, n, b_range) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng(seed_of(key))
        b = rng.uniform(*b_range, n)
        fields = latent_data.fields_from_polar(b, rng.uniform(*latent_data.ANGLE_RANGE_DEG, n))
        fields = tuple(map(tuple, np.round(fields, 12).tolist()))
        m = _simulate(fields, tuple(self.quick_cells), float(self.quick_t1), float(self.dt_save))
        return self._rows(fields, m)

    def data(self, key: PRNGKeyArray, quick: bool) -> tuple[np.ndarray, np.ndarray]:
        """In-range fields: ``X (n, 2 + 3 nx ny)``, ``y (n, 3 T nx ny)`` (float32).
        `key` draws the quick fields; the full ones are the benchmark's."""
        if quick:
            return self._quick(key, self.n_quick, self.b_range_mT)
        d = latent_data.sp4_family(
            self.cache_dir, family="S", n_train=self.n_full, n_heldout=self.n_full_random,
            cells=tuple(self.cells), t1=self.t1, dt_save=self.dt_save, seed=0, progress=True,
        )  # fmt: skip
        fields = np.concatenate([d["train_fields"], d["test_fields"]])
        return self._rows(fields, np.concatenate([d["train_m"], d["test_m"]]))

    def shifted(self, key: PRNGKeyArray, quick: bool) -> tuple[np.ndarray, np.ndarray]:
        """Fields with |B| in `shift_b_mT`, beyond the training range."""
        n = max(4, (self.n_quick if quick else self.n_full + self.n_full_random + 2) // 4)
        if quick:
            return self._quick(key, n, self.shift_b_mT)
        rng = np.random.default_rng(self.shift_seed)
        fields = latent_data.fields_from_polar(
            rng.uniform(*self.shift_b_mT, n), rng.uniform(*latent_data.ANGLE_RANGE_DEG, n)
        )
        m, _, _ = latent_data.cached_trajectories(
            self.cache_dir, fields, cells=tuple(self.cells), t1=self.t1, dt_save=self.dt_save,
            progress=True,
        )  # fmt: skip
        return self._rows(fields, m)

    def heldout(self, X, frac_test: float, key: PRNGKeyArray) -> tuple[np.ndarray, np.ndarray]:
        """``(train, test)`` row indices of ``X``. Full mode: the test rows are those of
        the benchmark's held-out fields (``latent_data.heldout_fields``: SP4 fields 1 and
        2 and `n_full_random` random ones), whatever `frac_test`; quick mode:
        ``holdout_split(len(X), frac_test, key)``."""
        if self.is_quick(X):
            return holdout_split(len(X), frac_test, key)
        test = latent_data.heldout_fields("S", self.n_full_random, seed=0)
        fields = self.unpack(X)[0]
        is_test = (np.abs(fields[:, None] - test[None]).max(-1) < 1e-9).any(1)
        if not 0 < is_test.sum() < len(X):
            raise ValueError(
                f"{is_test.sum()} of {len(X)} full-mode rows have the benchmark's held-out "
                "fields: the rows must hold training and held-out fields"
            )
        return np.flatnonzero(~is_test), np.flatnonzero(is_test)

    def unpack(self, X) -> tuple[np.ndarray, np.ndarray]:
        """``(fields (n, 2) mT, m0 (n, 3, nx, ny))`` of input rows (of either mode)."""
        grid = self.grid(self.is_quick(X))
        X = np.asarray(X, float)
        return X[:, :2], X[:, 2:].reshape(len(X), *grid)

    def horizon(self, X) -> int:
        """The rollout horizon ``T`` (snapshot intervals) of input rows ``X``."""
        return self.n_steps(self.is_quick(X))

    def trajectories(self, X, y) -> tuple[np.ndarray, np.ndarray]:
        """``(m (n, T + 1, 3, nx, ny), fields (n, 2))``: start and targets joined."""
        fields, m0 = self.unpack(X)
        T = self.horizon(X)
        y = np.asarray(y, float)
        if y.shape != (len(m0), T * m0[0].size):
            raise ValueError(
                f"stepper targets must be ({len(m0)}, {T * m0[0].size}) for T = {T} "
                f"snapshots of {m0.shape[1:]}, got {y.shape}"
            )
        return np.concatenate([m0[:, None], y.reshape(len(m0), T, *m0.shape[1:])], 1), fields
