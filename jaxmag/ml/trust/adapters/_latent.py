"""What the trust adapters of the two latent steppers share (:mod:`jaxmag.ml.latent`).

A sample is one whole SP4-family trajectory (see :mod:`._common`): input
``(Bx, By, m0)``, target the snapshots ``1 .. T``. Any
:class:`~jaxmag.ml.latent.AbstractLatentStepper` is scored as
``benchmarks/latent_sp4.py`` scores it, by the same function: ⟨m⟩(t) rolled out from
``m0`` under the field alone over the whole horizon ``T`` (``latent.average_rollouts``),
the error of a trajectory being max over t and i of |Δ⟨m_i⟩|, and the figure their
median over the held-out trajectories (``latent.average_errors(...)["median_err"]``, the
benchmark's ``s_median_err``). That is an error; the trust layer's procedures (search,
Y-randomisation, seed spread) want a score that is higher for a better model, so
:meth:`~AbstractStepperTrust.score` is its negative and
:meth:`~AbstractStepperTrust.error` the error itself.
"""

import abc

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import PRNGKeyArray

from jaxmag.ml.latent import FIELD_SCALE_MT, AbstractLatentStepper, average_errors, average_rollouts
from jaxmag.ml.trust.adapters._common import SP4Trajectories

SCORE_NAME = "-median over held-out trajectories of the rollout's max_t,i |d<m_i>|"
"""What a stepper adapter's score is (higher is better): the negated headline error."""


@eqx.filter_jit
def _latent(model: AbstractLatentStepper, m0, fields, n_steps: int):
    return jax.vmap(lambda m, b: model.latent_rollout(model.encode(m), b, n_steps))(m0, fields)


def _dtype(model: AbstractLatentStepper):
    return jnp.result_type(*jax.tree.leaves(eqx.filter(model, eqx.is_inexact_array)))


class AbstractStepperTrust(abc.ABC):
    """The trust adapter of a latent stepper, but for `fit`. Subclasses are final frozen
    dataclasses that hold the fields (`trajectories`, `space`, `default`, `name`) and
    implement :meth:`fit`. `features` are the field (in units of 45 mT) and the latent
    coordinates of the rollout at its middle and last snapshots."""

    trajectories: SP4Trajectories
    score_name: str = SCORE_NAME

    @abc.abstractmethod
    def fit(self, X, y, params: dict, key: PRNGKeyArray) -> AbstractLatentStepper:
        """The stepper trained on the trajectories of samples ``X``, ``y``."""

    def data(self, key: PRNGKeyArray, quick: bool) -> tuple[np.ndarray, np.ndarray]:
        return self.trajectories.data(key, quick)

    def shifted(self, key: PRNGKeyArray, quick: bool) -> tuple[np.ndarray, np.ndarray]:
        return self.trajectories.shifted(key, quick)

    def heldout(self, X, frac_test: float, key: PRNGKeyArray) -> tuple[np.ndarray, np.ndarray]:
        """The report's ``(train, test)`` split (:meth:`SP4Trajectories.heldout`): the
        benchmark's held-out fields in full mode."""
        return self.trajectories.heldout(X, frac_test, key)

    def _start(self, X) -> tuple[np.ndarray, np.ndarray]:
        """``(fields (n, 2) mT, m0 (3, nx, ny))``: the one start every sample shares."""
        fields, m0 = self.trajectories.unpack(X)
        if len(m0) == 0:
            raise ValueError("no stepper samples")
        if not np.array_equal(m0, np.broadcast_to(m0[:1], m0.shape)):
            raise ValueError("the stepper samples must share one start m0 (the s-state)")
        return fields, m0[0]

    def predict(self, model: AbstractLatentStepper, X) -> np.ndarray:
        """The predicted ⟨m⟩(t) of snapshots ``1 .. T``, flattened ``(n, 3 T)``
        (``latent.average_rollouts``, as scored)."""
        fields, m0 = self._start(X)
        dtype = _dtype(model)
        avg = average_rollouts(model, jnp.asarray(m0, dtype), jnp.asarray(fields, dtype),
                               self.trajectories.horizon(X))  # fmt: skip
        return np.asarray(avg, float)[:, 1:].reshape(len(fields), -1)

    def error(self, model: AbstractLatentStepper, X, y) -> float:
        """The headline rollout error: the median over the samples of max over t and i
        of |Δ⟨m_i⟩| along the whole trajectory (``average_errors(...)["median_err"]``)."""
        m, fields = self.trajectories.trajectories(X, y)
        _, m0 = self._start(X)
        return average_errors(model, m.mean((-2, -1)), m0, fields)["median_err"]

    def score(self, model: AbstractLatentStepper, X, y) -> float:
        """``-error``: higher is better, as the trust layer's procedures want."""
        return -self.error(model, X, y)

    def features(self, model: AbstractLatentStepper, X) -> np.ndarray:
        """``(B / 45 mT, z_{T/2}, z_T)`` of the latent rollout, ``(n, 2 + 2 d)``."""
        fields, m0 = self.trajectories.unpack(X)
        dtype = _dtype(model)
        z = _latent(model, jnp.asarray(m0, dtype), jnp.asarray(fields, dtype),
                    self.trajectories.horizon(X))  # fmt: skip
        z = np.asarray(z, float)
        mid = z.shape[1] // 2
        return np.concatenate([fields / FIELD_SCALE_MT, z[:, mid], z[:, -1]], 1)
