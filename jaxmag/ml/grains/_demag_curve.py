"""Demagnetisation curves of grain films by direct micromagnetics, many films per ``vmap``.

Each film starts saturated along the field direction ``d`` (the mean easy axis, +z by
default) and the applied field μ0H = B d is stepped through `B_values` (from 0 down to a
negative field); at each step the energy is minimised from the previous state
(:func:`jaxmag.minimise`, exchange, demag and the grains' uniaxial anisotropy), after the
same small tilt ("kick") that :func:`jaxmag.statics.hysteresis` applies so that
balanced unstable states leave. One compiled branch serves every batch of the same sizes;
the films of a batch are stacked into one system pytree and mapped with ``vmap``.
"""

import time
from dataclasses import dataclass

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from jaxmag._mesh import Mesh
from jaxmag._system import System, make_system
from jaxmag._validate import check_int, check_real
from jaxmag.constants import MU0
from jaxmag.energy import Zeeman
from jaxmag.ml.grains._maps import GrainMap, grain_material, grain_switching_fields
from jaxmag.statics._hysteresis import _kick_direction, _unit_direction
from jaxmag.statics._relax import minimise
from jaxmag.vectors import normalise


@dataclass(frozen=True)
class DemagCurves:
    """`B`: the applied field along ``d`` at each step in T, ``(steps,)``; `m_par`: the
    film's mean ``m·d`` per step, ``(n, steps)``; `cell_m_par`: ``m·d`` per cell,
    ``(n, steps, nx, ny)`` float32; `grain_fields`: each grain's switching field in T
    (NaN if it never reverses), a list of ``(n_grains,)`` arrays; `converged`: whether
    every minimisation reached its tolerance, ``(n, steps)``."""

    B: np.ndarray
    m_par: np.ndarray
    cell_m_par: np.ndarray
    grain_fields: list
    converged: np.ndarray


@eqx.filter_jit
def _branches(systems, m0, H, d, kick, tol, max_iter, tau0):
    def one(system, m):
        def step(m, h):
            s = eqx.tree_at(lambda s: s.terms[-1].H, system, h.reshape(3, 1, 1, 1))
            m = jnp.where(s.magnetic, normalise(m + kick), 0.0)
            r = minimise(s, m, tol=tol, max_iter=max_iter, tau0=tau0)
            par = jnp.einsum("i,i...->...", d, r.m)[..., 0]
            return r.m, (par.astype(jnp.float32), r.converged)

        return jax.lax.scan(step, m, H)[1]

    return eqx.filter_vmap(one)(systems, m0)


def film_system(grains: GrainMap, cell: float, **material) -> System:
    """The film as a one-cell-thick :class:`System` of cubic cells of edge `cell` (m),
    with exchange, demag, anisotropy and a zero Zeeman term (the swept field)."""
    check_real("cell (m)", cell, positive=True)
    nx, ny = grains.labels.shape
    mesh = Mesh((nx, ny, 1), (cell, cell, cell))
    mat = grain_material(grains, **material)
    system = make_system(mesh, mat)
    zeeman = Zeeman(system.mesh, system.material, jnp.zeros(3))
    return System(system.mesh, system.material, (*system.terms, zeeman), system.gamma)


def demagnetisation_curves(
    grain_maps: list[GrainMap],
    B_values,
    *,
    cell: float = 3e-9,
    direction=(0.0, 0.0, 1.0),
    batch: int = 16,
    tol: float = 1e-5,
    max_iter: int = 20_000,
    tau0: float = 1.0,
    kick: float = 1e-3,
    progress: bool = True,
    **material,
) -> DemagCurves:
    """Demagnetisation curves of `grain_maps` (all of one grid shape), `batch` at a time.

    - `B_values`: μ0H along `direction` in T at each step, e.g. ``np.linspace(0, -8, 81)``.
    - `cell`: the cubic cell edge in m (the film is one cell thick).
    - `tol`, `max_iter`, `tau0`, `kick`: as in :func:`jaxmag.statics.hysteresis`.
    - `material`: passed to :func:`grain_material` (Ms, A, Ku1, boundary fractions).
    """
    if not grain_maps:
        raise ValueError("grain_maps is empty")
    shapes = {tuple(g.labels.shape) for g in grain_maps}
    if len(shapes) != 1:
        raise ValueError(f"all grain maps must share one grid shape, got {sorted(shapes)}")
    check_real("B_values (T)", B_values)
    B = np.asarray(B_values, float)
    if B.ndim != 1 or B.size < 2:
        raise ValueError(f"B_values must be a 1D sequence of >= 2 fields, got shape {B.shape}")
    check_int("batch", batch)
    d = _unit_direction(direction)
    H = jnp.asarray(B[:, None] * d / MU0)
    kick_ = jnp.asarray(kick * _kick_direction(d)).reshape(3, 1, 1, 1)
    n = len(grain_maps)
    pars, conv = [], []
    t0 = time.perf_counter()
    for start in range(0, n, batch):
        chunk = list(grain_maps[start : start + batch])
        chunk += [chunk[-1]] * (batch - len(chunk))  # pad: one compiled batch size
        systems = [film_system(g, cell, **material) for g in chunk]
        arrays = [eqx.partition(s, eqx.is_array) for s in systems]
        stacked = jax.tree.map(lambda *xs: jnp.stack(xs), *[a for a, _ in arrays])
        stacked = eqx.combine(stacked, arrays[0][1])
        m0 = jnp.stack(
            [jnp.where(s.magnetic, jnp.asarray(d).reshape(3, 1, 1, 1), 0.0) for s in systems]
        )
        par, ok = _branches(stacked, m0, H, jnp.asarray(d), kick_, tol, int(max_iter), tau0)
        keep = min(batch, n - start)
        pars.append(np.asarray(par)[:keep])
        conv.append(np.asarray(ok)[:keep])
        if progress:
            print(
                f"demag curves: {start + keep}/{n} films ({time.perf_counter() - t0:.0f} s)",
                flush=True,
            )
    cell_par = np.concatenate(pars)
    converged = np.concatenate(conv)
    fields = [
        grain_switching_fields(g.labels, B, p) for g, p in zip(grain_maps, cell_par, strict=True)
    ]
    return DemagCurves(B, cell_par.mean(axis=(2, 3)), cell_par, fields, converged)
