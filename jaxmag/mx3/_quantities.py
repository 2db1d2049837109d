"""mumax3's output quantities (``m``, ``B_eff``, ``E_total``, ``Edens_exch``, ...), computed
from the world's state with jaxmag, in mumax3's units, and their script methods
(``average``, ``comp``, ``region``, ``getcell``, ``get``)."""

import jax.numpy as jnp
import numpy as np

from jaxmag.constants import MU0
from jaxmag.mx3._ctx import Ctx
from jaxmag.mx3._values import Mx3TypeError, Vector, as_int


class Quantity:
    """A quantity: ``value(world, m, t)`` returns a ``(ncomp, nx, ny, nz)`` field or, for a
    scalar quantity (``ncomp = 0``), a float."""

    mx3_type = "Quantity"

    def __init__(self, name, unit, ncomp, fn, *, average_over_magnet=False, doc=""):
        self.name, self.unit, self.ncomp, self.fn = name, unit, ncomp, fn
        self.average_over_magnet = average_over_magnet
        self.doc = doc

    def value(self, world, m=None, t=None):
        return self.fn(world, world.m if m is None else m, world.t if t is None else t)


class Bound:
    """A quantity bound to the world, as scripts see it."""

    mx3_type = "Quantity"

    def __init__(self, q, world, comp=None, region=None):
        self.q, self.world, self.comp_, self.region_ = q, world, comp, region
        self.name = q.name if comp is None else f"{q.name}.comp({comp})"
        if region is not None:
            self.name += f".region({region})"

    @property
    def ncomp(self):
        return 1 if self.comp_ is not None else self.q.ncomp

    def field(self, m=None, t=None):
        v = self.q.value(self.world, m, t)
        if self.q.ncomp == 0:
            return v
        v = np.asarray(v)
        if self.comp_ is not None:
            v = v[self.comp_ : self.comp_ + 1]
        if self.region_ is not None:
            v = np.where(self.world.regions == self.region_, v, 0.0)
        return v

    def average_values(self, m=None, t=None):
        v = self.field(m, t)
        if self.q.ncomp == 0:
            return [float(v)]
        # m averages over the geometry; a region average, and every other quantity,
        # over the cells of the box (mumax3)
        if self.region_ is not None:
            w = self.world.regions == self.region_
        elif self.q.average_over_magnet:
            w = self.world.magnetic()
        else:
            w = np.ones(self.world.n, dtype=bool)
        cnt = max(int(np.sum(w)), 1)
        return [float(np.sum(np.where(w, c, 0.0)) / cnt) for c in v]

    def columns(self):
        base = self.q.name if self.region_ is None else f"{self.q.name}.region{self.region_}"
        if self.comp_ is not None:
            return [base + "xyz"[self.comp_]]
        if self.q.ncomp <= 1:
            return [base]
        return [base + c for c in "xyz"]

    def unit(self):
        return self.q.unit

    # script methods
    def average(self):
        v = self.average_values()
        return v[0] if len(v) == 1 else Vector(*v)

    def get(self):
        return self.average()

    def comp(self, c):
        c = as_int(c, "component")
        if not 0 <= c < 3 or self.q.ncomp != 3:
            raise Mx3TypeError(f"{self.q.name}.Comp({c}): no such component")
        return Bound(self.q, self.world, c, self.region_)

    def region(self, r):
        return Bound(self.q, self.world, self.comp_, as_int(r, "region"))

    def getcell(self, ix, iy, iz):
        v = self.field()
        i = (as_int(ix), as_int(iy), as_int(iz))
        vals = [float(c[i]) for c in v]
        return vals[0] if len(vals) == 1 else Vector(*vals)

    def scalar_value(self):
        v = self.average_values()
        if len(v) != 1:
            raise Mx3TypeError(f"{self.name} is a vector quantity, not a number")
        return v[0]

    def vector_value(self):
        v = self.average_values()
        if len(v) != 3:
            raise Mx3TypeError(f"{self.name} is not a vector quantity")
        return Vector(*v)

    def mx3_str(self):
        if self.q.ncomp == 0:  # print(E_total) prints the value, as in mumax3
            from jaxmag.mx3._values import go_format

            return go_format(self.scalar_value())
        return self.name

    def hostcopy(self):
        return HostCopy(np.asarray(self.field(), dtype=float))


