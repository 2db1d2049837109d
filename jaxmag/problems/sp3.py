"""µMAG standard problem 3: the single-domain limit of a cube.

A cube of edge ``L`` with uniaxial anisotropy ``Ku = 0.1 Km`` along an edge (z), where
``Km = μ0 Ms² / 2`` (J/m³). Lengths are in units of the exchange length
``l_ex = √(A / Km)`` (no factor 2), energies in units of ``Km L³`` (J). Exchange,
demagnetisation and anisotropy; no applied field. The problem asks for the edge
``L_c`` at which the *flower* state (nearly uniform along the easy axis, splayed at the
corners) and the *vortex* state have equal energy; published values lie near
``L_c ≈ 8.47 l_ex``.

**Scale invariance.** The energy in units of ``Km L³`` depends only on ``L / l_ex`` and
the cell count: the Newell tensor of a fixed grid of cubic cells does not depend on
the cell size. So the geometry is fixed here (edge :data:`EDGE` in m, any value would
do) and ``L / l_ex`` is set through the exchange stiffness,
``A = Km (EDGE / (L / l_ex))²``. ``A`` is an array leaf of the system, traced by
``jit``: changing ``L / l_ex`` neither rebuilds the demag kernel nor recompiles.

**The two states.** The flower state is relaxed from ``m = +z`` (optionally tilted by
``tilt`` rad about y). The vortex is relaxed from ``m ∝ r × a + R a``-like swirl about
an axis ``a`` through the cube's centre with a core of radius ``R``. By default the
vortex axis is x, *perpendicular* to the easy axis: the swirl then lies in the yz plane,
where half of it follows the easy axis, and this is the vortex of the published
solutions (anisotropy ≈ 0.04 Km L³, i.e. ⟨m_z²⟩ ≈ 0.6). A vortex whose core lies along
the easy axis (``axis="z"``) is a different, higher-energy state (its swirl lies in
the hard plane: anisotropy ≈ 0.09 Km L³). Both states are relaxed with
:func:`jaxmag.minimise`; each relaxed state is checked to still be the intended
state (:func:`classify`), and :class:`StateCollapsed` is raised if it is not.

**Anisotropy convention.** jaxmag's uniaxial term is ``-Ku (m·u)²`` per volume. The
energies reported here use the µMAG convention ``Ku (1 - (m·u)²)``, i.e. jaxmag's value
plus ``Ku L³`` (``+0.1`` in units of ``Km L³``); the constant does not change ``L_c``.
"""

import math
import time

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from jaxmag._material import Material
from jaxmag._mesh import Mesh
from jaxmag._system import System, make_system
from jaxmag._validate import check_int
from jaxmag.constants import MU0
from jaxmag.statics._relax import RelaxResult, minimise

MS = 8.0e5
"""Saturation magnetisation in A/m (arbitrary: only ``L / l_ex`` matters)."""
KM = 0.5 * MU0 * MS**2
"""Magnetostatic energy density ``μ0 Ms² / 2`` in J/m³."""
KU = 0.1 * KM
"""Uniaxial anisotropy constant in J/m³, easy axis z."""
EDGE = 50e-9
"""The cube's edge in m, held fixed; ``L / l_ex`` is set through ``A``."""
EASY_AXIS = (0.0, 0.0, 1.0)
STATES = ("flower", "vortex")
ANISOTROPY_CONVENTION = (
    "muMAG: E_anis = Ku (1 - (m.u)^2) integrated over the cube "
    "(jaxmag's -Ku (m.u)^2 plus Ku L^3); energies in units of Km L^3, Km = mu0 Ms^2 / 2"
)
_AXES = {"x": 0, "y": 1, "z": 2}


class StateCollapsed(RuntimeError):
    """A relaxation ended in a different state from the one it was started in."""


def _check_cells(cells_per_edge) -> int:
    return check_int("cells_per_edge", cells_per_edge, minimum=2)


def _check_length(L_over_lex) -> float:
    if isinstance(L_over_lex, bool) or not isinstance(L_over_lex, int | float | np.number):
        raise TypeError(f"L_over_lex must be a real number, got {L_over_lex!r}")
    x = float(L_over_lex)
    if not math.isfinite(x) or x <= 0:
        raise ValueError(f"L_over_lex (L / l_ex) must be positive and finite, got {x!r}")
    return x


