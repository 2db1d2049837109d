"""Batched simulation: one vmap over many systems against a loop of single runs.

    python benchmarks/batched.py            # batch 64: macrospins and SP4-size films

Two workloads, each timed batched (one ``jit(vmap(...))`` call) and sequentially (a
Python loop of one compiled single-system call), compile excluded, min of repeats:

- ``macrospin``: single-domain particles with uniaxial anisotropy, each in its own
  field, 1 ns of adaptive Dopri5 (``jm.simulate``);
- ``sp4``: 200 × 50 × 1 permalloy films (µMAG SP4 size) from the s-state, each in its
  own field, 20 ps on the fixed-step path (``jm.simulate_fixed``, Heun, 0.1 ps).

The last line is one JSON object: per workload ``batch``, ``throughput_batched`` and
``throughput_sequential`` (systems per second) and ``speedup``.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def _time(fn, repeats):
    import jax

    walls = []
    for _ in range(repeats):
        t = time.perf_counter()
        jax.block_until_ready(fn())
        walls.append(time.perf_counter() - t)
    return walls


def _measure(single, batched, args_b, batch, repeats):
    """Compile both, then time batched vs sequential; check they agree."""
    import jax
    import numpy as np

    t = time.perf_counter()
    out_b = jax.block_until_ready(batched(*args_b))
    compile_b = time.perf_counter() - t
    t = time.perf_counter()
    jax.block_until_ready(single(*(a[0] for a in args_b)))
    compile_s = time.perf_counter() - t

    def seq():
        return [single(*(a[i] for a in args_b)) for i in range(batch)]

    out_s = np.stack([np.asarray(o) for o in seq()])
    walls_b = _time(lambda: batched(*args_b), repeats)
    walls_s = _time(seq, repeats)
    tb, ts = min(walls_b), min(walls_s)
    return {
        "batch": batch,
        "throughput_batched": batch / tb,
        "throughput_sequential": batch / ts,
        "speedup": ts / tb,
        "wall_batched_s": tb,
        "wall_sequential_s": ts,
        "compile_batched_s": compile_b,
        "compile_single_s": compile_s,
        "repeats": repeats,
        "max_abs_diff_batched_vs_sequential": float(np.max(np.abs(np.asarray(out_b) - out_s))),
    }


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    p.add_argument("--quick", action="store_true", help="batch 4, small films, one repeat")
    args = p.parse_args(argv)
    if args.batch < 1:
        p.error("--batch must be >= 1")
    if args.quick:
        args.batch, args.repeats = 4, 1

    import jax

    jax.config.update("jax_enable_x64", args.dtype == "float64")
    import jax.numpy as jnp
    from _common import conditions, emit

    import jaxmag as jm
    from jaxmag.batch import vmap_simulation
    from jaxmag.problems import sp4

    B = args.batch
    key = jax.random.PRNGKey(0)

    # -- macrospins: adaptive, 1 ns ------------------------------------------------
    cube = jm.Mesh((1, 1, 1), (5e-9,) * 3)
    mat = jm.Material(Ms=8e5, alpha=0.05, Ku1=5e4, anis_u=(0.0, 0.0, 1.0))

    def macrospin(H, m0):
        s = jm.make_system(cube, mat, H=H, exchange=False, demag=False, anisotropy=True)
        return jm.simulate(s, m0, 1e-9, save_every=1e-11, save_energies=False).m_avg

    k1, k2 = jax.random.split(key)
    Hs = 1e5 * jax.random.normal(k1, (B, 3))
    m0s = jax.random.normal(k2, (B, 3))
    figures = {
        "macrospin": _measure(
            jax.jit(macrospin), vmap_simulation(macrospin), (Hs, m0s), B, args.repeats
        )
    }

    # -- SP4-size films: fixed step, 20 ps ---------------------------------------------
    cells = (50, 13, 1) if args.quick else sp4.CELLS
    mesh, pmat = sp4.mesh(cells), sp4.material()
    m_s = jm.minimise(sp4.system(cells), sp4.initial_state(cells)).m
    n_steps, dt = (20, 1e-13) if args.quick else (200, 1e-13)

    def film(B_mT):
        s = jm.make_system(mesh, pmat, H=B_mT * 1e-3 / jm.constants.MU0)
        return jm.simulate_fixed(s, m_s, dt, n_steps, save_every=dt * (n_steps // 10)).m_avg

    fields = jnp.stack(
        [jnp.array([-24.6, 4.3, 0.0]) + jnp.array([0.2 * i, -0.1 * i, 0.0]) for i in range(B)]
    )
    figures["sp4"] = _measure(jax.jit(film), vmap_simulation(film), (fields,), B, args.repeats)
    figures["sp4"].update(cells=list(cells), steps=n_steps, dt_s=dt)
    figures["batch"] = B
    figures["speedup"] = {k: figures[k]["speedup"] for k in ("macrospin", "sp4")}
    figures.update(conditions())
    emit(figures)
    return figures


if __name__ == "__main__":
    main()
