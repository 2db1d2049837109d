"""PINN case 3: a static state by energy minimisation (Schaffer et al., JMMM 576, 170761
(2023), in the spirit of their JAX PINN).

A thin rectangular element (one cell thick) with exchange, uniaxial anisotropy, Zeeman
and demagnetising energy. The PINN ``m(x, y) = normalise(m_guess + N(x, y))``
(:class:`~.ansatz.Film2DPINN`) is trained on its total energy:

- exchange ``∫ A |∇m|² dV`` with ``∇m`` by forward-mode autodiff of the network,
  integrated by the midpoint rule at points jittered inside each cell of the sampling
  grid (resampled every Adam step);
- anisotropy, Zeeman and demag by jaxmag's own terms on the sampling grid (FFT demag
  with the Newell tensor), from m at the same points.

The reference is :func:`jaxmag.minimise` on the same grid. Two PINN energies are
compared with its energy: ``energy_pinn`` (the PINN's own functional, at the cell
centres) and ``energy_pinn_fd`` (jaxmag's finite-difference energy of the PINN sampled at
the cell centres, the same functional as the minimiser's).
"""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import PRNGKeyArray

from jaxmag._material import Material
from jaxmag._mesh import Mesh
from jaxmag._system import System, make_system
from jaxmag.constants import MU0
from jaxmag.ml.pinn._ansatz import Film2DPINN
from jaxmag.ml.pinn._network import Net
from jaxmag.statics._relax import minimise

SIZE = (100e-9, 50e-9, 5e-9)
"""The element, m."""
CELLS = (40, 20, 1)
MS, A, KU = 8.0e5, 1.3e-11, 1.0e4
"""A/m, J/m, J/m³ (easy axis y, across the element's long axis x)."""
FIELD_MT = (7.07, 7.07, 0.0)
"""μ0 H in mT: 10 mT at 45° in the plane."""


def problem(cells=CELLS, size=SIZE, *, Ms=MS, A=A, Ku=KU, field_mT=FIELD_MT) -> System:
    """The element as a jaxmag :class:`~jaxmag.System` (exchange, demag, anisotropy along
    y, Zeeman); ``cells`` must have ``nz = 1``."""
    if len(cells) != 3 or cells[2] != 1:
        raise ValueError(f"the element is one cell thick: cells must be (nx, ny, 1), got {cells}")
    mat = Material(Ms=Ms, A=A, alpha=1.0, Ku1=Ku, anis_u=(0.0, 1.0, 0.0))
    H = jnp.asarray(field_mT, dtype=float) * 1e-3 / MU0
    return make_system(Mesh.from_size(cells, size), mat, H=H, anisotropy=True)


def make_model(system: System, *, key: PRNGKeyArray, guess=None, **net_kw) -> Film2DPINN:
    """A PINN over the element; ``guess`` (3,) defaults to the applied field's direction."""
    mesh = system.mesh
    Lx, Ly = mesh.n[0] * mesh.cell[0], mesh.n[1] * mesh.cell[1]
    if guess is None:
        zee = [t for t in system.terms if t.name == "zeeman"]
        guess = zee[0].applied(0.0).reshape(3, -1)[:, 0] if zee else jnp.array([1.0, 0, 0])
    guess = jnp.asarray(guess, dtype=float)
    guess = guess / jnp.linalg.norm(guess)
    return Film2DPINN(Net((0.0, 0.0), (Lx, Ly), key=key, **net_kw), guess)


def centres(mesh: Mesh):
    """Cell centres ``(nx, ny, 2)`` in m."""
    x = (jnp.arange(mesh.n[0]) + 0.5) * mesh.cell[0]
    y = (jnp.arange(mesh.n[1]) + 0.5) * mesh.cell[1]
    return jnp.stack(jnp.meshgrid(x, y, indexing="ij"), -1)


def sample(mesh: Mesh, key: PRNGKeyArray):
    """Cell centres jittered uniformly inside each cell."""
    u = jax.random.uniform(key, (*mesh.n[:2], 2), minval=-0.5, maxval=0.5)
    return centres(mesh) + u * jnp.asarray(mesh.cell[:2])


def _energy_scale(system: System) -> float:
    """``μ0 Ms² V / 2`` of the element (J): losses are energies in this unit."""
    m = system.mesh
    return 0.5 * MU0 * jnp.max(system.material.Ms) ** 2 * m.cell_volume * np.prod(m.n)


def pinn_energy(model, system: System, points) -> jax.Array:
    """The PINN's energy (J) with exchange by autodiff at ``points (nx, ny, 2)`` and the
    other terms by jaxmag on the grid of values there."""
    flat = points.reshape(-1, 2)
    m = jax.vmap(model)(flat)
    grad = jax.vmap(jax.jacfwd(model))(flat)  # (N, 3, 2), 1/m
    A = system.material.A.reshape(-1)
    e_ex = system.mesh.cell_volume * jnp.sum(A * jnp.sum(grad**2, (1, 2)))
    grid = m.T.reshape(3, *system.mesh.n)
    rest = sum(t.energy(grid) for t in system.terms if t.name != "exchange")
    return e_ex + rest


def loss(model, points, system: System):
    return pinn_energy(model, system, points) / _energy_scale(system)


def sampled(model, mesh: Mesh):
    """The PINN at the cell centres, ``(3, nx, ny, 1)``."""
    return jax.vmap(model)(centres(mesh).reshape(-1, 2)).T.reshape(3, *mesh.n)


def reference(system: System, guess) -> dict:
    """:func:`jaxmag.minimise` from the uniform ``guess``: its state and energy."""
    r = minimise(system, jnp.asarray(guess, dtype=float))
    if not bool(r.converged):
        raise RuntimeError(f"the FD reference did not converge (torque {r.max_torque:.2e})")
    return {"m": r.m, "energy": float(system.energy(r.m))}


def compare(model, system: System, ref: dict) -> dict:
    """The PINN's energies against the FD minimiser's, and its state's difference."""
    mesh = system.mesh
    m = sampled(model, mesh)
    e_fd = ref["energy"]
    e_pinn = float(eqx.filter_jit(pinn_energy)(model, system, centres(mesh)))
    e_pinn_fd = float(system.energy(m))
    norms = jnp.linalg.norm(m.reshape(3, -1), axis=0)
    return {
        "energy_fd_J": e_fd,
        "energy_pinn_J": e_pinn,
        "energy_pinn_fd_J": e_pinn_fd,
        "energy_rel_err": abs(e_pinn - e_fd) / abs(e_fd),
        "energy_fd_rel_err": abs(e_pinn_fd - e_fd) / abs(e_fd),
        "m_avg_pinn": np.asarray(m.mean((1, 2, 3))),
        "m_avg_fd": np.asarray(ref["m"].mean((1, 2, 3))),
        "max_m_diff": float(jnp.max(jnp.linalg.norm(m - ref["m"], axis=0))),
        "max_norm_dev": float(jnp.max(jnp.abs(norms - 1.0))),
    }
