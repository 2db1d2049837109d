"""The trust adapter of the kernel latent stepper (:mod:`jaxmag.ml.latent`): samples,
prediction, score and features as in :mod:`._latent`; the default setting is
``benchmarks/latent_sp4.py``'s (d = 8, 1000 landmarks, ridge 1e-3, standardised
components, 4 rollout rounds)."""

from dataclasses import dataclass, field

from jaxtyping import PRNGKeyArray

from jaxmag.ml.latent import KernelStepper, fit_kernel_stepper
from jaxmag.ml.trust.adapters._common import SP4Trajectories, merged
from jaxmag.ml.trust.adapters._latent import AbstractStepperTrust


def _space() -> dict[str, list]:
    return {"d": [4, 8], "n_landmarks": [500, 1000], "lam": [1e-4, 1e-3]}


def _default() -> dict:
    return {
        "d": 8,
        "n_landmarks": 1000,
        "lam": 1e-3,
        "krr_gamma_scale": 1.0,
        "standardise_components": True,
        "rollout_rounds": 4,
    }


@dataclass(frozen=True)
class KernelStepperTrust(AbstractStepperTrust):
    """`fit_kernel_stepper` on the trajectories of `trajectories` (in float64, as the
    benchmark fits it); ``n_landmarks`` is capped at the number of training snapshots.
    The shifted set has |B| beyond the training range. `features` are the field (in
    units of 45 mT) and the KPCA latent coordinates of the rollout at its middle and last
    snapshots."""

    trajectories: SP4Trajectories = field(default_factory=SP4Trajectories)
    space: dict = field(default_factory=_space)
    default: dict = field(default_factory=_default)
    name: str = "kernel_stepper"

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
            standardise_components=bool(p["standardise_components"]),
            rollout_rounds=int(p["rollout_rounds"]),
            key=key,
        )
