"""Grain maps of polycrystalline films: Voronoi grains, an easy axis per grain, and a thin
grain-boundary phase.

A :class:`GrainMap` on a 2D grid of ``(nx, ny)`` cells (one cell thick) holds

- `labels`: the grain index ``0 … n − 1`` of every cell;
- `axes`: one unit easy axis per grain, ``(n, 3)``;
- `boundary`: the cells of the grain-boundary phase (cells with a 4-neighbour in another
  grain), which get reduced exchange and anisotropy in :func:`grain_material`.

The default material is Nd2Fe14B-like (:data:`NdFeB`): Ms = 1.28e6 A/m, A = 7.7e-12 J/m,
Ku = 4.3e6 J/m³, so the anisotropy field μ0 H_K = 2 Ku / Ms ≈ 6.7 T, the exchange length
√(2A / μ0 Ms²) ≈ 2.7 nm and the wall parameter √(A/Ku) ≈ 1.3 nm.
"""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Bool, Float, Int, PRNGKeyArray

from jaxmag._material import Material
from jaxmag._validate import check_real
from jaxmag.ml.homogenisation._microstructures import voronoi_labels

NdFeB = {"Ms": 1.28e6, "A": 7.7e-12, "Ku1": 4.3e6}
"""Nd2Fe14B-like intrinsic properties: Ms in A/m, A in J/m, Ku1 in J/m³."""


class GrainMap(eqx.Module):
    """Grains of a film: `labels` ``(nx, ny)`` ints, `axes` ``(n, 3)`` unit easy axes,
    `boundary` ``(nx, ny)`` booleans. Checked on construction (see :func:`check_grain_map`)."""

    labels: Int[Array, "nx ny"]
    axes: Float[Array, "n 3"]
    boundary: Bool[Array, "nx ny"]

    def __init__(self, labels, axes, boundary=None):
        labels, axes, boundary = check_grain_map(labels, axes, boundary)
        self.labels, self.axes, self.boundary = labels, axes, boundary

    @property
    def n_grains(self) -> int:
        return int(self.axes.shape[0])

    def cell_axes(self) -> Float[Array, "3 nx ny 1"]:
        """The easy axis of every cell, ``(3, nx, ny, 1)``."""
        return jnp.moveaxis(self.axes[self.labels], -1, 0)[..., None]


def boundary_cells(labels) -> np.ndarray:
    """Cells with a 4-neighbour (not across the film's edge) in another grain."""
    lab = np.asarray(labels)
    b = np.zeros(lab.shape, bool)
    for axis in (0, 1):
        diff = np.diff(lab, axis=axis) != 0
        lo = [slice(None)] * 2
        hi = [slice(None)] * 2
        lo[axis], hi[axis] = slice(0, -1), slice(1, None)
        b[tuple(lo)] |= diff
        b[tuple(hi)] |= diff
    return b


def check_grain_map(labels, axes, boundary=None):
    """Validate and convert a grain map; raises ``ValueError`` naming the defect."""
    lab = np.asarray(labels)
    if lab.ndim != 2 or lab.size == 0:
        raise ValueError(f"labels must be a non-empty 2D (nx, ny) array, got shape {lab.shape}")
    if not np.issubdtype(lab.dtype, np.integer):
        raise ValueError(f"labels must be integers (grain indices), got dtype {lab.dtype}")
    ax = np.asarray(axes, dtype=float)
    if ax.ndim != 2 or ax.shape[1] != 3:
        raise ValueError(f"axes must have shape (n_grains, 3), got {ax.shape}")
    if not np.all(np.isfinite(ax)):
        bad = np.flatnonzero(~np.all(np.isfinite(ax), axis=1))
        raise ValueError(f"axes of grains {bad.tolist()} are not finite (NaN or inf)")
    norm = np.linalg.norm(ax, axis=1)
    if np.any(norm == 0):
        raise ValueError(f"axes of grains {np.flatnonzero(norm == 0).tolist()} have zero length")
    if lab.min() < 0 or lab.max() >= len(ax):
        raise ValueError(
            f"labels must lie in 0 … {len(ax) - 1} (one axis per grain), "
            f"got {lab.min()} … {lab.max()}"
        )
    counts = np.bincount(lab.ravel(), minlength=len(ax))
    if np.any(counts == 0):
        raise ValueError(f"grains {np.flatnonzero(counts == 0).tolist()} have no cells")
    if boundary is None:
        boundary = boundary_cells(lab)
    b = np.asarray(boundary)
    if b.shape != lab.shape:
        raise ValueError(f"boundary has shape {b.shape}, labels {lab.shape}: they must match")
    return jnp.asarray(lab), jnp.asarray(ax / norm[:, None]), jnp.asarray(b, bool)


