"""Magnetoelastic coupling of a cubic crystal to a prescribed strain (no elastodynamics):
the energy, its field, the stress and force it exerts on the lattice, and the coupling
constants from magnetostriction."""

from collections.abc import Callable
from typing import ClassVar

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, Scalar

from jaxmag._material import Material, per_cell, unit_vector
from jaxmag._mesh import Mesh
from jaxmag._validate import check_real, check_shape, is_concrete
from jaxmag.constants import MU0
from jaxmag.energy._base import AbstractEnergy, safe_inverse
from jaxmag.energy._strain import derivative, from_matrix, rotation, to_matrix


def magnetoelastic_constants(lambda100, lambda111, C11, C12, C44) -> tuple:
    """The magnetoelastic coupling constants of a cubic crystal from its magnetostriction:
    ``B1 = -(3/2) λ100 (C11 - C12)`` and ``B2 = -3 λ111 C44``.

    **Arguments:**

    - `lambda100`, `lambda111`: saturation magnetostriction along ⟨100⟩ and ⟨111⟩
      (dimensionless, e.g. -46e-6).
    - `C11`, `C12`, `C44`: elastic stiffnesses in Pa, with ``C44 > 0`` and
      ``C11 > C12`` (a stable cubic lattice).

    **Returns:** ``(B1, B2)`` in J/m³, for :class:`MagnetoElastic`.

    Example, nickel (λ100 = -46e-6, λ111 = -24e-6, C11 = 246.5 GPa, C12 = 147.3 GPa,
    C44 = 124.7 GPa): ``B1 = 1.5 × 46e-6 × 99.2e9 = 6.845e6`` J/m³ and
    ``B2 = 3 × 24e-6 × 124.7e9 = 8.978e6`` J/m³.
    """
    check_real("lambda100", lambda100)
    check_real("lambda111", lambda111)
    check_real("C11 (Pa)", C11, positive=True)
    check_real("C12 (Pa)", C12)
    check_real("C44 (Pa)", C44, positive=True)
    if is_concrete(C11) and is_concrete(C12):
        if not np.all(np.asarray(C11) > np.asarray(C12)):
            raise ValueError(
                f"C11 must exceed C12 (a stable cubic lattice), got C11 = {C11!r} Pa and "
                f"C12 = {C12!r} Pa"
            )
    return -1.5 * lambda100 * (C11 - C12), -3 * lambda111 * C44


def _strain_shape_ok(shape: tuple, mesh: Mesh) -> bool:
    full = (6, *mesh.shape)
    if shape == (6,):
        return True
    if len(shape) != 4 or shape[0] != 6:
        return False
    try:
        return np.broadcast_shapes(shape, full) == full
    except ValueError:
        return False


def _as_strain(value):
    value = jnp.asarray(value, dtype=float)
    return value.reshape(6, 1, 1, 1) if value.ndim == 1 else value


