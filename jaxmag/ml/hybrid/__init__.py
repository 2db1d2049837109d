"""Solver in the loop: a coarse-grid simulation corrected by a learned energy term (a
small CNN), trained by backpropagating through the diffrax solve against fine-grid
trajectories restricted to the coarse grid."""

from ._correction import ENERGY_SCALE as ENERGY_SCALE
from ._correction import CorrectionNet as CorrectionNet
from ._correction import LearnedCorrection as LearnedCorrection
from ._correction import features as features
from ._data import family_data as family_data
from ._data import geometry_trajectories as geometry_trajectories
from ._grids import ELLIPSE as ELLIPSE
from ._grids import FACTOR as FACTOR
from ._grids import SMALL_FILM as SMALL_FILM
from ._grids import SP4_FILM as SP4_FILM
from ._grids import Geometry as Geometry
from ._grids import block_mean as block_mean
from ._grids import mean_m as mean_m
from ._grids import restrict as restrict
from ._io import load_model as load_model
from ._io import load_pretrained as load_pretrained
from ._io import save_model as save_model
from ._solve import CoarseModel as CoarseModel
from ._solve import average_rollouts as average_rollouts
from ._solve import rollout as rollout
from ._training import WindowLoss as WindowLoss
from ._training import gradient_check as gradient_check
from ._training import train_correction as train_correction
from ._training import window_loss as window_loss
from ._training import windows_of as windows_of

__all__ = [
    "ELLIPSE", "ENERGY_SCALE", "FACTOR", "SMALL_FILM", "SP4_FILM", "CoarseModel",
    "CorrectionNet", "Geometry", "LearnedCorrection", "WindowLoss", "average_rollouts",
    "block_mean", "family_data", "features", "geometry_trajectories", "gradient_check",
    "load_model", "load_pretrained", "mean_m", "restrict", "rollout", "save_model",
    "train_correction", "window_loss", "windows_of",
]  # fmt: skip
