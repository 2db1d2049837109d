"""Throughput on mumax3's benchmark protocol, against the FFT floor of the same run.

    python benchmarks/throughput.py                      # n = 32 … 512, float32 and float64
    python benchmarks/throughput.py --sizes 1024,2048    # on a GPU
    python benchmarks/throughput.py --quick              # n = 32, 64

mumax3's ``bench/bench.mx3``: an n × n × 1 grid of 4 nm cells, Ms = 8e5 A/m, A = 1.3e-11
J/m, α = 0.01, B = (0, 10 mT, 0), Heun with a fixed step, 100 steps. jaxmag runs it on
its fixed-step path (``jaxmag.simulate_fixed``: exchange, demag, Zeeman, the projected
Heun step in a ``lax.scan``). Figures per size and dtype:

- ``cell_evals_per_s``: n² × right-hand-side evaluations (2 per Heun step) / wall time;
- ``s_per_eval``: wall time per right-hand-side evaluation;
- ``fft_floor_s``: one zero-padded demag convolution by ``jnp.fft`` alone (rfft2 of the
  three components on the (2n, 2n) grid, the product with the 6 independent real
  components of the transformed kernel, irfft2), timed in the same run, and
  ``ratio_to_floor`` = ``s_per_eval / fft_floor_s``;
- ``bytes_per_cell``: XLA's peak estimate (arguments + outputs + temporaries of the
  compiled 100-step run) per cell. mumax3 needs about 130 B/cell in float32.

Compile time is reported apart (``compile_s``); walls are the minimum and median of
``--repeats``. The last line is one JSON object.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

CELL = 4e-9
MS, A, ALPHA, B_Y = 8e5, 1.3e-11, 0.01, 0.01
N_STEPS, DT = 100, 1e-14


def _ints(text):
    return [int(x) for x in text.split(",")]


def _walls(fn, repeats):
    import jax

    out = []
    for _ in range(repeats):
        t = time.perf_counter()
        jax.block_until_ready(fn())
        out.append(time.perf_counter() - t)
    return out


def fft_floor(n: int, dtype, repeats: int) -> float:
    """Seconds for one padded (2n × 2n) FFT demag convolution of a 3-vector field."""
    import jax
    import jax.numpy as jnp

    key = jax.random.PRNGKey(0)
    m = jax.random.normal(key, (3, n, n), dtype)
    # the transformed Newell tensor is real (it is even in every coordinate): 6 real parts
    K = jax.random.normal(key, (6, 2 * n, n + 1), dtype)

    @jax.jit
    def conv(m, K):
        Mh = jnp.fft.rfft2(m, s=(2 * n, 2 * n))
        Hh = jnp.stack([K[0] * Mh[0] + K[3] * Mh[1] + K[4] * Mh[2],
                        K[3] * Mh[0] + K[1] * Mh[1] + K[5] * Mh[2],
                        K[4] * Mh[0] + K[5] * Mh[1] + K[2] * Mh[2]])  # fmt: skip
        return jnp.fft.irfft2(Hh, s=(2 * n, 2 * n))[:, :n, :n]

    jax.block_until_ready(conv(m, K))
    return min(_walls(lambda: conv(m, K), repeats))


def run_size(n: int, dtype_name: str, repeats: int) -> dict:
    """The bench protocol at n × n × 1 in ``dtype_name`` (jax's x64 flag is set to match,
    so that every array of the run, the system's included, has that precision)."""
    import jax

    jax.config.update("jax_enable_x64", dtype_name == "float64")
    import jax.numpy as jnp

    import jaxmag as jm

    dtype = jnp.float32 if dtype_name == "float32" else jnp.float64
    mesh = jm.Mesh((n, n, 1), (CELL, CELL, CELL))
    H = jnp.array([0.0, B_Y, 0.0]) / jm.constants.MU0
    system = jm.make_system(mesh, jm.Material(Ms=MS, A=A, alpha=ALPHA), H=H)
    m0 = jnp.zeros((3, n, n, 1), dtype).at[0].set(1.0)

    @jax.jit
    def go(system, m0):
        return jm.simulate_fixed(system, m0, DT, N_STEPS, save_every=DT * N_STEPS).m_final

    t = time.perf_counter()
    compiled = go.lower(system, m0).compile()
    out = jax.block_until_ready(compiled(system, m0))
    compile_s = time.perf_counter() - t
    walls = _walls(lambda: compiled(system, m0), repeats)
    try:
        mem = compiled.memory_analysis()
        peak = mem.argument_size_in_bytes + mem.output_size_in_bytes + mem.temp_size_in_bytes
    except Exception:  # not every backend reports memory
        peak = None
    evals = 2 * N_STEPS
    wall = min(walls)
    floor = fft_floor(n, dtype, repeats)
    return {
        "n": n,
        "dtype": dtype_name,
        "cells": n * n,
        "steps": N_STEPS,
        "rhs_evals": evals,
        "wall_s": {"min": wall, "median": sorted(walls)[len(walls) // 2], "repeats": repeats},
        "compile_s": compile_s,
        "cell_evals_per_s": n * n * evals / wall,
        "s_per_eval": wall / evals,
        "fft_floor_s": floor,
        "ratio_to_floor": wall / evals / floor,
        "bytes_per_cell": None if peak is None else peak / (n * n),
        "m_final_avg": [float(v) for v in jnp.mean(out, (1, 2, 3))],
    }


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--sizes", type=_ints, default=[32, 64, 128, 256, 512])
    p.add_argument("--dtypes", default="float32,float64")
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args(argv)
    if args.quick:
        args.sizes, args.repeats = [32, 64], 2
    dtypes = args.dtypes.split(",")
    if any(d not in ("float32", "float64") for d in dtypes):
        p.error("--dtypes takes float32 and/or float64")
    if any(n < 2 for n in args.sizes) or args.repeats < 1:
        p.error("sizes must be >= 2 and repeats >= 1")

    from _common import conditions, emit

    rows = []
    for dt in dtypes:
        for n in args.sizes:
            r = run_size(n, dt, args.repeats)
            rows.append(r)
            print(f"  {dt} n={n}: {r['cell_evals_per_s']:.3g} cell·evals/s, "
                  f"{r['s_per_eval'] * 1e3:.3f} ms/eval, FFT floor {r['fft_floor_s'] * 1e3:.3f} "
                  f"ms (x{r['ratio_to_floor']:.2f}), {r['bytes_per_cell'] or 0:.0f} B/cell",
                  flush=True)  # fmt: skip
    best = {d: max((r for r in rows if r["dtype"] == d), key=lambda r: r["n"]) for d in dtypes}
    figures = {
        "protocol": {
            "cell_m": CELL,
            "Ms": MS,
            "A": A,
            "alpha": ALPHA,
            "B_T": [0.0, B_Y, 0.0],
            "solver": "Heun",
            "steps": N_STEPS,
            "dt_s": DT,
        },  # fmt: skip
        "rows": rows,
        "largest": {
            d: {
                k: best[d][k] for k in ("n", "cell_evals_per_s", "ratio_to_floor", "bytes_per_cell")
            }
            for d in dtypes
        },  # fmt: skip
        "mumax3_h100_2048_float32": 1.98e9,
        "quick": args.quick,
        "conditions": conditions(),
    }
    emit(figures)
    return figures


if __name__ == "__main__":
    main()
