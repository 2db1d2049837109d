"""Fine-grid reference trajectories for the hybrid solver, cached on disk.

On the SP4 film itself the data are the latent steppers' field families
(:func:`jaxmag.ml.latent.sp4_family`, same cache files, P and S). Other geometries (the
ellipse, the smaller film) get :func:`geometry_trajectories`: the fine s-state relaxed
on that geometry, then one run per field, cached as ``.npz`` with every generating
parameter (a file is used only if all match; it is written atomically).
"""

import time

import jax
import jax.numpy as jnp
import numpy as np

from jaxmag.dynamics._simulate import simulate
from jaxmag.ml.latent import sp4_family
from jaxmag.ml.latent._data import cache_path, read_cache, write_cache
from jaxmag.problems import sp4

from ._grids import SP4_FILM, Geometry

FORMAT_VERSION = 1


def family_data(cache_dir, geometry: Geometry = SP4_FILM, **kw) -> dict:
    """A field family on the SP4 film (``family``, ``n_train``, ``n_heldout``, ``t1``,
    ``dt_save``, ``seed``, ``rtol`` as :func:`jaxmag.ml.latent.sp4_family`), from the
    latent steppers' cache; m gets its z axis back: ``(F, T, 3, nx, ny, 1)``."""
    if geometry.shape != "rectangle" or tuple(geometry.size) != tuple(sp4.SIZE):
        raise ValueError("field families are defined on the SP4 film (500 × 125 × 3 nm)")
    d = sp4_family(cache_dir, cells=geometry.cells, **kw)
    return d | {"train_m": d["train_m"][..., None], "test_m": d["test_m"][..., None]}


def geometry_trajectories(
    cache_dir,
    geometry: Geometry,
    fields_mT,
    *,
    t1: float = 1e-9,
    dt_save: float = 1e-11,
    rtol: float = 1e-5,
    batch: int = 4,
    progress: bool = False,
) -> np.ndarray:
    """Fine trajectories ``(F, T, 3, nx, ny, nz)`` float32 on ``geometry``, from its
    relaxed s-state, in each in-plane field of ``fields_mT`` ``(F, 2)`` (mT), saved every
    ``dt_save`` (s) up to ``t1`` (s); ``batch`` fields per ``vmap``-ped solve."""
    fields_mT = np.asarray(fields_mT, dtype=float).reshape(-1, 2)
    if len(fields_mT) == 0 or not np.all(np.isfinite(fields_mT)):
        raise ValueError("fields_mT must be a non-empty array of finite fields (mT)")
    n_t = int(round(t1 / dt_save))
    if n_t < 1 or not np.isclose(n_t * dt_save, t1, rtol=1e-9, atol=0.0):
        raise ValueError(f"t1 = {t1} s must be a positive multiple of dt_save = {dt_save} s")
    params = {"version": FORMAT_VERSION, "name": geometry.name, "size": list(geometry.size),
              "cells": list(geometry.cells), "shape": geometry.shape, "t1": t1,
              "dt_save": dt_save, "rtol": rtol, "fields": fields_mT.round(12).tolist(),
              "Ms": sp4.MS, "A": sp4.A, "alpha": sp4.ALPHA}  # fmt: skip
    path = cache_path(cache_dir, f"hybrid_{geometry.name}", params)
    m = read_cache(path, params, progress=True)
    if m is not None:
        return m
    if progress:
        print(f"{geometry.name}: relaxing the s-state, then {len(fields_mT)} runs", flush=True)
    m0 = geometry.s_state()
    ts = np.arange(n_t + 1) * dt_save

    @jax.jit
    @jax.vmap
    def run(b):
        s = geometry.system(field_mT=jnp.stack([b[0], b[1], jnp.zeros_like(b[0])]))
        return simulate(s, m0, float(ts[-1]), ts=ts, snapshots=True, rtol=rtol, atol=rtol,
                        save_energies=False).snapshots  # fmt: skip

    out, t = [], time.perf_counter()
    for lo in range(0, len(fields_mT), batch):
        chunk = fields_mT[lo : lo + batch]
        b = np.concatenate([chunk, np.repeat(chunk[-1:], batch - len(chunk), 0)])
        out.append(np.asarray(run(jnp.asarray(b)), dtype=np.float32)[: len(chunk)])
        if progress:
            print(f"  {lo + len(chunk)}/{len(fields_mT)} runs, {time.perf_counter() - t:.0f} s",
                  flush=True)  # fmt: skip
    m = np.concatenate(out)
    write_cache(path, params, m)
    return m
