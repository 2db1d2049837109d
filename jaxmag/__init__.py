"""jaxmag: GPU-first, differentiable finite-difference micromagnetics on JAX and diffrax.

Array layout: vector fields are ``(3, nx, ny, nz)``; SI units at the API.
"""

from . import batch, constants, pulses, shapes, thermal, torques
from .energy import (
    AbstractDMI,
    AbstractEnergy,
    BulkDMI,
    CubicAnisotropy,
    D2dDMI,
    Demag,
    Exchange,
    InterfacialDMI,
    UniaxialAnisotropy,
    Zeeman,
    field_from_energy,
)
from .fixed import FixedTrajectory, simulate_fixed
from .implicit import equilibrium
from .llg import llg_rhs, torque
from .material import Material
from .mesh import Mesh
from .relax import RelaxResult, minimize, relax_llg
from .rk import RK4FSAL
from .simulate import Trajectory, mean_m, simulate
from .solver import ProjectedSolver, max_norm_deviation
from .system import System, make_system
from .torques import Slonczewski, ZhangLi
from .vectors import normalize

__version__ = "0.1.0"

__all__ = [
    "AbstractDMI",
    "AbstractEnergy",
    "BulkDMI",
    "CubicAnisotropy",
    "D2dDMI",
    "Demag",
    "Exchange",
    "FixedTrajectory",
    "InterfacialDMI",
    "Material",
    "Mesh",
    "ProjectedSolver",
    "RK4FSAL",
    "RelaxResult",
    "Slonczewski",
    "System",
    "Trajectory",
    "UniaxialAnisotropy",
    "Zeeman",
    "ZhangLi",
    "batch",
    "constants",
    "equilibrium",
    "field_from_energy",
    "llg_rhs",
    "make_system",
    "max_norm_deviation",
    "mean_m",
    "minimize",
    "normalize",
    "pulses",
    "relax_llg",
    "shapes",
    "simulate",
    "simulate_fixed",
    "thermal",
    "torque",
    "torques",
]
