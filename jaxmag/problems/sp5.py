"""µMAG standard problem 5: a vortex driven by a spin-polarised current (Zhang–Li).

Najafi et al., J. Appl. Phys. 105, 113914 (2009). A permalloy square 100 × 100 × 10 nm,
Ms = 8e5 A/m, A = 1.3e-11 J/m, α = 0.1, γ = 2.211e5 m/(A s). The vortex is relaxed from
m ∝ (-y, x, R), R = 10 nm (counter-clockwise, core along +z); then a current with
P·J = 1e12 A/m² flows along +x with ξ = 0.05, so that ``|u| = μB P J / (e Ms (1 + ξ²))
= 72.17 m/s`` (u along -x, the electron flow). The core moves off-centre and spirals
into a new equilibrium; ⟨mx⟩ first goes negative, to about -0.33 … -0.35 near 0.65 ns.
"""

import jax
import jax.numpy as jnp
import numpy as np

from jaxmag._material import Material
from jaxmag._mesh import Mesh
from jaxmag._system import System, make_system
from jaxmag.statics._relax import RelaxResult, minimise
from jaxmag.torques import ZhangLi

SIZE = (100e-9, 100e-9, 10e-9)
"""Sample size in m."""
CELLS = (40, 40, 4)
"""Default discretisation: 2.5 × 2.5 × 2.5 nm cells."""
MS, A, ALPHA = 8.0e5, 1.3e-11, 0.1
XI = 0.05
"""Non-adiabaticity ξ."""
PJ = 1e12
"""Polarisation times current density, A/m², along +x."""
CORE_RADIUS = 10e-9
"""R in the initial state m ∝ (-y, x, R), in m."""


def mesh(cells=CELLS) -> Mesh:
    """The sample divided into ``cells = (nx, ny, nz)`` cells."""
    return Mesh.from_size(cells, SIZE)


def material() -> Material:
    """Permalloy: Ms = 8e5 A/m, A = 1.3e-11 J/m, α = 0.1."""
    return Material(Ms=MS, A=A, alpha=ALPHA)


def zhang_li(cells=CELLS, *, pj: float = PJ, xi: float = XI) -> ZhangLi:
    """The Zhang–Li torque of ``P·J = pj`` A/m² along +x (P = 1) with non-adiabaticity
    ``xi``."""
    return ZhangLi(mesh(cells), material(), J=(pj, 0.0, 0.0), P=1.0, xi=xi)


def system(cells=CELLS, *, current: bool = True, pj: float = PJ, xi: float = XI) -> System:
    """Exchange and demag, and (if ``current``) the Zhang–Li torque."""
    torques = (zhang_li(cells, pj=pj, xi=xi),) if current else ()
    return make_system(mesh(cells), material(), torques=torques)


def initial_state(cells=CELLS) -> jax.Array:
    """m ∝ (-y, x, R) with R = 10 nm, coordinates from the centre of the square: a
    counter-clockwise vortex with its core along +z."""
    x, y, _ = mesh(cells).coordinates()
    m = np.stack([-y, x, np.full_like(x, CORE_RADIUS)])
    return jnp.asarray(m / np.linalg.norm(m, axis=0))


def relaxed_vortex(cells=CELLS, *, tol: float | None = None) -> RelaxResult:
    """The vortex relaxed in zero current (energy minimisation)."""
    return minimise(system(cells, current=False), initial_state(cells), tol=tol)


def compare(ts, m_avg, ref: dict) -> dict:
    """Max ``|Δ⟨m_i⟩|`` of a run against a reference ``{'t_s', 'mx', 'my', 'mz'}`` over
    the times both cover, the run linearly interpolated to the reference times:
    ``{'mx', 'my', 'mz'}``."""
    ts, m_avg = np.asarray(ts), np.asarray(m_avg)
    rt = np.asarray(ref["t_s"])
    keep = (rt >= ts[0]) & (rt <= ts[-1] * (1 + 1e-9))
    return {
        k: float(np.max(np.abs(np.interp(rt[keep], ts, m_avg[:, i]) - np.asarray(ref[k])[keep])))
        for i, k in enumerate(("mx", "my", "mz"))
    }


def mx_minimum(ts, m_avg) -> tuple[float, float]:
    """The minimum of ⟨mx⟩ and its time in s (refined by a parabola through the
    three saves around it)."""
    ts, mx = np.asarray(ts), np.asarray(m_avg)[:, 0]
    i = int(np.argmin(mx))
    if 0 < i < len(mx) - 1:
        y0, y1, y2 = mx[i - 1 : i + 2]
        den = y0 - 2 * y1 + y2
        if den > 0:
            h = ts[i + 1] - ts[i]
            s = 0.5 * (y0 - y2) / den
            return float(y1 - 0.25 * (y0 - y2) * s), float(ts[i] + s * h)
    return float(mx[i]), float(ts[i])
