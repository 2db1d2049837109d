"""µMAG standard problem 2: remanence, coercivity and switching field of a 5d × d × 0.1d bar.

    python benchmarks/sp2.py --d-lex 10 [--cell-lex 0.5]
    python benchmarks/sp2.py --d-lex 0.1 --cell-lex 0.5        # one cell: the SW limit
    python benchmarks/sp2.py --sweep --out sp2_sweep.csv        # d/l_ex = 1 ... 30

Each field step relaxes the energy from the previous step's state; the sign change of
⟨m⟩·(1,1,1) and the jump of ⟨m⟩ are refined by bisection. The last line of output is one
JSON object with the figures.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def _cells(text):
    cells = tuple(int(c) for c in text.split(","))
    if len(cells) != 3 or min(cells) < 1:
        raise argparse.ArgumentTypeError(f"--cells must be nx,ny,nz >= 1, got {text!r}")
    return cells


def _values(text):
    return [float(v) for v in text.split(",")]


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--d-lex", type=float, default=10.0, help="bar width d / l_ex")
    p.add_argument(
        "--cell-lex", type=float, default=1.0,
        help="largest cell edge / l_ex (1 is within 4e-4 of 0.5 in m_rem and Hc/Ms at d <= 30)",
    )  # fmt: skip
    p.add_argument("--cells", type=_cells, help="nx,ny,nz instead of --cell-lex")
    p.add_argument("--h-step", type=float, default=0.0025, help="sweep step in H/Ms")
    p.add_argument("--h-tol", type=float, default=1e-5, help="bisection bracket in H/Ms")
    p.add_argument("--sweep", action="store_true", help="run d/l_ex = --d-values")
    p.add_argument(
        "--d-values", type=_values, default=[float(d) for d in range(1, 31)],
        help="comma-separated d/l_ex for --sweep (default 1,2,...,30)",
    )  # fmt: skip
    p.add_argument("--out", type=Path, default=Path("sp2_sweep.csv"), help="sweep CSV")
    p.add_argument("--png", type=Path, help="sweep plot (default: --out with .png)")
    p.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.add_argument("--quick", action="store_true", help="smoke run: d = 1 at 1 l_ex cells")
    args = p.parse_args(argv)
    if args.quick:
        args.d_lex, args.cell_lex, args.h_step, args.h_tol = 1.0, 1.0, 0.01, 1e-3
        args.d_values = [0.5, 1.0]

    import jax

    jax.config.update("jax_enable_x64", args.dtype == "float64")
    import numpy as np
    from _common import conditions, emit

    from jaxmag.io import write_csv
    from jaxmag.plot import plot_sp2
    from jaxmag.problems import sp2

    limit = sp2.small_particle_limit()
    opts = {"h_step": args.h_step, "h_tol": args.h_tol, "progress": not args.quiet}
    t0 = time.perf_counter()
    if not args.sweep:
        r = sp2.run(args.d_lex, args.cell_lex, cells=args.cells, **opts)
        figures = {
            "problem": "muMAG SP2",
            "d_lex": r["d_lex"],
            "m_remanent": r["m_remanent"],
            "Hc_over_Ms": r["Hc_over_Ms"],
            "Hs_over_Ms": r["Hs_over_Ms"],
            "Hc_bracket": r["Hc_bracket"],
            "Hs_bracket": r["Hs_bracket"],
            "cells": r["cells"],
            "cell_lex": r["cell_lex"],
            "field_steps": r["field_steps"],
            "minimiser_iterations": r["iterations"],
            "unconverged_steps": r["unconverged"],
        }
    else:
        rows = []
        for d in args.d_values:
            r = sp2.run(d, args.cell_lex, **opts)
            rows.append(r)
            print(
                f"sp2 sweep: d/l_ex = {d:g}, cells {r['cells']}, m_rem = "
                f"{np.round(r['m_remanent'], 4)}, Hc/Ms = {r['Hc_over_Ms']:.5f}, "
                f"Hs/Ms = {r['Hs_over_Ms']:.5f}, {r['wall_s']:.1f} s",
                flush=True,
            )
        m = np.array([r["m_remanent"] for r in rows])
        cols = {
            "d_lex": [r["d_lex"] for r in rows],
            "mx_rem": m[:, 0],
            "my_rem": m[:, 1],
            "mz_rem": m[:, 2],
            "Hc_over_Ms": [r["Hc_over_Ms"] for r in rows],
            "Hs_over_Ms": [r["Hs_over_Ms"] for r in rows],
            "nx": [r["cells"][0] for r in rows],
            "ny": [r["cells"][1] for r in rows],
            "nz": [r["cells"][2] for r in rows],
            "field_steps": [r["field_steps"] for r in rows],
            "wall_s": [r["wall_s"] for r in rows],
        }
        write_csv(args.out, cols)
        png = args.png or args.out.with_suffix(".png")
        plot_sp2(
            png, cols["d_lex"], m, cols["Hc_over_Ms"], Hs_over_Ms=cols["Hs_over_Ms"],
            limit=limit["Hc_over_Ms"],
        )  # fmt: skip
        figures = {
            "problem": "muMAG SP2 sweep",
            "rows": [{k: v[i] for k, v in cols.items()} for i in range(len(rows))],
            "csv": str(args.out),
            "png": str(png),
        }
    figures.update(
        {
            "cell_lex_max": args.cell_lex,
            "small_particle_limit_Hc_over_Ms": limit["Hc_over_Ms"],
            "small_particle_limit_Hs_over_Ms": limit["Hs_over_Ms"],
            "published_small_particle_Hc_over_Ms": sp2.HC_SMALL_PARTICLE,
            "wall_s": time.perf_counter() - t0,
        }
    )
    figures.update(conditions())
    emit(figures)
    return figures


if __name__ == "__main__":
    main()
