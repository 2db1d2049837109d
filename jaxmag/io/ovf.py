"""OOMMF OVF files: read OVF 1.0 and 2.0 (text, binary 4, binary 8), write OVF 2.0.

Arrays are component-major, ``values.shape == (valuedim, nx, ny, nz)``. In the file the
x index runs fastest, then y, then z, and the components of one node are adjacent.
Binary data are little-endian in OVF 2.0 and big-endian in OVF 1.0; the block opens
with the check value 1234567.0 (4 bytes) or 123456789012345.0 (8 bytes).
Only rectangular meshes are supported. Specification:
https://math.nist.gov/oommf/doc/userguide20a3/userguide/Vector_Field_File_Format_OV.html
"""

import dataclasses
import math
import re
from pathlib import Path

import numpy as np

from jaxmag.io._atomic import atomic_write

FORMATS = ("text", "binary4", "binary8")
_CHECK = {4: 1234567.0, 8: 123456789012345.0}
_MESHUNIT = {"m": 1.0, "mm": 1e-3, "um": 1e-6, "µm": 1e-6, "nm": 1e-9}
_V1 = re.compile(r"#\s*oommf\s*:\s*(rectangular|irregular)\s+mesh\s+v(1\.0|0\.99|0\.0a0)", re.I)
_V2 = re.compile(r"#\s*oommf\s+ovf\s+2\.0", re.I)
_END = re.compile(rb"^[ \t]*#[ \t]*end[ \t]*:[ \t]*data", re.I | re.M)


@dataclasses.dataclass(frozen=True)
class OVFField:
    """The contents of an OVF file.

    **Arguments:**

    - `values`: float64 array of shape `(valuedim, nx, ny, nz)`, in the units `units`.
    - `cell`: cell size `(dx, dy, dz)` in m (the header's `xstepsize` ...).
    - `origin`: corner of the mesh `(xmin, ymin, zmin)` in m, i.e. the outer corner of
      the first cell; the first cell's centre (`xbase` ...) is `origin + cell / 2`.
    - `title`: the `Title` line (`""` if absent).
    - `desc`: the `Desc` lines, in order.
    - `labels`, `units`: one label and one unit string per component.
    - `valuedim`: number of components (always 3 in OVF 1.0).
    - `version`: 1 or 2; `fmt`: `"text"`, `"binary4"` or `"binary8"`.
    """

    values: np.ndarray
    cell: tuple
    origin: tuple
    title: str
    desc: list
    labels: tuple
    units: tuple
    valuedim: int
    version: int
    fmt: str

    @property
    def nodes(self) -> tuple:
        """Cell counts `(nx, ny, nz)`."""
        return tuple(self.values.shape[1:])


def _tcl_split(s: str) -> list:
    """Split a Tcl list: words separated by whitespace, grouped by `{...}` or `"..."`."""
    return [a or b or c for a, b, c in re.findall(r'\{([^{}]*)\}|"([^"]*)"|(\S+)', s)]


def _default_labels(n: int) -> tuple:
    return ("x", "y", "z") if n == 3 else tuple(f"v{i}" for i in range(n))


def _header(path: Path, raw: bytes):
    """Parse the header; return (version, keys, desc list, data format, data offset)."""
    nl = raw.find(b"\n")
    first = raw[: nl if nl >= 0 else 200].decode("utf-8", "replace").split("##")[0].strip()
    if _V2.fullmatch(first):
        version, keys = 2, {}
    elif m := _V1.fullmatch(first):
        version, keys = 1, {"oommf": m.group(1).lower()}
    else:
        raise ValueError(
            f"{path}: not an OVF file: the first line is {first[:60]!r}, expected "
            "'# OOMMF OVF 2.0' or '# OOMMF: rectangular mesh v1.0'"
        )
    desc, pos = [], nl + 1
    while nl >= 0:
        nl = raw.find(b"\n", pos)
        line = raw[pos : nl if nl >= 0 else len(raw)].decode("utf-8", "replace")
        pos = nl + 1 if nl >= 0 else len(raw)
        line = line.split("##", 1)[0].strip()
        if not line.startswith("#"):
            if line:
                raise ValueError(f"{path}: header line {line[:60]!r} does not start with '#'")
            continue
        if ":" not in line:
            continue
        key, value = line[1:].split(":", 1)
        key = re.sub(r"[ \t]", "", key).lower()
        value = value.strip()
        if key == "desc":
            desc.append(value)
        elif key == "begin" and value.lower().startswith("data"):
            kind = " ".join(value.lower().split()[1:])
            fmt = {"text": "text", "binary 4": "binary4", "binary 8": "binary8"}.get(kind)
            if fmt is None:
                raise ValueError(
                    f"{path}: unknown data format {value!r}, expected 'Data Text', "
                    "'Data Binary 4' or 'Data Binary 8'"
                )
            return version, keys, desc, fmt, pos
        elif key not in ("begin", "end"):
            keys[key] = value
    raise ValueError(f"{path}: no '# Begin: Data' line: the header is incomplete")


