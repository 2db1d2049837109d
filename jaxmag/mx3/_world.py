"""The state a mumax3 script talks to (mesh, geometry, regions, parameters, m, time) and
its mapping onto jaxmag's :class:`~jaxmag.System`.

Units are mumax3's: fields in T (``B = μ0 H``), energies in J, densities in J/m³, the
gyromagnetic ratio ``GammaLL`` in rad/(T s) (jaxmag's ``gamma`` is ``μ0 GammaLL`` in
m/(A s)). Sign conventions that differ from jaxmag's: the interfacial DMI (jaxmag's ``D``
is ``-Dind``, see :mod:`jaxmag.energy`), and nothing else that a script can set.
"""

import equinox as eqx
import jax.numpy as jnp
import numpy as np

from jaxmag._material import Material
from jaxmag._mesh import Mesh
from jaxmag._system import System
from jaxmag.constants import MU0
from jaxmag.dynamics import llg_rhs
from jaxmag.energy import (
    BulkDMI,
    CubicAnisotropy,
    Demag,
    Exchange,
    InterfacialDMI,
    MagnetoElastic,
    UniaxialAnisotropy,
    Zeeman,
)
from jaxmag.mx3._configs import Config
from jaxmag.mx3._custom import CustomTerm, MaskedField
from jaxmag.mx3._params import NREGIONS, make_params
from jaxmag.mx3._shapes import Shape
from jaxmag.mx3._values import Mx3TypeError
from jaxmag.torques import Slonczewski, ZhangLi


class Unsupported(Mx3TypeError):
    """A feature of mumax3 that jaxmag does not have (yet): refused, never approximated."""