class HostCopy:
    """``q.HostCopy()``: the values on the host, read with ``Get(comp, ix, iy, iz)``."""

    mx3_type = "Slice"

    def __init__(self, values):
        self.values = values

    def get(self, c, ix, iy, iz):
        return float(self.values[as_int(c), as_int(ix), as_int(iy), as_int(iz)])


class Cropped(Bound):
    """``Crop(q, x1, x2, y1, y2, z1, z2)`` and ``CropX/Y/Z/Layer``: `q` on the cells
    ``[x1, x2) × [y1, y2) × [z1, z2)``."""

    def __init__(self, bound, window):
        super().__init__(bound.q, bound.world, bound.comp_, bound.region_)
        self.window = tuple(slice(a, b) for a, b in window)
        self.name = f"{bound.name}_crop"

    def field(self, m=None, t=None):
        v = super().field(m, t)
        return v if self.q.ncomp == 0 else v[(slice(None), *self.window)]

    def average_values(self, m=None, t=None):
        v = self.field(m, t)
        if self.q.ncomp == 0:
            return [float(v)]
        w = np.ones(v.shape[1:], dtype=bool)
        if self.q.average_over_magnet:
            w = self.world.magnetic()[self.window]
        cnt = max(int(np.sum(w)), 1)
        return [float(np.sum(np.where(w, c, 0.0)) / cnt) for c in v]


def crop(bound, x1, x2, y1, y2, z1, z2):
    n = bound.world.n
    win = [(as_int(a), as_int(b)) for a, b in ((x1, x2), (y1, y2), (z1, z2))]
    for (a, b), k, ax in zip(win, n, "xyz", strict=True):
        if not 0 <= a < b <= k:
            raise Mx3TypeError(f"Crop: {ax} range [{a}, {b}) outside [0, {k}]")
    return Cropped(bound, win)


BOUND_METHODS = ("average", "get", "comp", "region", "getcell", "hostcopy")
HOSTCOPY_METHODS = ("get",)


def _field(group):
    def fn(world, m, t):
        fields, _, _ = world.observe(m, t)
        return np.asarray(fields[group])

    return fn


def _f_mel(world, m, t):
    """The magnetoelastic force density (N/m³): 0 without B1, B2."""
    terms = [x for x in world.system().terms if x.name == "magnetoelastic"]
    if not terms:
        return np.zeros((3, *world.n))
    return np.asarray(terms[0].force(jnp.asarray(m), t))


def _b_eff(world, m, t):
    fields, _, _ = world.observe(m, t)
    return np.asarray(sum(f for k, f in fields.items() if k != "stt"))


def _b_custom(world, m, t):
    """The custom field terms as the script wrote them (T), on every cell of the box."""
    Ms = world.params["msat"].static_per_cell(world.regions) * world.geometry()
    c = Ctx(np.asarray(m), np.asarray(t, dtype=float), Ms)
    return np.asarray(sum((f.ev(c) for f in world.custom_fields), np.zeros((3, *world.n))))


def _st_torque(world, m, t):
    fields, _, _ = world.observe(m, t)
    return np.asarray(fields["stt"]) / (world.system().gamma / MU0)


def _energy(group):
    def fn(world, m, t):
        _, energies, _ = world.observe(m, t)
        return float(energies[group])

    return fn


def _e_total(world, m, t):
    _, energies, _ = world.observe(m, t)
    return float(sum(float(e) for e in energies.values()))


def _edens(group, factor):
    if group == "custom":
        return _edens_custom

    def fn(world, m, t):
        fields, _, _ = world.observe(m, t)
        Ms = np.asarray(world.system().material.Ms)
        return factor * Ms * np.sum(np.asarray(m) * np.asarray(fields[group]), axis=0)[None] / 1.0

    return fn


def _edens_custom(world, m, t):

    system = world.system()
    c = Ctx(np.asarray(m), np.asarray(t, dtype=float), system.material.Ms)
    return np.asarray(sum((f.ev(c) for f in world.custom_edens), np.zeros((1, *world.n))))


def _edens_total(world, m, t):
    fields, _, _ = world.observe(m, t)
    Ms = np.asarray(world.system().material.Ms)
    out = 0.0
    for g, f in fields.items():
        if g in ("custom", "stt"):
            continue
        factor = -1.0 if g == "zeeman" else -0.5
        out = out + factor * Ms * np.sum(np.asarray(m) * np.asarray(f), axis=0)
    return out[None] + _edens_custom(world, m, t)


