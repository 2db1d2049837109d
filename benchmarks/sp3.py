"""µMAG standard problem 3: the flower/vortex crossing edge L_c of a cube, and its
convergence with the cell count.

    python benchmarks/sp3.py --cells-per-edge 20 --png sp3.png

Energies are in units of Km L³ (Km = μ0 Ms² / 2), the anisotropy in the µMAG convention
Ku (1 − (m·u)²) (jaxmag's −Ku (m·u)² plus Ku L³; L_c is the same in either). The last
line of output is one JSON object with the figures.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

FULL_CONVERGENCE = (8, 10, 12, 16, 20, 24, 32)


def _cells_list(text: str) -> list[int]:
    if text.strip().lower() in ("", "none"):
        return []
    try:
        out = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected N1,N2,... integers, got {text!r}") from None
    if any(n < 2 for n in out):
        raise argparse.ArgumentTypeError(f"cell counts must be >= 2, got {text!r}")
    return sorted(set(out))


def extrapolate(rows: list[dict], n_min: int = 10) -> dict | None:
    """Richardson-style extrapolation of ``L_c(N) = L_inf + c / N²``: from the two finest
    grids, and a least-squares fit over all ``N >= n_min``; ``None`` with < 2 grids."""
    import numpy as np

    pts = sorted((r["N"], r["L_crit_over_lex"]) for r in rows if r["N"] >= n_min)
    if len(pts) < 2:
        return None
    (n1, l1), (n2, l2) = pts[-2:]
    two = (n2**2 * l2 - n1**2 * l1) / (n2**2 - n1**2)
    N = np.array([p[0] for p in pts], float)
    L = np.array([p[1] for p in pts])
    X = np.stack([np.ones_like(N), N**-2], axis=1)
    (l_inf, c), *_ = np.linalg.lstsq(X, L, rcond=None)
    resid = L - X @ np.array([l_inf, c])
    return {
        "model": "L_c(N) = L_inf + c / N^2",
        "L_inf_two_finest": float(two),
        "two_finest_N": [int(n1), int(n2)],
        "L_inf_fit": float(l_inf),
        "c_fit": float(c),
        "fit_N": [int(n) for n in N],
        "fit_max_abs_residual": float(np.max(np.abs(resid))),
    }


def _plot(path: Path, scan: list[dict], L_c: float, n: int) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.5))
    xs = [r["L_over_lex"] for r in scan]
    for state, marker in (("flower", "s"), ("vortex", "o")):
        ax.plot(xs, [r[state] for r in scan], marker=marker, label=state)
    ax.axvline(L_c, ls="--", c="r", lw=1, label=f"$L_c$ = {L_c:.4f} $l_{{ex}}$")
    ax.set_xlabel(r"$L / l_{\rm ex}$")
    ax.set_ylabel(r"$E / (K_m L^3)$")
    ax.set_title(f"µMAG SP3, {n}³ cells")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cells-per-edge", type=int, default=20, help="cells along each edge")
    p.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    p.add_argument(
        "--convergence",
        type=_cells_list,
        default=None,
        help="N1,N2,...: cell counts of the convergence table (default in full mode: "
        f"{','.join(map(str, FULL_CONVERGENCE))} and --cells-per-edge; 'none' to skip)",
    )
    p.add_argument("--xtol", type=float, default=1e-4, help="tolerance on L_c / l_ex")
    p.add_argument("--tol", type=float, default=None, help="relaxation torque tolerance")
    p.add_argument("--png", type=Path, help="write E(L) of both states near L_c to this PNG")
    p.add_argument("--quick", action="store_true", help="smoke run: N = 6, xtol 1e-2, N = 4, 6")
    args = p.parse_args(argv)
    if args.cells_per_edge < 2:
        p.error(f"--cells-per-edge must be >= 2, got {args.cells_per_edge}")
    if args.quick:
        args.cells_per_edge, args.xtol = 6, 1e-2
        if args.convergence is None:
            args.convergence = [4, 6]
    if args.convergence is None:
        args.convergence = sorted({*FULL_CONVERGENCE, args.cells_per_edge})

    import jax

    jax.config.update("jax_enable_x64", args.dtype == "float64")
    import numpy as np
    from _common import conditions, emit

    import jaxmag.problems.sp3 as sp3
    from jaxmag.statics import minimise

    t_start = time.perf_counter()
    n_main = args.cells_per_edge
    grids = sorted({*args.convergence, n_main})

    # Compilation, timed apart: one BB iteration at each grid's shapes and dtype.
    compile_s = {}
    for n in grids:
        t = time.perf_counter()
        sys0 = sp3.system(8.5, n)
        jax.block_until_ready(minimise(sys0, sp3.flower_start(n), max_iter=1).m)
        compile_s[n] = time.perf_counter() - t
    print(f"sp3: compiled {grids} in {sum(compile_s.values()):.1f} s", flush=True)

    results = {}
    for n in grids:
        print(f"sp3: crossing at N = {n} (xtol {args.xtol:g})", flush=True)
        r = sp3.crossing(n, xtol=args.xtol, tol=args.tol, progress=True)
        results[n] = r
        print(
            f"sp3: N = {n:3d}: L_c = {r['L_crit_over_lex']:.5f} l_ex "
            f"({len(r['evaluations'])} L values, {r['iterations']} BB iterations, "
            f"{r['wall_s']:.1f} s)",
            flush=True,
        )
    main_r = results[n_main]
    L_c = main_r["L_crit_over_lex"]
    rows = [
        {
            "N": n,
            "L_crit_over_lex": results[n]["L_crit_over_lex"],
            "E_total": results[n]["energies"]["flower"]["total"],
            "evaluations": len(results[n]["evaluations"]),
            "iterations": results[n]["iterations"],
            "wall_s": results[n]["wall_s"],
        }
        for n in args.convergence
    ]
    extra = extrapolate(rows)

    if rows:
        print("sp3: convergence of L_c / l_ex with N (cells per edge)")
        print("     N    L_c/l_ex    E(L_c)/(Km L^3)   wall_s")
    for row in rows:
        print(
            f"  {row['N']:4d}  {row['L_crit_over_lex']:10.5f}  {row['E_total']:12.7f}  "
            f"{row['wall_s']:9.1f}"
        )
    if extra is not None:
        print(
            f"  Richardson (1/N^2): two finest {extra['L_inf_two_finest']:.5f}, "
            f"fit over N >= 10: {extra['L_inf_fit']:.5f} "
            f"(max residual {extra['fit_max_abs_residual']:.1e})"
        )
    print(f"sp3: energies at L_c = {L_c:.5f} l_ex, N = {n_main}, in Km L^3")
    print(f"     anisotropy convention: {sp3.ANISOTROPY_CONVENTION}")
    for state in sp3.STATES:
        e = main_r["energies"][state]
        print(
            f"  {state:6s}: demag {e['demag']:.5f}  exchange {e['exchange']:.5f}  "
            f"anisotropy {e['anisotropy']:.5f}  total {e['total']:.6f}"
        )

    scan = []
    if args.png:
        warm = dict(main_r["states"])
        for x in np.linspace(L_c - 0.5, L_c + 0.5, 9 if not args.quick else 3):
            r = sp3.relax_states(float(x), n_main, starts=warm, tol=args.tol)
            warm = {s: r[s].m for s in sp3.STATES}
            totals = {s: r["energies"][s]["total"] for s in sp3.STATES}
            scan.append({"L_over_lex": float(x), **totals})
        _plot(args.png, scan, L_c, n_main)
        print(f"sp3: wrote {args.png}", flush=True)

    m_avg = {s: np.asarray(main_r["states"][s].mean(axis=(1, 2, 3))) for s in sp3.STATES}
    figures = {
        "problem": "muMAG SP3",
        "L_crit_over_lex": L_c,
        "cells_per_edge": n_main,
        "energies": main_r["energies"],
        "anisotropy_convention": sp3.ANISOTROPY_CONVENTION,
        "energy_unit": "Km L^3, Km = mu0 Ms^2 / 2",
        "vortex_axis": "x (perpendicular to the easy axis z)",
        "m_avg": m_avg,
        "convergence": rows,
        "extrapolation": extra,
        "evaluations": [{"L_over_lex": x, "dE": d} for x, d in main_r["evaluations"]],
        "iterations": main_r["iterations"],
        "xtol": args.xtol,
        "relax_tol": args.tol,
        "scan": scan,
        "compile_s": sum(compile_s.values()),
        "wall_s": main_r["wall_s"],
        "wall_total_s": time.perf_counter() - t_start,
        "repeats": 1,
    }
    figures.update(conditions())
    emit(figures)
    return figures


if __name__ == "__main__":
    main()
