"""Output of a mumax3 script, as mumax3 writes it into ``SCRIPT.out/``: ``table.txt``
(tab-separated, a ``# name (unit)`` header), OVF 2.0 files (``m000000.ovf``, ...) and PNG
snapshots. Files are written atomically."""

import math
from pathlib import Path

import numpy as np

from jaxmag.io import ovf
from jaxmag.io._atomic import atomic_write
from jaxmag.mx3._values import Mx3TypeError

FORMATS = {"ovf2_binary": "binary4", "ovf2_text": "text", "ovf1_binary": "binary4",
           "ovf1_text": "text", "dump": "binary4"}  # fmt: skip
AUTOSAVE_TOL = 1e-9  # relative: a save due at t is taken if t <= t_end (1 + tol)


class Autosave:
    """Saves every `period` s from `start`: ``start + k period`` for ``k >= count``."""

    def __init__(self, period, start):
        self.period, self.start, self.count = float(period), float(start), 0

    def due(self, t0, t1) -> list[float]:
        if self.period <= 0:
            return []
        out = []
        k = self.count
        while True:
            t = self.start + k * self.period
            if t > t1 + AUTOSAVE_TOL * max(abs(t1), self.period):
                break
            if t >= t0 - AUTOSAVE_TOL * self.period:
                out.append(min(max(t, t0), t1))
            k += 1
        return out


class Output:
    """The table, the autosaves and the file counters of a run."""

    def __init__(self, world, outdir: Path):
        self.world, self.outdir = world, Path(outdir)
        self.columns = []  # Bound quantities or (name, unit, fn) script variables
        self.rows: list[list[float]] = []
        self.table_autosave: Autosave | None = None
        self.autosaves: dict = {}  # name -> (Bound, Autosave, kind: "ovf" | "png")
        self.counters: dict = {}
        self.fmt = "binary4"
        self.header_written = False

    def ensure_dir(self):
        self.outdir.mkdir(parents=True, exist_ok=True)

    # --- table ----------------------------------------------------------------------
    def table_add(self, col):
        if self.rows:
            raise Mx3TypeError("TableAdd after the table has rows: mumax3 refuses this too")
        self.columns.append(col)

    def header(self):
        heads = ["t (s)", "mx ()", "my ()", "mz ()"]
        for c in self.columns:
            if isinstance(c, tuple):
                heads.append(f"{c[0]} ({c[1]})")
            else:
                heads += [f"{n} ({c.unit()})" for n in c.columns()]
        return heads

    def table_row(self, t, m):
        row = [t, *self.world.mean_m(m)]
        for c in self.columns:
            if isinstance(c, tuple):
                row.append(float(c[2]()))
            else:
                row += c.average_values(m, t)
        self.rows.append(row)

    def write_table(self):
        if not self.rows:
            return
        self.ensure_dir()
        with atomic_write(self.outdir / "table.txt") as f:
            f.write("# " + "\t".join(self.header()) + "\n")
            for r in self.rows:
                f.write("\t".join(f"{v:.10g}" for v in r) + "\n")

    # --- files ------------------------------------------------------------------------
    def save(self, bound, m=None, t=None, name=None):
        self.ensure_dir()
        if name is None:
            k = self.counters.get(bound.q.name, 0)
            self.counters[bound.q.name] = k + 1
            name = f"{bound.q.name}{k:06d}.ovf"
        elif not name.endswith(".ovf"):
            name += ".ovf"
        v = bound.field(m, t)
        if bound.q.ncomp == 0:
            raise Mx3TypeError(f"save({bound.name}): a scalar quantity has no field to save")
        w = self.world
        ovf.write(self.outdir / name, np.asarray(v, dtype=float), w.cell, (0.0, 0.0, 0.0),
                  self.fmt, title=bound.q.name, units=[bound.unit() or "1"] * len(v),
                  desc=[f"Total simulation time:  {w.t if t is None else t:e}  s"])  # fmt: skip
        return self.outdir / name

    def snapshot(self, bound, m=None, t=None):
        from jaxmag.plot import plot_magnetisation_map

        self.ensure_dir()
        k = self.counters.get(bound.q.name + ".png", 0)
        self.counters[bound.q.name + ".png"] = k + 1
        v = np.asarray(bound.field(m, t), dtype=float)
        if v.shape[0] != 3:
            v = np.concatenate([v, np.zeros((3 - v.shape[0], *v.shape[1:]))])
        return plot_magnetisation_map(self.outdir / f"{bound.q.name}{k:06d}.png", v,
                                      cell=self.world.cell)  # fmt: skip

    # --- the times a run must stop at -------------------------------------------------
    def due_times(self, t0, t1) -> list[float]:
        ts = set()
        if self.table_autosave is not None:
            ts.update(self.table_autosave.due(t0, t1))
        for _, a, _ in self.autosaves.values():
            ts.update(a.due(t0, t1))
        return sorted(ts)

    def emit(self, t, m):
        """Write everything due at time `t` (a time from :meth:`due_times`)."""
        ta = self.table_autosave
        if ta is not None and _is_due(ta, t):
            self.table_row(t, m)
            ta.count += 1
        for bound, a, kind in self.autosaves.values():
            if _is_due(a, t):
                if kind == "png":
                    self.snapshot(bound, m, t)
                else:
                    self.save(bound, m, t)
                a.count += 1


def _is_due(a: Autosave, t) -> bool:
    if a.period <= 0:
        return False
    due = a.start + a.count * a.period
    return t >= due - AUTOSAVE_TOL * a.period and math.isfinite(due)
