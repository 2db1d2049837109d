"""Outputs of a sublattice system: the Néel vector and the net magnetisation, as fields,
tables and OVF files."""

from pathlib import Path

import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from jaxmag.io import ovf, write_csv
from jaxmag.sublattices._dynamics import SublatticeTrajectory
from jaxmag.sublattices._system import SublatticeSystem


def neel_vector(m: Float[Array, "3 N nx ny nz"]) -> Float[Array, "3 nx ny nz"]:
    """The Néel vector ``l = (m_0 − m_1)/2`` per cell (dimensionless)."""
    return 0.5 * (m[:, 0] - m[:, 1])


def net_magnetisation(system: SublatticeSystem, m) -> Float[Array, "3 nx ny nz"]:
    """``M = Σ_i Ms_i m_i`` per cell in A/m."""
    return jnp.sum(system.Ms[None] * m, axis=1)


def write_table(path, system: SublatticeSystem, traj: SublatticeTrajectory) -> Path:
    """A CSV table of the run, atomically: ``t_s``, each sublattice's ⟨m_i⟩
    (``m0x`` …), the Néel vector ``lx, ly, lz`` (two sublattices) and the net
    magnetisation ``Mx_A_per_m …`` (the mean of Σ Ms_i ⟨m_i⟩ over the cells)."""
    m = np.asarray(traj.m_avg)  # (T, 3, N)
    cols = {"t_s": np.asarray(traj.ts)}
    for i in range(system.n):
        for c, name in enumerate("xyz"):
            cols[f"m{i}{name}"] = m[:, c, i]
    if system.n == 2:
        for c, name in enumerate("xyz"):
            cols[f"l{name}"] = 0.5 * (m[:, c, 0] - m[:, c, 1])
    Ms = np.asarray(system.Ms).reshape(system.n, -1)
    mag = Ms > 0
    mean_Ms = np.array([Ms[i][mag[i]].mean() if mag[i].any() else 0.0 for i in range(system.n)])
    for c, name in enumerate("xyz"):
        cols[f"M{name}_A_per_m"] = m[:, c, :] @ mean_Ms
    return write_csv(path, cols)


def write_ovf(path, system: SublatticeSystem, m, quantity: str = "neel", **kw) -> Path:
    """An OVF 2.0 file of the state ``m``: ``quantity`` ``"neel"`` (l, dimensionless),
    ``"net"`` (M in A/m) or ``"m<i>"`` (sublattice i). Written atomically by
    :func:`jaxmag.io.ovf.write`."""
    m = jnp.asarray(m)
    if quantity == "neel":
        if system.n != 2:
            raise ValueError("the Néel vector needs two sublattices")
        values, label, unit = neel_vector(m), "l", "1"
    elif quantity == "net":
        values, label, unit = net_magnetisation(system, m), "M", "A/m"
    elif quantity.startswith("m") and quantity[1:].isdigit() and int(quantity[1:]) < system.n:
        values, label, unit = m[:, int(quantity[1:])], quantity, "1"
    else:
        raise ValueError(f"quantity must be 'neel', 'net' or 'm0' … 'm{system.n - 1}', "
                         f"got {quantity!r}")  # fmt: skip
    labels = [f"{label}_{c}" for c in "xyz"]
    return ovf.write(path, np.asarray(values), system.mesh.cell, labels=labels,
                     units=[unit] * 3, **kw)  # fmt: skip
