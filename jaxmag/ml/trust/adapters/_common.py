"""Pieces shared by the trust adapters: the RMS error, checked
hyper-parameters, and the SP4-family trajectories of the two latent steppers.

A stepper sample is one whole trajectory: the input row is ``(Bx, By, m0)`` (the
in-plane field in mT, then the flattened start ``(3, nx, ny)``, the relaxed s-state for
every sample), the target row the flattened snapshots ``1 .. T``. The start is the same
for every sample, so shuffling targets across samples pairs each field with another
field's trajectory and breaks the input→target relation. Input noise
(:func:`jaxmag.ml.trust.noise_sensitivity`, scaled by each input's spread across samples)
moves only the field, since the start does not vary.
"""

import functools
from dataclasses import dataclass

import jax
import numpy as np
from jaxtyping import PRNGKeyArray

from jaxmag.ml.latent import _data as latent_data


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
    """SP4-family trajectories (:mod:`jaxmag.ml.latent`) as trust-layer samples.

    - `cells`: the grid ``(nx, ny, 1)`` of the 500 × 125 × 3 nm film.
    - `t1`, `dt_save`: trajectory length and snapshot interval (s).
    - `n_quick`, `n_full`: trajectories in quick and full mode; a quarter as many shifted.
    - `b_range_mT`: |B| of the training fields (mT), angles over
      ``latent_data.ANGLE_RANGE_DEG``; `shift_b_mT`: |B| of the shifted fields.

    Trajectories are cached in memory, so both stepper adapters share one simulation.
    """

    cells: tuple = (20, 5, 1)
    t1: float = 1e-10
    dt_save: float = 1e-11
    n_quick: int = 33
    n_full: int = 160
    b_range_mT: tuple = latent_data.B_RANGE_MT
    shift_b_mT: tuple = (60.0, 80.0)

    @property
    def grid(self) -> tuple[int, int, int]:
        return (3, self.cells[0], self.cells[1])

    @property
    def n_steps(self) -> int:
        """Snapshot intervals per trajectory, ``T``."""
        return int(round(self.t1 / self.dt_save))

    def _make(self, key, n, b_range) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng(seed_of(key))
        b = rng.uniform(*b_range, n)
        fields = latent_data.fields_from_polar(b, rng.uniform(*latent_data.ANGLE_RANGE_DEG, n))
        fields = tuple(map(tuple, np.round(fields, 12).tolist()))
        m = _simulate(fields, tuple(self.cells), float(self.t1), float(self.dt_save))
        start = np.broadcast_to(m[:1, 0].reshape(1, -1), (n, m[0, 0].size))
        X = np.concatenate([np.asarray(fields), start], 1)
        return X, m[:, 1:].reshape(n, -1).astype(float)

    def data(self, key: PRNGKeyArray, quick: bool) -> tuple[np.ndarray, np.ndarray]:
        """In-range fields: ``X (n, 2 + 3 nx ny)``, ``y (n, 3 T nx ny)``."""
        return self._make(key, self.n_quick if quick else self.n_full, self.b_range_mT)

    def shifted(self, key: PRNGKeyArray, quick: bool) -> tuple[np.ndarray, np.ndarray]:
        """Fields with |B| in `shift_b_mT`, beyond the training range."""
        n = max(4, (self.n_quick if quick else self.n_full) // 4)
        return self._make(key, n, self.shift_b_mT)

    def unpack(self, X) -> tuple[np.ndarray, np.ndarray]:
        """``(fields (n, 2) mT, m0 (n, 3, nx, ny))`` of input rows."""
        X = np.asarray(X, float)
        size = int(np.prod(self.grid))
        if X.ndim != 2 or X.shape[1] != 2 + size:
            raise ValueError(f"stepper inputs must be (n, {2 + size}), got {X.shape}")
        return X[:, :2], X[:, 2:].reshape(len(X), *self.grid)

    def trajectories(self, X, y) -> tuple[np.ndarray, np.ndarray]:
        """``(m (n, T + 1, 3, nx, ny), fields (n, 2))``: start and targets joined."""
        fields, m0 = self.unpack(X)
        rest = np.asarray(y, float).reshape(len(m0), -1, *self.grid)
        return np.concatenate([m0[:, None], rest], 1), fields
