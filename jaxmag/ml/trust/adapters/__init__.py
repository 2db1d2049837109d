"""The trust layer applied to the package's models: one adapter per model and the report
that runs every check on an adapter."""

from ._homogenisation import HomogenisationTrust as HomogenisationTrust
from ._kernel import KernelStepperTrust as KernelStepperTrust
from ._neural import NeuralStepperTrust as NeuralStepperTrust
from ._report import TrustAdapter as TrustAdapter
from ._report import all_adapters as all_adapters
from ._report import trust_report as trust_report
from ._switching import SwitchingTrust as SwitchingTrust

__all__ = [
    "HomogenisationTrust",
    "KernelStepperTrust",
    "NeuralStepperTrust",
    "SwitchingTrust",
    "TrustAdapter",
    "all_adapters",
    "trust_report",
]
