"""The homogenisation CNN's speed-up over the FFT solver, batched, on whatever device
runs it: the solver (float64, tol 1e-8) and the CNN (float32, the benchmark's
architecture) each label the same random cells at each batch size, and the speed-up is
the ratio of their per-cell times at each one's fastest batch size.

    python benchmarks/homogenisation_speed.py           # 128² cells, batches 1–1024
    python benchmarks/homogenisation_speed.py --quick   # a smoke run at 32²

The network is not trained: its cost does not depend on its weights, and the solver's
does not depend on the network. The cells come from ``sample_cells``, the dataset's own
generator (contrasts 10–1000, log-uniform), so the solver's iteration counts are the
dataset's. Each time is the best of ``--repeats`` runs after one warm-up run that
compiles. On 2 CPU cores the full run takes about 30 min (the solver's share); on a GPU
a few minutes. The last line is JSON.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)

from _common import best_time, conditions, emit  # noqa: E402

from jaxmag.ml.homogenisation import (  # noqa: E402
    PermeabilityCNN,
    predict,
    sample_cells,
    solve_batch,
)


def per_cell(fn, batches, n, repeats, label):
    """Seconds per cell of ``fn(batch_size)`` over ``n`` cells, by batch size."""
    out = {}
    for k in batches:
        out[k] = best_time(lambda k=k: fn(k), repeats) / n
        print(f"{label}: batch {k}: {out[k] * 1e3:.3f} ms per cell", flush=True)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--size", type=int, default=128, help="pixels per side")
    ap.add_argument("--batches", default="1,8,64,256,1024", help="batch sizes, comma-separated")
    ap.add_argument("--n", type=int, default=0, help="cells (0: the largest batch size)")
    ap.add_argument("--width", type=int, default=16, help="CNN channels (doubled after)")
    ap.add_argument("--depth", type=int, default=2, help="residual convolutions per stage")
    ap.add_argument("--patch", type=int, default=0, help="stem patch (0: 8 at ≥ 64², else 4)")
    ap.add_argument("--repeats", type=int, default=3, help="timed runs per batch size")
    ap.add_argument("--solver-repeats", type=int, default=1, help="the solver's timed runs")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    if args.quick:
        args.size, args.batches = 32, "1,4"
    batches = sorted({int(b) for b in args.batches.split(",")})
    if not batches or batches[0] < 1:
        raise SystemExit(f"--batches must be positive integers, got {args.batches!r}")
    n = args.n or batches[-1]
    if n < batches[-1]:
        raise SystemExit(f"--n ({n}) must be at least the largest batch size ({batches[-1]})")
    t0 = time.time()
    patch = args.patch or (8 if args.size >= 64 else 4)
    model = PermeabilityCNN(
        (args.size, args.size), args.width, args.depth, patch, key=jax.random.key(1)
    )
    cells = sample_cells(jax.random.key(args.seed), n, (args.size, args.size))
    maps, contrast = cells["maps"], cells["contrast"]
    print(f"{n} cells of {args.size}² on {jax.devices()[0]}", flush=True)
    solve_s = per_cell(
        lambda k: solve_batch(maps, contrast, batch_size=k, verbose=False),
        batches,
        n,
        args.solver_repeats,
        "solver",
    )
    cnn_s = per_cell(
        lambda k: predict(model, maps, contrast, batch_size=k), batches, n, args.repeats, "CNN"
    )
    t_solve, t_cnn = min(solve_s.values()), min(cnn_s.values())
    emit(
        {
            "speedup": t_solve / t_cnn,
            "speedup_by_batch": {k: solve_s[k] / cnn_s[k] for k in batches},
            "solve_s_per_cell": t_solve,
            "cnn_s_per_cell": t_cnn,
            "solve_best_batch": min(solve_s, key=solve_s.get),
            "cnn_best_batch": min(cnn_s, key=cnn_s.get),
            "solve_s_per_cell_by_batch": solve_s,
            "cnn_s_per_cell_by_batch": cnn_s,
            "n_cells": n,
            "size": args.size,
            "cnn": {"width": args.width, "depth": args.depth, "patch": patch},
            "target_batched": 1000.0,
            "wall_s": time.time() - t0,
            **conditions(),
        }
    )


if __name__ == "__main__":
    main()
