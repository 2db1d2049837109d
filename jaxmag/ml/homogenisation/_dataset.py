"""Homogenisation datasets: random maps, their contrasts and solved ``μ_eff``, with
the generator parameters, reproducible from a seed and stored atomically as ``.npz``."""

import functools
import json
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import PRNGKeyArray

from jaxmag._validate import check_int, check_real
from jaxmag.io import atomic_write, read_npz
from jaxmag.ml.homogenisation._microstructures_mix import KINDS, sample_dataset_maps
from jaxmag.ml.homogenisation._phases import two_phase
from jaxmag.ml.homogenisation._solver import effective_permeability

CONTRAST_RANGE = (10.0, 1000.0)
"""Particle μr (the matrix is 1), drawn log-uniformly."""
REQUIRED = ("maps", "contrast", "mu_eff", "kind", "volume_fraction")


@functools.partial(jax.jit, static_argnames="tol")
def _solve(phases, contrasts, tol):
    # at module level, so that repeated calls reuse the compiled solver
    return jax.vmap(lambda p, c: effective_permeability(two_phase(p, c), tol=tol))(
        phases, contrasts
    )


def solve_batch(
    phases, contrasts, *, tol: float = 1e-8, batch_size: int | None = None, verbose=True
):
    """``μ_eff`` ``(n, d, d)`` of boolean maps ``(n, *shape)`` with particle μr
    ``contrasts`` ``(n,)`` in a matrix of 1, by the FFT solver in ``vmap`` batches.

    A batch runs until its slowest cell converges, so cells are batched in order of
    contrast (CG needs ``O(√contrast)`` steps). ``batch_size`` defaults to 1 on a CPU,
    where one cell at a time was fastest (95–110 ms per 128² cell on 2 cores, against
    130–210 ms in batches of 8–64), and to 64 on an accelerator.
    """
    phases = np.asarray(phases, bool)
    contrasts = np.asarray(contrasts, float)
    if phases.ndim not in (3, 4) or len(contrasts) != len(phases):
        raise ValueError(
            f"need maps (n, *shape) and n contrasts, got {phases.shape} and {contrasts.shape}"
        )
    check_real("contrasts", contrasts, positive=True)
    if batch_size is None:
        batch_size = 1 if jax.default_backend() == "cpu" else 64
    batch_size = check_int("batch_size", batch_size)
    n, order = len(phases), np.argsort(contrasts, kind="stable")
    out = np.empty((n, phases.ndim - 1, phases.ndim - 1))
    t0 = last = time.time()
    for start in range(0, n, batch_size):
        sel = order[start : start + batch_size]
        pad = np.concatenate([sel, np.full(batch_size - len(sel), sel[0])])
        out[sel] = np.asarray(_solve(phases[pad], jnp.asarray(contrasts[pad]), tol))[: len(sel)]
        done = start + len(sel)
        if verbose and (time.time() - last > 10 or done == n):
            last = time.time()
            print(f"  solved {done}/{n} cells ({last - t0:.0f} s)", flush=True)
    return out


def sample_cells(
    key: PRNGKeyArray,
    n: int,
    shape=(64, 64),
    *,
    contrast_range=CONTRAST_RANGE,
    kinds=KINDS,
) -> dict[str, np.ndarray]:
    """The unsolved cells of :func:`make_dataset`: ``n`` random two-phase maps and their
    contrasts, the same as that function draws from the same key.

    **Arguments:**

    - `key`: a `jax.random` key; the cells are a deterministic function of it.
    - `n`, `shape`: the number of cells and their pixel counts.
    - `contrast_range`: ``(low, high)`` particle μr, drawn log-uniformly (matrix 1).
    - `kinds`: the microstructure generators to mix (see ``microstructures_mix.KINDS``).

    **Returns:** a dict of arrays: ``maps`` (bool ``(n, *shape)``), ``contrast`` and the
    generator parameters of every sample.
    """
    lo, hi = (float(c) for c in contrast_range)
    check_real("contrast_range", (lo, hi), positive=True)
    if hi < lo:
        raise ValueError(f"contrast_range must be (low, high), got {contrast_range!r}")
    k_maps, k_c = jax.random.split(key)
    maps, params = sample_dataset_maps(k_maps, n, tuple(shape), kinds=tuple(kinds))
    u = np.asarray(
        jax.random.uniform(k_c, (n,), dtype=jnp.float64 if jax.config.x64_enabled else jnp.float32),
        float,
    )
    contrast = np.exp(np.log(lo) + u * (np.log(hi) - np.log(lo)))
    return {"maps": maps, "contrast": contrast, **params}


def make_dataset(
    key: PRNGKeyArray,
    n: int,
    shape=(64, 64),
    *,
    contrast_range=CONTRAST_RANGE,
    kinds=KINDS,
    tol: float = 1e-8,
    verbose: bool = True,
) -> dict[str, np.ndarray]:
    """``n`` random two-phase cells (:func:`sample_cells`) solved by the FFT solver.

    **Arguments:**

    - `key`: a `jax.random` key; the dataset is a deterministic function of it.
    - `n`, `shape`: the number of cells and their pixel counts.
    - `contrast_range`: ``(low, high)`` particle μr, drawn log-uniformly (matrix 1).
    - `kinds`: the microstructure generators to mix (see ``microstructures_mix.KINDS``).

    **Returns:** a dict of arrays: ``maps`` (bool ``(n, *shape)``), ``contrast``,
    ``mu_eff`` ``(n, d, d)`` and the generator parameters of every sample.
    """
    params = sample_cells(key, n, shape, contrast_range=contrast_range, kinds=kinds)
    maps, contrast = params.pop("maps"), params.pop("contrast")
    mu_eff = solve_batch(maps, contrast, tol=tol, verbose=verbose)
    return {"maps": maps, "contrast": contrast, "mu_eff": mu_eff, **params}


def save_dataset(path, data: dict, **metadata) -> Path:
    """Write ``data`` (and JSON ``metadata``: seed, sizes, versions) to ``path`` (.npz)."""
    missing = [k for k in REQUIRED if k not in data]
    if missing:
        raise ValueError(f"dataset lacks the arrays {missing}")
    path = Path(path)
    meta = json.dumps(metadata, sort_keys=True)
    with atomic_write(path, "wb") as f:
        np.savez_compressed(f, _metadata=np.array(meta), **data)
    return path


def load_dataset(path) -> tuple[dict[str, np.ndarray], dict]:
    """Read a dataset written by :func:`save_dataset`; a clear error names a bad file."""
    data = read_npz(path, "dataset file")
    missing = [k for k in REQUIRED if k not in data]
    if missing:
        raise ValueError(f"{path}: dataset lacks the arrays {missing}")
    n = len(data["maps"])
    bad = [k for k in REQUIRED if len(data[k]) != n]
    if bad:
        raise ValueError(f"{path}: arrays {bad} do not have {n} samples like maps")
    meta = json.loads(str(data.pop("_metadata"))) if "_metadata" in data else {}
    return data, meta
