"""Periodic magnetostatic homogenisation: ground truth, bounds, data and surrogates."""

from ._baselines import (
    ImageStatisticsRegressor as ImageStatisticsRegressor,
)
from ._baselines import (
    effective_medium as effective_medium,
)
from ._baselines import (
    r2_components as r2_components,
)
from ._bounds import (
    bruggeman as bruggeman,
)
from ._bounds import (
    hashin_shtrikman as hashin_shtrikman,
)
from ._bounds import (
    hs_trace_margins as hs_trace_margins,
)
from ._bounds import (
    inside_hs_bounds as inside_hs_bounds,
)
from ._bounds import (
    maxwell_garnett as maxwell_garnett,
)
from ._bounds import (
    wiener_bounds as wiener_bounds,
)
from ._cnn import (
    PermeabilityCNN as PermeabilityCNN,
)
from ._dataset import (
    load_dataset as load_dataset,
)
from ._dataset import (
    make_dataset as make_dataset,
)
from ._dataset import (
    sample_cells as sample_cells,
)
from ._dataset import (
    save_dataset as save_dataset,
)
from ._dataset import (
    solve_batch as solve_batch,
)
from ._microstructures_mix import (
    GENERATOR_VERSION as GENERATOR_VERSION,
)
from ._microstructures_mix import (
    sample_dataset_maps as sample_dataset_maps,
)
from ._phases import (
    permeability_map as permeability_map,
)
from ._phases import (
    two_phase as two_phase,
)
from ._refinement import (
    refinement_check as refinement_check,
)
from ._solver import (
    dual_permeability as dual_permeability,
)
from ._solver import (
    effective_permeability as effective_permeability,
)
from ._solver import (
    primal_permeability as primal_permeability,
)
from ._solver import (
    solve_fields as solve_fields,
)
from ._training import (
    load_model as load_model,
)
from ._training import (
    predict as predict,
)
from ._training import (
    save_model as save_model,
)
from ._training import (
    train_cnn as train_cnn,
)

__all__ = [
    "GENERATOR_VERSION",
    "ImageStatisticsRegressor",
    "PermeabilityCNN",
    "bruggeman",
    "dual_permeability",
    "effective_medium",
    "effective_permeability",
    "hashin_shtrikman",
    "hs_trace_margins",
    "inside_hs_bounds",
    "load_dataset",
    "load_model",
    "make_dataset",
    "maxwell_garnett",
    "permeability_map",
    "predict",
    "primal_permeability",
    "r2_components",
    "refinement_check",
    "sample_cells",
    "sample_dataset_maps",
    "save_dataset",
    "save_model",
    "solve_batch",
    "solve_fields",
    "train_cnn",
    "two_phase",
    "wiener_bounds",
]
