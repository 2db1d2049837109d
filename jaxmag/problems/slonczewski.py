"""A Slonczewski spin-transfer problem: mumax2's ``certification/stdproblem5a``.

A permalloy film 160 × 80 × 5 nm (64 × 32 × 1 cells), Ms = 8e5 A/m, A = 1.3e-11 J/m,
relaxed in zero field from a C-state (m = (0, -1, -0.1) in the outer quarters along x,
(1, 0, 0) between), then driven by a current of -8 mA through the whole film
(J = -6.25e11 A/m² along z) with P = 0.5669, Λ = 1, ε' = 0, the fixed layer m_p in
the plane at 1° from x, α = 0.01, no field. The negative current pushes m away from
m_p: the C-state precesses with growing amplitude and reverses near 1.04 ns (OOMMF).

The relaxed C-state has ⟨m⟩ = (0.95854, -0.20419, 0), the state OOMMF's run starts
from (⟨m⟩ = (0.95813, -0.20522, 0) at 1 ps).
"""

import math

import jax
import jax.numpy as jnp
import numpy as np

from jaxmag._material import Material
from jaxmag._mesh import Mesh
from jaxmag._system import System, make_system
from jaxmag.statics._relax import RelaxResult, minimise
from jaxmag.torques import Slonczewski

SIZE = (160e-9, 80e-9, 5e-9)
"""Film size in m."""
CELLS = (64, 32, 1)
"""The reference discretisation: 2.5 × 2.5 × 5 nm cells."""
MS, A, ALPHA = 8.0e5, 1.3e-11, 0.01
POLARISATION, LAMBDA, EPS_PRIME = 0.5669, 1.0, 0.0
MP_DEG = 1.0
"""In-plane angle of m_p from x, in degrees."""
CURRENT_DENSITY = -0.008 / (SIZE[0] * SIZE[1])
"""-8 mA through 160 × 80 nm: -6.25e11 A/m² along z."""


def mesh(cells=CELLS) -> Mesh:
    """The film divided into ``cells = (nx, ny, nz)`` cells."""
    return Mesh.from_size(cells, SIZE)


def material(alpha: float = ALPHA) -> Material:
    """Permalloy: Ms = 8e5 A/m, A = 1.3e-11 J/m, damping ``alpha``."""
    return Material(Ms=MS, A=A, alpha=alpha)


def c_state(cells=CELLS) -> jax.Array:
    """The start of the relaxation: m = (0, -1, -0.1) normalised where the cell centre
    lies in the outer quarters along x (x/L < 0.25 or > 0.75), (1, 0, 0) between (the
    ``C_State`` script of the OOMMF files of stdproblem5a)."""
    nx = cells[0]
    xr = (np.arange(nx) + 0.5) / nx
    outer = ((xr < 0.25) | (xr > 0.75))[:, None, None]
    end = np.array([0.0, -1.0, -0.1]) / math.sqrt(1.01)
    m = np.where(outer[None], end[:, None, None, None], np.array([1.0, 0, 0])[:, None, None, None])
    return jnp.asarray(np.broadcast_to(m, (3, *cells)))


def mp_vector(mp_deg: float = MP_DEG) -> np.ndarray:
    """The fixed layer's direction, in the plane at ``mp_deg`` degrees from x."""
    a = math.radians(mp_deg)
    return np.array([math.cos(a), math.sin(a), 0.0])


def torque(
    cells=CELLS,
    *,
    J: float = CURRENT_DENSITY,
    P: float = POLARISATION,
    Lambda: float = LAMBDA,
    eps_prime: float = EPS_PRIME,
    mp_deg: float = MP_DEG,
    alpha: float = ALPHA,
) -> Slonczewski:
    """The Slonczewski torque: ``J`` in A/m² along z, the free layer the whole film."""
    return Slonczewski(mesh(cells), material(alpha), J, P, Lambda, eps_prime, mp_vector(mp_deg))


def system(cells=CELLS, *, current: bool = True, alpha: float = ALPHA, **torque_kw) -> System:
    """Exchange and demag, and (if ``current``) the Slonczewski torque; ``torque_kw`` as
    in :func:`torque`."""
    torques = (torque(cells, alpha=alpha, **torque_kw),) if current else ()
    return make_system(mesh(cells), material(alpha), torques=torques)


def relaxed_c_state(cells=CELLS, *, tol: float | None = None) -> RelaxResult:
    """The C-state relaxed in zero field (energy minimisation)."""
    return minimise(system(cells, current=False), c_state(cells), tol=tol)