def exchange_stiffness(L_over_lex: float, edge: float = EDGE) -> float:
    """The exchange stiffness ``A = Km (edge / (L / l_ex))²`` in J/m that makes a cube of
    edge ``edge`` (m) measure ``L_over_lex`` exchange lengths."""
    x = _check_length(L_over_lex)
    if not (math.isfinite(edge) and edge > 0):
        raise ValueError(f"edge (m) must be positive and finite, got {edge!r}")
    return KM * (edge / x) ** 2


def mesh(cells_per_edge: int, edge: float = EDGE) -> Mesh:
    """The cube of edge ``edge`` (m) as ``cells_per_edge³`` cubic cells."""
    n = _check_cells(cells_per_edge)
    return Mesh.from_size((n, n, n), (edge, edge, edge))


def material(L_over_lex: float, edge: float = EDGE) -> Material:
    """``Ms`` = :data:`MS` A/m, ``Ku1 = 0.1 Km`` J/m³ along z, ``A`` (J/m) from
    :func:`exchange_stiffness`."""
    return Material(MS, exchange_stiffness(L_over_lex, edge), 0.5, Ku1=KU, anis_u=EASY_AXIS)


def system(L_over_lex: float, cells_per_edge: int, edge: float = EDGE) -> System:
    """Exchange, demag and uniaxial anisotropy for a cube of ``L_over_lex`` exchange
    lengths on ``cells_per_edge³`` cells (geometry: edge ``edge`` in m)."""
    return make_system(mesh(cells_per_edge, edge), material(L_over_lex, edge), anisotropy=True)


def _coords(n: int) -> np.ndarray:
    """Cell centres ``(3, n, n, n)`` in units of the edge, from the cube's centre."""
    c = (np.arange(n) + 0.5) / n - 0.5
    return np.stack(np.meshgrid(c, c, c, indexing="ij"))


def flower_start(cells_per_edge: int, tilt: float = 0.0) -> Float[Array, "3 n n n"]:
    """Uniform ``m = (sin tilt, 0, cos tilt)``: +z, tilted by ``tilt`` (rad) towards x."""
    n = _check_cells(cells_per_edge)
    if not math.isfinite(tilt):
        raise ValueError(f"tilt (rad) must be finite, got {tilt!r}")
    m = jnp.asarray([math.sin(tilt), 0.0, math.cos(tilt)], dtype=float)
    return jnp.broadcast_to(m.reshape(3, 1, 1, 1), (3, n, n, n))


def vortex_start(
    cells_per_edge: int, core_radius: float = 0.15, axis: str = "x"
) -> Float[Array, "3 n n n"]:
    """A vortex about ``axis`` through the centre: ``m ∝ a × r + R a``, counter-clockwise
    about ``a`` with core radius ``R = core_radius`` (in units of the edge, > 0).

    ``axis="x"`` (the default) puts the core perpendicular to the easy axis, the vortex of
    the µMAG solutions; ``axis="z"`` puts it along the easy axis (``m ∝ (−y, x, R)``).
    """
    n = _check_cells(cells_per_edge)
    if axis not in _AXES:
        raise ValueError(f"axis must be 'x', 'y' or 'z', got {axis!r}")
    if not (math.isfinite(core_radius) and core_radius > 0):
        raise ValueError(f"core_radius must be positive and finite, got {core_radius!r}")
    r = _coords(n)
    a = np.zeros((3, 1, 1, 1))
    a[_AXES[axis]] = 1.0
    m = np.cross(a, r, axis=0) + core_radius * a
    return jnp.asarray(m / np.linalg.norm(m, axis=0), dtype=float)


def circulation(m, axis: str) -> float:
    """Mean azimuthal component ``⟨m · (a × r̂⊥)⟩`` about ``axis`` through the centre
    (1 for a perfect vortex circulating counter-clockwise, 0 for a uniform state)."""
    m = np.asarray(m)
    r = _coords(m.shape[1])
    a = np.zeros((3, 1, 1, 1))
    a[_AXES[axis]] = 1.0
    t = np.cross(a, r, axis=0)
    norm = np.linalg.norm(t, axis=0)
    t = np.where(norm > 0, t / np.where(norm > 0, norm, 1.0), 0.0)
    return float(np.mean(np.sum(m * t, axis=0)))


