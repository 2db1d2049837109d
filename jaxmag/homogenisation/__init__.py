"""Periodic magnetostatic homogenisation: ground truth, bounds, data and surrogates."""

from .bounds import (
    bruggeman,
    hashin_shtrikman,
    hs_trace_margins,
    inside_hs_bounds,
    maxwell_garnett,
    wiener_bounds,
)
from .phases import permeability_map, two_phase
from .solver import (
    dual_permeability,
    effective_permeability,
    primal_permeability,
    solve_fields,
)

__all__ = [
    "bruggeman",
    "dual_permeability",
    "effective_permeability",
    "hashin_shtrikman",
    "hs_trace_margins",
    "inside_hs_bounds",
    "maxwell_garnett",
    "permeability_map",
    "primal_permeability",
    "solve_fields",
    "two_phase",
    "wiener_bounds",
]
