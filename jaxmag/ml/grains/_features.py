"""Per-grain features for tree baselines (as in Gusenbauer et al., npj Comput. Mater.
2020): the easy-axis angle to the field, the grain's area, its number of neighbours, the
mean and the largest easy-axis angle of its neighbours, and its share of boundary cells."""

import numpy as np

from jaxmag.ml.grains._maps import GrainMap

FEATURES = (
    "angle_rad",
    "area_cells",
    "n_neighbours",
    "neighbour_mean_angle_rad",
    "neighbour_max_angle_rad",
    "boundary_share",
)


def grain_angles(grains: GrainMap, direction=(0.0, 0.0, 1.0)) -> np.ndarray:
    """The angle (rad, in ``[0, π/2]``) between each grain's easy axis and `direction`."""
    d = np.asarray(direction, float)
    if d.shape != (3,) or not np.linalg.norm(d) > 0:
        raise ValueError(f"direction must be a non-zero 3-vector, got {direction!r}")
    cos = np.abs(np.asarray(grains.axes) @ (d / np.linalg.norm(d)))
    return np.arccos(np.clip(cos, 0.0, 1.0))


def adjacency(labels) -> np.ndarray:
    """``(n, n)`` booleans: grains that share a cell face (not across the film's edge)."""
    lab = np.asarray(labels)
    n = lab.max() + 1
    adj = np.zeros((n, n), bool)
    for a, b in ((lab[1:], lab[:-1]), (lab[:, 1:], lab[:, :-1])):
        diff = a != b
        adj[a[diff], b[diff]] = True
    return adj | adj.T


def grain_features(grains: GrainMap, direction=(0.0, 0.0, 1.0)) -> np.ndarray:
    """``(n_grains, len(FEATURES))`` float features, in the order of :data:`FEATURES`."""
    lab = np.asarray(grains.labels)
    psi = grain_angles(grains, direction)
    adj = adjacency(lab)
    count = adj.sum(1)
    # an isolated grain (the only grain) has no neighbours: its own angle stands in
    total = np.where(adj, psi[None, :], 0.0).sum(1)
    mean_nb = np.where(count > 0, total / np.maximum(count, 1), psi)
    max_nb = np.where(count > 0, np.where(adj, psi[None, :], -np.inf).max(1), psi)
    area = np.bincount(lab.ravel(), minlength=len(psi))
    bshare = np.bincount(lab.ravel(), np.asarray(grains.boundary).ravel(), len(psi)) / area
    return np.stack([psi, area, count, mean_nb, max_nb, bshare], axis=1).astype(float)