def custom_bound(c, world) -> "Bound":
    """A custom quantity as scripts see it (average, comp, region, table, save)."""

    def fn(w, m, t):
        ctx = Ctx(np.asarray(m), np.asarray(t, dtype=float), w.system().material.Ms)
        return np.asarray(c.ev(ctx))

    return Bound(Quantity(c.name, "", c.ncomp, fn), world)


def _torque(world, m, t):
    _, _, dmdt = world.observe(m, t)
    return np.asarray(dmdt) / (world.system().gamma / MU0)


def _max_torque(world, m, t):
    return float(np.max(np.sqrt(np.sum(_torque(world, m, t) ** 2, axis=0))))


def _core_pos(world, m, t):
    """mumax3's ext_corepos: the cell of largest |mz| (away from the x and y edges), with a
    parabola through it and its two neighbours along x and along y for the sub-cell
    position (m, from the centre); the third entry is mz there (the core polarisation)."""
    mz = np.asarray(m)[2]
    nx, ny, _ = mz.shape
    inner = np.abs(mz[1 : nx - 1, 1 : ny - 1, :])
    i, j, k = np.unravel_index(np.argmax(inner), inner.shape)
    i, j = i + 1, j + 1
    f0 = abs(mz[i, j, k])

    def vertex(f1, f2):  # f1 at -1, f2 at +1
        b = (f2 - f1) / 2
        a = ((f2 - f0) - (f0 - f1)) / 2
        return -b / (2 * a) if a != 0 else 0.0

    cx, cy, _ = world.cell
    x = (i + vertex(abs(mz[i - 1, j, k]), abs(mz[i + 1, j, k])) - nx / 2 + 0.5) * cx
    y = (j + vertex(abs(mz[i, j - 1, k]), abs(mz[i, j + 1, k])) - ny / 2 + 0.5) * cy
    return np.array([x, y, mz[i, j, k]]).reshape(3, 1, 1, 1)


def _m(world, m, t):
    return np.asarray(m)


def _ms_field(world, m, t):
    return np.asarray(world.system().material.Ms)[None] * np.asarray(m)


def _spin_angle(world, m, t):
    """Per cell, the largest angle (rad) to an exchange-coupled neighbour (mumax3's
    SpinAngle): pairs whose face stiffness is 0 (outside the geometry, or a region pair
    scaled to 0) do not count."""
    from jaxmag.energy._exchange import face_stiffness

    system = world.system()
    m = np.asarray(m)
    out = np.zeros(m.shape[1:])
    for ax in range(3):
        n = m.shape[ax + 1]
        if n < 2 and not system.mesh.periodic[ax]:
            continue
        Af = np.asarray(face_stiffness(system.mesh, system.material, ax))
        j = (np.arange(Af.shape[ax]) + 1) % n
        a = np.take(m, np.arange(Af.shape[ax]), axis=ax + 1)
        b = np.take(m, j, axis=ax + 1)
        ang = np.where(Af != 0, np.arccos(np.clip(np.sum(a * b, axis=0), -1, 1)), 0.0)
        lo = np.zeros_like(out)
        idx_lo = [slice(None)] * 3
        idx_lo[ax] = np.arange(Af.shape[ax])
        lo[tuple(idx_lo)] = ang
        hi_full = np.zeros_like(out)
        for k in range(Af.shape[ax]):
            sl_src = [slice(None)] * 3
            sl_src[ax] = k
            sl_dst = [slice(None)] * 3
            sl_dst[ax] = int(j[k])
            hi_full[tuple(sl_dst)] = np.maximum(hi_full[tuple(sl_dst)], ang[tuple(sl_src)])
        out = np.maximum(out, np.maximum(lo, hi_full))
    return out[None]


def _max_angle(world, m, t):
    return float(np.max(_spin_angle(world, m, t)))


def _rxyphitheta(world, m, t):
    m = np.asarray(m)
    mag = world.magnetic()
    rxy = np.sqrt(m[0] ** 2 + m[1] ** 2)
    phi = np.arctan2(m[1], m[0])
    theta = np.arccos(np.clip(m[2], -1, 1))
    return np.where(mag, np.stack([rxy, phi, theta]), 0.0)


