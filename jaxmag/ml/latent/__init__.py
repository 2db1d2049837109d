"""Latent-space time steppers for µMAG SP4-like dynamics: the training data, the kernel
stepper (Nyström kernel PCA + kernel ridge regression) and the neural stepper."""

from ._data import (
    ANGLE_RANGE_DEG as ANGLE_RANGE_DEG,
)
from ._data import (
    B_RANGE_MT as B_RANGE_MT,
)
from ._data import (
    TEST_FIELDS_MT as TEST_FIELDS_MT,
)
from ._data import (
    fields_from_polar as fields_from_polar,
)
from ._data import (
    random_fields as random_fields,
)
from ._data import (
    relaxed_s_state as relaxed_s_state,
)
from ._data import (
    simulate_fields as simulate_fields,
)
from ._data import (
    sobol_fields as sobol_fields,
)
from ._data import (
    sp4_family as sp4_family,
)
from ._data import (
    trajectory_fn as trajectory_fn,
)
from ._kernel import (
    KernelStepper as KernelStepper,
)
from ._kernel import (
    NystroemKPCA as NystroemKPCA,
)
from ._kernel import (
    NystroemKRR as NystroemKRR,
)
from ._kernel import (
    fit_kernel_stepper as fit_kernel_stepper,
)
from ._kernel import (
    rollout_errors as rollout_errors,
)
from ._neural import (
    NeuralStepper as NeuralStepper,
)
from ._neural import (
    rollout_error as rollout_error,
)
from ._neural import (
    train_neural_stepper as train_neural_stepper,
)

__all__ = [
    "ANGLE_RANGE_DEG",
    "B_RANGE_MT",
    "KernelStepper",
    "NeuralStepper",
    "NystroemKPCA",
    "NystroemKRR",
    "TEST_FIELDS_MT",
    "fields_from_polar",
    "fit_kernel_stepper",
    "random_fields",
    "relaxed_s_state",
    "rollout_error",
    "rollout_errors",
    "simulate_fields",
    "sobol_fields",
    "sp4_family",
    "train_neural_stepper",
    "trajectory_fn",
]
