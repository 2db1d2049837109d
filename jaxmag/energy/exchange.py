"""Heisenberg exchange on the 6-neighbour stencil with free (Neumann) boundaries."""

from typing import ClassVar

import jax.numpy as jnp
from jaxtyping import Array, Float

from ..constants import MU0
from ..material import Material, per_cell
from ..mesh import Mesh
from ..vectors import dot
from .base import AbstractEnergy, safe_inverse


def face_stiffness(mesh: Mesh, material: Material, axis: int) -> Float[Array, "..."]:
    """Exchange stiffness in J/m on the faces between neighbours along ``axis``.

    The harmonic mean ``2 A1 A2 / (A1 + A2)`` of the two cells, times the material's
    ``exchange_scaling[r1, r2]`` between different regions, and 0 where either cell is
    non-magnetic (so holes and surfaces are free boundaries). Shape: the mesh shape with
    one fewer entry along ``axis``.
    """
    mat = per_cell(material, mesh)
    A = jnp.where(mat.Ms > 0, mat.A, 0.0)
    n = A.shape[axis]
    a1 = jnp.take(A, jnp.arange(n - 1), axis=axis)
    a2 = jnp.take(A, jnp.arange(1, n), axis=axis)
    Af = 2 * a1 * a2 * safe_inverse(a1 + a2)
    if mat.region is not None and mat.exchange_scaling is not None:
        r1 = jnp.take(mat.region, jnp.arange(n - 1), axis=axis)
        r2 = jnp.take(mat.region, jnp.arange(1, n), axis=axis)
        Af = Af * jnp.where(r1 == r2, 1.0, mat.exchange_scaling[r1, r2])
    return Af


class Exchange(AbstractEnergy):
    """``E = V Σ_faces A_f |m_j - m_i|² / d²``, the discretised ``∫ A |∇m|² dV``, with
    face stiffness ``A_f`` from :func:`face_stiffness` (J/m). The field is hand-written
    (the stencil) and tested against the autodiff field."""

    coef: tuple[Float[Array, "..."], Float[Array, "..."], Float[Array, "..."]]
    inv_mu0_Ms: Float[Array, "nx ny nz"]
    cell_volume: float
    name: ClassVar[str] = "exchange"

    def __init__(self, mesh: Mesh, material: Material):
        mat = per_cell(material, mesh)
        self.coef = tuple(2 * face_stiffness(mesh, mat, ax) / mesh.cell[ax] ** 2 for ax in range(3))
        self.inv_mu0_Ms = safe_inverse(MU0 * mat.Ms)
        self.cell_volume = mesh.cell_volume

    def energy(self, m, t=0.0):
        e = jnp.zeros((), m.dtype)
        for ax, c in enumerate(self.coef):
            if c.shape[ax] == 0:
                continue
            dm = jnp.diff(m, axis=ax + 1)
            e = e + 0.5 * jnp.sum(c * dot(dm, dm))
        return self.cell_volume * e

    def field(self, m, t=0.0):
        H = jnp.zeros_like(m)
        for ax, c in enumerate(self.coef):
            if c.shape[ax] == 0:
                continue
            flux = c * jnp.diff(m, axis=ax + 1)
            lo = [(0, 0)] * 4
            hi = [(0, 0)] * 4
            lo[ax + 1] = (0, 1)
            hi[ax + 1] = (1, 0)
            H = H + jnp.pad(flux, lo) - jnp.pad(flux, hi)
        return H * self.inv_mu0_Ms
