"""µMAG standard problem 2: remanence and coercivity of a bar across length scales.

Specification (https://www.ctcms.nist.gov/~rdm/spec2.html):

- A bar of ``5d × d × 0.1d`` (x × y × z) with no crystalline anisotropy: exchange,
  demag and the applied field only.
- Lengths are in units of the exchange length ``l_ex = √(2A / (μ0 Ms²))``; with no
  anisotropy the reduced loop depends on ``d / l_ex`` alone (the material values here,
  permalloy-like Ms = 8e5 A/m and A = 1.3e-11 J/m, only set the SI scale).
- The bar is saturated along ``+(1,1,1)/√3``, the field reduced to zero (the remanent
  ``⟨m⟩``), then applied along ``−(1,1,1)/√3`` and increased. The coercive field ``Hc``
  is where ``⟨m⟩·(1,1,1)`` changes sign; the switching field ``Hs`` is where ``⟨m⟩``
  jumps irreversibly. Both are reported in units of ``Ms``.
- In the small-particle limit (d → 0) the bar switches as one Stoner–Wohlfarth particle
  whose anisotropy is the prism's demagnetising tensor: ``Hc/Ms = 0.057069478``
  (Donahue, Porter, McMichael & Eicke, J. Appl. Phys. 87, 5520 (2000)), reproduced by
  :func:`small_particle_limit` from Aharoni's factors.

The field sweep relaxes the energy at every step (:func:`jaxmag.statics.hysteresis`,
the Barzilai–Borwein minimiser, from the previous step's state); the first sign change
of ``m·(1,1,1)`` and the largest jump of ``⟨m⟩`` are each refined by bisection with
continuation (:func:`jaxmag.statics._hysteresis.bisect_branch`; once, when the sign change is
the jump, as it is from d ≈ 15 l_ex on), and ``Hc`` interpolates ``m·(1,1,1)`` linearly
across the final bracket.
"""

import math
import time

import jax
import numpy as np

from jaxmag._material import Material
from jaxmag._mesh import Mesh
from jaxmag._system import System, make_system
from jaxmag._validate import check_int, check_real
from jaxmag.constants import MU0
from jaxmag.energy._prism import prism_demag_factors
from jaxmag.statics._hysteresis import bisect_branch, hysteresis
from jaxmag.statics._stoner_wohlfarth import coercive_field

ASPECT = (5.0, 1.0, 0.1)
"""Edge lengths in units of ``d``."""
MS, A = 8.0e5, 1.3e-11
"""Saturation magnetisation (A/m) and exchange stiffness (J/m); only ``d/l_ex`` matters."""
DIRECTION = np.ones(3) / np.sqrt(3)
"""The saturation direction ``(1,1,1)/√3``; the reversing field is along ``−DIRECTION``."""
HC_SMALL_PARTICLE = 0.057069478
"""Published small-particle-limit coercivity ``Hc/Ms`` (Donahue et al. 2000)."""
REMANENCE_FIELDS = (1.0, 0.5, 0.2, 0.1, 0.05, 0.02, 0.0)
"""The field ``H/Ms`` along ``+DIRECTION`` stepped down to zero from saturation."""


def exchange_length(Ms: float = MS, A: float = A) -> float:
    """``l_ex = √(2A / (μ0 Ms²))`` in m, for ``Ms`` in A/m and ``A`` in J/m."""
    check_real("Ms (A/m)", Ms, positive=True)
    check_real("A (J/m)", A, positive=True)
    return math.sqrt(2 * A / (MU0 * Ms**2))


def _check_d(d_lex):
    check_real("d_lex (d / l_ex)", d_lex, positive=True)
    if np.ndim(d_lex) != 0:
        raise ValueError(f"d_lex must be a scalar, got shape {np.shape(d_lex)}")
    return float(d_lex)


def cells_for(d_lex: float, cell_lex: float) -> tuple[int, int, int]:
    """The fewest cells per axis whose edges are at most ``cell_lex`` exchange lengths,
    for the bar of width ``d_lex`` exchange lengths (at least one cell per axis)."""
    d = _check_d(d_lex)
    check_real("cell_lex (cell / l_ex)", cell_lex, positive=True)
    return tuple(max(1, math.ceil(a * d / cell_lex - 1e-9)) for a in ASPECT)


def mesh(d_lex: float, cells) -> Mesh:
    """The ``5d × d × 0.1d`` bar (``d = d_lex · l_ex`` in m) in ``cells = (nx, ny, nz)``."""
    d = _check_d(d_lex) * exchange_length()
    return Mesh.from_size(tuple(int(c) for c in cells), tuple(a * d for a in ASPECT))


def system(d_lex: float, cells) -> System:
    """Exchange and demag on the bar, no applied field (the sweep adds its own)."""
    return make_system(mesh(d_lex, cells), Material(Ms=MS, A=A))


def small_particle_limit() -> dict:
    """The Stoner–Wohlfarth branch of the uniformly magnetised bar, with Aharoni's
    demagnetising factors as its anisotropy: ``{'Hc_over_Ms', 'Hs_over_Ms', 'N'}``."""
    N = prism_demag_factors(ASPECT)
    r = coercive_field(np.diag(N), DIRECTION)
    return {"Hc_over_Ms": r["h_c"], "Hs_over_Ms": r["h_switch"], "N": N}