class World:
    """Everything a script can read or change."""

    def __init__(self, outdir, demag_kernel: str = "newell"):
        self.outdir = outdir
        self.demag_kernel = demag_kernel
        self.n = None
        self.cell = None
        self.pbc = (0, 0, 0)
        self.params = make_params()
        self.geom_shape = None
        self.edge_smooth = 0
        self.regions = None
        self.m = None
        self.t = 0.0
        self.dt = 0.0
        self.enable_demag = True
        self.solver_type = None  # jaxmag's default adaptive solver (see _drivers)
        self.max_err = 1e-5
        self.fix_dt = 0.0
        self.min_dt = 0.0
        self.max_dt = 0.0
        self.scale_exchange: dict = {}
        self.inter_exchange: dict = {}
        self.mesh_version = 0
        self._system_cache = (None, None)
        self.nsteps = 0
        self.custom_fields: list = []  # Custom quantities (T), AddFieldTerm
        self.custom_edens: list = []  # Custom quantities (J/m³), AddEdensTerm
        self.custom_version = 0
        self.disable_zhang_li = False
        self.disable_slonczewski = False

    # --- mesh -------------------------------------------------------------------------
    def set_mesh(self, n=None, cell=None, pbc=None):
        old = self.n
        if n is not None:
            self.n = tuple(n)
        if cell is not None:
            self.cell = tuple(cell)
        if pbc is not None:
            self.pbc = tuple(pbc)
        if self.n is None or self.cell is None:
            return
        Mesh(self.n, self.cell)  # validates
        if old != self.n or self.m is None:
            self.regions = np.zeros(self.n, dtype=np.int32)
            self.m = np.zeros((3, *self.n))
            self.m[0] = 1.0  # mumax3 starts from an undefined state; uniform x here
        self.mesh_version += 1

    def need_mesh(self, what: str):
        if self.n is None or self.cell is None:
            raise Mx3TypeError(
                f"{what}: set the mesh first (SetGridSize and SetCellSize, or SetMesh)"
            )

    def coords(self):
        self.need_mesh("coordinates")
        axes = [(np.arange(k) - (k - 1) / 2) * d for k, d in zip(self.n, self.cell, strict=True)]
        xyz = np.meshgrid(*axes, indexing="ij")
        idx = np.meshgrid(*(np.arange(k) for k in self.n), indexing="ij")
        return xyz, idx

    def mask_of(self, shape: Shape) -> np.ndarray:
        (x, y, z), idx = self.coords()
        return shape.inside(x, y, z, idx)

    def geometry(self) -> np.ndarray:
        """Cell volume fractions in [0, 1] (1 inside, 0 outside; between with EdgeSmooth)."""
        self.need_mesh("geometry")
        if self.geom_shape is None:
            return np.ones(self.n)
        if self.edge_smooth <= 0:
            return self.mask_of(self.geom_shape).astype(float)
        k = self.edge_smooth
        (x, y, z), idx = self.coords()
        acc = np.zeros(self.n)
        offs = (np.arange(k) + 0.5) / k - 0.5
        for ox in offs:
            for oy in offs:
                for oz in offs if self.n[2] > 1 else [0.0]:
                    acc += self.geom_shape.inside(x + ox * self.cell[0], y + oy * self.cell[1],
                                                  z + oz * self.cell[2], idx)  # fmt: skip
        return acc / (k * k * (k if self.n[2] > 1 else 1))

    def set_geom(self, shape: Shape):
        self.need_mesh("SetGeom")
        self.geom_shape = shape
        geom = self.geometry()
        self.m = np.where(geom > 0, self.m, 0.0)
        self.mesh_version += 1

    def magnetic(self) -> np.ndarray:
        return self.geometry() > 0

    # --- magnetisation ----------------------------------------------------------------
    def config_field(self, cfg: Config) -> np.ndarray:
        (x, y, z), _ = self.coords()
        return cfg(x, y, z)

    def set_m(self, values: np.ndarray, where=None):
        self.need_mesh("setting m")
        v = np.asarray(values, dtype=float)
        v = np.broadcast_to(v.reshape(3, 1, 1, 1) if v.shape == (3,) else v, (3, *self.n))
        norm = np.sqrt(np.sum(v * v, axis=0))
        with np.errstate(invalid="ignore", divide="ignore"):
            unit = np.where(norm > 0, v / np.where(norm > 0, norm, 1.0), 0.0)
        mag = self.magnetic()
        keep = mag if where is None else (mag & where)
        self.m = np.where(keep, unit, self.m if where is not None else 0.0)

    # --- the jaxmag system ------------------------------------------------------------
    def _versions(self):
        return (
            self.mesh_version,
            self.custom_version,
            self.enable_demag,
            self.disable_zhang_li,
            self.disable_slonczewski,
            tuple(p.version for p in self.params.values()),
            tuple(sorted(self.scale_exchange.items())),
            tuple(sorted(self.inter_exchange.items())),
            self.regions.tobytes() if self.regions is not None else None,
        )

    def check_supported(self):
        P = self.params
        if not P["temp"].is_zero():
            raise Unsupported(
                "Temp (thermal fluctuations) is not supported by jaxmag's mx3 runner yet"
            )
        if not P["frozenspins"].is_zero():
            raise Unsupported("frozenspins is not supported by jaxmag yet")

    def system(self) -> System:
        """The jaxmag system of the current state (cached until something changes)."""
        self.need_mesh("the simulation")
        key = self._versions()
        if self._system_cache[0] == key:
            return self._system_cache[1]
        self.check_supported()
        P, reg = self.params, self.regions
        geom = self.geometry()
        mag = geom > 0
        if not np.any(mag):
            raise Mx3TypeError("the geometry leaves no magnetic cell")
        Ms = P["msat"].static_per_cell(reg) * geom
        if np.any(mag & (Ms <= 0)):
            raise Mx3TypeError("Msat must be set (> 0) in every cell of the geometry")
        mesh = Mesh(self.n, self.cell, self.pbc, pbc_images="mumax3")
        mat = Material(
            Ms,
            P["aex"].static_per_cell(reg),
            P["alpha"].static_per_cell(reg),
            Ku1=P["ku1"].static_per_cell(reg),
            Ku2=P["ku2"].static_per_cell(reg),
            anis_u=self._axis("anisu", (0, 0, 1)),
            Kc1=P["kc1"].static_per_cell(reg),
            Kc2=P["kc2"].static_per_cell(reg),
            Kc3=P["kc3"].static_per_cell(reg),
            anis_c1=self._axis("anisc1", (1, 0, 0)),
            anis_c2=self._axis("anisc2", (0, 1, 0)),
            region=reg,
            exchange_scaling=self._exchange_scaling(),
        )
        mat = mat.on(mesh)
        terms = []
        if np.any(mat.A > 0):
            terms.append(Exchange(mesh, mat))
        if not P["dind"].is_zero():
            terms.append(InterfacialDMI(mesh, mat, -P["dind"].static_per_cell(reg)))
        if not P["dbulk"].is_zero():
            terms.append(BulkDMI(mesh, mat, P["dbulk"].static_per_cell(reg)))
        if self.enable_demag:
            nodemag = P["nodemagspins"].static_per_cell(reg) != 0
            if np.any(nodemag):
                src = eqx.tree_at(lambda m: m.Ms, mat, jnp.where(nodemag, 0.0, mat.Ms))
                demag = Demag(mesh, src, kernel=self.demag_kernel)
                terms.append(MaskedField(demag, jnp.asarray(~nodemag)))
            else:
                terms.append(Demag(mesh, mat, kernel=self.demag_kernel))
        if not (P["ku1"].is_zero() and P["ku2"].is_zero()):
            terms.append(UniaxialAnisotropy(mesh, mat))
        if not (P["kc1"].is_zero() and P["kc2"].is_zero() and P["kc3"].is_zero()):
            terms.append(CubicAnisotropy(mesh, mat))
        if not (P["b1"].is_zero() and P["b2"].is_zero()):
            terms.append(self._magnetoelastic(mesh, mat))
        bext = P["b_ext"]
        if not bext.is_zero():
            if bext.time_dependent():
                terms.append(Zeeman(mesh, mat, np.ones(3), time_fn=_field_fn(bext, reg, 1 / MU0)))
            else:
                terms.append(Zeeman(mesh, mat, bext.static_per_cell(reg) / MU0))
        if self.custom_fields or self.custom_edens:
            terms.append(CustomTerm(mat.Ms, mesh.cell_volume,
                                    tuple(c.ev for c in self.custom_fields),
                                    tuple(c.ev for c in self.custom_edens)))  # fmt: skip
        gamma = P["gammall"].uniform_value(reg)
        if gamma is None:
            raise Unsupported("GammaLL differs between regions, which jaxmag does not support")
        torques = self._torques(mesh, mat, gamma * MU0)
        system = System(mesh, mat, tuple(terms), gamma * MU0, torques)
        self._system_cache = (key, system)
        return system

    def _magnetoelastic(self, mesh, mat) -> MagnetoElastic:
        """mumax3's B1, B2 and the rigid strain exx … eyz (each may depend on time), with
        the field of the energy (mumax3 PR #324's 2 B2)."""
        P, reg = self.params, self.regions
        names = ("exx", "eyy", "ezz", "exy", "exz", "eyz")  # jaxmag's order too
        if any(P[n].time_dependent() for n in names):

            def strain(t):
                return jnp.stack([jnp.asarray(P[n].per_cell(reg, t), dtype=float) for n in names])

        else:
            strain = np.stack([P[n].static_per_cell(reg) for n in names])
        B1, B2 = P["b1"].static_per_cell(reg), P["b2"].static_per_cell(reg)
        return MagnetoElastic(mesh, mat, B1, B2, strain)

    def _axis(self, name, default):
        v = self.params[name].static_per_cell(self.regions)
        norm = np.sqrt(np.sum(v * v, axis=0))
        d = np.asarray(default, dtype=float).reshape(3, 1, 1, 1)
        return np.where(norm > 0, v / np.where(norm > 0, norm, 1), d)

    def _exchange_scaling(self):
        if not self.scale_exchange and not self.inter_exchange:
            return None
        s = np.ones((NREGIONS, NREGIONS))
        for (i, j), v in self.scale_exchange.items():
            s[i, j] = s[j, i] = v
        A = self.params["aex"]
        for (i, j), v in self.inter_exchange.items():
            a1, a2 = A.values[i], A.values[j]
            hm = 2 * a1 * a2 / (a1 + a2) if a1 + a2 > 0 else 0.0
            if hm == 0 and v != 0:
                raise Unsupported("ext_InterExchange between regions where Aex is 0")
            s[i, j] = s[j, i] = v / hm if hm else 0.0
        return s

    def _torques(self, mesh, mat, gamma):
        P, reg = self.params, self.regions
        J = P["j"]
        if J.is_zero() or (self.disable_zhang_li and self.disable_slonczewski):
            return ()
        if J.time_dependent():
            raise Unsupported("a time-dependent J is not supported by jaxmag's mx3 runner yet")
        Jc = J.static_per_cell(reg)
        out = []
        xi = P["xi"].static_per_cell(reg)
        pol = P["pol"].static_per_cell(reg)
        fixed = P["fixedlayer"]
        if fixed.is_zero():
            # Zhang-Li: in-plane current
            if not self.disable_zhang_li:
                out.append(ZhangLi(mesh, mat, Jc, pol, xi))
        elif not self.disable_slonczewski:
            t = P["freelayerthickness"].uniform_value(reg)
            thick = None if not t else t
            out.append(Slonczewski(mesh, mat, Jc[2], pol, P["lambda"].static_per_cell(reg),
                                   P["epsilonprime"].static_per_cell(reg),
                                   fixed.static_per_cell(reg), thick, gamma=gamma))  # fmt: skip
            if np.any(Jc[:2] != 0) and not self.disable_zhang_li:
                out.append(
                    ZhangLi(mesh, mat, Jc * np.array([1, 1, 0]).reshape(3, 1, 1, 1), pol, xi)
                )
        return tuple(out)

    # --- observation --------------------------------------------------------------------
    def observe(self, m=None, t=None):
        """Fields (T) by mumax3 name, energies (J), for the current (or given) state."""
        m = self.m if m is None else m
        t = self.t if t is None else t
        if not np.any(self.params["msat"].static_per_cell(self.regions) * self.geometry() > 0):
            # Msat not set yet (mumax3 allows output then): every field and energy is 0
            z = np.zeros((3, *self.n))
            groups = ("exch", "demag", "anis", "zeeman", "custom", "stt")
            return {g: z for g in groups}, {g: 0.0 for g in groups[:-1]}, z
        system = self.system()
        return _observe(system, jnp.asarray(m), jnp.asarray(t, dtype=float))

    def mean_m(self, m=None):
        """⟨m⟩ over the cells of the geometry (no system needed: Msat may be unset)."""
        if self.n is None:
            return np.zeros(3)
        m = np.asarray(self.m if m is None else m)
        mag = self.magnetic()
        return np.sum(np.where(mag, m, 0.0), axis=(1, 2, 3)) / max(int(np.sum(mag)), 1)


