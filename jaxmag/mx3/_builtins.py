"""The identifiers a mumax3 script can use (lower case: the language ignores case), mapped
onto the world (:mod:`jaxmag.mx3._world`), its outputs and drivers. Anything not here is
refused by name and line before the script runs."""

import math
import random
import sys

import numpy as np

from jaxmag.io import ovf
from jaxmag.mx3 import _configs, _custom, _drivers
from jaxmag.mx3._math import MATH
from jaxmag.mx3._objects import Duration, LoadedField, Magnetisation, Regions, Slice, shape_arg
from jaxmag.mx3._output import FORMATS, Autosave
from jaxmag.mx3._params import Param
from jaxmag.mx3._quantities import Bound, crop, custom_bound, make_quantities
from jaxmag.mx3._shapes import SHAPES, image_shape, universe
from jaxmag.mx3._values import (
    Mx3TypeError,
    Vector,
    as_bool,
    as_float,
    as_int,
    as_str,
    as_vector,
    go_format,
    sprintf,
)


class Func:
    """A built-in function: `fn` takes the evaluated arguments; `nargs` is its arity
    (None: any)."""

    mx3_type = "function"

    def __init__(self, name, fn, nargs):
        self.name, self.fn, self.nargs = name, fn, nargs

    def __call__(self, *args):
        if self.nargs is not None and len(args) != self.nargs:
            raise Mx3TypeError(f"{self.name}: expected {self.nargs} arguments, got {len(args)}")
        return self.fn(*args)


class Lazy(Func):
    """A built-in that receives its arguments unevaluated: ``fn(interp, nodes)``."""

    def __call__(self, interp, nodes):
        if len(nodes) != self.nargs:
            raise Mx3TypeError(f"{self.name}: expected {self.nargs} arguments, got {len(nodes)}")
        return self.fn(interp, *nodes)


class Var:
    """A built-in variable with a getter and, if assignable, a setter."""

    def __init__(self, name, get, set=None):
        self.name, self.get, self.set = name, get, set


class Expectation(Exception):
    """A failed ``expect``/``expectv``."""


UNSUPPORTED = {
    # recognised mumax3 identifiers that jaxmag refuses, with the reason
    "temp": "thermal fluctuations (Temp) in mx3 scripts",
    "thermseed": "thermal fluctuations (Temp) in mx3 scripts",
    "b_therm": "thermal fluctuations (Temp) in mx3 scripts",
    "newscalarvalue": "custom quantities", "newvectorvalue": "custom quantities",
    "mulmv": "custom quantities",
    "ext_bubblepos": "bubble tracking", "ext_bubbledist": "bubble tracking",
    "ext_bubblespeed": "bubble tracking", "ext_bubblemz": "bubble tracking",
    "ext_centerwall": "domain-wall centring", "ext_centerbubble": "bubble centring",
    "shift": "moving the simulation window", "shiftgeom": "moving the simulation window",
    "shiftm": "moving the simulation window", "shiftregions": "moving the simulation window",
    "shiftmagl": "moving the simulation window", "shiftmagr": "moving the simulation window",
    "ext_make3dgrains": "Voronoi grains", "ext_makegrains": "Voronoi grains",
    "ext_hopfindex_solidangle": "the Hopf index",
    "ext_hopfindex_twopointstencil": "the Hopf index",
    "ext_hopfindex_fivepointstencil": "the Hopf index",
    "ext_hopfindex_solidanglefourier": "the Hopf index",
    "ext_hopfindex_twopointstencilfourier": "the Hopf index",
    "ext_hopfindex_fivepointstencilfourier": "the Hopf index",
    "ext_emergentmagnetizationdensity": "the Hopf index",
    "mfm": "MFM images", "mfmlift": "MFM images", "mfmdipole": "MFM images",
    "ext_interdind": "inter-region DMI", "ext_scaledind": "inter-region DMI",
    "ext_inter_dind": "inter-region DMI",
    "dbiquad": "biquadratic exchange", "ext_interbiquad": "biquadratic exchange",
    "openbc": "open boundary conditions for DMI (OpenBC)",
    "enablezhanglitorque": "switching torques by flag",
    "enableslonczewskitorque": "switching torques by flag",
    "functionfromdatafile": "functions from data files",
    "ext_rmsurface": "surface removal", "exchangeconnected": "exchange connectivity",
    "setgeomfromovf": "geometry from OVF", "ext_phi": "spherical angles",
    "ext_theta": "spherical angles",
    "lltorque": "separate torque quantities", "stttorque": "separate torque quantities",
 "b_custom": "custom fields",
    "e_custom": "custom energies", "edens_custom": "custom energies",
    "ext_dwpos": "domain-wall tracking", "ext_dwxpos": "domain-wall tracking",
    "ext_dwspeed": "domain-wall tracking", "ext_dwtilt": "domain-wall tracking",
    "setregion": "setting regions from expressions",
    "dindcoupling": "inter-region DMI",
}  # fmt: skip