def _relaxer(sys_, tol, max_iter, stats, progress):
    def relax(h, m):
        """Equilibrium in the field ``h Ms`` along ``−DIRECTION`` (h < 0: along +)."""
        t = time.perf_counter()
        loop = hysteresis(sys_, m, -DIRECTION, [h * MU0 * MS], tol=tol, max_iter=max_iter, chunk=1)
        stats["steps"] += 1
        stats["iterations"] += int(loop.iterations[0])
        stats["unconverged"] += int(not loop.converged[0])
        if progress:
            print(
                f"sp2: relaxation {stats['steps']} at H/Ms = {-h:+.6f} along (1,1,1): "
                f"m.(1,1,1) = {float(loop.m_par[0]) * -1:+.5f}, "
                f"{int(loop.iterations[0])} iterations, {time.perf_counter() - t:.1f} s",
                flush=True,
            )
        return loop.m

    return relax


def run(
    d_lex: float,
    cell_lex: float = 1.0,
    *,
    cells=None,
    h_step: float = 0.0025,
    h_tol: float = 1e-5,
    h_max: float = 0.2,
    tol: float | None = None,
    max_iter: int = 200_000,
    progress: bool = False,
) -> dict:
    """Remanence, coercivity and switching field of the bar of width ``d_lex`` l_ex.

    **Arguments:**

    - `d_lex`: the bar's width ``d / l_ex`` (> 0).
    - `cell_lex`: the largest cell edge in l_ex (the cells per axis follow from it), or
      give `cells` ``(nx, ny, nz)`` directly (e.g. ``(1, 1, 1)`` for one cell). At
      d = 10, 20 and 30, cells of 1 l_ex give ``m_remanent`` and ``Hc/Ms`` within 4e-4
      of cells of 0.5 l_ex (8× the cells, ~10–20× the time).
    - `h_step`: the sweep's field step in ``H/Ms``; `h_tol`: the bisection's final
      bracket width in ``H/Ms``; `h_max`: an error if nothing switched by then.
    - `tol`, `max_iter`: the minimiser's torque tolerance and iterations per step.
    - `progress`: print each field step.

    Returns ``m_remanent`` ``(3,)``; ``Hc_over_Ms`` and ``Hs_over_Ms``; the brackets;
    ``cells``, ``cell_lex`` (per axis), ``field_steps`` (relaxations in all),
    ``iterations``, ``unconverged`` (steps that stopped at `max_iter`) and ``wall_s``.
    """
    d = _check_d(d_lex)
    cells = cells_for(d, cell_lex) if cells is None else tuple(check_int("cells", c) for c in cells)
    if len(cells) != 3:
        raise ValueError(f"cells must be 3 positive integers, got {cells!r}")
    for name, v in (("h_step", h_step), ("h_tol", h_tol), ("h_max", h_max)):
        check_real(name, v, positive=True)
    t0 = time.perf_counter()
    sys_ = system(d, cells)
    stats = {"steps": 0, "iterations": 0, "unconverged": 0}
    relax = _relaxer(sys_, tol, max_iter, stats, progress)

    def mean(m):
        return np.asarray(jax.device_get(m)).reshape(3, -1).mean(axis=1)

    def say(label, h):
        if progress:
            print(f"sp2 d={d:g}: {label} H/Ms = {h:.6f}", flush=True)

    m = sys_.check_magnetisation(DIRECTION)
    for h in REMANENCE_FIELDS:
        m = relax(-h, m)
    m_rem = mean(m)

    h, path = 0.0, [(0.0, m)]
    crossed = jumped = False
    while not (crossed and jumped):
        if h > h_max:
            raise RuntimeError(
                f"SP2 at d/l_ex = {d:g}: no {'jump' if crossed else 'sign change'} "
                f"of <m> up to H/Ms = {h_max}"
            )
        h += h_step
        m1 = relax(h, m)
        jump = np.linalg.norm(mean(m1) - mean(m))
        jumped = jumped or jump > 0.2
        crossed = crossed or float(mean(m1) @ DIRECTION) < 0
        path.append((h, m1))
        m = m1

    md = [float(mean(s) @ DIRECTION) for _, s in path]
    k = next(i for i, y in enumerate(md) if y < 0)
    h_lo, m_lo, h_hi, m_hi, _ = bisect_branch(
        relax, path[k - 1][0], path[k - 1][1], path[k][0],
        lambda s, prev: float(mean(s) @ DIRECTION) < 0, tol=h_tol,
    )  # fmt: skip
    y_lo, y_hi = float(mean(m_lo) @ DIRECTION), float(mean(m_hi) @ DIRECTION)
    hc = h_lo + y_lo * (h_hi - h_lo) / (y_lo - y_hi)
    say("coercive field", hc)

    jumps = [
        np.linalg.norm(mean(b[1]) - mean(a[1])) for a, b in zip(path[:-1], path[1:], strict=True)
    ]
    j = int(np.argmax(jumps))
    threshold = jumps[j] / 2
    if j == k - 1 and np.linalg.norm(mean(m_hi) - mean(m_lo)) > threshold:
        s_lo, s_hi = h_lo, h_hi  # m·(1,1,1) changed sign by the jump: one bracket for both
    else:
        s_lo, _, s_hi, _, _ = bisect_branch(
            relax, path[j][0], path[j][1], path[j + 1][0],
            lambda s, prev: np.linalg.norm(mean(s) - mean(prev)) > threshold, tol=h_tol,
        )  # fmt: skip
    hs = (s_lo + s_hi) / 2
    say("switching field", hs)
    size = np.asarray(ASPECT) * d
    return {
        "d_lex": d,
        "m_remanent": m_rem,
        "Hc_over_Ms": float(hc),
        "Hs_over_Ms": float(hs),
        "Hc_bracket": (float(h_lo), float(h_hi)),
        "Hs_bracket": (float(s_lo), float(s_hi)),
        "cells": cells,
        "cell_lex": tuple(float(x) for x in size / np.asarray(cells)),
        "field_steps": stats["steps"],
        "iterations": stats["iterations"],
        "unconverged": stats["unconverged"],
        "wall_s": time.perf_counter() - t0,
    }
