"""The trust adapter of the neural latent stepper (:mod:`jaxmag.ml.latent`): samples,
prediction, score and features as in :mod:`._latent` (the same as for the kernel
stepper). The default setting is ``benchmarks/latent_sp4.py``'s: d = 8, width 64,
learning rate 1e-3 and, on the full grid, 20-step training rollouts and up to 1000
epochs cut at 300 s of wall time (its ``--neural-seconds``); in quick mode, 4-step
rollouts as in its ``--quick``, and a fixed number of epochs, which keeps quick fits
reproducible."""

from dataclasses import dataclass, field

from jaxtyping import PRNGKeyArray

from jaxmag.ml.latent import NeuralStepper, train_neural_stepper
from jaxmag.ml.trust.adapters._common import SP4Trajectories, merged
from jaxmag.ml.trust.adapters._latent import AbstractStepperTrust


def _space() -> dict[str, list]:
    return {"d": [4, 8], "width": [32, 64], "lr": [1e-3, 1e-2]}


def _default() -> dict:
    return {
        "d": 8,
        "width": 64,
        "lr": 1e-3,
        "rollout": 4,
        "epochs": 20,
        "batch": 16,
        "latent_weight": 0.1,
        "max_seconds": None,
        "full_rollout": 20,
        "full_epochs": 1000,
        "full_max_seconds": 300.0,
    }


@dataclass(frozen=True)
class NeuralStepperTrust(AbstractStepperTrust):
    """`train_neural_stepper` (float32) on the trajectories of `trajectories`, with
    training rollouts of ``rollout`` steps (at most ``T``), for ``epochs`` (a
    ``max_seconds`` of wall time, compilation included, may cut it short; the default
    ``None`` keeps fits reproducible); on full-mode trajectories with ``full_rollout``,
    ``full_epochs`` and ``full_max_seconds`` instead, as the benchmark trains.
    `features` are the field (in units of 45 mT) and the encoder latent of the rollout
    at its middle and last snapshots."""

    trajectories: SP4Trajectories = field(default_factory=SP4Trajectories)
    space: dict = field(default_factory=_space)
    default: dict = field(default_factory=_default)
    name: str = "neural_stepper"

    def fit(self, X, y, params: dict, key: PRNGKeyArray) -> NeuralStepper:
        p = merged(self.default, params, self.name)
        m, fields = self.trajectories.trajectories(X, y)
        pre = "" if self.trajectories.is_quick(X) else "full_"
        rollout, epochs, seconds = (p[pre + k] for k in ("rollout", "epochs", "max_seconds"))
        model, _ = train_neural_stepper(
            m,
            fields,
            key=key,
            d=int(p["d"]),
            width=int(p["width"]),
            rollout=min(int(rollout), m.shape[1] - 1),
            epochs=int(epochs),
            lr=float(p["lr"]),
            batch=int(p["batch"]),
            latent_weight=float(p["latent_weight"]),
            max_seconds=None if seconds is None else float(seconds),
        )
        return model
