"""Tables of scalar time series: CSV (``t_s,mx,my,mz``) and mumax3's ``table.txt``.

A mumax3 table has one header line ``# t (s)\tmx ()\tmy ()\tmz ()\t...``, each column
``name (unit)`` with the unit from :mod:`jaxmag.observables`, then tab-separated rows.
pandas reads it with ``pandas.read_csv(path, sep="\t")``.
"""

import warnings
from pathlib import Path

import numpy as np

from jaxmag.io._atomic import atomic_write


def write_csv(path, columns: dict) -> Path:
    """Write equal-length 1D ``columns`` (name → values) as CSV with a header, atomically."""
    names = list(columns)
    data = [np.asarray(columns[k], dtype=float).reshape(-1) for k in names]
    lengths = {len(d) for d in data}
    if len(lengths) != 1:
        raise ValueError(
            f"columns have different lengths: "
            f"{ {k: len(d) for k, d in zip(names, data, strict=True)} }"
        )
    with atomic_write(path) as f:
        np.savetxt(
            f,
            np.stack(data, axis=1),
            delimiter=",",
            header=",".join(names),
            comments="",
            fmt="%.10e",
        )
    return Path(path)


def read_csv(path) -> dict:
    """Read a CSV with a one-line header into ``{name: float array}``.

    Raises ``ValueError`` on an empty, ragged or non-numeric file, a header without data
    rows, or duplicated column names.
    """
    path = Path(path)
    with open(path) as f:
        header = f.readline().strip()
    if not header:
        raise ValueError(f"{path}: empty file, expected a header line")
    names = [h.strip() for h in header.split(",")]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ValueError(f"{path}: duplicated column names {dup} in the header")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # numpy's "input contained no data"
            data = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    except ValueError as e:
        raise ValueError(f"{path}: not a numeric CSV table ({e})") from None
    if data.size == 0:
        raise ValueError(f"{path}: a header ({', '.join(names)}) but no data rows")
    if data.shape[1] != len(names):
        raise ValueError(f"{path}: {data.shape[1]} columns but {len(names)} header names")
    return {k: data[:, i] for i, k in enumerate(names)}


def write_table(path, columns: dict) -> Path:
    """Write ``columns`` (registered observable name → 1D values) as a mumax3-style
    ``table.txt``, atomically. Units come from :func:`jaxmag.observables.unit`."""
    from jaxmag.observables import unit

    names = list(columns)
    heads = [f"{n} ({unit(n)})" for n in names]
    data = [np.asarray(columns[k], dtype=float).reshape(-1) for k in names]
    if len({len(d) for d in data}) != 1:
        lengths = {k: len(d) for k, d in zip(names, data, strict=True)}
        raise ValueError(f"columns have different lengths: {lengths}")
    with atomic_write(path) as f:
        f.write("# " + "\t".join(heads) + "\n")
        np.savetxt(f, np.stack(data, axis=1), delimiter="\t", fmt="%.17g")
    return Path(path)


def read_table(path) -> dict:
    """Read a mumax3-style table into ``{name: float array}`` (units dropped from the
    names; ``"units"`` maps each name to its unit). Clear errors on a bad file."""
    path = Path(path)
    with open(path) as f:
        header = f.readline().rstrip("\n")
    if not header.startswith("#"):
        raise ValueError(f"{path}: not a mumax3 table (the first line must start with '#')")
    names, units = [], {}
    for col in header.lstrip("#").strip().split("\t"):
        col = col.strip()
        if not col.endswith(")") or " (" not in col:
            raise ValueError(f"{path}: header column {col!r} is not 'name (unit)'")
        name, u = col[:-1].split(" (", 1)
        names.append(name)
        units[name] = u
    try:
        data = np.loadtxt(path, delimiter="\t", comments="#", ndmin=2)
    except ValueError as e:
        raise ValueError(f"{path}: not a numeric table ({e})") from None
    if data.size and data.shape[1] != len(names):
        raise ValueError(f"{path}: {data.shape[1]} columns but {len(names)} header names")
    out = {k: data[:, i] if data.size else np.zeros(0) for i, k in enumerate(names)}
    out["units"] = units
    return out
