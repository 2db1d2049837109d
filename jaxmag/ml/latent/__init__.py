"""Latent-space time steppers for µMAG SP4-like dynamics: the training data (field
families S and P), the common interface (:class:`AbstractLatentStepper`), the kernel
stepper (Nyström kernel PCA + kernel ridge regression), the neural stepper, their
rollout errors, inverse design through them, and model files."""

from ._base import (
    FIELD_SCALE_MT as FIELD_SCALE_MT,
)
from ._base import (
    AbstractLatentStepper as AbstractLatentStepper,
)
from ._data import (
    ANGLE_RANGE_DEG as ANGLE_RANGE_DEG,
)
from ._data import (
    B_RANGE_MT as B_RANGE_MT,
)
from ._data import (
    FAMILIES as FAMILIES,
)
from ._data import (
    TEST_FIELDS_MT as TEST_FIELDS_MT,
)
from ._data import (
    cached_trajectories as cached_trajectories,
)
from ._data import (
    family_ranges as family_ranges,
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
from ._design import (
    design_field as design_field,
)
from ._evaluate import (
    average_errors as average_errors,
)
from ._evaluate import (
    average_rollouts as average_rollouts,
)
from ._evaluate import (
    rollout_error as rollout_error,
)
from ._evaluate import (
    rollout_errors as rollout_errors,
)
from ._io import (
    load_model as load_model,
)
from ._io import (
    save_model as save_model,
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
from ._neural import (
    NeuralStepper as NeuralStepper,
)
from ._neural_training import (
    train_neural_stepper as train_neural_stepper,
)

__all__ = [
    "ANGLE_RANGE_DEG",
    "AbstractLatentStepper",
    "B_RANGE_MT",
    "FAMILIES",
    "FIELD_SCALE_MT",
    "KernelStepper",
    "NeuralStepper",
    "NystroemKPCA",
    "NystroemKRR",
    "TEST_FIELDS_MT",
    "average_errors",
    "average_rollouts",
    "cached_trajectories",
    "design_field",
    "family_ranges",
    "fields_from_polar",
    "fit_kernel_stepper",
    "load_model",
    "random_fields",
    "relaxed_s_state",
    "rollout_error",
    "rollout_errors",
    "save_model",
    "simulate_fields",
    "sobol_fields",
    "sp4_family",
    "train_neural_stepper",
    "trajectory_fn",
]