def _get(path: Path, keys: dict, key: str, kind=float):
    if key not in keys:
        raise ValueError(f"{path}: the header has no {key!r} entry, which is required")
    try:
        return kind(keys[key])
    except ValueError:
        raise ValueError(f"{path}: header entry {key}: {keys[key]!r} is not a number") from None


def _per_component(path, keys, key, n, default):
    if key not in keys:
        return default
    items = _tcl_split(keys[key])
    if len(items) == 1 and n > 1:
        items = items * n
    if len(items) != n:
        raise ValueError(f"{path}: {key} has {len(items)} entries, but valuedim is {n}")
    return tuple(items)


def _data(path: Path, rest: bytes, fmt: str, version: int, count: int, what: str):
    """The `count` numbers of the data block `rest`, as float64, in file order."""
    if fmt == "text":
        end = _END.search(rest)
        block = re.sub(rb"#[^\n]*", b"", rest[: end.start() if end else len(rest)])
        tokens = block.decode("utf-8", "replace").split()
        if len(tokens) != count:
            raise ValueError(
                f"{path}: text data has {len(tokens)} values, the header says {what} "
                f"({'truncated data or ' if len(tokens) < count else ''}wrong node count)"
            )
        try:
            return np.array(tokens, dtype=np.float64)
        except ValueError as e:
            raise ValueError(f"{path}: non-numeric text data ({e})") from None
    size = int(fmt[-1])
    dt = np.dtype(f"{'<' if version == 2 else '>'}f{size}")
    if len(rest) < size:
        raise ValueError(f"{path}: truncated binary data: no check value")
    check = float(np.frombuffer(rest[:size], dt)[0])
    if check != _CHECK[size]:
        raise ValueError(
            f"{path}: wrong check value {check!r} in binary {size} data, expected "
            f"{_CHECK[size]!r} ({'little' if version == 2 else 'big'}-endian); "
            "corrupted file or wrong byte order"
        )
    need = size * (count + 1)
    if len(rest) < need:
        raise ValueError(
            f"{path}: truncated binary data: the header says {what} ({need} bytes "
            f"with the check value), but only {len(rest)} bytes follow the data line"
        )
    tail = rest[need:].lstrip(b" \t\r\n")
    if tail and not _END.match(tail):
        raise ValueError(
            f"{path}: {len(rest) - need} bytes after the {what} are not "
            "'# End: Data': the header's node count is smaller than the data"
        )
    return np.frombuffer(rest[size:need], dt).astype(np.float64)