def build_namespace(world, out, interp) -> dict:
    """Every built-in identifier (lower case) → Func, Var, Param, Bound or a value."""
    ns: dict = {}

    def func(name, fn, nargs):
        ns[name.lower()] = Func(name, fn, nargs)

    def var(name, get, set=None):
        ns[name.lower()] = Var(name, get, set)

    # constants
    ns["pi"] = math.pi
    ns["inf"] = math.inf
    ns["true"] = True
    ns["false"] = False
    ns["ovf1_text"] = "ovf1_text"
    ns["ovf1_binary"] = "ovf1_binary"
    ns["ovf2_text"] = "ovf2_text"
    ns["ovf2_binary"] = "ovf2_binary"
    ns["dump"] = "dump"
    ns["mu0"] = 4e-7 * math.pi
    ns["universe"] = universe()

    for name, (fn, n) in MATH.items():
        func(name, fn, n)

    # parameters and quantities
    for key, p in world.params.items():
        p.world = world
        ns[key] = p
    quantities = make_quantities()
    for key, q in quantities.items():
        if key not in ns:
            ns[key] = Bound(q, world)

    # --- mesh and geometry -------------------------------------------------------
    def setgridsize(nx, ny, nz):
        world.set_mesh(n=(as_int(nx, "Nx"), as_int(ny, "Ny"), as_int(nz, "Nz")))

    def setcellsize(dx, dy, dz):
        world.set_mesh(cell=(as_float(dx, "dx"), as_float(dy, "dy"), as_float(dz, "dz")))

    def setpbc(px, py, pz):
        world.set_mesh(pbc=(as_int(px, "Px"), as_int(py, "Py"), as_int(pz, "Pz")))

    def setmesh(nx, ny, nz, dx, dy, dz, px, py, pz):
        world.set_mesh(n=(as_int(nx), as_int(ny), as_int(nz)),
                       cell=(as_float(dx), as_float(dy), as_float(dz)),
                       pbc=(as_int(px), as_int(py), as_int(pz)))  # fmt: skip

    func("SetGridSize", setgridsize, 3)
    func("SetCellSize", setcellsize, 3)
    func("SetPBC", setpbc, 3)
    func("SetMesh", setmesh, 9)
    func("SetGeom", lambda s: world.set_geom(shape_arg(s)), 1)
    var("EdgeSmooth", lambda: world.edge_smooth,
        lambda v: setattr(world, "edge_smooth", as_int(v, "EdgeSmooth")))  # fmt: skip

    for name, (fn, n) in SHAPES.items():
        func(name, fn, n)
    func("ImageShape", lambda p: image_shape(interp.path(as_str(p)), world.n), 1)

    def defregion(r, s):
        r = as_int(r, "region")
        if not 0 <= r < 256:
            raise Mx3TypeError(f"DefRegion: region must be in [0, 256), got {r}")
        world.need_mesh("DefRegion")
        world.regions = np.where(world.mask_of(shape_arg(s)), r, world.regions).astype(np.int32)
        world.mesh_version += 1

    def defregioncell(r, ix, iy, iz):
        world.need_mesh("DefRegionCell")
        world.regions[as_int(ix), as_int(iy), as_int(iz)] = as_int(r, "region")
        world.mesh_version += 1

    func("DefRegion", defregion, 2)
    func("DefRegionCell", defregioncell, 4)

    def scale_exchange(r1, r2, s):
        world.scale_exchange[(as_int(r1), as_int(r2))] = as_float(s)

    def inter_exchange(r1, r2, a):
        world.inter_exchange[(as_int(r1), as_int(r2))] = as_float(a)

    func("ext_ScaleExchange", scale_exchange, 3)
    func("ext_InterExchange", inter_exchange, 3)

    # --- magnetisation ------------------------------------------------------------------
    func("vector", lambda x, y, z: Vector(as_float(x), as_float(y), as_float(z)), 3)
    func("Uniform", _configs.uniform, 3)
    func("Vortex", lambda c, p: _configs.vortex(c, p, world.cell), 2)
    func("AntiVortex", lambda c, p: _configs.antivortex(c, p, world.cell), 2)
    func("BlochSkyrmion", lambda c, p: _configs.blochskyrmion(c, p, world.cell), 2)
    func("NeelSkyrmion", lambda c, p: _configs.neelskyrmion(c, p, world.cell), 2)
    func("TwoDomain", lambda *a: _configs.twodomain(*a, world.cell), 9)
    func("Conical", _configs.conical, 3)
    func("Helical", _configs.helical, 1)
    func("RandomMag", lambda: _configs.randommag_seed(random.randrange(2**31)), 0)
    func("RandomMagSeed", _configs.randommag_seed, 1)
    ns["m"] = Magnetisation(quantities["m"], world, interp)
    ns["regions"] = Regions(quantities["regions"], world, interp)

    # --- solver and drivers ------------------------------------------------------------
    def set_solver(k):
        world.solver_type = as_int(k, "solver")
        if world.solver_type not in _drivers.SOLVERS:
            raise Mx3TypeError(f"SetSolver({world.solver_type}): jaxmag maps solvers 1-6")

    func("SetSolver", set_solver, 1)
    for name, attr in (("MaxErr", "max_err"), ("FixDt", "fix_dt"), ("MinDt", "min_dt"),
                       ("MaxDt", "max_dt")):  # fmt: skip
        var(name, lambda a=attr: getattr(world, a),
            lambda v, a=attr: setattr(world, a, as_float(v, a)))  # fmt: skip
    var("Headroom", lambda: 0.8, lambda v: None)
    var("t", lambda: world.t, lambda v: setattr(world, "t", as_float(v, "t")))
    var("dt", lambda: world.dt, lambda v: setattr(world, "dt", as_float(v, "dt")))
    var("step", lambda: world.nsteps, lambda v: setattr(world, "nsteps", as_int(v, "step")))
    var("NSteps", lambda: world.nsteps, lambda v: setattr(world, "nsteps", as_int(v, "NSteps")))
    var("EnableDemag", lambda: world.enable_demag,
        lambda v: setattr(world, "enable_demag", bool(v)))  # fmt: skip
    var("OutputFormat", lambda: out.fmt, lambda v: setattr(out, "fmt", FORMATS[as_str(v)]))
    func("run", lambda d: _drivers.run(world, out, as_float(d, "run"), interp.progress), 1)
    func("relax", lambda: _drivers.relax(world, out), 0)
    func("steps", lambda k: _drivers.steps(world, out, as_int(k, "steps")), 1)

    def run_while(interp, cond):
        _drivers.run_while(world, out, lambda: as_bool(interp.eval(cond), "RunWhile condition"))

    ns["runwhile"] = Lazy("RunWhile", run_while, 1)

    def table_add_var(interp, var, name, unit):
        out.table_add((as_str(interp.eval(name)), as_str(interp.eval(unit)),
                       lambda: as_float(interp.eval(var))))  # fmt: skip

    ns["tableaddvar"] = Lazy("TableAddVar", table_add_var, 3)
    func("minimize", lambda: _drivers.relax(world, out), 0)

    # --- output -------------------------------------------------------------------------
    def quantity(q, what):
        if isinstance(q, Bound):
            return q
        if isinstance(q, _custom.Custom):
            return custom_bound(q, world)
        if isinstance(q, Param):
            return q.quantity()
        raise Mx3TypeError(f"{what}: expected a quantity, got {getattr(q, 'mx3_type', q)}")

    func("TableAdd", lambda q: out.table_add(quantity(q, "TableAdd")), 1)

    def table_autosave(period):
        out.table_autosave = Autosave(as_float(period, "period"), world.t)

    func("TableAutoSave", table_autosave, 1)
    func("TableSave", lambda: out.table_row(world.t, world.m), 0)
    func("save", lambda q: out.save(quantity(q, "save")), 1)
    func("saveas", lambda q, name: out.save(quantity(q, "saveas"), name=as_str(name)), 2)

    def autosave(q, period, kind="ovf"):
        b = quantity(q, "AutoSave")
        out.autosaves[(b.name, kind)] = (b, Autosave(as_float(period, "period"), world.t), kind)

    func("AutoSave", autosave, 2)
    func("Snapshot", lambda q: out.snapshot(quantity(q, "Snapshot")), 1)
    func("AutoSnapshot", lambda q, p: autosave(q, p, "png"), 2)

    # --- checks and printing -----------------------------------------------------------
    def expect(msg, have, want, maxerr):
        msg = go_format(msg) if not isinstance(msg, str) else msg
        have, want, maxerr = as_float(have), as_float(want), as_float(maxerr)
        if math.isnan(have) or math.isnan(want) or abs(have - want) > maxerr:
            raise Expectation(f"{msg}: have: {go_format(have)} want: {go_format(want)} ± "
                              f"{go_format(maxerr)}")  # fmt: skip
        interp.log(f"{msg} : {go_format(have)} OK")

    def expectv(msg, have, want, maxerr):
        have, want = as_vector(have), as_vector(want)
        for c in range(3):
            expect(f"{msg}[{c}]", have[c], want[c], maxerr)

    func("expect", expect, 4)
    func("expectv", expectv, 4)
    func("print", lambda *a: interp.log(" ".join(go_format(v) for v in a)), None)
    func("sprint", lambda *a: "".join(go_format(v) for v in a), None)
    func("sprintf", lambda f, *a: sprintf(as_str(f), *a), None)

    def fprintln(fname, *a):
        out.ensure_dir()
        with open(out.outdir / as_str(fname), "a") as f:
            f.write(" ".join(go_format(v) for v in a) + "\n")

    func("fprintln", fprintln, None)
    func("now", lambda: __import__("time").time(), 0)
    func("exit", lambda: interp.exit(), 0)
    func("flush", lambda: out.write_table(), 0)
    func("LoadFile", lambda p: LoadedField(ovf.read(interp.path(as_str(p)))), 1)
    func("NewSlice", Slice, 4)

    def n_of(ax):
        world.need_mesh("Crop")
        return world.n[ax]

    func("Crop", lambda q, *w: crop(quantity(q, "Crop"), *w), 7)

    def crop_region(q, r):
        cells = np.argwhere(world.regions == as_int(r, "region"))
        if len(cells) == 0:
            raise Mx3TypeError(f"CropRegion: region {as_int(r)} has no cell")
        lo, hi = cells.min(axis=0), cells.max(axis=0) + 1
        return crop(quantity(q, "CropRegion"), lo[0], hi[0], lo[1], hi[1], lo[2], hi[2])

    func("CropRegion", crop_region, 2)
    func("CropX", lambda q, a, b: crop(quantity(q, "CropX"), a, b, 0, n_of(1), 0, n_of(2)), 3)
    func("CropY", lambda q, a, b: crop(quantity(q, "CropY"), 0, n_of(0), a, b, 0, n_of(2)), 3)
    func("CropZ", lambda q, a, b: crop(quantity(q, "CropZ"), 0, n_of(0), 0, n_of(1), a, b), 3)
    func("CropLayer", lambda q, k: crop(quantity(q, "CropLayer"), 0, n_of(0), 0, n_of(1), k,
                                        as_int(k) + 1), 2)  # fmt: skip
    func("print_stderr", lambda *a: print(*a, file=sys.stderr), None)
    rng = random.Random(0)
    func("randSeed", lambda k: rng.seed(as_int(k, "seed")), 1)
    func("rand", lambda: rng.random(), 0)
    func("randNorm", lambda: rng.gauss(0.0, 1.0), 0)
    func("randExp", lambda: rng.expovariate(1.0), 0)
    func("randInt", lambda k: float(rng.randrange(as_int(k, "upper bound"))), 1)
    func("since", lambda t0: Duration(__import__("time").time() - as_float(t0)), 1)
    var("EnableCUDAgraphs", lambda: False, lambda v: None)  # XLA compiles the whole solve
    var("RelaxNSteps", lambda: 0.0, lambda v: None)  # a knob of mumax3's relax(), not ours
    var("DisableZhangLiTorque", lambda: world.disable_zhang_li,
        lambda v: setattr(world, "disable_zhang_li", bool(v)))  # fmt: skip
    var("DisableSlonczewskiTorque", lambda: world.disable_slonczewski,
        lambda v: setattr(world, "disable_slonczewski", bool(v)))  # fmt: skip
    func("ThermReseed", lambda k: as_int(k, "seed") and None, 1)  # no Temp: nothing to seed
    func("DotProduct", lambda a, b: _custom.dot(a, b, world), 2)
    ns["dex"] = world.params["dind"]  # mumax3's old name of Dind

    # --- custom quantities and terms -------------------------------------------------
    func("Const", _custom.const, 1)
    func("ConstVector", _custom.const_vector, 3)
    for name, f in (("Add", _custom.add), ("Mul", _custom.mul), ("Div", _custom.div),
                    ("Dot", _custom.dot), ("Cross", _custom.cross)):  # fmt: skip
        func(name, lambda a, b, f=f: f(a, b, world), 2)
    func("Shifted", lambda q, x, y, z: _custom.shifted(q, x, y, z, world), 4)
    func("Masked", lambda q, s: _custom.masked(q, world.mask_of(shape_arg(s)), world), 2)
    func("NewScalarMask", lambda x, y, z: _custom.Mask(1, (as_int(x), as_int(y), as_int(z))), 3)
    func("NewVectorMask", lambda x, y, z: _custom.Mask(3, (as_int(x), as_int(y), as_int(z))), 3)

    def custom_quantity(mask):
        if not isinstance(mask, _custom.Mask):
            raise Mx3TypeError("CustomQuantity: expected a mask (NewScalarMask, NewVectorMask)")
        if mask.values.shape[1:] != tuple(world.n):
            raise Mx3TypeError(
                f"CustomQuantity: a {mask.values.shape[1:]} mask on a {world.n} mesh"
            )
        return mask.custom()

    func("CustomQuantity", custom_quantity, 1)

    def index2coord(i, j, k):
        world.need_mesh("Index2Coord")
        idx = (as_int(i), as_int(j), as_int(k))
        return Vector(
            *((q - (n - 1) / 2) * d for q, n, d in zip(idx, world.n, world.cell, strict=True))
        )

    func("Index2Coord", index2coord, 3)

    def add_term(lst, q, what):
        c = _custom.leaf(q, world)
        if what == "AddEdensTerm" and c.ncomp != 1:
            raise Mx3TypeError("AddEdensTerm: the energy density must be a scalar quantity")
        if what == "AddFieldTerm" and c.ncomp != 3:
            raise Mx3TypeError("AddFieldTerm: the field must be a vector quantity")
        lst.append(c)
        world.custom_version += 1

    func("AddFieldTerm", lambda q: add_term(world.custom_fields, q, "AddFieldTerm"), 1)
    func("AddEdensTerm", lambda q: add_term(world.custom_edens, q, "AddEdensTerm"), 1)

    def remove(lst):
        lst.clear()
        world.custom_version += 1

    func("RemoveCustomFields", lambda: remove(world.custom_fields), 0)
    func("RemoveCustomEnergies", lambda: remove(world.custom_edens), 0)
    return ns
