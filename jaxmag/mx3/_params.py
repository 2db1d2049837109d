"""mumax3's region-wise parameters (``Msat``, ``Aex``, ``B_ext``, ...): one value per
region (256 regions), each a constant or a function of time, and for excitations
(``B_ext``, ``J``) extra space-dependent terms added with ``Add``."""

import jax.numpy as jnp
import numpy as np

from jaxmag.mx3._values import Mx3TypeError, Vector, as_float, as_int, as_vector

NREGIONS = 256


class Param:
    """A region-wise scalar (``ncomp = 1``) or vector (``ncomp = 3``) parameter.

    Values are held per region as constants, or as functions of time (``fn(t)`` returns
    the value at ``t`` in s; traceable by JAX, so fields stay differentiable).
    """

    mx3_type = "Param"

    def __init__(self, name: str, unit: str, ncomp: int, doc: str, *, time_ok: bool = False,
                 excitation: bool = False, nonneg: bool = False):  # fmt: skip
        self.name, self.unit, self.ncomp, self.doc = name, unit, ncomp, doc
        self.time_ok, self.excitation, self.nonneg = time_ok, excitation, nonneg
        zero = 0.0 if ncomp == 1 else Vector(0, 0, 0)
        self.values: list = [zero] * NREGIONS
        self.fns: dict[int, object] = {}
        self.extra: list = []  # (field (ncomp, nx, ny, nz) array, multiplier fn or float)
        self.version = 0

    # --- setting ------------------------------------------------------------------
    def _check(self, v):
        if self.ncomp == 1:
            f = as_float(v, self.name)
            if isinstance(f, float) and (np.isnan(f) or (self.nonneg and f < 0)):
                raise ValueError(f"{self.name} must be {'>= 0' if self.nonneg else 'finite'}, "
                                 f"got {f}")  # fmt: skip
            return f
        return as_vector(v, self.name)

    def assign(self, value, fn=None, regions=None):
        """Set every region (or `regions`) to `value`; `fn` (a function of t) when the
        expression depends on time."""
        targets = range(NREGIONS) if regions is None else regions
        if fn is not None:
            if not self.time_ok:
                raise Mx3TypeError(
                    f"{self.name} cannot depend on time in jaxmag (only B_ext and J can)"
                )
            for r in targets:
                self.fns[r] = fn
                self.values[r] = self._check(value)
        else:
            v = self._check(value)
            for r in targets:
                self.fns.pop(r, None)
                self.values[r] = v
        self.version += 1

    def setregion(self, r, value, fn=None):
        r = as_int(r, "region")
        if not 0 <= r < NREGIONS:
            raise ValueError(f"region must be in [0, {NREGIONS}), got {r}")
        self.assign(value, fn, regions=[r])

    def getregion(self, r):
        return self.values[as_int(r, "region")]

    def add(self, field, mul=1.0, fn=None):
        """``B_ext.Add(mask, multiplier)``: an extra space-dependent term."""
        if not self.excitation:
            raise Mx3TypeError(f"{self.name}.Add: only excitations (B_ext, J) take extra terms")
        values = np.asarray(getattr(field, "values", field), dtype=float)
        if self.world is not None and values.shape != (self.ncomp, *self.world.n):
            raise Mx3TypeError(
                f"{self.name}.Add: a field of shape {values.shape}, the parameter needs "
                f"{(self.ncomp, *self.world.n)}"
            )
        self.extra.append((values, fn if fn is not None else as_float(mul, "multiplier")))
        self.version += 1

    def removeextraterms(self):
        self.extra = []
        self.version += 1

    # --- reading ------------------------------------------------------------------
    def is_zero(self) -> bool:
        vals = np.asarray(self.values, dtype=float)
        return not self.fns and not self.extra and not np.any(vals)

    def time_dependent(self) -> bool:
        return bool(self.fns) or any(callable(m) for _, m in self.extra)

    def uniform_value(self, regions: np.ndarray):
        used = np.unique(regions)
        vals = {tuple(np.atleast_1d(self.values[r])) for r in used}
        if len(vals) != 1 or self.fns or self.extra:
            return None
        v = self.values[int(used[0])]
        return v

    def table(self, t=None) -> jnp.ndarray:
        """The per-region values ``(NREGIONS,)`` or ``(NREGIONS, 3)`` at time `t`."""
        if t is None or not self.fns:
            return np.asarray(self.values, dtype=float)
        rows = []
        for r in range(NREGIONS):
            if r in self.fns:
                v = self.fns[r](t)
                rows.append(jnp.asarray(v if self.ncomp == 1 else tuple(v), dtype=float))
            else:
                rows.append(jnp.asarray(self.values[r], dtype=float))
        return jnp.stack(rows)

    def per_cell(self, regions: np.ndarray, t=None):
        """The parameter on the mesh: ``(nx, ny, nz)`` or ``(3, nx, ny, nz)``."""
        tab = self.table(t)
        xp = np if isinstance(tab, np.ndarray) else jnp
        out = tab[regions]
        if self.ncomp == 3:
            out = xp.moveaxis(out, -1, 0)
        for field, mul in self.extra:
            m = mul(t if t is not None else 0.0) if callable(mul) else mul
            out = out + field * m
        return out

    def static_per_cell(self, regions: np.ndarray):
        if self.time_dependent():
            raise Mx3TypeError(f"{self.name} depends on time here, which jaxmag does not support")
        return np.asarray(self.per_cell(regions))

    # --- script methods -------------------------------------------------------------
    world = None  # set by the namespace: the quantity methods need the mesh

    def quantity(self):
        from jaxmag.mx3._quantities import Bound, Quantity

        w = self.world
        q = Quantity(self.name, self.unit, self.ncomp,
                     lambda w, m, t: np.asarray(self.per_cell(w.regions, t), dtype=float)
                     .reshape(self.ncomp, *w.n))  # fmt: skip
        return Bound(q, w)

    def average(self):
        return self.quantity().average()

    def region(self, r):
        return self.quantity().region(r)

    def comp(self, c):
        return self.quantity().comp(c)

    def mx3_str(self):
        return self.name