def read(path, *, allow_nonfinite: bool = False) -> OVFField:
    """Read an OVF 1.0 or 2.0 file with a rectangular mesh.

    **Arguments:**

    - `path`: the file.
    - `allow_nonfinite`: accept NaN or infinite values (refused by default: a
      magnetisation or field with them is a damaged file or a failed run).

    **Returns:** an `OVFField`; `cell` and `origin` in m (converted from the header's
    `meshunit`), values multiplied by the OVF 1.0 `valuemultiplier` where given.

    Raises `ValueError`, naming the file, for anything that is not a complete, consistent
    OVF file: bad first line, missing header entries, irregular mesh, unknown data
    format, wrong check value, truncated or surplus data, non-numeric text, node counts
    larger than the file can hold, non-finite values (unless allowed).
    """
    path = Path(path)
    raw = path.read_bytes()
    version, keys, desc, fmt, start = _header(path, raw)
    segments = keys.get("segmentcount", "1").strip()
    if segments != "1":
        raise ValueError(f"{path}: segment count {segments!r}; only 1 segment is supported")
    meshtype = keys.get("meshtype", keys.get("oommf", "rectangular")).lower()
    if keys.get("oommf", meshtype) != meshtype:
        meshtype = "irregular"  # OVF 1.0: first line and meshtype entry disagree
    if meshtype != "rectangular":
        raise ValueError(f"{path}: meshtype {meshtype!r} is not supported, only rectangular")
    n = tuple(_get(path, keys, f"{c}nodes", int) for c in "xyz")
    dim = _get(path, keys, "valuedim", int) if version == 2 else 3
    if min(n) < 1 or dim < 1:
        raise ValueError(f"{path}: nodes {n} and valuedim {dim} must all be >= 1")
    unit = keys.get("meshunit", "m")
    if unit not in _MESHUNIT:
        raise ValueError(f"{path}: meshunit {unit!r} is not one of {sorted(_MESHUNIT)}")
    scale = _MESHUNIT[unit]
    cell = tuple(_get(path, keys, f"{c}stepsize") * scale for c in "xyz")
    if not all(np.isfinite(cell)) or min(cell) <= 0:
        raise ValueError(f"{path}: cell sizes {cell} must be positive and finite")
    origin = tuple(
        _get(path, keys, f"{c}min") * scale
        if f"{c}min" in keys
        else _get(path, keys, f"{c}base") * scale - d / 2
        for c, d in zip("xyz", cell, strict=True)
    )
    count = math.prod(n) * dim  # Python integers: no overflow for absurd headers
    what = f"{n[0]}x{n[1]}x{n[2]} nodes x valuedim {dim} = {count} values"
    if count > len(raw) - start:  # every value takes at least one byte
        raise ValueError(
            f"{path}: the header says {what}, more than the {len(raw) - start} bytes of "
            "data can hold (wrong node counts)"
        )
    flat = _data(path, raw[start:], fmt, version, count, what)
    if not allow_nonfinite and not np.all(np.isfinite(flat)):
        bad = int(np.count_nonzero(~np.isfinite(flat)))
        raise ValueError(
            f"{path}: {bad} of {count} values are NaN or infinite (pass "
            "allow_nonfinite=True to read them anyway)"
        )
    if version == 1 and "valuemultiplier" in keys:
        flat = flat * _get(path, keys, "valuemultiplier")
    values = np.ascontiguousarray(flat.reshape(n[2], n[1], n[0], dim).transpose(3, 2, 1, 0))
    if version == 1:
        units = (keys["valueunit"],) * 3 if "valueunit" in keys else ("1",) * 3
    else:
        units = _per_component(path, keys, "valueunits", dim, ("1",) * dim)
    return OVFField(
        values=values,
        cell=cell,
        origin=origin,
        title=keys.get("title", ""),
        desc=desc,
        labels=_per_component(path, keys, "valuelabels", dim, _default_labels(dim)),
        units=units,
        valuedim=dim,
        version=version,
        fmt=fmt,
    )


def _text(name: str, s, word: bool = False) -> str:
    """`s` checked for one header line; as a Tcl list word (braced if spaced) if `word`."""
    s = str(s)
    if any(c in s for c in "\n\r") or "##" in s or (word and (not s or set('{}"') & set(s))):
        extra = ", non-empty, without braces or quotes" if word else ""
        raise ValueError(f"{name} {s!r} must be one line without '##'{extra}")
    return "{" + s + "}" if word and re.search(r"\s", s) else s


