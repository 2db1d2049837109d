"""Dzyaloshinskii–Moriya interaction (DMI): interfacial (Cnv), bulk (T/O) and D2d.

Each kind is a sum of Lifshitz invariants ``L_ij^(k) = m_i ∂_k m_j - m_j ∂_k m_i``,
written as ``w = D Σ_a d_a · (m × ∂_a m)`` with one fixed unit vector ``d_a`` per
spatial axis ``a``:

- :class:`InterfacialDMI` (Cnv, DMI normal along z):
  ``w = D (L_xz^(x) + L_yz^(y)) = D ((m·∇) m_z - m_z ∇·m)`` (in-plane derivatives),
  i.e. ``d_x = -ŷ``, ``d_y = +x̂``, ``d_z = 0``; Ubermag's ``Cnv_z``.
- :class:`BulkDMI` (T or O): ``w = D m · (∇ × m)``, ``d_a = -ê_a``.
- :class:`D2dDMI` (antiskyrmions, D2d with the ``S4`` axis along z):
  ``w = D (L_xz^(y) + L_yz^(x)) = D m · (∂_x m × x̂ - ∂_y m × ŷ)``, ``d_x = +x̂``,
  ``d_y = -ŷ``: OOMMF's ``Oxs_DMI_D2d_z`` and Ubermag's ``crystalclass="D2d_z"``. The
  form ``D (L_xz^(x) - L_yz^(y))`` (``d_x = -ŷ``, ``d_y = -x̂``; e.g. Hoffmann et al.,
  Nat. Commun. 8, 308 (2017)) is the same class with the crystal's axes turned by 45°
  about z (by -45°; turned by +45° it is the same with ``-D``). jaxmag implements the
  OOMMF form.

**Sign convention.** With ``D > 0`` the relaxed 1D wire of the DMI standard problem
(Cortés-Ortuño et al., New J. Phys. 20, 113015 (2018)) has ``m_x < 0`` at its left end
(x = -50 nm), as with fidimag's ``D=+3e-3`` and OOMMF's Cnv class. mumax3 writes the
same state with ``Dind = -3e-3``: jaxmag's interfacial ``D`` is ``-Dind``. Bulk and D2d:
the ``D`` of the densities as Ubermag writes them (T/O, D2d_z); the bulk sign has not
been checked here against mumax3's ``Dbulk``.

**Discretisation.** Central differences on the cell-centred grid, summed into one term
per face between neighbours ``i`` and ``j = i + ê_a``:

``E = V Σ_a Σ_faces (D_f / Δ_a) d_a · (m_i × m_j)``,

the scheme of OOMMF and fidimag. At sample surfaces and holes (cells with ``Ms = 0``)
the missing neighbour is omitted (its face has ``D_f = 0``). This is no approximation
of the boundary condition: minimising the discrete energy, with exchange, gives the
free-surface condition of Rohart & Thiaville (PRB 88, 184422 (2013)) as Δ → 0:
``2A ∂m/∂n = D m × d_n`` with ``d_n = Σ_a n_a d_a`` for the outward normal ``n̂``
(interfacial: ``∂m/∂n = (D/2A) (ẑ × n̂) × m``), the condition mumax3 imposes through
ghost cells. The three codes agree on the published 1D wire to 5e-6 and this
scheme reproduces their cells (see ``tests/test_dmi.py``).

**Between cells.** The face value ``D_f`` is the harmonic mean ``2 D1 D2 / (D1 + D2)``
of the two cells, as :func:`~jaxmag.energy.face_stiffness` does for ``A``, and
0 where either cell is non-magnetic, or where the two ``D`` have opposite signs or one
is zero (there the harmonic mean is not defined; 0 is its limit). The material's
``exchange_scaling`` does not scale the DMI. Along periodic axes (``Mesh.pbc``) the
faces wrap around, as for exchange.

Axes with one cell and open boundaries have no faces: a film with ``nz = 1`` has no
z derivatives (interfacial and D2d DMI have none anyway).
"""

import functools
from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from jaxmag._material import Material, per_cell
from jaxmag._mesh import Mesh
from jaxmag._validate import check_real, check_shape
from jaxmag.constants import MU0
from jaxmag.energy._base import AbstractEnergy, safe_inverse
from jaxmag.energy._exchange import face_scatter, faces_of, faces_on_cells, neighbour_pairs

