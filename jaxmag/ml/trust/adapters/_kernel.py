"""The trust adapter of the kernel latent stepper (:mod:`jaxmag.ml.latent`).

A sample is one whole SP4-family trajectory (see :mod:`.adapters_common`): input
``(Bx, By, m0)``, target the snapshots ``1 .. T``. The model predicts them by a rollout
from ``m0`` under the field alone; the score is the pooled rollout R² (1 − SSE/SST over
all snapshots, components and cells, SST about the held-out mean trajectory), so a model
that ignores the field scores at most 0.
"""

from dataclasses import dataclass, field

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import PRNGKeyArray

from jaxmag.ml.latent._kernel import FIELD_SCALE_MT, KernelStepper, fit_kernel_stepper
from jaxmag.ml.trust.adapters._common import SP4Trajectories, merged, r2, rmse


def _space() -> dict[str, list]:
    return {"d": [4, 8], "n_landmarks": [100, 200], "lam": [1e-4, 1e-3]}


def _default() -> dict:
    return {"d": 8, "n_landmarks": 100, "lam": 1e-3, "krr_gamma_scale": 1.0}


@eqx.filter_jit
def _latent(model: KernelStepper, m0, fields, n_steps: int):
    return jax.vmap(lambda m, b: model.latent_rollout(m, b, n_steps))(m0, fields)


@eqx.filter_jit
def _decode(model: KernelStepper, z):
    return jax.vmap(jax.vmap(model.decode))(z)


@dataclass(frozen=True)
class KernelStepperTrust:
    """`fit_kernel_stepper` on the trajectories of `trajectories`; ``n_landmarks`` is
    capped at the number of training snapshots. The shifted set has |B| beyond the
    training range. `features` are the field (in units of 45 mT) and the KPCA latent
    coordinates of the rollout at its middle and last snapshots."""

    trajectories: SP4Trajectories = field(default_factory=SP4Trajectories)
    space: dict = field(default_factory=_space)
    default: dict = field(default_factory=_default)
    name: str = "kernel_stepper"

    def data(self, key: PRNGKeyArray, quick: bool) -> tuple[np.ndarray, np.ndarray]:
        return self.trajectories.data(key, quick)

    def shifted(self, key: PRNGKeyArray, quick: bool) -> tuple[np.ndarray, np.ndarray]:
        return self.trajectories.shifted(key, quick)

    def fit(self, X, y, params: dict, key: PRNGKeyArray) -> KernelStepper:
        p = merged(self.default, params, self.name)
        m, fields = self.trajectories.trajectories(X, y)
        n_snap = m.shape[0] * m.shape[1]
        return fit_kernel_stepper(
            m,
            fields,
            d=int(p["d"]),
            n_landmarks=min(int(p["n_landmarks"]), n_snap),
            lam=float(p["lam"]),
            krr_gamma_scale=float(p["krr_gamma_scale"]),
            key=key,
        )

    def _latent(self, model: KernelStepper, X):
        fields, m0 = self.trajectories.unpack(X)
        n = self.trajectories.n_steps
        return _latent(model, jnp.asarray(m0), jnp.asarray(fields), n), fields

    def predict(self, model: KernelStepper, X) -> np.ndarray:
        """Flattened predicted snapshots ``1 .. T`` ``(n, 3 T nx ny)``."""
        z, _ = self._latent(model, X)
        return np.asarray(_decode(model, z[:, 1:]), float).reshape(len(z), -1)

    def score(self, model: KernelStepper, X, y) -> float:
        """Pooled rollout R²."""
        return r2(y, self.predict(model, X))

    def error(self, model: KernelStepper, X, y) -> float:
        """RMS error per component and cell over the rollout."""
        return rmse(y, self.predict(model, X))

    def features(self, model: KernelStepper, X) -> np.ndarray:
        """``(B / 45 mT, z_{T/2}, z_T)`` of the latent rollout, ``(n, 2 + 2 d)``."""
        z, fields = self._latent(model, X)
        z = np.asarray(z, float)
        mid = z.shape[1] // 2
        return np.concatenate([fields / FIELD_SCALE_MT, z[:, mid], z[:, -1]], 1)