PARAM_METHODS = ("setregion", "getregion", "add", "removeextraterms", "average", "region",
                 "comp")  # fmt: skip


def make_params() -> dict:
    """The parameters a script can set, by lower-case name."""
    P = Param
    params = [
        P("Msat", "A/m", 1, "saturation magnetisation", nonneg=True),
        P("Aex", "J/m", 1, "exchange stiffness", nonneg=True),
        P("alpha", "", 1, "Gilbert damping", nonneg=True),
        P("Ku1", "J/m3", 1, "1st order uniaxial anisotropy constant"),
        P("Ku2", "J/m3", 1, "2nd order uniaxial anisotropy constant"),
        P("AnisU", "", 3, "uniaxial anisotropy direction"),
        P("Kc1", "J/m3", 1, "1st order cubic anisotropy constant"),
        P("Kc2", "J/m3", 1, "2nd order cubic anisotropy constant"),
        P("Kc3", "J/m3", 1, "3rd order cubic anisotropy constant"),
        P("AnisC1", "", 3, "cubic anisotropy direction #1"),
        P("AnisC2", "", 3, "cubic anisotropy direction #2"),
        P("Dind", "J/m2", 1, "interfacial Dzyaloshinskii-Moriya strength"),
        P("Dbulk", "J/m2", 1, "bulk Dzyaloshinskii-Moriya strength"),
        P("B_ext", "T", 3, "externally applied field", time_ok=True, excitation=True),
        P("J", "A/m2", 3, "electrical current density", time_ok=True, excitation=True),
        P("Pol", "", 1, "electrical current polarization"),
        P("xi", "", 1, "non-adiabaticity of spin-transfer-torque"),
        P("Lambda", "", 1, "Slonczewski Λ parameter"),
        P("EpsilonPrime", "", 1, "Slonczewski secondairy STT term ε'"),
        P("FixedLayer", "", 3, "Slonczewski fixed layer polarization"),
        P("FreeLayerThickness", "m", 1, "Slonczewski free layer thickness (if set to zero "
          "(default), then the thickness will be deduced from the mesh size)", nonneg=True),
        P("Temp", "K", 1, "temperature", nonneg=True),
        P("frozenspins", "", 1, "defines spins that should be fixed"),
        P("NoDemagSpins", "", 1, "disable magnetostatic interaction per region"),
        P("GammaLL", "rad/Ts", 1, "gyromagnetic ratio", nonneg=True),
        P("B1", "J/m3", 1, "first magneto-elastic coupling constant"),
        P("B2", "J/m3", 1, "second magneto-elastic coupling constant"),
        P("exx", "", 1, "exx component of the strain tensor", time_ok=True),
        P("eyy", "", 1, "eyy component of the strain tensor", time_ok=True),
        P("ezz", "", 1, "ezz component of the strain tensor", time_ok=True),
        P("exy", "", 1, "exy component of the strain tensor", time_ok=True),
        P("exz", "", 1, "exz component of the strain tensor", time_ok=True),
        P("eyz", "", 1, "eyz component of the strain tensor", time_ok=True),
    ]  # fmt: skip
    out = {p.name.lower(): p for p in params}
    out["gammall"].assign(1.7595e11)
    out["alpha"].assign(0.0)
    out["lambda"].assign(1.0)
    out["anisc1"].assign(Vector(0, 0, 0))
    out["pol"].assign(1.0)
    return out