def _random_axes(key, n, spread):
    """``n`` axes uniform on the spherical cap of half-angle `spread` (rad) about +z."""
    u = jax.random.uniform(key, (n, 2))
    cos_t = 1 - u[:, 0] * (1 - np.cos(spread))
    sin_t = jnp.sqrt(1 - cos_t**2)
    phi = 2 * np.pi * u[:, 1]
    return jnp.stack([sin_t * jnp.cos(phi), sin_t * jnp.sin(phi), cos_t], axis=1)


def random_grain_map(
    key: PRNGKeyArray, shape: tuple[int, int], *, n_grains: int, spread: float = np.pi / 4
) -> GrainMap:
    """A Voronoi film of `n_grains` seeds with easy axes uniform on the cap of half-angle
    `spread` (rad, in ``(0, π]``) about +z, the film normal. Seeds whose grain misses every
    cell are dropped, so the map may hold fewer grains."""
    check_real("spread (rad)", spread, positive=True)
    if spread > np.pi:
        raise ValueError(f"spread must be at most π rad, got {spread}")
    k1, k2 = jax.random.split(key)
    raw = np.asarray(voronoi_labels(k1, tuple(shape), n_grains=n_grains))
    present, labels = np.unique(raw, return_inverse=True)
    axes = _random_axes(k2, n_grains, spread)[present]
    return GrainMap(labels.reshape(raw.shape), axes)


def grain_material(
    grains: GrainMap,
    *,
    Ms: float = NdFeB["Ms"],
    A: float = NdFeB["A"],
    Ku1: float = NdFeB["Ku1"],
    boundary_A: float = 0.5,
    boundary_Ku: float = 0.2,
    alpha: float = 1.0,
) -> Material:
    """The film's :class:`Material`: `Ms` (A/m), `A` (J/m), `Ku1` (J/m³) inside grains, and
    `boundary_A`, `boundary_Ku` (fractions in [0, 1]) of them in the boundary cells."""
    for name, v in (("Ms (A/m)", Ms), ("A (J/m)", A), ("Ku1 (J/m³)", Ku1)):
        check_real(name, v, positive=True)
    for name, v in (("boundary_A", boundary_A), ("boundary_Ku", boundary_Ku)):
        check_real(name, v, nonneg=True)
        if v > 1:
            raise ValueError(f"{name} is a fraction of the bulk value, in [0, 1]; got {v}")
    b = grains.boundary[..., None]
    return Material(
        Ms=jnp.full(b.shape, Ms),
        A=jnp.where(b, boundary_A * A, A),
        Ku1=jnp.where(b, boundary_Ku * Ku1, Ku1),
        anis_u=grains.cell_axes(),
        alpha=alpha,
    )


def grain_switching_fields(
    labels, B: Float[Array, " steps"], m_par: Float[Array, "steps nx ny"]
) -> np.ndarray:
    """Each grain's switching field: the applied field (units of `B`) at which the grain's
    mean ``m·d`` first changes sign along the sweep, interpolated linearly between steps;
    NaN for a grain that never reverses.

    - `labels`: ``(nx, ny)`` grain indices.
    - `B`: the field along the sweep direction ``d`` at each step, ``(steps,)``.
    - `m_par`: ``m·d`` per cell at each step, ``(steps, nx, ny)``.
    """
    lab = np.asarray(labels).ravel()
    B = np.asarray(B, float)
    y = np.asarray(m_par, float).reshape(len(B), -1)
    n = lab.max() + 1
    mean = np.stack([np.bincount(lab, w, minlength=n) for w in y]) / np.bincount(lab)
    out = np.full(n, np.nan)
    for g in range(n):
        neg = np.flatnonzero(mean[:, g] <= 0)
        if neg.size and neg[0] > 0:
            k = neg[0]
            y0, y1 = mean[k - 1, g], mean[k, g]
            out[g] = B[k - 1] + (B[k] - B[k - 1]) * y0 / (y0 - y1)
        elif neg.size:
            out[g] = B[0]
    return out
