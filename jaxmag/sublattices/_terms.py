"""Energy terms of a system of sublattices: the state is ``(3, N, nx, ny, nz)``, vector
component first, then the sublattice, so that jaxmag's projection (``normalise`` along
the first axis) keeps every sublattice on its own sphere."""

import abc
from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float, Scalar

from jaxmag._material import Material, per_cell
from jaxmag._mesh import Mesh
from jaxmag._validate import check_real, check_shape
from jaxmag.constants import MU0
from jaxmag.energy import AbstractEnergy, Demag
from jaxmag.energy._exchange import face_divergence, forward_difference
from jaxmag.vectors import dot, safe_inverse


class AbstractSublatticeEnergy(eqx.Module):
    """An energy of the stacked state ``m`` of shape ``(3, N, nx, ny, nz)``: ``energy``
    in J and ``field`` in A/m per sublattice, ``H_i = -1/(μ0 Ms_i V) ∂E/∂m_i``."""

    name: ClassVar[str] = "energy"

    @abc.abstractmethod
    def energy(self, m: Float[Array, "3 N nx ny nz"], t: Scalar | float = 0.0) -> Scalar:
        """Energy in J."""

    @abc.abstractmethod
    def field(
        self, m: Float[Array, "3 N nx ny nz"], t: Scalar | float = 0.0
    ) -> Float[Array, "3 N nx ny nz"]:
        """Effective field of each sublattice in A/m."""


class OnSublattice(AbstractSublatticeEnergy):
    """An ordinary jaxmag energy term (built with that sublattice's material) acting on
    sublattice `index` alone: anisotropy, intra-sublattice exchange, DMI, Zeeman."""

    index: int = eqx.field(static=True)
    term: AbstractEnergy

    @property
    def name(self) -> str:  # type: ignore[override]
        return f"{self.term.name}_{self.index}"

    def energy(self, m, t=0.0):
        return self.term.energy(m[:, self.index], t)

    def field(self, m, t=0.0):
        H = jnp.zeros_like(m)
        return H.at[:, self.index].set(self.term.field(m[:, self.index], t))


class HomogeneousExchange(AbstractSublatticeEnergy):
    """The exchange between sublattices `i` and `j` within a cell (mumax+'s
    parameterisation): ``E = -V Σ (4 A_c / a²) m_i · m_j``, so that
    ``H_i = 4 A_c m_j / (a² μ0 Ms_i)`` (A/m).

    **Arguments:** `mesh`; `Ms`, the ``(N, nx, ny, nz)`` saturation magnetisations (A/m);
    `A_c` in J/m (negative: antiferromagnetic), scalar or per cell; `a`, the lattice
    constant in m (> 0); `pair`, the two sublattice indices.
    """

    coef: Float[Array, "..."]
    Ms: Float[Array, "N nx ny nz"]
    cell_volume: float
    pair: tuple[int, int] = eqx.field(static=True)
    name: ClassVar[str] = "homogeneous_exchange"

    def __init__(self, mesh: Mesh, Ms, A_c, a: float, pair=(0, 1)):
        check_real("A_c (J/m)", A_c)
        check_shape("A_c (J/m)", A_c, ((), mesh.shape))
        check_real("a (m)", a, positive=True)
        self.Ms = jnp.asarray(Ms, dtype=float)
        mag = (self.Ms[pair[0]] > 0) & (self.Ms[pair[1]] > 0)
        self.coef = jnp.where(mag, 4 * jnp.asarray(A_c, dtype=float) / a**2, 0.0)  # J/m³
        self.cell_volume = mesh.cell_volume
        self.pair = tuple(pair)

    def energy(self, m, t=0.0):
        i, j = self.pair
        return -self.cell_volume * jnp.sum(self.coef * dot(m[:, i], m[:, j]))

    def field(self, m, t=0.0):
        i, j = self.pair
        H = jnp.zeros_like(m)
        H = H.at[:, i].set(self.coef * m[:, j] * safe_inverse(MU0 * self.Ms[i]))
        return H.at[:, j].set(self.coef * m[:, i] * safe_inverse(MU0 * self.Ms[j]))


