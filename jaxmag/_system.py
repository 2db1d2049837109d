"""A micromagnetic system: mesh, per-cell material and a tuple of energy terms."""

import equinox as eqx
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, Scalar

from jaxmag._material import Material, per_cell
from jaxmag._mesh import Mesh
from jaxmag._validate import check_real, is_concrete
from jaxmag.constants import GAMMA_LL
from jaxmag.energy import (
    AbstractEnergy,
    CubicAnisotropy,
    Demag,
    Exchange,
    UniaxialAnisotropy,
    Zeeman,
)
from jaxmag.torques._base import AbstractTorque
from jaxmag.vectors import normalise


class System(eqx.Module):
    """Everything the LLG equation needs. A pytree: ``jit``, ``vmap`` and ``grad`` apply.

    **Arguments:**

    - `mesh`: the grid.
    - `material`: the material (made per-cell on ``mesh`` here).
    - `terms`: a tuple of energy terms, summed. Add your own ``AbstractEnergy`` freely.
    - `gamma`: gyromagnetic ratio in m/(A s) (Landau–Lifshitz form, default 2.211e5).
    - `torques`: a tuple of spin torques (:class:`~jaxmag.torques.AbstractTorque`), added
      to the LLG right-hand side.
    """

    mesh: Mesh
    material: Material
    terms: tuple[AbstractEnergy, ...]
    gamma: float = GAMMA_LL
    torques: tuple[AbstractTorque, ...] = ()

    def __init__(self, mesh: Mesh, material: Material, terms, gamma: float = GAMMA_LL, torques=()):
        self.mesh = mesh
        self.material = per_cell(material, mesh)
        terms = tuple(terms)
        for term in terms:
            if not isinstance(term, AbstractEnergy):
                raise TypeError(f"terms must be AbstractEnergy instances, got {term!r}")
        self.terms = terms
        torques = tuple(torques)
        for tq in torques:
            if not isinstance(tq, AbstractTorque):
                raise TypeError(f"torques must be AbstractTorque instances, got {tq!r}")
        self.torques = torques
        check_real("gamma (m/(A s))", gamma, positive=True)
        self.gamma = gamma

    @property
    def magnetic(self) -> Float[Array, "nx ny nz"]:
        """Boolean mask of magnetic cells (Ms > 0)."""
        return self.material.Ms > 0

    def field(self, m: Float[Array, "3 nx ny nz"], t: Scalar | float = 0.0):
        """The total effective field in A/m."""
        return sum((term.field(m, t) for term in self.terms), jnp.zeros_like(m))

    def energy(self, m: Float[Array, "3 nx ny nz"], t: Scalar | float = 0.0) -> Scalar:
        """The total energy in J."""
        return sum((term.energy(m, t) for term in self.terms), jnp.zeros((), m.dtype))

    def energies(self, m: Float[Array, "3 nx ny nz"], t: Scalar | float = 0.0) -> dict:
        """Energy of each term in J, keyed by term name (``exchange``, ``demag``, ...)."""
        out = {}
        for term in self.terms:
            key = term.name
            k = 2
            while key in out:
                key, k = f"{term.name}_{k}", k + 1
            out[key] = term.energy(m, t)
        return out

    def check_magnetisation(self, m) -> Float[Array, "3 nx ny nz"]:
        """Validate ``m`` (shape, NaN, zero length in a magnetic cell) and return it
        normalised, as an array of the default float dtype."""
        if not hasattr(m, "shape"):
            m = np.asarray(m, dtype=float)
        if m.shape == (3,):
            m = jnp.broadcast_to(
                jnp.asarray(m, dtype=float).reshape(3, 1, 1, 1), (3, *self.mesh.shape)
            )
        if tuple(m.shape) != (3, *self.mesh.shape):
            raise ValueError(
                f"magnetisation m has shape {tuple(m.shape)}, expected "
                f"(3,) or {(3, *self.mesh.shape)}"
            )
        m = jnp.asarray(m, dtype=float)
        if is_concrete(m):
            a = np.asarray(m)
            if not np.all(np.isfinite(a)):
                raise ValueError("magnetisation m contains NaN or inf")
            norm = np.sqrt(np.sum(a * a, axis=0))
            mag = self.magnetic  # traced under grad w.r.t. Ms: then not checkable here
            bad = (norm == 0) & np.asarray(mag) if is_concrete(mag) else np.zeros(1, bool)
            if np.any(bad):
                where = tuple(int(i) for i in np.argwhere(bad)[0])
                raise ValueError(f"magnetisation m has zero length in magnetic cell {where}")
        return jnp.where(self.magnetic, normalise(m), 0.0)


def make_system(
    mesh: Mesh,
    material: Material,
    *,
    mask=None,
    H=None,
    exchange: bool = True,
    demag: bool = True,
    anisotropy: bool | None = None,
    extra_terms=(),
    gamma: float = GAMMA_LL,
    torques=(),
) -> System:
    """A :class:`System` with the usual terms.

    **Arguments:**

    - `mesh`, `material`: the grid and material.
    - `mask`: optional boolean ``(nx, ny, nz)`` geometry (Ms = 0 outside); see
      :mod:`jaxmag.shapes`.
    - `H`: optional applied field in A/m, ``(3,)`` or ``(3, nx, ny, nz)``.
    - `exchange`, `demag`: include these terms.
    - `anisotropy`: include uniaxial and cubic anisotropy; by default when the
      material's ``Ku1``, ``Ku2`` or ``Kc1`` is non-zero.
    - `extra_terms`: further energy terms.
    - `gamma`: gyromagnetic ratio in m/(A s).
    - `torques`: spin torques added to the LLG right-hand side.
    """
    mat = material.on(mesh, mask)
    terms = []
    if exchange:
        terms.append(Exchange(mesh, mat))
    if demag:
        terms.append(Demag(mesh, mat))

    def used(name):  # traced parameters (under grad/vmap) count as used
        v = getattr(mat, name)
        return not is_concrete(v) or bool(jnp.any(v != 0))

    if anisotropy or (anisotropy is None and (used("Ku1") or used("Ku2"))):
        terms.append(UniaxialAnisotropy(mesh, mat))
    if anisotropy or (anisotropy is None and used("Kc1")):
        terms.append(CubicAnisotropy(mesh, mat))
    if H is not None:
        terms.append(Zeeman(mesh, mat, H))
    terms.extend(extra_terms)
    return System(mesh, mat, tuple(terms), gamma, torques)
