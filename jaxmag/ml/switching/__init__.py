"""Classifying magnetisation switching of single-domain particles (Miao 2019): the
equinox MLP, its scikit-learn baselines and the study around them."""

from ._baselines import BASELINES as BASELINES
from ._baselines import fit_baselines as fit_baselines
from ._baselines import make_baseline as make_baseline
from ._model import (
    FEATURES as FEATURES,
)
from ._model import (
    SwitchingMLP as SwitchingMLP,
)
from ._model import (
    cv_search as cv_search,
)
from ._model import (
    design_matrix as design_matrix,
)
from ._model import (
    load_model as load_model,
)
from ._model import (
    save_model as save_model,
)
from ._model import (
    train_mlp as train_mlp,
)
from ._study import DEFAULT_GRID as DEFAULT_GRID
from ._study import auc as auc
from ._study import fit_dnn as fit_dnn
from ._study import make_split as make_split
from ._study import plot_roc as plot_roc

__all__ = [
    "BASELINES",
    "DEFAULT_GRID",
    "FEATURES",
    "SwitchingMLP",
    "auc",
    "cv_search",
    "design_matrix",
    "fit_baselines",
    "fit_dnn",
    "load_model",
    "make_baseline",
    "make_split",
    "plot_roc",
    "save_model",
    "train_mlp",
]