class MagnetoElastic(AbstractEnergy):
    """First-order magnetoelastic coupling of a cubic crystal to a prescribed strain:
    ``E = Σ V [B1 Σ_i ε_ii m_i² + 2 B2 Σ_{i<j} ε_ij m_i m_j]`` with ``m`` and ``ε`` in the
    crystal frame (mumax3's and mumax+'s term). The field
    ``H_i = -(2 / (μ0 Ms)) (B1 ε_ii m_i + B2 Σ_{j≠i} ε_ij m_j)`` is hand-written and
    tested against the autodiff field; it is 0 where ``Ms = 0``.

    A uniform ``ε_xx = ε`` acts as a uniaxial anisotropy along x with ``Ku1 = -B1 ε``.

    **Arguments:**

    - `mesh`, `material`: the grid and the material (``Ms`` from it, A/m).
    - `B1`, `B2`: magnetoelastic coupling constants in J/m³, scalars or ``(nx, ny, nz)``
      (see :func:`magnetoelastic_constants`); ignored where ``Ms = 0``.
    - `strain`: the strain (dimensionless), six components ``(xx, yy, zz, xy, xz, yz)``
      with tensor shear ``ε_xy`` (not the engineering ``γ_xy = 2 ε_xy``): shape ``(6,)``
      (uniform) or ``(6, nx, ny, nz)``; or a differentiable function of time ``t`` (s)
      returning ``(6,)`` or a 4-D array broadcastable to ``(6, nx, ny, nz)``, e.g. a
      travelling surface acoustic wave ``ε_xx(x, t) = ε0 cos(k x - ω t)``. The strain of
      a displacement field comes from :func:`strain_from_displacement`.
    - `axes`: optional cubic crystal axes ``(c1, c2)`` (``c3 = c1 × c2``), each ``(3,)``
      or ``(3, nx, ny, nz)``, orthogonal (``c2`` is made exactly orthogonal to ``c1``);
      ``m`` and ``ε`` are rotated into that frame (``R m``, ``R ε Rᵀ``, the rows of
      ``R`` being ``c1, c2, c3``). Default: the crystal axes are x, y, z.
    """

    B1: Float[Array, "nx ny nz"]
    B2: Float[Array, "nx ny nz"]
    Ms: Float[Array, "nx ny nz"]
    eps: Float[Array, "6 ..."] | None
    strain_fn: Callable | None
    R: Float[Array, "3 3 ..."] | None
    mesh: Mesh
    cell_volume: float
    name: ClassVar[str] = "magnetoelastic"

    def __init__(self, mesh: Mesh, material: Material, B1, B2, strain, *, axes=None):
        for label, B in (("B1 (J/m³)", B1), ("B2 (J/m³)", B2)):
            check_real(label, B)
            check_shape(label, B, ((), mesh.shape))
        if callable(strain):
            eps, strain_fn = None, strain
            value = strain(0.0)
            check_real("strain(0)", value)
            if not _strain_shape_ok(tuple(np.shape(value)), mesh):
                raise ValueError(
                    f"strain(0) has shape {np.shape(value)}, expected (6,) or a 4-D array "
                    f"broadcastable to (6, *mesh.shape) = {(6, *mesh.shape)}: the components "
                    "(xx, yy, zz, xy, xz, yz) first"
                )
        else:
            check_real("strain", strain)
            check_shape("strain", strain, ((6,), (6, *mesh.shape)))
            eps, strain_fn = _as_strain(strain), None
        self.R = None if axes is None else _axes(axes, mesh)
        mat = per_cell(material, mesh)
        mag = mat.Ms > 0
        self.B1 = jnp.where(mag, jnp.asarray(B1, dtype=float), 0.0)
        self.B2 = jnp.where(mag, jnp.asarray(B2, dtype=float), 0.0)
        self.Ms = mat.Ms
        self.eps = eps
        self.strain_fn = strain_fn
        self.mesh = mesh
        self.cell_volume = mesh.cell_volume

    def strain(self, t: Scalar | float = 0.0) -> Float[Array, "6 ..."]:
        """The strain at time ``t`` (s), ``(6, ...)`` broadcastable to ``(6, nx, ny, nz)``,
        in the lab frame."""
        return self.eps if self.strain_fn is None else _as_strain(self.strain_fn(t))

    def _crystal(self, m, t):
        """``m`` and the six strain components in the crystal frame."""
        eps = self.strain(t)
        if self.R is None:
            return m, eps
        ec = jnp.einsum("ai...,ij...,bj...->ab...", self.R, to_matrix(eps), self.R)
        return self._rotate(m), from_matrix(ec)

    def _rotate(self, m):
        """``R m``: ``m`` in the crystal frame."""
        return m if self.R is None else jnp.einsum("ai...,i...->a...", self.R, m)

    def energy(self, m, t=0.0):
        (mx, my, mz), (xx, yy, zz, xy, xz, yz) = self._crystal(m, t)
        e = self.B1 * (xx * mx**2 + yy * my**2 + zz * mz**2)
        e = e + 2 * self.B2 * (xy * mx * my + xz * mx * mz + yz * my * mz)
        return self.cell_volume * jnp.sum(e)

    def field(self, m, t=0.0):
        (mx, my, mz), (xx, yy, zz, xy, xz, yz) = self._crystal(m, t)
        B1, B2 = self.B1, self.B2
        h = jnp.stack(
            [
                B1 * xx * mx + B2 * (xy * my + xz * mz),
                B1 * yy * my + B2 * (xy * mx + yz * mz),
                B1 * zz * mz + B2 * (xz * mx + yz * my),
            ]
        )
        if self.R is not None:
            h = jnp.einsum("ai...,a...->i...", self.R, h)
        return -2 * h * safe_inverse(MU0 * self.Ms)

    def stress(self, m: Float[Array, "3 nx ny nz"], t: Scalar | float = 0.0):
        """The magnetoelastic stress ``σ_ij = ∂e/∂ε_ij`` in Pa (J/m³), shape
        ``(6, nx, ny, nz)`` in the order ``(xx, yy, zz, xy, xz, yz)``: in the crystal
        frame ``σ_ii = B1 m_i²`` and ``σ_ij = B2 m_i m_j`` (``i ≠ j``), the symmetric
        tensor with ``δe = Σ_ij σ_ij δε_ij`` over all nine ``(i, j)`` (so the derivative
        by the one component ``ε_xy = ε_yx`` is ``2 σ_xy``); rotated back to the lab
        frame (``Rᵀ σ R``). It does not depend on the strain or on ``t``."""
        return _stress(m, self.B1, self.B2, self.R)

    def force(self, m: Float[Array, "3 nx ny nz"], t: Scalar | float = 0.0):
        """The magnetoelastic body force density ``f_i = Σ_j ∂_j σ_ij`` in N/m³, shape
        ``(3, nx, ny, nz)``, with the stress of :meth:`stress`.

        The derivative goes through the chain rule, ``∂_j σ = (∂σ/∂m) ∂_j m + (∂σ/∂B)
        ∂_j B (+ (∂σ/∂R) ∂_j R for per-cell axes)`` (``jax.jvp``), with ``∂_j m`` by the
        fourth-order differences of :func:`strain_from_displacement` (second order in
        the two cells next to a free surface, wrapping along periodic axes). For
        uniform ``B1``, ``B2`` this is mumax3's ``F_mel``, ``f_x = 2 B1 m_x ∂_x m_x +
        B2 (m_x (∂_y m_y + ∂_z m_z) + m_y ∂_y m_x + m_z ∂_z m_x)``: differentiating ``m``
        (wavenumber ``k``) rather than products of its components (``2k``) makes the
        error 16 times smaller. For ``m = (sin kx, cos kx, 0)``:
        ``f_x = 2 B1 k sin cos`` and ``f_y = B2 k (cos² - sin²)``. Holes (``Ms = 0``
        cells inside the grid) are not free surfaces here: the stencils see their zeros.
        """
        mesh = self.mesh
        m = jnp.asarray(m, dtype=float)
        args = (m, self.B1, self.B2) + (() if self.R is None else (self.R,))
        lead = (1, 0, 0, 2)  # axes before the spatial ones: m (3, ...), B, B, R (3, 3, ...)
        f = jnp.zeros_like(m)
        for j in range(3):
            if mesh.n[j] == 1:
                continue
            tangents = tuple(
                derivative(a, lead[i] + j, mesh.cell[j], mesh.periodic[j])
                if a.ndim > lead[i] and a.shape[lead[i] + j] == mesh.n[j]
                else jnp.zeros_like(a)
                for i, a in enumerate(args)
            )
            fn = lambda *a: to_matrix(_stress(*a) if len(a) == 4 else _stress(*a, None))  # noqa: E731
            _, dsigma = jax.jvp(fn, args, tangents)
            f = f + dsigma[:, j]
        return f