# A DMI vector d_a per spatial axis a: (component, sign) for d_a = sign * ê_component,
# or None where the kind has no derivative along that axis.
_Vector = tuple[int, float] | None


def face_dmi(mesh: Mesh, material: Material, D, axis: int) -> Float[Array, "..."]:
    """DMI constant in J/m² on the faces between neighbours along ``axis``.

    The harmonic mean ``2 D1 D2 / (D1 + D2)`` of the two cells where both are magnetic
    and ``D1 D2 > 0``, else 0. Shapes as in :func:`~jaxmag.energy.face_stiffness`: one
    fewer entry along ``axis``, or the mesh shape along a periodic axis (face ``i``
    joining cell ``i`` to ``(i + 1) mod n``).

    **Arguments:**

    - `mesh`, `material`: the grid and material (``Ms = 0`` marks non-magnetic cells).
    - `D`: DMI constant per cell in J/m², shape ``(nx, ny, nz)``.
    - `axis`: 0, 1 or 2 (x, y, z).
    """
    mat = per_cell(material, mesh)
    D = jnp.broadcast_to(jnp.asarray(D, dtype=float), mesh.shape)
    return _face_mean(mat.Ms, D, axis, mesh.periodic[axis])


def _face_mean(Ms, D, axis: int, periodic: bool):
    D = jnp.where(Ms > 0, D, 0.0)
    lo, hi = neighbour_pairs(D.shape[axis], periodic)
    d1 = jnp.take(D, lo, axis=axis)
    d2 = jnp.take(D, hi, axis=axis)
    same = d1 * d2 > 0
    return jnp.where(same, 2 * d1 * d2 * safe_inverse(jnp.where(same, d1 + d2, 0.0)), 0.0)


@functools.partial(jax.jit, static_argnames=("cell", "periodic", "axes"))
def _coefficients(Ms, D, *, cell, periodic, axes):
    """``D_f / Δ_a`` per active axis (None elsewhere) and ``1/(μ0 Ms)``, in one compiled
    call (op by op, the set-up compiles a dozen small programs per mesh shape)."""
    D = jnp.broadcast_to(D, Ms.shape)
    coef = tuple(
        faces_on_cells(_face_mean(Ms, D, ax, periodic[ax]) / cell[ax], ax, periodic[ax])
        if ax in axes
        else None
        for ax in range(3)
    )
    return coef, safe_inverse(MU0 * Ms)


def _unit_cross(k: int, v):
    """``ê_k × v`` for a vector field ``v`` of shape ``(3, ...)``."""
    zero = jnp.zeros_like(v[0])
    if k == 0:
        return jnp.stack([zero, -v[2], v[1]])
    if k == 1:
        return jnp.stack([v[2], zero, -v[0]])
    return jnp.stack([-v[1], v[0], zero])


def _cross_component(k: int, a, b):
    """``(a × b)_k``."""
    i, j = (k + 1) % 3, (k + 2) % 3
    return a[i] * b[j] - a[j] * b[i]


def _pairs(m, axis: int, periodic: bool):
    """``(m_i, m_j)`` over the faces along array ``axis`` (j = i + 1, wrapping)."""
    if periodic:
        return m, jnp.roll(m, -1, axis=axis)
    n = m.shape[axis]
    return (
        jax.lax.slice_in_dim(m, 0, n - 1, axis=axis),
        jax.lax.slice_in_dim(m, 1, n, axis=axis),
    )


