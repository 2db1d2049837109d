"""What the trust adapters of the two latent steppers share (:mod:`jaxmag.ml.latent`).

A sample is one whole SP4-family trajectory (see :mod:`._common`): input
``(Bx, By, m0)``, target the snapshots ``1 .. T``. Any
:class:`~jaxmag.ml.latent.AbstractLatentStepper` predicts them by a rollout from ``m0``
under the field alone; the score is the variance-weighted rollout R² (1 − SSE/SST over all
snapshots, components and cells, SST about the held-out mean trajectory), so a model
that ignores the field scores at most 0.
"""

import abc

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import PRNGKeyArray

from jaxmag.ml._metrics import r2_variance_weighted
from jaxmag.ml.latent import FIELD_SCALE_MT, AbstractLatentStepper
from jaxmag.ml.trust.adapters._common import SP4Trajectories, rmse


@eqx.filter_jit
def _latent(model: AbstractLatentStepper, m0, fields, n_steps: int):
    return jax.vmap(lambda m, b: model.latent_rollout(model.encode(m), b, n_steps))(m0, fields)


@eqx.filter_jit
def _decode(model: AbstractLatentStepper, z):
    return jax.vmap(jax.vmap(model.decode))(z)


class AbstractStepperTrust(abc.ABC):
    """The trust adapter of a latent stepper, but for `fit`. Subclasses are final frozen
    dataclasses that hold the fields (`trajectories`, `space`, `default`, `name`) and
    implement :meth:`fit`. `features` are the field (in units of 45 mT) and the latent
    coordinates of the rollout at its middle and last snapshots."""

    trajectories: SP4Trajectories

    @abc.abstractmethod
    def fit(self, X, y, params: dict, key: PRNGKeyArray) -> AbstractLatentStepper:
        """The stepper trained on the trajectories of samples ``X``, ``y``."""

    def data(self, key: PRNGKeyArray, quick: bool) -> tuple[np.ndarray, np.ndarray]:
        return self.trajectories.data(key, quick)

    def shifted(self, key: PRNGKeyArray, quick: bool) -> tuple[np.ndarray, np.ndarray]:
        return self.trajectories.shifted(key, quick)

    def _latent(self, model: AbstractLatentStepper, X):
        fields, m0 = self.trajectories.unpack(X)
        z = _latent(model, jnp.asarray(m0), jnp.asarray(fields), self.trajectories.n_steps)
        return z, fields

    def predict(self, model: AbstractLatentStepper, X) -> np.ndarray:
        """Flattened predicted snapshots ``1 .. T`` ``(n, 3 T nx ny)``."""
        z, _ = self._latent(model, X)
        return np.asarray(_decode(model, z[:, 1:]), float).reshape(len(z), -1)

    def score(self, model: AbstractLatentStepper, X, y) -> float:
        """Pooled rollout R²."""
        return r2_variance_weighted(y, self.predict(model, X))

    def error(self, model: AbstractLatentStepper, X, y) -> float:
        """RMS error per component and cell over the rollout."""
        return rmse(y, self.predict(model, X))

    def features(self, model: AbstractLatentStepper, X) -> np.ndarray:
        """``(B / 45 mT, z_{T/2}, z_T)`` of the latent rollout, ``(n, 2 + 2 d)``."""
        z, fields = self._latent(model, X)
        z = np.asarray(z, float)
        mid = z.shape[1] // 2
        return np.concatenate([fields / FIELD_SCALE_MT, z[:, mid], z[:, -1]], 1)