def _field_fn(param, regions, scale):
    """``t -> param(t) * scale`` on the mesh (a time-dependent excitation)."""

    def fn(t):
        return jnp.asarray(param.per_cell(regions, t)) * scale

    return fn


_GROUPS = {
    "exchange": "exch",
    "dmi": "exch",
    "demag": "demag",
    "anisotropy": "anis",
    "cubic_anisotropy": "anis",
    "zeeman": "zeeman",
    "custom": "custom",
    "magnetoelastic": "mel",
}


@eqx.filter_jit
def _observe(system, m, t):
    groups = ("exch", "demag", "anis", "zeeman", "custom", "mel")
    fields = {g: jnp.zeros_like(m) for g in groups}
    energies = {g: 0.0 for g in groups}
    for term in system.terms:
        g = _GROUPS.get(term.name, "other")
        fields[g] = fields.get(g, 0.0) + term.field(m, t) * MU0
        energies[g] = energies.get(g, 0.0) + term.energy(m, t)
    dmdt = llg_rhs(system, m, t)
    if system.torques:  # the spin-transfer part: the right-hand side with minus without
        dmdt_field = llg_rhs(eqx.tree_at(lambda s: s.torques, system, ()), m, t)
        fields["stt"] = dmdt - dmdt_field
    else:
        fields["stt"] = jnp.zeros_like(m)
    return fields, energies, dmdt
