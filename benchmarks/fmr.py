"""The FMR standard problem (Baker et al. 2017): ringdown spectrum and mode maps.

    python benchmarks/fmr.py --out fmr.csv            # 24 × 24 × 2 cells, 20 ns
    python benchmarks/fmr.py --quick --out fmr.csv    # smoke run: 12 × 12 × 1, 2 ns

Writes ⟨m⟩(t) as CSV ``t_s,mx,my,mz``, a PNG of the spectrum of ⟨my⟩ and of the mode
maps (amplitude and phase of my in the top layer at each main peak) next to the CSV
(or at ``--png``). ``peaks_GHz`` lists the two main peaks strongest first (``f1_GHz``
the strongest, ``f2_GHz`` the next). The last line of output is one JSON object.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def _cells(s: str) -> tuple[int, int, int]:
    c = tuple(int(v) for v in s.split(","))
    if len(c) != 3 or min(c) < 1:
        raise argparse.ArgumentTypeError(f"cells must be three positive integers, got {s!r}")
    return c


def plot(path: Path, r: dict, fmax_hz: float = 25e9) -> None:
    """Spectrum (log power against GHz, peaks marked) and the top-layer mode maps."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from jaxmag.io import atomic_write

    n = len(r["peaks_hz"])
    fig = plt.figure(figsize=(4.2 * n, 9.5), layout="constrained")
    grid = fig.add_gridspec(3, n, height_ratios=(1.0, 1.2, 1.2))
    ax = fig.add_subplot(grid[0, :])
    keep = (r["freqs"] > 0) & (r["freqs"] <= fmax_hz)
    ax.semilogy(r["freqs"][keep] / 1e9, r["power"][keep], lw=1)
    for f in r["peaks_hz"]:
        ax.axvline(f / 1e9, color="C3", lw=0.8, ls="--")
        ax.annotate(
            f"{f / 1e9:.3f} GHz ",
            (f / 1e9, 1),
            xycoords=("data", "axes fraction"),
            rotation=90,
            ha="right",
            va="top",
        )
    ax.set(xlabel="f (GHz)", ylabel="|FFT ⟨my⟩|² (a.u.)", title="FMR standard problem")
    size = np.asarray(r["size_nm"])
    extent = (0, size[0], 0, size[1])
    for k, f in enumerate(r["peaks_hz"]):
        a = fig.add_subplot(grid[1, k])
        im = a.imshow(r["amplitude"][k, :, :, -1].T, origin="lower", extent=extent, cmap="viridis")
        a.set(title=f"amplitude at {f / 1e9:.3f} GHz", xlabel="x (nm)", ylabel="y (nm)")
        fig.colorbar(im, ax=a, shrink=0.8)
        b = fig.add_subplot(grid[2, k])
        im = b.imshow(
            r["phase"][k, :, :, -1].T,
            origin="lower",
            extent=extent,
            cmap="twilight",
            vmin=-np.pi,
            vmax=np.pi,
        )
        b.set(title=f"phase (rad) at {f / 1e9:.3f} GHz", xlabel="x (nm)", ylabel="y (nm)")
        fig.colorbar(im, ax=b, shrink=0.8)
    with atomic_write(path, mode="wb") as fh:
        fig.savefig(fh, format="png", dpi=110)
    plt.close(fig)


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cells", type=_cells, default=None, help="nx,ny,nz (default 24,24,2)")
    p.add_argument("--t1", type=float, default=None, help="ringdown length in s (default 20e-9)")
    p.add_argument("--save-every", type=float, default=None, help="sampling in s (default 5e-12)")
    p.add_argument("--rtol", type=float, default=1e-5, help="solver tolerance (rtol = atol)")
    p.add_argument("--pad", type=int, default=8, help="zero-padding used to refine the peaks")
    p.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    p.add_argument("--out", type=Path, help="write ⟨m⟩(t) as CSV t_s,mx,my,mz")
    p.add_argument("--png", type=Path, help="the figure (default: next to --out, .png)")
    p.add_argument("--quick", action="store_true", help="smoke run: 12,12,1 cells, 2 ns")
    args = p.parse_args(argv)
    quick = (12, 12, 1), 2e-9, 10e-12
    full = (24, 24, 2), 20e-9, 5e-12
    cells, t1, save_every = quick if args.quick else full
    cells = args.cells or cells
    t1 = args.t1 or t1
    save_every = args.save_every or save_every

    import jax

    jax.config.update("jax_enable_x64", args.dtype == "float64")
    import numpy as np
    from _common import conditions, emit, relax_figures

    import jaxmag.problems.fmr as fmr
    from jaxmag.io import write_csv

    start = time.perf_counter()
    r = fmr.run(cells, t1, save_every, rtol=args.rtol, pad=args.pad, progress=True)
    wall = time.perf_counter() - start
    traj, m = r["trajectory"], r["m_avg"]
    f_pk = r["peaks_hz"]
    print(
        "fmr: main peaks (strongest first) "
        + ", ".join(f"{f / 1e9:.4f} GHz" for f in f_pk)
        + f"; bin width {1e-9 / (r['ts'][-1] - r['ts'][0] + save_every):.4f} GHz",
        flush=True,
    )
    f_pad, p_pad = fmr.spectrum(r["ts"], m[:, 1], pad=args.pad)
    widths = [fmr.linewidth(f_pad, p_pad, f) / 1e9 for f in f_pk]
    pw = r["power"]
    n_max = int(np.sum((pw[1:-1] > pw[:-2]) & (pw[1:-1] >= pw[2:])))
    f_all, p_all = fmr.peaks(r["freqs"], pw, min(8, n_max))  # local maxima, strongest first
    if args.out:
        write_csv(args.out, {"t_s": r["ts"], "mx": m[:, 0], "my": m[:, 1], "mz": m[:, 2]})
    png = args.png or (args.out.with_suffix(".png") if args.out else None)
    if png:
        r["size_nm"] = [s * 1e9 for s in fmr.SIZE]
        plot(png, r)
        print(f"fmr: wrote {png}", flush=True)
    figures = {
        "problem": "FMR standard problem (Baker et al. 2017)",
        "peaks_GHz": [float(f) / 1e9 for f in f_pk],
        "peaks_order": "strongest first",
        "f1_GHz": float(f_pk[0]) / 1e9,
        "f2_GHz": float(f_pk[1]) / 1e9,
        "peak_power_ratio": float(r["peak_power"][1] / r["peak_power"][0]),
        "fwhm_GHz": widths,
        "local_maxima_GHz": [float(f) / 1e9 for f in f_all],
        "local_maxima_rel_power": [float(v / p_all[0]) for v in p_all],
        "bin_GHz": float(r["freqs"][1]) / 1e9,
        "cells": list(cells),
        "ncells": int(np.prod(cells)),
        "t1_s": t1,
        "save_every_s": save_every,
        "rtol": args.rtol,
        "pad": args.pad,
        "m_relaxed": r["m_relaxed"],
        **relax_figures(r["relaxed"]),
        "max_norm_dev": float(traj.max_norm_dev),
        "rhs_evals": int(traj.stats["rhs_evals"]),
        "steps_accepted": int(traj.stats["num_accepted_steps"]),
        "steps_rejected": int(traj.stats["num_rejected_steps"]),
        "compile_s": r["compile_s"],
        "relax_s": r["relax_s"],
        "dynamics_s": r["dynamics_s"],
        "us_per_rhs_eval": r["dynamics_s"] / int(traj.stats["rhs_evals"]) * 1e6,
        "wall_s": wall,
        "png": None if png is None else str(png),
    }
    figures.update(conditions())
    emit(figures)
    return figures


if __name__ == "__main__":
    main()