class InhomogeneousExchange(AbstractSublatticeEnergy):
    """The exchange between sublattices `i` and `j` of neighbouring cells (mumax+'s
    ``A_nn``): ``E = V Σ_faces A_nn (Δm_i · Δm_j) / d²``, the discretised
    ``∫ A_nn ∇m_i : ∇m_j dV``, so that ``H_i = A_nn ∇² m_j / (μ0 Ms_i)`` on the
    6-neighbour stencil with free (Neumann) boundaries, wrapping along periodic axes.
    `A_nn` in J/m (a scalar); the faces touching a non-magnetic cell carry none."""

    coef: tuple
    Ms: Float[Array, "N nx ny nz"]
    cell_volume: float
    pair: tuple[int, int] = eqx.field(static=True)
    periodic: tuple[bool, bool, bool] = eqx.field(static=True)
    name: ClassVar[str] = "inhomogeneous_exchange"

    def __init__(self, mesh: Mesh, Ms, A_nn: float, pair=(0, 1)):
        check_real("A_nn (J/m)", A_nn)
        check_shape("A_nn (J/m)", A_nn, ((),))
        self.Ms = jnp.asarray(Ms, dtype=float)
        mag = ((self.Ms[pair[0]] > 0) & (self.Ms[pair[1]] > 0)).astype(float)
        coef = []
        for ax in range(3):
            if mesh.n[ax] < 2 and not mesh.periodic[ax]:
                coef.append(None)
                continue
            both = mag * jnp.roll(mag, -1, axis=ax) if mesh.periodic[ax] else None
            if both is None:
                lo = jax.lax.slice_in_dim(mag, 0, mesh.n[ax] - 1, axis=ax)
                hi = jax.lax.slice_in_dim(mag, 1, mesh.n[ax], axis=ax)
                both = lo * hi
            coef.append(A_nn * both / mesh.cell[ax] ** 2)
        self.coef = tuple(coef)
        self.cell_volume = mesh.cell_volume
        self.pair = tuple(pair)
        self.periodic = mesh.periodic

    def energy(self, m, t=0.0):
        i, j = self.pair
        e = jnp.zeros((), m.dtype)
        for ax, c in enumerate(self.coef):
            if c is None:
                continue
            di = forward_difference(m[:, i], ax + 1, self.periodic[ax])
            dj = forward_difference(m[:, j], ax + 1, self.periodic[ax])
            e = e + jnp.sum(c * dot(di, dj))
        return self.cell_volume * e

    def _laplacian(self, v):
        out = jnp.zeros_like(v)
        for ax, c in enumerate(self.coef):
            if c is None:
                continue
            flux = c * forward_difference(v, ax + 1, self.periodic[ax])
            out = out + face_divergence(flux, ax + 1, self.periodic[ax])
        return out  # Σ A_nn (v_nb - v) / d² (J/m³ per unit v)

    def field(self, m, t=0.0):
        i, j = self.pair
        H = jnp.zeros_like(m)
        H = H.at[:, i].set(self._laplacian(m[:, j]) * safe_inverse(MU0 * self.Ms[i]))
        return H.at[:, j].set(self._laplacian(m[:, i]) * safe_inverse(MU0 * self.Ms[j]))


class TotalDemag(AbstractSublatticeEnergy):
    """The magnetostatic field of the total magnetisation ``M = Σ_i Ms_i m_i``, felt alike
    by every sublattice: ``E = -(μ0/2) V Σ M · H_d``, ``H_d = -N ⋆ M``. In an ideal
    antiferromagnet M = 0 and the term vanishes; with a net moment (a ferrimagnet, a
    canted state, walls of unequal sublattices) it is physical."""

    demag: Demag
    Ms: Float[Array, "N nx ny nz"]
    cell_volume: float
    name: ClassVar[str] = "demag"

    def __init__(self, mesh: Mesh, Ms, kernel: str = "newell"):
        self.Ms = jnp.asarray(Ms, dtype=float)
        unit = per_cell(Material(Ms=1.0), mesh)
        self.demag = Demag(mesh, unit, kernel=kernel)
        self.cell_volume = mesh.cell_volume

    def stray(self, m):
        """``H_d`` in A/m, ``(3, nx, ny, nz)``."""
        M = jnp.sum(self.Ms[None] * m, axis=1)
        return self.demag.field(M)

    def energy(self, m, t=0.0):
        M = jnp.sum(self.Ms[None] * m, axis=1)
        return -0.5 * MU0 * self.cell_volume * jnp.sum(dot(M, self.demag.field(M)))

    def field(self, m, t=0.0):
        H = self.stray(m)
        mag = self.Ms > 0
        return jnp.where(mag[None], H[:, None], 0.0)
