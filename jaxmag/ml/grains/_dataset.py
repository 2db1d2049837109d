"""Grain-film datasets: random grain maps, their direct demagnetisation curves and
per-cell switching-field maps, reproducible from a seed and stored with their recipe."""

import json
import time
from pathlib import Path

import jax
import numpy as np

from jaxmag.io import atomic_write, read_npz
from jaxmag.ml.grains._demag_curve import demagnetisation_curves
from jaxmag.ml.grains._maps import GrainMap, grain_switching_fields, random_grain_map

REQUIRED = (
    "labels",
    "axes",
    "boundary",
    "B",
    "m_par",
    "reversed",
    "grain_fields",
    "cell_fields",
    "field_map",
)


def make_grain_dataset(
    key,
    n: int,
    shape: tuple[int, int],
    B_values,
    *,
    n_grains: tuple[int, int] = (6, 12),
    spread: float = np.pi / 4,
    cell: float = 3e-9,
    batch: int = 1,
    progress: bool = True,
    **material,
) -> dict[str, np.ndarray]:
    """`n` films of `shape` cells (edge `cell` m), each with a number of seeds uniform in
    the inclusive range `n_grains` and easy axes within `spread` rad of +z, swept along
    −z through `B_values` (T). Returns arrays: `labels` ``(n, nx, ny)``, `axes`
    ``(n, G, 3)`` and `grain_fields` ``(n, G)`` in T (padded with NaN to the largest grain
    count ``G``), `boundary`, `B`, `m_par` ``(n, steps)``, `reversed` ``(n, steps)``: the
    simulated fraction of cells with ``m·d < 0`` (the direct demagnetisation curve as a
    reversed volume fraction), `field_map` ``(n, nx, ny)``: each cell's grain switching
    field in T, `cell_fields` ``(n, nx, ny)``: the field (T) at which each cell's ``m·d``
    first changes sign (NaN: never), whose reversed fraction is the direct curve,
    `converged` ``(n, steps)`` and `seconds_per_film` (wall time, compilation
    included)."""
    lo, hi = n_grains
    if not 2 <= lo <= hi:
        raise ValueError(f"n_grains must be a range (lo, hi) with 2 <= lo <= hi, got {n_grains}")
    counts = np.asarray(jax.random.randint(jax.random.fold_in(key, 0), (n,), lo, hi + 1))
    maps = [
        random_grain_map(jax.random.fold_in(key, i + 1), shape, n_grains=int(c), spread=spread)
        for i, c in enumerate(counts)
    ]
    t0 = time.perf_counter()
    curves = demagnetisation_curves(
        maps, B_values, cell=cell, batch=batch, progress=progress, **material
    )
    G = max(g.n_grains for g in maps)
    axes = np.full((n, G, 3), np.nan)
    fields = np.full((n, G), np.nan)
    for i, (g, f) in enumerate(zip(maps, curves.grain_fields, strict=True)):
        axes[i, : g.n_grains] = np.asarray(g.axes)
        fields[i, : g.n_grains] = f
    labels = np.stack([np.asarray(g.labels) for g in maps])
    cells = np.arange(labels[0].size).reshape(labels[0].shape)
    cell_fields = np.stack([grain_switching_fields(cells, curves.B, p) for p in curves.cell_m_par])
    return {
        "labels": labels,
        "axes": axes,
        "boundary": np.stack([np.asarray(g.boundary) for g in maps]),
        "B": curves.B,
        "m_par": curves.m_par,
        "reversed": (curves.cell_m_par < 0).mean(axis=(2, 3)),
        "grain_fields": fields,
        "cell_fields": cell_fields.reshape(labels.shape),
        "field_map": np.take_along_axis(fields, labels.reshape(n, -1), 1).reshape(labels.shape),
        "converged": curves.converged,
        "seconds_per_film": np.array((time.perf_counter() - t0) / n),
    }


def grain_map(data: dict, i: int) -> GrainMap:
    """Sample `i` of a dataset as a :class:`GrainMap`."""
    labels = data["labels"][i]
    return GrainMap(labels, data["axes"][i][: labels.max() + 1], data["boundary"][i])


def save_grain_dataset(path, data: dict, **recipe) -> Path:
    """Write `data` and its JSON `recipe` (seed, sizes, field range…) atomically (.npz)."""
    missing = [k for k in REQUIRED if k not in data]
    if missing:
        raise ValueError(f"dataset lacks the arrays {missing}")
    path = Path(path)
    with atomic_write(path, "wb") as f:
        np.savez_compressed(f, _recipe=np.array(json.dumps(recipe, sort_keys=True)), **data)
    return path


def load_grain_dataset(path) -> tuple[dict[str, np.ndarray], dict]:
    """Read a dataset written by :func:`save_grain_dataset`; errors name the file."""
    data = read_npz(path, "grain dataset")
    missing = [k for k in REQUIRED if k not in data]
    if missing or "_recipe" not in data:
        raise ValueError(f"{path}: grain dataset lacks the arrays {missing or ['_recipe']}")
    recipe = json.loads(str(data.pop("_recipe")))
    return data, recipe
