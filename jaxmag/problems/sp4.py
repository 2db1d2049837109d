"""µMAG standard problem 4: a permalloy film 500 × 125 × 3 nm switched by a field.

Ms = 8e5 A/m, A = 1.3e-11 J/m, α = 0.02, γ = 2.211e5 m/(A s). The s-state is relaxed
from m ∝ (1, 0.25, 0.1) in zero field; then a uniform field is applied for 1 ns.
Field 1: μ0H = (−24.6, 4.3, 0) mT; field 2: μ0H = (−35.5, −6.3, 0) mT.
"""

import time
import warnings
from importlib import resources

import jax
import jax.numpy as jnp
import numpy as np

from jaxmag._material import Material
from jaxmag._mesh import Mesh
from jaxmag._system import System, make_system
from jaxmag._validate import check_int
from jaxmag.constants import MU0
from jaxmag.dynamics._names import solver_from_name
from jaxmag.dynamics._simulate import mean_m, simulate
from jaxmag.io import read_csv
from jaxmag.statics._relax import minimise

SIZE = (500e-9, 125e-9, 3e-9)
"""Film size in m."""
CELLS = (200, 50, 1)
"""The reference discretisation: 2.5 × 2.5 × 3 nm cells."""
MS, A, ALPHA = 8.0e5, 1.3e-11, 0.02
FIELD1_MT = (-24.6, 4.3, 0.0)
FIELD2_MT = (-35.5, -6.3, 0.0)
M_START = (1.0, 0.25, 0.1)


def mesh(cells=CELLS) -> Mesh:
    """The film divided into ``cells = (nx, ny, nz)`` cells."""
    return Mesh.from_size(cells, SIZE)


def material() -> Material:
    """Permalloy: Ms = 8e5 A/m, A = 1.3e-11 J/m, α = 0.02."""
    return Material(Ms=MS, A=A, alpha=ALPHA)


def system(cells=CELLS, field_mT=None) -> System:
    """Exchange, demag and (if given) the applied field ``field_mT`` = μ0H in mT."""
    H = None if field_mT is None else jnp.asarray(field_mT, dtype=float) * 1e-3 / MU0
    return make_system(mesh(cells), material(), H=H)


def initial_state(cells=CELLS) -> jax.Array:
    """The start of the relaxation, m ∝ (1, 0.25, 0.1) everywhere."""
    m = jnp.asarray(M_START, dtype=float) / np.linalg.norm(M_START)
    return jnp.broadcast_to(m.reshape(3, 1, 1, 1), (3, *cells))


def oommf_reference() -> dict:
    """OOMMF ⟨m⟩(t) for field 1: ``{'t_s', 'mx', 'my', 'mz'}`` (see data/README.md)."""
    ref = resources.files("jaxmag.problems") / "data" / "sp4_oommf_field1_m.csv"
    with resources.as_file(ref) as p:
        return read_csv(p)


def compare_oommf(ts, m_avg) -> dict:
    """Max ``|Δ⟨m_i⟩|`` against OOMMF's field-1 run over the times both cover:
    ``{'mx', 'my', 'mz'}``, the run linearly interpolated to the reference times."""
    ref = oommf_reference()
    ts, m_avg = np.asarray(ts), np.asarray(m_avg)
    keep = (ref["t_s"] >= ts[0]) & (ref["t_s"] <= ts[-1] * (1 + 1e-9))
    return {
        k: float(np.max(np.abs(np.interp(ref["t_s"][keep], ts, m_avg[:, i]) - ref[k][keep])))
        for i, k in enumerate(("mx", "my", "mz"))
    }


def first_zero(ts, x) -> float:
    """The first time (s) at which ``x`` changes sign, linearly interpolated; NaN if none."""
    ts, x = np.asarray(ts), np.asarray(x)
    i = np.nonzero(np.sign(x[1:]) != np.sign(x[:-1]))[0]
    if i.size == 0:
        return float("nan")
    i = i[0]
    return float(ts[i] - x[i] * (ts[i + 1] - ts[i]) / (x[i + 1] - x[i]))


def _timed(fn):
    t = time.perf_counter()
    out = jax.block_until_ready(fn())
    return out, time.perf_counter() - t


def run(
    field_mT=FIELD1_MT,
    cells=CELLS,
    t1: float = 1e-9,
    save_every: float = 1e-12,
    *,
    rtol: float = 1e-5,
    relax_tol: float | None = None,
    repeats: int = 1,
    progress: bool = False,
    solver: str | None = None,
) -> dict:
    """Relax the s-state, then integrate for ``t1`` (s) in the field ``field_mT`` (mT)
    with `solver`, a name of :data:`~jaxmag.dynamics.SOLVER_NAMES` (default:
    :func:`~jaxmag.dynamics.default_solver`).

    Compilation is timed apart: each stage is first run at the same shapes on a tiny
    problem (``compile_s``), then timed ``repeats`` times (wall times in s, the run
    blocked until ready). Returns the relaxed state, the trajectory and the figures.
    """
    check_int("repeats", repeats)
    integrator = None if solver is None else solver_from_name(solver)
    sys0, sys1 = system(cells), system(cells, field_mT)
    m0 = initial_state(cells)
    ts = np.arange(int(round(t1 / save_every)) + 1) * save_every

    _, c_relax = _timed(lambda: minimise(sys0, m0, max_iter=1).m)
    _, c_dyn = _timed(
        lambda: (
            simulate(
                sys1, m0, ts[-1] * 1e-3, ts=ts * 1e-3, solver=integrator, progress=progress
            ).m_avg
        )
    )

    walls_relax, walls_dyn = [], []
    for _ in range(repeats):
        relaxed, w = _timed(lambda: minimise(sys0, m0, tol=relax_tol, progress=progress))
        walls_relax.append(w)
    if not bool(relaxed.converged):
        warnings.warn(
            f"SP4 relaxation stopped at max torque {float(relaxed.max_torque):.2e}, above "
            "its tolerance",
            stacklevel=2,
        )
    for _ in range(repeats):
        traj, w = _timed(
            lambda: simulate(
                sys1,
                relaxed.m,
                ts[-1],
                ts=ts,
                rtol=rtol,
                atol=rtol,
                solver=integrator,
                progress=progress,
            )
        )
        walls_dyn.append(w)
    m_avg = np.asarray(traj.m_avg)
    return {
        "relaxed": relaxed,
        "trajectory": traj,
        "ts": np.asarray(traj.ts),
        "m_avg": m_avg,
        "m_relaxed": np.asarray(mean_m(sys0, relaxed.m)),
        "first_mx_zero_s": first_zero(traj.ts, m_avg[:, 0]),
        "compile_s": c_relax + c_dyn,
        "wall_relax_s": walls_relax,
        "wall_dynamics_s": walls_dyn,
    }
