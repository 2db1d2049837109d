"""A system of N sublattices on one mesh, each with its own material, γ and LLG."""

import equinox as eqx
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, Scalar

from jaxmag._material import Material, per_cell
from jaxmag._mesh import Mesh
from jaxmag._validate import check_real
from jaxmag.constants import GAMMA_LL
from jaxmag.energy import Exchange, UniaxialAnisotropy, Zeeman
from jaxmag.sublattices._terms import (
    AbstractSublatticeEnergy,
    HomogeneousExchange,
    InhomogeneousExchange,
    OnSublattice,
    TotalDemag,
)
from jaxmag.torques import AbstractTorque
from jaxmag.vectors import normalise


class SublatticeSystem(eqx.Module):
    """N magnetisation fields on one mesh (a ferromagnet for N = 1, an antiferromagnet or
    ferrimagnet for N = 2), each with its own ``Ms``, ``α``, γ and terms. The state is
    ``m`` of shape ``(3, N, nx, ny, nz)``; each sublattice has its own LLG equation.

    **Arguments:**

    - `mesh`: the grid.
    - `materials`: one :class:`~jaxmag.Material` per sublattice (``Ms`` in A/m, ``alpha``,
      anisotropy, ``A`` for the exchange within the sublattice).
    - `terms`: :class:`AbstractSublatticeEnergy` terms (see :func:`make_sublattice_system`).
    - `gammas`: γ per sublattice in m/(A s) (Landau–Lifshitz form; default 2.211e5 each).
    - `torques`: ``(index, torque)`` pairs: a spin torque (:class:`~jaxmag.ZhangLi`,
      :class:`~jaxmag.Slonczewski`, :class:`~jaxmag.SpinOrbitTorque`) built with that
      sublattice's material (its Ms) and ``gamma`` (its γ), acting on that sublattice.
    """

    mesh: Mesh
    materials: tuple[Material, ...]
    terms: tuple[AbstractSublatticeEnergy, ...]
    gammas: Float[Array, " N"]
    torques: tuple = ()

    def __init__(self, mesh: Mesh, materials, terms, gammas=None, torques=()):
        materials = tuple(per_cell(m, mesh) for m in materials)
        if not materials:
            raise ValueError("a sublattice system needs at least one material")
        for term in terms:
            if not isinstance(term, AbstractSublatticeEnergy):
                raise TypeError(f"terms must be AbstractSublatticeEnergy, got {term!r}")
        n = len(materials)
        if gammas is None:
            gammas = (GAMMA_LL,) * n
        gammas = tuple(gammas)
        if len(gammas) != n:
            raise ValueError(f"{n} sublattices need {n} gammas, got {len(gammas)}")
        for g in gammas:
            check_real("gamma (m/(A s))", g, positive=True)
        self.mesh = mesh
        self.materials = materials
        self.terms = tuple(terms)
        self.gammas = jnp.asarray(gammas, dtype=float)
        torques = tuple(torques)
        for item in torques:
            if not (isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], int)
                    and isinstance(item[1], AbstractTorque) and 0 <= item[0] < n):  # fmt: skip
                raise TypeError(f"torques must be (sublattice index < {n}, AbstractTorque) pairs")
        self.torques = torques

    @property
    def n(self) -> int:
        """The number of sublattices."""
        return len(self.materials)

    @property
    def Ms(self) -> Float[Array, "N nx ny nz"]:
        return jnp.stack([m.Ms for m in self.materials])

    @property
    def material(self):
        """The per-sublattice ``Ms`` (A/m, ``(N, nx, ny, nz)``) and ``alpha``, stacked: what
        :func:`jaxmag.minimise` reads, so that it minimises a sublattice system too (each
        sublattice on its own sphere; the step is preconditioned by 1/Ms_i)."""
        return _Stacked(self.Ms, self.alpha)

    def check_magnetisation(self, m0) -> Float[Array, "3 N nx ny nz"]:
        """``m0`` as the stacked state: ``(3, N, nx, ny, nz)``, normalised, zero where a
        sublattice is non-magnetic; a clear error for any other shape."""
        m = jnp.asarray(m0, dtype=float)
        want = (3, self.n, *self.mesh.shape)
        if m.shape != want:
            raise ValueError(f"a sublattice state has shape (3, N, nx, ny, nz) = {want}, "
                             f"got {m.shape}; build it with system.initial(...)")  # fmt: skip
        return jnp.where(self.magnetic[None], normalise(m), 0.0)

    @property
    def alpha(self) -> Float[Array, "N nx ny nz"]:
        return jnp.stack([jnp.broadcast_to(m.alpha, m.Ms.shape) for m in self.materials])

    @property
    def magnetic(self):
        return self.Ms > 0

    def field(self, m, t: Scalar | float = 0.0):
        """The effective field of each sublattice in A/m, ``(3, N, nx, ny, nz)``. The
        terms of one sublattice (:class:`OnSublattice`) are summed on that sublattice and
        stacked once; the coupling terms add on the whole state."""
        own = [None] * self.n
        H = None
        for term in self.terms:
            if isinstance(term, OnSublattice):
                f = term.term.field(m[:, term.index], t)
                own[term.index] = f if own[term.index] is None else own[term.index] + f
            else:
                H = term.field(m, t) if H is None else H + term.field(m, t)
        zero = jnp.zeros_like(m[:, 0])
        stacked = jnp.stack([zero if f is None else f for f in own], axis=1)
        return stacked if H is None else stacked + H

    def energy(self, m, t: Scalar | float = 0.0) -> Scalar:
        """The total energy in J."""
        return sum((term.energy(m, t) for term in self.terms), jnp.zeros((), m.dtype))

    def initial(self, *directions) -> Float[Array, "3 N nx ny nz"]:
        """The stacked state from one direction (``(3,)`` or ``(3, nx, ny, nz)``) per
        sublattice, normalised, zero where a sublattice is non-magnetic."""
        if len(directions) != self.n:
            raise ValueError(f"give {self.n} directions, one per sublattice")
        shape = (3, *self.mesh.shape)
        ms = []
        for d in directions:
            d = jnp.asarray(d, dtype=float)
            d = d.reshape(3, 1, 1, 1) if d.ndim == 1 else d
            ms.append(jnp.broadcast_to(d, shape))
        m = normalise(jnp.stack(ms, axis=1))
        return jnp.where(self.magnetic[None], m, 0.0)


