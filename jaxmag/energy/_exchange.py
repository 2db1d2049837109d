"""Heisenberg exchange on the 6-neighbour stencil with free (Neumann) boundaries, wrapping
around along periodic axes (``Mesh.pbc``)."""

from typing import ClassVar

import equinox as eqx
import jax.numpy as jnp
import numpy as np
from jax import lax
from jaxtyping import Array, Float

from jaxmag._material import Material, per_cell
from jaxmag._mesh import Mesh
from jaxmag.constants import MU0
from jaxmag.energy._base import AbstractEnergy, safe_inverse
from jaxmag.vectors import dot


def neighbour_pairs(n: int, periodic: bool) -> tuple[np.ndarray, np.ndarray]:
    """Indices ``(i, j)`` of the neighbour pairs along an axis of ``n`` cells: ``(k, k+1)``
    for ``k < n - 1``, and the wrap-around pair ``(n - 1, 0)`` when ``periodic``."""
    k = np.arange(n if periodic else n - 1)
    return k, (k + 1) % n


def forward_difference(m, axis: int, periodic: bool):
    """``m[i+1] - m[i]`` along array ``axis``: ``n - 1`` entries, or ``n`` with the
    wrap-around difference ``m[0] - m[n-1]`` last when ``periodic``."""
    if periodic:
        return jnp.roll(m, -1, axis=axis) - m
    return jnp.diff(m, axis=axis)


def face_scatter(face_lo, face_hi, axis: int, periodic: bool):
    """Face values to cells: cell ``k`` gets ``face_lo`` of its upper face ``(k, k+1)``
    minus ``face_hi`` of its lower face ``(k-1, k)``; a free boundary has no outer face."""
    if periodic:
        return face_lo - jnp.roll(face_hi, 1, axis=axis)
    lo = [(0, 0)] * face_lo.ndim
    hi = [(0, 0)] * face_lo.ndim
    lo[axis] = (0, 1)
    hi[axis] = (1, 0)
    return jnp.pad(face_lo, lo) - jnp.pad(face_hi, hi)


def face_divergence(flux, axis: int, periodic: bool):
    """The adjoint of :func:`forward_difference` (times -1): cell ``i`` receives
    ``flux[i] - flux[i-1]`` from its two faces; a free boundary has no outer face."""
    return face_scatter(flux, flux, axis, periodic)


def face_stiffness(mesh: Mesh, material: Material, axis: int) -> Float[Array, "..."]:
    """Exchange stiffness in J/m on the faces between neighbours along ``axis``.

    The harmonic mean ``2 A1 A2 / (A1 + A2)`` of the two cells, times the material's
    ``exchange_scaling[r1, r2]`` between different regions, and 0 where either cell is
    non-magnetic (so holes and surfaces are free boundaries). Shape: the mesh shape with
    one fewer entry along ``axis``; along a periodic axis (``mesh.pbc``) the same shape as
    the mesh, face ``i`` joining cell ``i`` to cell ``(i + 1) mod n``.
    """
    mat = per_cell(material, mesh)
    A = jnp.where(mat.Ms > 0, mat.A, 0.0)
    n = A.shape[axis]
    lo, hi = neighbour_pairs(n, mesh.periodic[axis])
    a1 = jnp.take(A, lo, axis=axis)
    a2 = jnp.take(A, hi, axis=axis)
    Af = 2 * a1 * a2 * safe_inverse(a1 + a2)
    if mat.region is not None and mat.exchange_scaling is not None:
        r1 = jnp.take(mat.region, lo, axis=axis)
        r2 = jnp.take(mat.region, hi, axis=axis)
        Af = Af * jnp.where(r1 == r2, 1.0, mat.exchange_scaling[r1, r2])
    return Af


def faces_on_cells(c, axis: int, periodic: bool):
    """Face values ``c`` along array `axis` stored on the mesh shape: along an open axis
    one zero face is appended (the outer face of the last cell, which has none), so that
    every per-face array has the mesh's shape and the periodic stencil (``jnp.roll``)
    applies to open axes too; the zero face cuts the wrap-around. Arrays of the mesh's
    shape split into slabs across devices like any per-cell array. An open axis of one
    cell has no face and keeps its empty array. :func:`faces_of` takes them back."""
    if periodic or c.shape[axis] == 0:
        return c
    pad = [(0, 0)] * c.ndim
    pad[axis] = (0, 1)
    return jnp.pad(c, pad)


def faces_of(c, axis: int, periodic: bool):
    """The face values stored by :func:`faces_on_cells`, without the appended zero face:
    ``n − 1`` along an open axis (a slice; free on one device)."""
    if periodic or c.shape[axis] == 0:
        return c
    return lax.slice_in_dim(c, 0, c.shape[axis] - 1, axis=axis)


class Exchange(AbstractEnergy):
    """``E = V Σ_faces A_f |m_j - m_i|² / d²``, the discretised ``∫ A |∇m|² dV``, with
    face stiffness ``A_f`` from :func:`face_stiffness` (J/m), stored on the mesh shape
    (:func:`faces_on_cells`). The field is hand-written (the stencil) and tested against
    the autodiff field."""

    coef: tuple[Float[Array, "..."], Float[Array, "..."], Float[Array, "..."]]
    inv_mu0_Ms: Float[Array, "nx ny nz"]
    cell_volume: float
    periodic: tuple[bool, bool, bool] = eqx.field(static=True)
    name: ClassVar[str] = "exchange"

    def __init__(self, mesh: Mesh, material: Material):
        self.periodic = mesh.periodic
        self.coef, self.inv_mu0_Ms = _coefficients(mesh, per_cell(material, mesh))
        self.cell_volume = mesh.cell_volume

    def energy(self, m, t=0.0):
        e = jnp.zeros((), m.dtype)
        for ax, c in enumerate(self.coef):
            if c.shape[ax] == 0:
                continue  # one cell along an open axis: no face
            dm = forward_difference(m, ax + 1, self.periodic[ax])
            e = e + 0.5 * jnp.sum(faces_of(c, ax, self.periodic[ax]) * dot(dm, dm))
        return self.cell_volume * e

    def field(self, m, t=0.0):
        H = jnp.zeros_like(m)
        for ax, c in enumerate(self.coef):
            if c.shape[ax] == 0:
                continue
            c = faces_of(c, ax, self.periodic[ax])
            flux = c * forward_difference(m, ax + 1, self.periodic[ax])
            H = H + face_divergence(flux, ax + 1, self.periodic[ax])
        return H * self.inv_mu0_Ms


@eqx.filter_jit
def _coefficients(mesh: Mesh, mat: Material):
    """``2 A_f / Δ_a²`` per axis on the mesh shape, and ``1/(μ0 Ms)``, in one compiled
    call (op by op, the set-up compiles some thirty small programs per mesh shape)."""
    coef = tuple(
        faces_on_cells(2 * face_stiffness(mesh, mat, ax) / mesh.cell[ax] ** 2, ax, p)
        for ax, p in enumerate(mesh.periodic)
    )
    return coef, safe_inverse(MU0 * mat.Ms)
