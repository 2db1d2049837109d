"""Polycrystalline hard-magnet films: grain maps, per-grain switching fields and their
baselines."""

from ._baselines import (
    GrainForest as GrainForest,
)
from ._baselines import (
    sw_baseline as sw_baseline,
)
from ._cnn import (
    cnn_features as cnn_features,
)
from ._cnn import (
    dataset_inputs as dataset_inputs,
)
from ._cnn import (
    dataset_targets as dataset_targets,
)
from ._cnn import (
    grain_fields as grain_fields,
)
from ._cnn import (
    grain_weights as grain_weights,
)
from ._cnn import (
    load_model as load_model,
)
from ._cnn import (
    per_grain as per_grain,
)
from ._cnn import (
    predict_maps as predict_maps,
)
from ._cnn import (
    save_model as save_model,
)
from ._curves import (
    reversed_fraction as reversed_fraction,
)
from ._dataset import (
    grain_map as grain_map,
)
from ._dataset import (
    load_grain_dataset as load_grain_dataset,
)
from ._dataset import (
    make_grain_dataset as make_grain_dataset,
)
from ._dataset import (
    save_grain_dataset as save_grain_dataset,
)
from ._demag_curve import (
    demagnetisation_curves as demagnetisation_curves,
)
from ._evaluate import (
    dataset_scores as dataset_scores,
)
from ._evaluate import (
    grain_field_map as grain_field_map,
)
from ._features import (
    grain_features as grain_features,
)
from ._maps import (
    GrainMap as GrainMap,
)
from ._maps import (
    NdFeB as NdFeB,
)
from ._maps import (
    grain_material as grain_material,
)
from ._maps import (
    grain_switching_fields as grain_switching_fields,
)
from ._maps import (
    random_grain_map as random_grain_map,
)
from ._stoner_wohlfarth import (
    sw_grain_fields as sw_grain_fields,
)
from ._training import (
    train_grain_cnn as train_grain_cnn,
)
from ._trust import (
    CNN_SPACE as CNN_SPACE,
)
from ._trust import (
    FOREST_SPACE as FOREST_SPACE,
)
from ._trust import (
    cnn_inputs as cnn_inputs,
)
from ._trust import (
    cnn_targets as cnn_targets,
)
from ._trust import (
    fit_cnn as fit_cnn,
)
from ._trust import (
    fit_forest as fit_forest,
)
from ._trust import (
    flagged_grain_cnn as flagged_grain_cnn,
)
from ._trust import (
    score_cnn as score_cnn,
)
from ._trust import (
    score_forest as score_forest,
)

__all__ = [
    "CNN_SPACE",
    "FOREST_SPACE",
    "GrainForest",
    "GrainMap",
    "NdFeB",
    "cnn_features",
    "cnn_inputs",
    "cnn_targets",
    "dataset_inputs",
    "dataset_scores",
    "dataset_targets",
    "demagnetisation_curves",
    "fit_cnn",
    "fit_forest",
    "flagged_grain_cnn",
    "grain_features",
    "grain_field_map",
    "grain_fields",
    "grain_map",
    "grain_material",
    "grain_switching_fields",
    "grain_weights",
    "load_grain_dataset",
    "load_model",
    "make_grain_dataset",
    "per_grain",
    "predict_maps",
    "random_grain_map",
    "reversed_fraction",
    "save_grain_dataset",
    "save_model",
    "score_cnn",
    "score_forest",
    "sw_baseline",
    "sw_grain_fields",
    "train_grain_cnn",
]