class AbstractDMI(AbstractEnergy):
    """A DMI term ``E = V Σ_a Σ_faces (D_f / Δ_a) d_a · (m_i × m_j)`` (see the module
    docstring for the kinds, the sign convention and the boundaries). Subclasses fix
    ``vectors`` (one ``d_a`` per axis). The field is hand-written and tested against the
    autodiff field:

    ``H_k = Σ_a d_a × (G⁺ m_{k+1} - G⁻ m_{k-1}) / (μ0 Ms)``, ``G = D_f / Δ_a``.

    **Arguments:**

    - `mesh`: the grid (periodic axes from ``mesh.pbc``).
    - `material`: the material; ``Ms = 0`` marks holes and the outside.
    - `D`: DMI constant in J/m², a scalar or a per-cell array ``(nx, ny, nz)``; finite,
      any sign (the sign sets the chirality).
    """

    coef: tuple[Float[Array, "..."] | None, ...]
    inv_mu0_Ms: Float[Array, "nx ny nz"]
    cell_volume: float
    periodic: tuple[bool, bool, bool] = eqx.field(static=True)
    vectors: eqx.AbstractClassVar[tuple[_Vector, _Vector, _Vector]]
    name: ClassVar[str] = "dmi"

    def __init__(self, mesh: Mesh, material: Material, D):
        if not isinstance(mesh, Mesh):
            raise TypeError(f"mesh must be a Mesh, got {type(mesh).__name__}")
        check_real("D (J/m²)", D)
        D = jnp.asarray(D, dtype=float)
        check_shape("D (J/m²)", D, ((), mesh.shape))
        mat = per_cell(material, mesh)
        axes = tuple(
            ax
            for ax, vec in enumerate(self.vectors)
            if vec is not None and (mesh.shape[ax] > 1 or mesh.periodic[ax])
        )
        self.coef, self.inv_mu0_Ms = _coefficients(
            mat.Ms, D, cell=mesh.cell, periodic=mesh.periodic, axes=axes
        )
        self.periodic = mesh.periodic
        self.cell_volume = mesh.cell_volume

    def energy(self, m, t=0.0):
        e = jnp.zeros((), m.dtype)
        for ax, (c, vec) in enumerate(zip(self.coef, self.vectors, strict=True)):
            if c is None:
                continue
            k, sign = vec
            mi, mj = _pairs(m, ax + 1, self.periodic[ax])
            c = faces_of(c, ax, self.periodic[ax])
            e = e + sign * jnp.sum(c * _cross_component(k, mi, mj))
        return self.cell_volume * e

    def field(self, m, t=0.0):
        H = jnp.zeros_like(m)
        for ax, (c, vec) in enumerate(zip(self.coef, self.vectors, strict=True)):
            if c is None:
                continue
            k, sign = vec
            mi, mj = _pairs(m, ax + 1, self.periodic[ax])
            c = faces_of(c, ax, self.periodic[ax])
            v = face_scatter(c * mj, c * mi, ax + 1, self.periodic[ax])
            H = H + sign * _unit_cross(k, v)
        return H * self.inv_mu0_Ms


class InterfacialDMI(AbstractDMI):
    """Interfacial (Cnv) DMI with its normal along z:
    ``w = D (L_xz^(x) + L_yz^(y))``, D in J/m² (jaxmag ``D`` = -mumax3 ``Dind``).
    Arguments as in :class:`AbstractDMI`."""

    vectors: ClassVar = ((1, -1.0), (0, 1.0), None)


class BulkDMI(AbstractDMI):
    """Bulk (T/O) DMI ``w = D m · (∇ × m)``, D in J/m².
    Arguments as in :class:`AbstractDMI`."""

    vectors: ClassVar = ((0, -1.0), (1, -1.0), (2, -1.0))


class D2dDMI(AbstractDMI):
    """D2d DMI (antiskyrmions) ``w = D (L_xz^(y) + L_yz^(x))``, D in J/m², as OOMMF's
    ``Oxs_DMI_D2d_z`` and Ubermag's ``D2d_z``. Arguments as in :class:`AbstractDMI`."""

    vectors: ClassVar = ((0, 1.0), (1, -1.0), None)


DMI_KINDS: dict[str, type[AbstractDMI]] = {
    "interfacial": InterfacialDMI,
    "bulk": BulkDMI,
    "d2d": D2dDMI,
}
"""The DMI classes by kind name (``"interfacial"`` = Cnv, ``"bulk"`` = T/O, ``"d2d"``)."""


def make_dmi(kind: str, mesh: Mesh, material: Material, D) -> AbstractDMI:
    """The DMI term of ``kind`` (a key of :data:`DMI_KINDS`) with constant ``D`` in
    J/m² (scalar or per-cell). Raises ``ValueError`` for an unknown kind."""
    if kind not in DMI_KINDS:
        raise ValueError(f"unknown DMI kind {kind!r}; expected one of {sorted(DMI_KINDS)}")
    return DMI_KINDS[kind](mesh, material, D)