def write(
    path,
    values,
    cell,
    origin=(0.0, 0.0, 0.0),
    fmt: str = "binary8",
    labels=None,
    units=None,
    desc=None,
    title: str = "jaxmag",
) -> Path:
    """Write an OVF 2.0 file atomically (a temporary file renamed onto `path`).

    Only standard header entries are written (mumax3 rejects others); put anything extra
    in `desc`. Inputs are checked before anything is written.

    **Arguments:**

    - `path`: the file to write.
    - `values`: array (numpy or JAX) of shape `(valuedim, nx, ny, nz)`, finite.
    - `cell`: cell size `(dx, dy, dz)` in m, positive.
    - `origin`: mesh corner `(xmin, ymin, zmin)` in m (the first cell's outer corner).
    - `fmt`: `"text"` (exact decimal), `"binary4"` (float32) or `"binary8"` (float64).
    - `labels`, `units`: one string per component (default `x y z` or `v0 v1 ...`, and
      `1`, dimensionless).
    - `desc`: a string or a list of strings, one `# Desc:` line each.
    - `title`: the `# Title:` line.

    **Returns:** `path` as a `Path`.
    """
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {FORMATS}, got {fmt!r}")
    a = np.asarray(values)
    if a.dtype.kind not in "iuf":
        raise ValueError(f"values must be real numbers, got dtype {a.dtype}")
    a = a.astype(np.float64)
    if a.ndim != 4 or min(a.shape) < 1:
        raise ValueError(f"values must have shape (valuedim, nx, ny, nz), got {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError("values must be finite (found NaN or inf)")
    if fmt == "binary4" and np.any(np.abs(a) > np.finfo(np.float32).max):
        raise ValueError("values exceed the float32 range of binary4; use binary8")
    cell = tuple(float(d) for d in np.asarray(cell, dtype=np.float64).reshape(-1))
    origin = tuple(float(o) for o in np.asarray(origin, dtype=np.float64).reshape(-1))
    if len(cell) != 3 or not all(np.isfinite(cell)) or min(cell) <= 0:
        raise ValueError(f"cell must be three positive finite sizes in m, got {cell}")
    if len(origin) != 3 or not all(np.isfinite(origin)):
        raise ValueError(f"origin must be three finite coordinates in m, got {origin}")
    dim, n = a.shape[0], a.shape[1:]
    labels = _default_labels(dim) if labels is None else tuple(labels)
    units = ("1",) * dim if units is None else tuple(units)
    for name, items in (("labels", labels), ("units", units)):
        if len(items) != dim:
            raise ValueError(f"{name} has {len(items)} entries, but valuedim is {dim}")
    desc = [desc] if isinstance(desc, str) else list(desc or [])
    lines = ["# OOMMF OVF 2.0", "#", "# Segment count: 1", "#", "# Begin: Segment"]
    lines += ["# Begin: Header", "#", f"# Title: {_text('title', title)}"]
    lines += [f"# Desc: {_text('desc', d)}" for d in desc]
    lines += ["# meshunit: m", "# meshtype: rectangular"]
    lines += [f"# {c}base: {o + d / 2!r}" for c, o, d in zip("xyz", origin, cell, strict=True)]
    lines += [f"# {c}nodes: {k}" for c, k in zip("xyz", n, strict=True)]
    lines += [f"# {c}stepsize: {d!r}" for c, d in zip("xyz", cell, strict=True)]
    lines += [f"# {c}min: {o!r}" for c, o in zip("xyz", origin, strict=True)]
    lines += [f"# {c}max: {o + k * d!r}" for c, o, k, d in zip("xyz", origin, n, cell, strict=True)]
    lines += [f"# valuedim: {dim}"]
    lines += ["# valuelabels: " + " ".join(_text("label", s, True) for s in labels)]
    lines += ["# valueunits: " + " ".join(_text("unit", s, True) for s in units)]
    kind = {"text": "Text", "binary4": "Binary 4", "binary8": "Binary 8"}[fmt]
    lines += ["#", "# End: Header", "#", f"# Begin: Data {kind}", ""]
    rows = a.transpose(3, 2, 1, 0).reshape(-1, dim)  # x fastest, then y, then z
    with atomic_write(path, "wb") as f:
        f.write("\n".join(lines).encode("utf-8"))
        if fmt == "text":
            f.write("".join(" ".join(map(repr, r)) + "\n" for r in rows.tolist()).encode())
        else:
            dt = "<f4" if fmt == "binary4" else "<f8"
            f.write(np.array(_CHECK[int(fmt[-1])], dt).tobytes())
            f.write(rows.astype(dt).tobytes() + b"\n")
        f.write(f"# End: Data {kind}\n# End: Segment\n".encode())
    return Path(path)
