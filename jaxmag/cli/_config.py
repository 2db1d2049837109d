"""Problem descriptions in TOML for ``jaxmag run``: parsed and checked before any work.

A file has these tables (units SI unless the key says otherwise; see ``examples/``)::

    [mesh]      cells = [nx, ny, nz]; size = [Lx, Ly, Lz] (m)  or  cell = [dx, dy, dz] (m)
    [material]  Ms (A/m), A (J/m), alpha, Ku1, Ku2 (J/m³), anis_u, Kc1 (J/m³), anis_c1, anis_c2
    [[regions]] optional instead of [material]: a shape and the material keys; later
                regions overwrite earlier ones, cells in no region are non-magnetic
    [[shapes]]  optional geometry (union): kind = "cuboid" (size, center), "ellipse"
                (diameters, center), "disk" (radius, center), "cylinder" (radius, height,
                center); lengths in m
    [energy]    exchange = true, demag = true, anisotropy = true/false (default: if K ≠ 0)
    [initial]   kind = "uniform" (m = [mx, my, mz]), "random" (seed), "vortex"
                (polarity = ±1, chirality = ±1), "ovf" (path, relative to the file)
    [[stages]]  kind = "relax" (tol, B_mT = [..]) or "run" (t (s), B_mT, rtol, solver)
    [output]    dir, table_every (s), ovf_every (s, 0 = none), checkpoint_every (s, 0 = none)

Every key is checked: an unknown key, a missing one or a bad value raises
:class:`ConfigError` naming the key (``stages[1].t``, ``material.Ms``, ...).
"""

import tomllib
from pathlib import Path

import numpy as np

from jaxmag.dynamics._names import SOLVER_NAMES


class ConfigError(ValueError):
    """A bad problem description; the message names the file and the key."""


MATERIAL_KEYS = {"Ms", "A", "alpha", "Ku1", "Ku2", "anis_u", "Kc1", "anis_c1", "anis_c2"}
SHAPE_KEYS = {
    "cuboid": {"size", "center"},
    "ellipse": {"diameters", "center"},
    "disk": {"radius", "center"},
    "cylinder": {"radius", "height", "center"},
}
SCHEMA = {
    "mesh": {"cells", "size", "cell"},
    "energy": {"exchange", "demag", "anisotropy"},
    "initial": {"kind", "m", "seed", "polarity", "chirality", "path"},
    "output": {"dir", "table_every", "ovf_every", "checkpoint_every"},
}
STAGE_KEYS = {"relax": {"kind", "tol", "B_mT"}, "run": {"kind", "t", "B_mT", "rtol", "solver"}}
SOLVERS = SOLVER_NAMES
TOP = {"mesh", "material", "regions", "shapes", "energy", "initial", "stages", "output"}


def _err(where, msg):
    return ConfigError(f"{where}: {msg}")


def _keys(where, table, allowed, required=()):
    if not isinstance(table, dict):
        raise _err(where, f"must be a table, got {type(table).__name__}")
    for k in table:
        if k not in allowed:
            raise _err(f"{where}.{k}", f"unknown key (allowed: {', '.join(sorted(allowed))})")
    for k in required:
        if k not in table:
            raise _err(f"{where}.{k}", "missing")


def _number(where, v, *, positive=False, nonneg=False):
    if isinstance(v, bool) or not isinstance(v, int | float) or not np.isfinite(v):
        raise _err(where, f"must be a finite number, got {v!r}")
    if positive and not v > 0:
        raise _err(where, f"must be > 0, got {v!r}")
    if nonneg and v < 0:
        raise _err(where, f"must be >= 0, got {v!r}")
    return float(v)


def _vector(where, v, n=3, *, positive=False, integer=False):
    if not isinstance(v, list) or len(v) != n:
        raise _err(where, f"must be a list of {n} numbers, got {v!r}")
    if integer:
        if not all(isinstance(x, int) and not isinstance(x, bool) and x >= 1 for x in v):
            raise _err(where, f"must be {n} positive integers, got {v!r}")
        return tuple(v)
    return tuple(_number(f"{where}[{i}]", x, positive=positive) for i, x in enumerate(v))


def _material(where, t):
    out = {}
    for k, v in t.items():
        if k in ("anis_u", "anis_c1", "anis_c2"):
            out[k] = _vector(f"{where}.{k}", v)
        elif k in ("Ms", "A", "alpha"):
            out[k] = _number(f"{where}.{k}", v, nonneg=True)
        else:
            out[k] = _number(f"{where}.{k}", v)
    if "Ms" not in out:
        raise _err(f"{where}.Ms", "missing")
    return out


def _shape(where, t):
    if not isinstance(t, dict) or t.get("kind") not in SHAPE_KEYS:
        raise _err(f"{where}.kind", f"must be one of {sorted(SHAPE_KEYS)}")
    kind = t["kind"]
    body = {k: v for k, v in t.items() if k != "kind"}
    _keys(where, body, SHAPE_KEYS[kind], required=SHAPE_KEYS[kind] - {"center"})
    out = {"kind": kind}
    for k, v in body.items():
        if k == "center":
            out[k] = _vector(f"{where}.{k}", v)
        elif k == "diameters":
            out[k] = _vector(f"{where}.{k}", v, 2, positive=True)
        elif k == "size":
            out[k] = _vector(f"{where}.{k}", v, positive=True)
        else:
            out[k] = _number(f"{where}.{k}", v, positive=True)
    return out