def classify(m) -> str:
    """``"flower"`` if ``|⟨m⟩| > 0.8`` and the largest circulation about x, y, z is below
    0.2; ``"vortex"`` if ``|⟨m⟩| < 0.8`` and a circulation exceeds 0.4; else ``"other"``."""
    m = np.asarray(m)
    mean = float(np.linalg.norm(m.mean(axis=(1, 2, 3))))
    circ = max(abs(circulation(m, a)) for a in _AXES)
    if mean > 0.8 and circ < 0.2:
        return "flower"
    if mean < 0.8 and circ > 0.4:
        return "vortex"
    return "other"


def energies(sys: System, m) -> dict[str, float]:
    """The energy of ``m`` split into ``demag``, ``exchange``, ``anisotropy`` and ``total``,
    in units of ``Km L³`` (``Km = μ0 Ms² / 2`` in J/m³, ``L³`` the cube's volume in m³).
    The anisotropy is in the µMAG convention ``Ku (1 − (m·u)²)`` (see the module)."""
    e = sys.energies(sys.check_magnetisation(m))
    Ms = float(jnp.max(sys.material.Ms))
    volume = math.prod(sys.mesh.size)
    unit = 0.5 * MU0 * Ms**2 * volume
    ku = float(jnp.sum(jnp.where(sys.magnetic, sys.material.Ku1, 0.0))) * sys.mesh.cell_volume
    out = {
        "demag": float(e["demag"]) / unit,
        "exchange": float(e["exchange"]) / unit,
        "anisotropy": (float(e["anisotropy"]) + ku) / unit,
    }
    out["total"] = out["demag"] + out["exchange"] + out["anisotropy"]
    return out


def relax_states(
    L_over_lex: float,
    cells_per_edge: int,
    *,
    starts: dict | None = None,
    tol: float | None = None,
    max_iter: int = 200_000,
    vortex_axis: str = "x",
    tilt: float = 0.0,
    check: bool = True,
    progress: bool = False,
) -> dict:
    """Relax the flower and the vortex state of a cube of ``L_over_lex`` exchange lengths.

    **Arguments:**

    - `L_over_lex`: the edge ``L / l_ex`` (dimensionless, > 0).
    - `cells_per_edge`: cells along each edge (>= 2).
    - `starts`: optional ``{"flower": m, "vortex": m}`` starting states (e.g. the relaxed
      states at a nearby ``L``); missing ones use :func:`flower_start` (with `tilt`, rad)
      and :func:`vortex_start` (about `vortex_axis`).
    - `tol`, `max_iter`: passed to :func:`~jaxmag.minimise` (max reduced torque;
      default 1e-7 in float64).
    - `check`: raise :class:`StateCollapsed` if a relaxed state is no longer the state
      it started as, and ``RuntimeError`` if a relaxation did not converge.
    - `progress`: print one line per state.

    Returns ``{"flower": RelaxResult, "vortex": RelaxResult, "energies": {state: dict}}``
    with the energies of :func:`energies` (units of ``Km L³``).
    """
    x = _check_length(L_over_lex)
    n = _check_cells(cells_per_edge)
    sys = system(x, n)
    starts = dict(starts or {})
    unknown = set(starts) - set(STATES)
    if unknown:
        raise ValueError(f"starts has unknown states {sorted(unknown)}; use {STATES}")
    starts.setdefault("flower", flower_start(n, tilt))
    starts.setdefault("vortex", vortex_start(n, axis=vortex_axis))
    out = {"energies": {}}
    for state in STATES:
        t = time.perf_counter()
        r: RelaxResult = jax.block_until_ready(
            minimise(sys, starts[state], tol=tol, max_iter=max_iter)
        )
        got = classify(r.m)
        e = energies(sys, r.m)
        if progress:
            print(
                f"sp3: L = {x:.6f} l_ex, N = {n}: {state:6s} E = {e['total']:.7f} Km L^3 "
                f"({int(r.iterations)} iterations, torque {float(r.max_torque):.1e}, "
                f"{time.perf_counter() - t:.1f} s, looks like {got})",
                flush=True,
            )
        if check and not bool(r.converged):
            raise RuntimeError(
                f"SP3 {state} state at L = {x} l_ex, N = {n} did not converge: max torque "
                f"{float(r.max_torque):.2e} after {int(r.iterations)} iterations"
            )
        if check and got != state:
            mz = float(jnp.mean(r.m[2]))
            raise StateCollapsed(
                f"SP3 {state} state at L = {x} l_ex, N = {n} relaxed into a {got} state "
                f"(<m> = {np.asarray(jnp.mean(r.m, axis=(1, 2, 3))).round(3).tolist()}, "
                f"<mz> = {mz:.3f})"
            )
        out[state] = r
        out["energies"][state] = e
    return out


