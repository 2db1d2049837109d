"""Polycrystalline hard-magnet films: grain maps, per-grain switching fields and their
baselines (issue 14, in progress)."""

from .maps import GrainMap, NdFeB, grain_material, grain_switching_fields, random_grain_map
from .stoner_wohlfarth import anisotropy_field, sw_coercive_field, sw_grain_fields

__all__ = [
    "GrainMap",
    "NdFeB",
    "anisotropy_field",
    "grain_material",
    "grain_switching_fields",
    "random_grain_map",
    "sw_coercive_field",
    "sw_grain_fields",
]
