"""Time integration of the LLG equation: the right-hand side, the projected solver that
wraps any diffrax solver, the semi-implicit solver (implicit exchange), the adaptive and
fixed-step runs and the segmented (checkpointed, resumable) run.
Every run returns a :class:`Trajectory`."""

from ._fitting import dense_jacobian_jvp as dense_jacobian_jvp
from ._fixed import simulate_fixed as simulate_fixed
from ._llg import TIME_UNIT as TIME_UNIT
from ._llg import field_torque as field_torque
from ._llg import llg_rhs as llg_rhs
from ._memory import MemoryEstimate as MemoryEstimate
from ._memory import estimate_memory as estimate_memory
from ._names import SOLVER_NAMES as SOLVER_NAMES
from ._names import solver_from_name as solver_from_name
from ._richardson import PreconditionedRichardson as PreconditionedRichardson
from ._rk import RK4FSAL as RK4FSAL
from ._segmented import simulate_checkpointed as simulate_checkpointed
from ._semi_implicit import SemiImplicitBDF2 as SemiImplicitBDF2
from ._simulate import (
    default_controller as default_controller,
)
from ._simulate import (
    default_solver as default_solver,
)
from ._simulate import (
    mean_m as mean_m,
)
from ._simulate import (
    simulate as simulate,
)
from ._solver import ProjectedSolver as ProjectedSolver
from ._solver import max_norm_deviation as max_norm_deviation
from ._times import clip_times as clip_times
from ._times import save_times as save_times
from ._trajectory import IntegrationError as IntegrationError
from ._trajectory import Trajectory as Trajectory

__all__ = [
    "IntegrationError",
    "MemoryEstimate",
    "ProjectedSolver",
    "PreconditionedRichardson",
    "RK4FSAL",
    "SOLVER_NAMES",
    "SemiImplicitBDF2",
    "TIME_UNIT",
    "Trajectory",
    "default_controller",
    "default_solver",
    "dense_jacobian_jvp",
    "estimate_memory",
    "llg_rhs",
    "max_norm_deviation",
    "mean_m",
    "simulate",
    "simulate_checkpointed",
    "simulate_fixed",
    "solver_from_name",
    "clip_times",
    "save_times",
    "field_torque",
]
