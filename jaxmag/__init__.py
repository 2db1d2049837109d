"""jaxmag: GPU-first, differentiable finite-difference micromagnetics on JAX and diffrax.

Array layout: vector fields are ``(3, nx, ny, nz)``; SI units at the API.
"""

from . import batch, constants, dynamics, energy, io, pulses, shapes, statics, thermal, torques
from ._material import Material as Material
from ._memory import InsufficientMemoryError as InsufficientMemoryError
from ._memory import available_memory as available_memory
from ._mesh import Mesh as Mesh
from ._system import System as System
from ._system import make_system as make_system
from .dynamics import (
    RK4FSAL as RK4FSAL,
)
from .dynamics import (
    MemoryEstimate as MemoryEstimate,
)
from .dynamics import (
    ProjectedSolver as ProjectedSolver,
)
from .dynamics import (
    SemiImplicitBDF2 as SemiImplicitBDF2,
)
from .dynamics import (
    Trajectory as Trajectory,
)
from .dynamics import (
    estimate_memory as estimate_memory,
)
from .dynamics import (
    field_torque as field_torque,
)
from .dynamics import (
    llg_rhs as llg_rhs,
)
from .dynamics import (
    max_norm_deviation as max_norm_deviation,
)
from .dynamics import (
    mean_m as mean_m,
)
from .dynamics import (
    simulate as simulate,
)
from .dynamics import (
    simulate_checkpointed as simulate_checkpointed,
)
from .dynamics import (
    simulate_fixed as simulate_fixed,
)
from .energy import (
    AbstractDMI as AbstractDMI,
)
from .energy import (
    AbstractEnergy as AbstractEnergy,
)
from .energy import (
    BulkDMI as BulkDMI,
)
from .energy import (
    CubicAnisotropy as CubicAnisotropy,
)
from .energy import (
    D2dDMI as D2dDMI,
)
from .energy import (
    Demag as Demag,
)
from .energy import (
    Exchange as Exchange,
)
from .energy import (
    InterfacialDMI as InterfacialDMI,
)
from .energy import (
    MagnetoElastic as MagnetoElastic,
)
from .energy import (
    UniaxialAnisotropy as UniaxialAnisotropy,
)
from .energy import (
    Zeeman as Zeeman,
)
from .energy import (
    field_from_energy as field_from_energy,
)
from .statics import (
    RelaxResult as RelaxResult,
)
from .statics import (
    equilibrium as equilibrium,
)
from .statics import (
    minimise as minimise,
)
from .statics import (
    relax_llg as relax_llg,
)
from .thermal import simulate_thermal as simulate_thermal
from .torques import AbstractTorque as AbstractTorque
from .torques import Slonczewski as Slonczewski
from .torques import SpinOrbitTorque as SpinOrbitTorque
from .torques import ZhangLi as ZhangLi
from .vectors import normalise as normalise

__version__ = "0.1.0"

__all__ = [
    "AbstractDMI",
    "AbstractEnergy",
    "AbstractTorque",
    "BulkDMI",
    "CubicAnisotropy",
    "D2dDMI",
    "Demag",
    "Exchange",
    "InsufficientMemoryError",
    "InterfacialDMI",
    "MagnetoElastic",
    "Material",
    "MemoryEstimate",
    "Mesh",
    "ProjectedSolver",
    "RK4FSAL",
    "SemiImplicitBDF2",
    "RelaxResult",
    "Slonczewski",
    "SpinOrbitTorque",
    "System",
    "Trajectory",
    "UniaxialAnisotropy",
    "Zeeman",
    "ZhangLi",
    "available_memory",
    "batch",
    "constants",
    "dynamics",
    "energy",
    "equilibrium",
    "estimate_memory",
    "field_from_energy",
    "io",
    "llg_rhs",
    "make_system",
    "max_norm_deviation",
    "mean_m",
    "minimise",
    "normalise",
    "pulses",
    "relax_llg",
    "shapes",
    "simulate",
    "simulate_checkpointed",
    "simulate_fixed",
    "simulate_thermal",
    "statics",
    "thermal",
    "field_torque",
    "torques",
]
