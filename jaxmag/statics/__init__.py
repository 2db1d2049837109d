"""Equilibria: energy minimisation and damped relaxation, equilibria with implicit
gradients, quasi-static hysteresis loops and the Stoner–Wohlfarth reference."""

from ._hysteresis import Loop as Loop
from ._hysteresis import coercivity as coercivity
from ._hysteresis import hysteresis as hysteresis
from ._hysteresis import loop_fields as loop_fields
from ._implicit import equilibrium as equilibrium
from ._relax import RelaxResult as RelaxResult
from ._relax import minimise as minimise
from ._relax import relax_llg as relax_llg
from ._stoner_wohlfarth import anisotropy_field as anisotropy_field
from ._stoner_wohlfarth import coercive_field as sw_coercive_field
from ._stoner_wohlfarth import equilibrium as sw_equilibrium
from ._stoner_wohlfarth import uniaxial_coercive_field as sw_uniaxial_coercive_field

__all__ = [
    "Loop",
    "RelaxResult",
    "anisotropy_field",
    "coercivity",
    "equilibrium",
    "hysteresis",
    "loop_fields",
    "minimise",
    "relax_llg",
    "sw_coercive_field",
    "sw_equilibrium",
    "sw_uniaxial_coercive_field",
]
