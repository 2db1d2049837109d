"""CSV tables of scalar time series (e.g. ``t_s,mx,my,mz``)."""

from pathlib import Path

import numpy as np

from .atomic import atomic_write


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

    Raises ``ValueError`` on an empty, ragged or non-numeric file.
    """
    path = Path(path)
    with open(path) as f:
        header = f.readline().strip()
    if not header:
        raise ValueError(f"{path}: empty file, expected a header line")
    names = [h.strip() for h in header.split(",")]
    try:
        data = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    except ValueError as e:
        raise ValueError(f"{path}: not a numeric CSV table ({e})") from None
    if data.shape[1] != len(names):
        raise ValueError(f"{path}: {data.shape[1]} columns but {len(names)} header names")
    return {k: data[:, i] for i, k in enumerate(names)}
