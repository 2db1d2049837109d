"""The trust adapter of the neural latent stepper (:mod:`jaxmag.ml.latent`): samples,
prediction, score and features as in :mod:`._latent` (the same as for the kernel
stepper)."""

from dataclasses import dataclass, field

from jaxtyping import PRNGKeyArray

from jaxmag.ml.latent import NeuralStepper, train_neural_stepper
from jaxmag.ml.trust.adapters._common import SP4Trajectories, merged
from jaxmag.ml.trust.adapters._latent import AbstractStepperTrust


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


@dataclass(frozen=True)
class NeuralStepperTrust(AbstractStepperTrust):
    """`train_neural_stepper` (float32) on the trajectories of `trajectories`, for
    ``epochs`` (a ``max_seconds`` of wall time, compilation included, may cut it short;
    the default ``None`` keeps fits reproducible). `features` are the
    field (in units of 45 mT) and the encoder latent of the rollout at its middle and last
    snapshots."""

    trajectories: SP4Trajectories = field(default_factory=SP4Trajectories)
    space: dict = field(default_factory=_space)
    default: dict = field(default_factory=_default)
    name: str = "neural_stepper"

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