class _Stacked(eqx.Module):
    Ms: Float[Array, "N nx ny nz"]
    alpha: Float[Array, "N nx ny nz"]


def make_sublattice_system(
    mesh: Mesh,
    materials,
    *,
    A_c=None,
    a: float | None = None,
    A_nn=None,
    demag: bool = True,
    H=None,
    gammas=None,
    extra_terms=(),
    torques=(),
    antiferromagnetic: bool = True,
) -> SublatticeSystem:
    """The usual terms of an N-sublattice magnet: per sublattice its exchange (``A``) and
    uniaxial anisotropy (``Ku1``, ``Ku2``, ``anis_u``) and the applied field `H` (A/m);
    between sublattices 0 and 1 (N = 2) the homogeneous exchange `A_c` (J/m, with the
    lattice constant `a` in m) and the inhomogeneous `A_nn` (J/m); the demag of the total
    magnetisation when `demag`.

    `A_c` > 0 couples the sublattices ferromagnetically; for an antiferromagnet it is
    negative, and a positive `A_c` raises an error unless ``antiferromagnetic=False``.
    """
    materials = tuple(per_cell(m, mesh) for m in materials)
    Ms = jnp.stack([m.Ms for m in materials])
    terms = []
    for i, mat in enumerate(materials):
        if np.any(np.asarray(mat.A) > 0):
            terms.append(OnSublattice(i, Exchange(mesh, mat)))
        if np.any(np.asarray(mat.Ku1) != 0) or np.any(np.asarray(mat.Ku2) != 0):
            terms.append(OnSublattice(i, UniaxialAnisotropy(mesh, mat)))
        if H is not None:
            terms.append(OnSublattice(i, Zeeman(mesh, mat, H)))
    if A_c is not None:
        if len(materials) != 2:
            raise ValueError("A_c couples two sublattices: give two materials")
        if a is None:
            raise ValueError("the homogeneous exchange A_c needs the lattice constant a (m)")
        check_real("A_c (J/m)", A_c)
        if antiferromagnetic and np.any(np.asarray(A_c) > 0):
            raise ValueError(
                "A_c > 0 couples the sublattices ferromagnetically; an antiferromagnet has "
                "A_c < 0 (pass antiferromagnetic=False for a ferromagnetic coupling)"
            )
        terms.append(HomogeneousExchange(mesh, Ms, A_c, a))
    if A_nn is not None:
        if len(materials) != 2:
            raise ValueError("A_nn couples two sublattices: give two materials")
        terms.append(InhomogeneousExchange(mesh, Ms, A_nn))
    if demag:
        terms.append(TotalDemag(mesh, Ms))
    terms.extend(extra_terms)
    return SublatticeSystem(mesh, materials, terms, gammas, torques)
