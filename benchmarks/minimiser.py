"""The Barzilai–Borwein minimiser on the standard problems: iterations and wall times.

    python benchmarks/minimiser.py            # SP4 200×50×1, SP3 N = 10, SP2 d = 1, 5
    python benchmarks/minimiser.py --quick    # smoke run: small grids

Each relaxation is compiled first (one iteration at the same shapes, ``compile_s``) and
then timed (``--repeats``, minimum and median). SP4: the s-state from m ∝ (1, 0.25, 0.1).
SP3: the flower (from +z) and the vortex (about x) at a few L / l_ex, each from its
standard start. SP2: the whole remanence and coercivity search of :func:`sp2.run`
(relaxations by :func:`jaxmag.statics.hysteresis`), its minimiser iterations in all;
and a sweep through the switching field (H/Ms = 0 ... 0.1 against the remanent state)
with minimise's default first step ``tau0 = 1e-2``.
The last line of output is one JSON object with the figures.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=3, help="timed repeats of each relaxation")
    p.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    p.add_argument("--quick", action="store_true", help="smoke run: small grids, one repeat")
    args = p.parse_args(argv)

    import jax

    jax.config.update("jax_enable_x64", args.dtype == "float64")
    import numpy as np
    from _common import conditions, emit, summary

    from jaxmag.constants import MU0
    from jaxmag.problems import sp2, sp3, sp4
    from jaxmag.statics import hysteresis, minimise

    if args.quick:
        sp4_cells, sp3_n, sp3_L, sp2_d = (50, 13, 1), 4, (8.0, 9.0), (1.0,)
    else:
        sp4_cells, sp3_n, sp3_L, sp2_d = (200, 50, 1), 10, (8.0, 8.5, 9.0), (1.0, 5.0)
    repeats = 1 if args.quick else args.repeats

    def timed(fn):
        walls = []
        for _ in range(repeats):
            t = time.perf_counter()
            out = jax.block_until_ready(fn())
            walls.append(time.perf_counter() - t)
        return out, walls

    def relaxation(name, system, m0):
        t = time.perf_counter()
        jax.block_until_ready(minimise(system, m0, max_iter=1).m)
        compile_s = time.perf_counter() - t
        r, walls = timed(lambda: minimise(system, m0))
        row = {
            "name": name,
            "iterations": int(r.iterations),
            "converged": bool(r.converged),
            "max_torque": float(r.max_torque),
            "energy_J": float(r.energy),
            "compile_s": compile_s,
            "wall": summary(walls),
        }
        if hasattr(r, "reason"):
            row["reason"] = int(r.reason)
        print(
            f"minimiser: {name}: {row['iterations']} iterations, torque "
            f"{row['max_torque']:.2e}, {min(walls):.2f} s",
            flush=True,
        )
        return row, r

    rows = []
    row, _ = relaxation(
        f"sp4 {sp4_cells[0]}x{sp4_cells[1]}x{sp4_cells[2]}",
        sp4.system(sp4_cells),
        sp4.initial_state(sp4_cells),
    )
    rows.append(row)
    for x in sp3_L:
        sys3 = sp3.system(x, sp3_n)
        for state, m0 in (
            ("flower", sp3.flower_start(sp3_n)),
            ("vortex", sp3.vortex_start(sp3_n)),
        ):
            row, r = relaxation(f"sp3 {state} L={x:g} N={sp3_n}", sys3, m0)
            row["energy_Km_L3"] = sp3.energies(sys3, r.m)["total"]
            row["state"] = sp3.classify(r.m)
            rows.append(row)
    for d in sp2_d:
        sp2.run(d, 1.0, h_step=0.01, h_tol=1e-3)  # compile
        r, walls = timed(lambda d=d: sp2.run(d, 1.0, h_step=0.01, h_tol=1e-3))
        row = {
            "name": f"sp2 d={d:g} cells={'x'.join(map(str, r['cells']))}",
            "iterations": r["iterations"],
            "field_steps": r["field_steps"],
            "unconverged_steps": r["unconverged"],
            "Hc_over_Ms": r["Hc_over_Ms"],
            "Hs_over_Ms": r["Hs_over_Ms"],
            "m_remanent": np.asarray(r["m_remanent"]),
            "wall": summary(walls),
        }
        print(
            f"minimiser: {row['name']}: {row['iterations']} iterations in "
            f"{row['field_steps']} relaxations, {min(walls):.2f} s",
            flush=True,
        )
        rows.append(row)
    # The sweep through the switching field with minimise's own first step tau0 = 1e-2
    # (sp2.run uses hysteresis' tau0 = 1): leaving the unstable state is where the step
    # matters.
    for d in sp2_d:
        cells = sp2.cells_for(d, 1.0)
        sys2 = sp2.system(d, cells)
        fields = np.arange(0.0, 0.1001, 0.01) * MU0 * sp2.MS

        def sweep(sys2=sys2, fields=fields):
            return hysteresis(sys2, sp2.DIRECTION, -sp2.DIRECTION, fields, tau0=1e-2)

        sweep()  # compile
        loop, walls = timed(sweep)
        row = {
            "name": f"sp2 sweep tau0=1e-2 d={d:g} cells={'x'.join(map(str, cells))}",
            "iterations": int(np.sum(loop.iterations)),
            "iterations_per_step": loop.iterations,
            "unconverged_steps": int(np.sum(~loop.converged)),
            "m_par": loop.m_par,
            "wall": summary(walls),
        }
        print(
            f"minimiser: {row['name']}: {row['iterations']} iterations in {len(fields)} "
            f"steps (most {int(np.max(loop.iterations))}), {min(walls):.2f} s",
            flush=True,
        )
        rows.append(row)
    figures = {
        "problem": "BB minimiser on SP2, SP3, SP4",
        "relaxations": rows,
        "iterations": {row["name"]: row["iterations"] for row in rows},
        "wall_min_s": {row["name"]: row["wall"]["min"] for row in rows},
    }
    figures.update(conditions())
    emit(figures)
    return figures


if __name__ == "__main__":
    main()
