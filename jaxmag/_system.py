"""A micromagnetic system: mesh, per-cell material and a tuple of energy terms."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, Scalar

from jaxmag._material import Material, per_cell
from jaxmag._memory import check_fits
from jaxmag._mesh import Mesh
from jaxmag._validate import check_real, is_concrete
from jaxmag.constants import GAMMA_LL, MU0
from jaxmag.energy import (
    AbstractEnergy,
    CubicAnisotropy,
    Demag,
    Exchange,
    UniaxialAnisotropy,
    Zeeman,
)
from jaxmag.energy._demag import kernel_build_bytes
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
            # each cell scaled by its largest component first: |m|² of m = 1e200 (or of
            # 1e20 in float32) overflows, and m / inf would give |m| = 0 silently
            scale = np.max(np.abs(a), axis=0)
            mag = self.magnetic  # traced under grad w.r.t. Ms: then not checkable here
            bad = (scale == 0) & np.asarray(mag) if is_concrete(mag) else np.zeros(1, bool)
            if np.any(bad):
                where = tuple(int(i) for i in np.argwhere(bad)[0])
                raise ValueError(f"magnetisation m has zero length in magnetic cell {where}")
            m = jnp.asarray(a / np.where(scale > 0, scale, 1.0), dtype=m.dtype)
        return _normalised_in(self.magnetic, m)


@jax.jit  # one program per mesh shape (op by op: some ten small ones)
def _normalised_in(magnetic, m):
    """``m / |m|`` in the magnetic cells, 0 elsewhere."""
    return jnp.where(magnetic, normalise(m), 0.0)


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
      material's ``Ku1``, ``Ku2`` or ``Kc1..3`` is non-zero.
    - `extra_terms`: further energy terms.
    - `gamma`: gyromagnetic ratio in m/(A s).
    - `torques`: spin torques added to the LLG right-hand side.

    The demag kernel is built on the host (float64, cached per mesh); a mesh whose
    kernel would not fit in the free memory (:func:`~jaxmag.available_memory`) is
    refused before it is built (:class:`~jaxmag.InsufficientMemoryError`).
    """
    if demag:
        check_fits(
            kernel_build_bytes(mesh.n, mesh.pbc),
            f"The demag kernel of the {' × '.join(map(str, mesh.n))} mesh",
            "use fewer (larger) cells, or demag=False",
        )
    mat = material.on(mesh, mask)
    check_representable(mesh, mat, H)
    terms = []
    if exchange:
        terms.append(Exchange(mesh, mat))
    if demag:
        terms.append(Demag(mesh, mat))

    def used(name):  # traced parameters (under grad/vmap) count as used
        v = getattr(mat, name)
        return not is_concrete(v) or bool(np.any(np.asarray(v) != 0))

    if anisotropy or (anisotropy is None and (used("Ku1") or used("Ku2"))):
        terms.append(UniaxialAnisotropy(mesh, mat))
    if anisotropy or (anisotropy is None and (used("Kc1") or used("Kc2") or used("Kc3"))):
        terms.append(CubicAnisotropy(mesh, mat))
    if H is not None:
        terms.append(Zeeman(mesh, mat, H))
    terms.extend(extra_terms)
    return System(mesh, mat, tuple(terms), gamma, torques)


def check_representable(mesh: Mesh, material: Material, H=None) -> None:
    """Raise ``ValueError`` if the fields (A/m) or energies (J) that the parameters imply
    overflow the working float dtype (with a margin of 1e3 for sums over cells and terms):
    ``Ms``, ``|H|``, ``2K/(μ0 Ms)`` and ``2A/(μ0 Ms dx²)``, and the energy densities
    ``μ0 Ms²``, ``μ0 Ms |H|``, ``K`` and ``A/dx²`` times the mesh volume. Otherwise such a
    run integrates infinities or, worse, finite nonsense. Traced values are not checked."""
    values = {"Ms": material.Ms, "A": material.A, "Ku1": material.Ku1}
    values |= {"Ku2": material.Ku2, "Kc1": material.Kc1, "Kc2": material.Kc2}
    values |= {"Kc3": material.Kc3}
    if H is not None and not callable(H):
        values["H"] = H
    if not all(is_concrete(v) for v in values.values()):
        return
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        a = {k: np.max(np.abs(np.asarray(v, dtype=float))) for k, v in values.items()}
        if not all(np.isfinite(v) for v in a.values()):
            return  # NaN or inf itself: the parameter's own check names it
        ms_pos = np.asarray(material.Ms, dtype=float)
        ms_min = np.min(ms_pos[ms_pos > 0]) if np.any(ms_pos > 0) else 1.0
        k_max = max(a["Ku1"], a["Ku2"], a["Kc1"], a["Kc2"], a["Kc3"])
        dx2 = min(mesh.cell) ** 2
        h = a.get("H", 0.0)
        fields = {
            "Ms (A/m)": a["Ms"],
            "the applied field |H| (A/m)": h,
            "the anisotropy field 2K/(μ0 Ms) (A/m)": 2 * k_max / (MU0 * ms_min),
            "the exchange field 2A/(μ0 Ms dx²) (A/m)": 2 * a["A"] / (MU0 * ms_min * dx2),
        }
        volume = mesh.cell_volume * mesh.ncells
        energies = {
            "the demag energy μ0 Ms² V (J)": MU0 * a["Ms"] ** 2 * volume,
            "the Zeeman energy μ0 Ms |H| V (J)": MU0 * a["Ms"] * h * volume,
            "the anisotropy energy K V (J)": k_max * volume,
            "the exchange energy A V / dx² (J)": a["A"] * volume / dx2,
        }
    dtype = jnp.result_type(float)
    big = float(np.finfo(dtype).max) / 1e3
    for name, v in (fields | energies).items():
        if not np.isfinite(v) or v > big:
            raise ValueError(
                f"{name} is {v:.3g}, beyond what {np.dtype(dtype).name} holds (max "
                f"{float(np.finfo(dtype).max):.3g}, with a margin of 1e3): the run would "
                "integrate infinities. Check the units: fields in A/m, Ms in A/m, "
                "A in J/m, K in J/m³, cells in m"
            )
