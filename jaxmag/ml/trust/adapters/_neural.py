"""The trust adapter of the neural latent stepper (:mod:`jaxmag.ml.latent`).

Samples, prediction and score as for the kernel stepper (:mod:`.adapters_kernel`): one
whole SP4-family trajectory per sample, predicted by a rollout from ``m0`` under the
field, scored by the pooled rollout R² (a model that ignores the field scores at most 0).
"""

from dataclasses import dataclass, field

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import PRNGKeyArray

from jaxmag.ml.latent._neural import FIELD_SCALE_MT, NeuralStepper, train_neural_stepper
from jaxmag.ml.trust.adapters._common import SP4Trajectories, merged, r2, rmse


def _space() -> dict[str, list]:
    return {"d": [4, 8], "width": [32, 64], "lr": [3e-3, 1e-2]}


def _default() -> dict:
    return {
        "d": 8,
        "width": 32,
        "lr": 1e-2,
        "rollout": 4,
        "epochs": 20,
        "batch": 16,
        "latent_weight": 0.1,
        "max_seconds": None,
    }


@eqx.filter_jit
def _latent(model: NeuralStepper, m0, fields, n_steps: int):
    z0 = jax.vmap(model.encode)(m0)
    return jax.vmap(lambda z, b: model.latent_rollout(z, b, n_steps))(z0, fields)


@eqx.filter_jit
def _decode(model: NeuralStepper, z):
    return jax.vmap(jax.vmap(model.decode))(z)


@dataclass(frozen=True)
class NeuralStepperTrust:
    """`train_neural_stepper` (float32) on the trajectories of `trajectories`, for
    ``epochs`` (a ``max_seconds`` of wall time, compilation included, may cut it short;
    the default ``None`` keeps fits reproducible). `features` are the
    field (in units of 45 mT) and the encoder latent of the rollout at its middle and last
    snapshots."""

    trajectories: SP4Trajectories = field(default_factory=SP4Trajectories)
    space: dict = field(default_factory=_space)
    default: dict = field(default_factory=_default)
    name: str = "neural_stepper"

    def data(self, key: PRNGKeyArray, quick: bool) -> tuple[np.ndarray, np.ndarray]:
        return self.trajectories.data(key, quick)

    def shifted(self, key: PRNGKeyArray, quick: bool) -> tuple[np.ndarray, np.ndarray]:
        return self.trajectories.shifted(key, quick)

    def fit(self, X, y, params: dict, key: PRNGKeyArray) -> NeuralStepper:
        p = merged(self.default, params, self.name)
        m, fields = self.trajectories.trajectories(X, y)
        model, _ = train_neural_stepper(
            m,
            fields,
            key=key,
            d=int(p["d"]),
            width=int(p["width"]),
            rollout=min(int(p["rollout"]), m.shape[1] - 1),
            epochs=int(p["epochs"]),
            lr=float(p["lr"]),
            batch=int(p["batch"]),
            latent_weight=float(p["latent_weight"]),
            max_seconds=None if p["max_seconds"] is None else float(p["max_seconds"]),
        )
        return model

    def _latent(self, model: NeuralStepper, X):
        fields, m0 = self.trajectories.unpack(X)
        z = _latent(model, jnp.asarray(m0), jnp.asarray(fields), self.trajectories.n_steps)
        return z, fields

    def predict(self, model: NeuralStepper, X) -> np.ndarray:
        """Flattened predicted snapshots ``1 .. T`` ``(n, 3 T nx ny)``."""
        z, _ = self._latent(model, X)
        return np.asarray(_decode(model, z[:, 1:]), float).reshape(len(z), -1)

    def score(self, model: NeuralStepper, X, y) -> float:
        """Pooled rollout R²."""
        return r2(y, self.predict(model, X))

    def error(self, model: NeuralStepper, X, y) -> float:
        """RMS error per component and cell over the rollout."""
        return rmse(y, self.predict(model, X))

    def features(self, model: NeuralStepper, X) -> np.ndarray:
        """``(B / 45 mT, z_{T/2}, z_T)`` of the latent rollout, ``(n, 2 + 2 d)``."""
        z, fields = self._latent(model, X)
        z = np.asarray(z, float)
        mid = z.shape[1] // 2
        return np.concatenate([fields / FIELD_SCALE_MT, z[:, mid], z[:, -1]], 1)