def crossing(
    cells_per_edge: int,
    *,
    bracket: tuple[float, float] = (8.0, 9.0),
    xtol: float = 1e-4,
    tol: float | None = None,
    max_iter: int = 200_000,
    vortex_axis: str = "x",
    progress: bool = False,
) -> dict:
    """The edge ``L_c / l_ex`` at which the flower and vortex energies are equal.

    Brent's method (``scipy.optimize.brentq``) on ``E_flower − E_vortex`` over
    ``L / l_ex``, starting from `bracket` and widening it by 0.5 l_ex per side (up to
    [4, 16]) until the difference changes sign. Each relaxation starts from the relaxed
    state of the same kind at the last ``L`` evaluated.

    **Arguments:**

    - `cells_per_edge`: cells along each edge (>= 2).
    - `bracket`: the initial bracket of ``L / l_ex``.
    - `xtol`: absolute tolerance on ``L_c / l_ex``.
    - `tol`, `max_iter`, `vortex_axis`, `progress`: as in :func:`relax_states`.

    Returns ``{"L_crit_over_lex", "energies": {"flower": {...}, "vortex": {...}} (units of
    Km L³ at L_c, µMAG anisotropy convention), "states": the relaxed m at L_c,
    "evaluations": [(L / l_ex, E_flower − E_vortex), ...], "iterations": total BB
    iterations, "wall_s"}``.
    """
    from scipy.optimize import brentq

    n = _check_cells(cells_per_edge)
    lo, hi = (_check_length(b) for b in bracket)
    if not lo < hi:
        raise ValueError(f"bracket must be increasing, got {bracket!r}")
    if not (math.isfinite(xtol) and xtol > 0):
        raise ValueError(f"xtol must be positive and finite, got {xtol!r}")
    t0 = time.perf_counter()
    warm: dict = {}
    cache: dict[float, dict] = {}
    evaluations: list[tuple[float, float]] = []
    iters = [0]

    def solve(x: float) -> dict:
        if x not in cache:
            r = relax_states(
                x,
                n,
                starts=dict(warm),
                tol=tol,
                max_iter=max_iter,
                vortex_axis=vortex_axis,
                progress=progress,
            )
            warm.update(flower=r["flower"].m, vortex=r["vortex"].m)
            iters[0] += int(r["flower"].iterations) + int(r["vortex"].iterations)
            e = r["energies"]
            evaluations.append((x, e["flower"]["total"] - e["vortex"]["total"]))
            cache[x] = r
        return cache[x]

    def diff(x: float) -> float:
        e = solve(float(x))["energies"]
        return e["flower"]["total"] - e["vortex"]["total"]

    f_lo, f_hi = diff(lo), diff(hi)
    while f_lo > 0 and lo > 4.0:
        lo = max(lo - 0.5, 4.0)
        f_lo = diff(lo)
    while f_hi < 0 and hi < 16.0:
        hi = min(hi + 0.5, 16.0)
        f_hi = diff(hi)
    if not (f_lo < 0 < f_hi):
        raise RuntimeError(
            f"SP3: no sign change of E_flower - E_vortex in [{lo}, {hi}] l_ex "
            f"(differences {f_lo:.3e}, {f_hi:.3e} Km L^3)"
        )
    L_c = float(brentq(diff, lo, hi, xtol=xtol))
    r = solve(L_c)
    return {
        "L_crit_over_lex": L_c,
        "energies": r["energies"],
        "states": {s: r[s].m for s in STATES},
        "evaluations": evaluations,
        "iterations": iters[0],
        "wall_s": time.perf_counter() - t0,
    }
