"""µMAG standard problem 4: relax the s-state, switch it in a field, time both.

    python benchmarks/sp4.py --field=-24.6,4.3,0 --cells 200,50,1 --out f1.csv

The last line of output is one JSON object with the figures (see the README).
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from jaxmag.cli import add_sp4_arguments  # noqa: E402


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_sp4_arguments(p)
    p.add_argument("--rtol", type=float, default=1e-5, help="solver tolerance (rtol = atol)")
    p.add_argument("--repeats", type=int, default=3, help="timed repeats of each stage")
    p.add_argument("--out", type=Path, help="write ⟨m⟩(t) as CSV t_s,mx,my,mz")
    p.add_argument(
        "--quick", action="store_true", help="smoke run: 50,13,1 cells, 0.1 ns, one repeat"
    )
    args = p.parse_args(argv)
    if args.quick:
        args.cells, args.t1, args.repeats = (50, 13, 1), 1e-10, 1

    import jax

    jax.config.update("jax_enable_x64", args.dtype == "float64")
    import numpy as np
    from _common import conditions, emit, relax_figures, summary

    from jaxmag.io import write_csv
    from jaxmag.problems import sp4

    r = sp4.run(
        args.field,
        args.cells,
        args.t1,
        args.save_every,
        rtol=args.rtol,
        repeats=args.repeats,
        solver=args.solver,
    )
    traj, m = r["trajectory"], r["m_avg"]
    if args.out:
        write_csv(args.out, {"t_s": r["ts"], "mx": m[:, 0], "my": m[:, 1], "mz": m[:, 2]})
    figures = {
        "problem": "muMAG SP4",
        "field_mT": list(args.field),
        "cells": list(args.cells),
        "ncells": int(np.prod(args.cells)),
        "t1_s": args.t1,
        "rtol": args.rtol,
        "solver": args.solver or "RK4FSAL",
        "m_relaxed": r["m_relaxed"],
        **relax_figures(r["relaxed"]),
        "first_mx_zero_s": r["first_mx_zero_s"],
        "m_t1": m[-1],
        "max_my": float(m[:, 1].max()),
        "max_norm_dev": float(traj.max_norm_dev),
        "rhs_evals": int(traj.stats["rhs_evals"]),
        # every solver evaluates the demag field once per right-hand side (RK stages) or
        # once per step (semi-implicit, whose exchange-only solves do not count)
        "demag_evals_per_ns": int(traj.stats["rhs_evals"]) / (args.t1 / 1e-9),
        "steps_accepted": int(traj.stats["num_accepted_steps"]),
        "steps_rejected": int(traj.stats["num_rejected_steps"]),
        "compile_s": r["compile_s"],
        "wall_relax_s": min(r["wall_relax_s"]),
        "wall_dynamics_s": min(r["wall_dynamics_s"]),
        "wall_relax": summary(r["wall_relax_s"]),
        "wall_dynamics": summary(r["wall_dynamics_s"]),
    }
    figures["us_per_rhs_eval"] = figures["wall_dynamics_s"] / figures["rhs_evals"] * 1e6
    if tuple(args.field) == sp4.FIELD1_MT:
        ref = sp4.oommf_reference()
        figures["max_abs_dmy_vs_oommf"] = sp4.compare_oommf(r["ts"], m)["my"]
        figures["oommf_first_mx_zero_s"] = sp4.first_zero(ref["t_s"], ref["mx"])
    figures.update(conditions())
    emit(figures)
    return figures


if __name__ == "__main__":
    main()
