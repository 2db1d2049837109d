"""Magnetocrystalline anisotropy: uniaxial (Ku1, Ku2) and cubic (Kc1, Kc2, Kc3)."""

from typing import ClassVar

import jax.numpy as jnp
from jaxtyping import Array, Float

from jaxmag._material import Material, per_cell
from jaxmag._mesh import Mesh
from jaxmag.constants import MU0
from jaxmag.energy._base import AbstractEnergy, field_from_energy, safe_inverse
from jaxmag.vectors import dot


class UniaxialAnisotropy(AbstractEnergy):
    """``E = Σ V [-Ku1 (m·u)² - Ku2 (m·u)⁴]`` with ``Ku1``, ``Ku2`` in J/m³ and the axis
    ``u`` from the material (see :class:`Material`). Hand-written field, tested against
    the autodiff field."""

    Ku1: Float[Array, "nx ny nz"]
    Ku2: Float[Array, "nx ny nz"]
    u: Float[Array, "3 nx ny nz"]
    Ms: Float[Array, "nx ny nz"]
    cell_volume: float
    name: ClassVar[str] = "anisotropy"

    def __init__(self, mesh: Mesh, material: Material):
        mat = per_cell(material, mesh)
        mag = mat.Ms > 0
        self.Ku1 = jnp.where(mag, mat.Ku1, 0.0)
        self.Ku2 = jnp.where(mag, mat.Ku2, 0.0)
        self.u = mat.anis_u
        self.Ms = mat.Ms
        self.cell_volume = mesh.cell_volume

    def energy(self, m, t=0.0):
        mu = dot(m, self.u)
        return self.cell_volume * jnp.sum(-self.Ku1 * mu**2 - self.Ku2 * mu**4)

    def field(self, m, t=0.0):
        mu = dot(m, self.u)
        coef = (2 * self.Ku1 * mu + 4 * self.Ku2 * mu**3) * safe_inverse(MU0 * self.Ms)
        return coef * self.u


class CubicAnisotropy(AbstractEnergy):
    """``E = Σ V [Kc1 (a1² a2² + a2² a3² + a3² a1²) + Kc2 a1² a2² a3²
    + Kc3 (a1⁴ a2⁴ + a2⁴ a3⁴ + a3⁴ a1⁴)]``, ``ai = m·ci``, with ``Kc1..3`` in J/m³ and
    axes ``c1``, ``c2`` (``c3 = c1 × c2``) from the material (the terms of mumax3).
    Field by autodiff."""

    Kc1: Float[Array, "nx ny nz"]
    Kc2: Float[Array, "nx ny nz"]
    Kc3: Float[Array, "nx ny nz"]
    c1: Float[Array, "3 nx ny nz"]
    c2: Float[Array, "3 nx ny nz"]
    c3: Float[Array, "3 nx ny nz"]
    Ms: Float[Array, "nx ny nz"]
    cell_volume: float
    name: ClassVar[str] = "cubic_anisotropy"

    def __init__(self, mesh: Mesh, material: Material):
        mat = per_cell(material, mesh)
        self.Kc1 = jnp.where(mat.Ms > 0, mat.Kc1, 0.0)
        self.Kc2 = jnp.where(mat.Ms > 0, mat.Kc2, 0.0)
        self.Kc3 = jnp.where(mat.Ms > 0, mat.Kc3, 0.0)
        self.c1, self.c2, self.c3 = mat.anis_c1, mat.anis_c2, mat.anis_c3
        self.Ms = mat.Ms
        self.cell_volume = mesh.cell_volume

    def energy(self, m, t=0.0):
        a1 = dot(m, self.c1) ** 2
        a2 = dot(m, self.c2) ** 2
        a3 = dot(m, self.c3) ** 2
        e = self.Kc1 * (a1 * a2 + a2 * a3 + a3 * a1) + self.Kc2 * a1 * a2 * a3
        e = e + self.Kc3 * ((a1 * a2) ** 2 + (a2 * a3) ** 2 + (a3 * a1) ** 2)
        return self.cell_volume * jnp.sum(e)

    def field(self, m, t=0.0):
        return field_from_energy(lambda mm: self.energy(mm, t), m, self.Ms, self.cell_volume)