def _stress(m, B1, B2, R):
    """The stress of :meth:`MagnetoElastic.stress` (Pa) from ``m``, ``B1``, ``B2`` and the
    rotation ``R`` into the crystal frame (``None``: the lab frame)."""
    mx, my, mz = m if R is None else jnp.einsum("ai...,i...->a...", R, m)
    s = jnp.stack([B1 * mx**2, B1 * my**2, B1 * mz**2, B2 * mx * my, B2 * mx * mz, B2 * my * mz])
    if R is None:
        return s
    return from_matrix(jnp.einsum("ai...,ab...,bj...->ij...", R, to_matrix(s), R))


def _axes(axes, mesh: Mesh) -> Float[Array, "3 3 ..."]:
    """The rotation into the crystal frame of ``axes = (c1, c2)``, ``(3, 3, 1, 1, 1)`` or
    ``(3, 3, nx, ny, nz)``."""
    if not isinstance(axes, list | tuple) or len(axes) != 2:
        raise TypeError(f"axes must be a pair (c1, c2) of vectors, got {axes!r}")
    shapes = ((3,), (3, *mesh.shape))
    c1 = unit_vector("axes c1", axes[0], shapes)
    c2 = unit_vector("axes c2", axes[1], shapes)
    c1, c2 = (c.reshape(3, 1, 1, 1) if c.ndim == 1 else c for c in (c1, c2))
    dot = jnp.sum(c1 * c2, axis=0)
    if is_concrete(dot) and np.any(np.abs(np.asarray(dot)) > 1e-6):
        worst = float(np.abs(np.asarray(dot)).max())
        raise ValueError(f"axes c1 and c2 must be orthogonal, got |c1·c2| = {worst:.3g}")
    c2 = c2 - dot * c1  # exactly orthogonal
    c2 = c2 / jnp.sqrt(jnp.sum(c2**2, axis=0))
    return rotation(*jnp.broadcast_arrays(c1, c2))