def _stage(where, t):
    if not isinstance(t, dict) or t.get("kind") not in STAGE_KEYS:
        raise _err(f"{where}.kind", f"must be one of {sorted(STAGE_KEYS)}")
    kind = t["kind"]
    _keys(where, t, STAGE_KEYS[kind], required=("t",) if kind == "run" else ())
    out = {"kind": kind, "B_mT": _vector(f"{where}.B_mT", t.get("B_mT", [0.0, 0.0, 0.0]))}
    if kind == "run":
        out["t"] = _number(f"{where}.t", t["t"], positive=True)
        out["rtol"] = _number(f"{where}.rtol", t.get("rtol", 1e-5), positive=True)
        out["solver"] = t.get("solver")  # None: simulate's default_solver(rtol)
        if out["solver"] is not None and out["solver"] not in SOLVERS:
            raise _err(f"{where}.solver", f"must be one of {SOLVERS}, got {out['solver']!r}")
    elif "tol" in t:
        out["tol"] = _number(f"{where}.tol", t["tol"], positive=True)
    return out


def parse(text: str, source: str = "<config>", base=None) -> dict:
    """Parse and check a TOML problem description; returns a plain dict with defaults
    filled in. ``base`` is the folder relative paths are taken from."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{source}: not valid TOML ({e})") from None
    where = source
    _keys(where, raw, TOP, required=("mesh", "stages"))
    mesh = raw["mesh"]
    _keys(f"{where}:mesh", mesh, SCHEMA["mesh"], required=("cells",))
    if ("size" in mesh) == ("cell" in mesh):
        raise _err(f"{where}:mesh", "give exactly one of size and cell")
    cfg = {"source": source, "base": Path(base) if base is not None else Path(".")}
    cfg["cells"] = _vector(f"{where}:mesh.cells", mesh["cells"], integer=True)
    key = "size" if "size" in mesh else "cell"
    cfg[key] = _vector(f"{where}:mesh.{key}", mesh[key], positive=True)
    if ("material" in raw) == ("regions" in raw):
        raise _err(where, "give exactly one of [material] and [[regions]]")
    if "material" in raw:
        _keys(f"{where}:material", raw["material"], MATERIAL_KEYS)
        cfg["material"] = _material(f"{where}:material", raw["material"])
    else:
        if not isinstance(raw["regions"], list) or not raw["regions"]:
            raise _err(f"{where}:regions", "must be a non-empty array of tables")
        cfg["regions"] = []
        for i, r in enumerate(raw["regions"]):
            w = f"{where}:regions[{i}]"
            _keys(w, r, MATERIAL_KEYS | {"shape"}, required=("shape",))
            mat = _material(w, {k: v for k, v in r.items() if k != "shape"})
            cfg["regions"].append({"shape": _shape(f"{w}.shape", r["shape"]), "material": mat})
    cfg["shapes"] = [_shape(f"{where}:shapes[{i}]", s) for i, s in enumerate(raw.get("shapes", []))]
    energy = raw.get("energy", {})
    _keys(f"{where}:energy", energy, SCHEMA["energy"])
    for k, v in energy.items():
        if not isinstance(v, bool):
            raise _err(f"{where}:energy.{k}", f"must be true or false, got {v!r}")
    cfg["energy"] = {"exchange": True, "demag": True, "anisotropy": None} | energy
    init = raw.get("initial", {"kind": "uniform", "m": [1.0, 0.0, 0.0]})
    cfg["initial"] = _initial(f"{where}:initial", init)
    stages = raw["stages"]
    if not isinstance(stages, list) or not stages:
        raise _err(f"{where}:stages", "must be a non-empty array of tables")
    cfg["stages"] = [_stage(f"{where}:stages[{i}]", s) for i, s in enumerate(stages)]
    out = raw.get("output", {})
    _keys(f"{where}:output", out, SCHEMA["output"])
    cfg["output"] = {
        "dir": str(out.get("dir", "jaxmag_out")),
        "table_every": _number(
            f"{where}:output.table_every", out.get("table_every", 1e-12), positive=True
        ),  # fmt: skip
        "ovf_every": _number(f"{where}:output.ovf_every", out.get("ovf_every", 0.0), nonneg=True),
        "checkpoint_every": _number(
            f"{where}:output.checkpoint_every", out.get("checkpoint_every", 0.0), nonneg=True
        ),  # fmt: skip
    }
    return cfg


def _initial(where, t):
    kinds = {"uniform": {"m"}, "random": {"seed"}, "vortex": {"polarity", "chirality"},
             "ovf": {"path"}}  # fmt: skip
    if not isinstance(t, dict) or t.get("kind") not in kinds:
        raise _err(f"{where}.kind", f"must be one of {sorted(kinds)}")
    kind = t["kind"]
    _keys(where, t, kinds[kind] | {"kind"}, required=("path",) if kind == "ovf" else ())
    out = {"kind": kind}
    if kind == "uniform":
        out["m"] = _vector(f"{where}.m", t.get("m", [1.0, 0.0, 0.0]))
        if not any(out["m"]):
            raise _err(f"{where}.m", "must not be the zero vector")
    elif kind == "random":
        seed = t.get("seed", 0)
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise _err(f"{where}.seed", f"must be a non-negative integer, got {seed!r}")
        out["seed"] = seed
    elif kind == "vortex":
        for k in ("polarity", "chirality"):
            v = t.get(k, 1)
            if v not in (1, -1) or isinstance(v, bool):
                raise _err(f"{where}.{k}", f"must be 1 or -1, got {v!r}")
            out[k] = v
    else:
        if not isinstance(t["path"], str) or not t["path"]:
            raise _err(f"{where}.path", "must be a file name")
        out["path"] = t["path"]
    return out


def load(path) -> dict:
    """:func:`parse` a TOML file; relative paths in it are taken from its folder."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as e:
        raise ConfigError(f"{path}: cannot read ({e.strerror})") from None
    return parse(text, str(path), base=path.parent)