def _topological_charge(world, m, t):
    """Σ over the layers of (1/4π) ∫ m · (∂x m × ∂y m) dx dy, central differences."""
    m = np.asarray(m)
    dx = np.gradient(m, axis=1) if m.shape[1] > 1 else np.zeros_like(m)
    dy = np.gradient(m, axis=2) if m.shape[2] > 1 else np.zeros_like(m)
    dens = np.sum(m * np.cross(dx, dy, axis=0), axis=0)
    return float(np.sum(dens) / (4 * np.pi) / m.shape[3])


def _regions(world, m, t):
    return world.regions[None].astype(float)


def _geom(world, m, t):
    return world.geometry()[None]


def _msat_q(world, m, t):
    return np.asarray(world.system().material.Ms)[None]


def make_quantities() -> dict:
    Q = Quantity
    qs = [
        Q("m", "", 3, _m, average_over_magnet=True, doc="reduced magnetization (unit length)"),
        Q("M_full", "A/m", 3, _ms_field, doc="unnormalized magnetization"),
        Q("B_eff", "T", 3, _b_eff, doc="effective field"),
        Q("B_demag", "T", 3, _field("demag"), doc="magnetostatic field"),
        Q("B_exch", "T", 3, _field("exch"), doc="exchange field (with DMI)"),
        Q("B_anis", "T", 3, _field("anis"), doc="anisotropy field"),
        Q("B_ext", "T", 3, _field("zeeman"), doc="externally applied field"),
        Q("E_total", "J", 0, _e_total, doc="total energy"),
        Q("E_exch", "J", 0, _energy("exch"), doc="exchange energy (with DMI)"),
        Q("E_demag", "J", 0, _energy("demag"), doc="magnetostatic energy"),
        Q("E_anis", "J", 0, _energy("anis"), doc="anisotropy energy"),
        Q("E_Zeeman", "J", 0, _energy("zeeman"), doc="Zeeman energy"),
        Q("B_mel", "T", 3, _field("mel"), doc="magneto-elastic field"),
        Q("E_mel", "J", 0, _energy("mel"), doc="magneto-elastic energy"),
        Q("Edens_mel", "J/m3", 1, _edens("mel", -0.5), doc="magneto-elastic energy density"),
        Q("F_mel", "N/m3", 3, _f_mel, doc="magneto-elastic force density"),
        Q("B_custom", "T", 3, _b_custom, doc="user-defined field"),
        Q("STTorque", "T", 3, _st_torque, doc="spin-transfer torque/γ0"),
        Q("E_custom", "J", 0, _energy("custom"), doc="energy of the custom density terms"),
        Q("Edens_custom", "J/m3", 1, _edens("custom", 0.0), doc="custom energy density"),
        Q("Edens_total", "J/m3", 1, _edens_total, doc="total energy density"),
        Q("Edens_exch", "J/m3", 1, _edens("exch", -0.5), doc="exchange energy density"),
        Q("Edens_demag", "J/m3", 1, _edens("demag", -0.5), doc="magnetostatic energy density"),
        Q("Edens_anis", "J/m3", 1, _edens("anis", -0.5), doc="anisotropy energy density"),
        Q("Edens_Zeeman", "J/m3", 1, _edens("zeeman", -1.0), doc="Zeeman energy density"),
        Q("torque", "T", 3, _torque, doc="total torque/γ0"),
        Q("ext_corepos", "m", 3, _core_pos, doc="vortex core position (x, y) and polarisation"),
        Q("MaxTorque", "T", 0, _max_torque, doc="maximum torque/γ0 over all cells"),
        Q("MaxAngle", "rad", 0, _max_angle, doc="maximum angle between neighbouring spins"),
        Q("SpinAngle", "rad", 1, _spin_angle, doc="largest angle to a coupled neighbour"),
        Q(
            "ext_rxyphitheta",
            "",
            3,
            _rxyphitheta,
            average_over_magnet=True,
            doc="(in-plane length, azimuth φ, polar angle θ) of m",
        ),
        Q("ext_topologicalcharge", "", 0, _topological_charge, doc="2D topological charge"),
        Q("regions", "", 1, _regions, doc="region map"),
        Q("geom", "", 1, _geom, doc="cell fill fraction"),
    ]
    return {q.name.lower(): q for q in qs}
