"""One film split across N devices (x-slabs, ``jm.distributed.shard``) against one device.

    python benchmarks/scale.py               # 256 × 128 × 1 film, N = 1, 2, 4, 8 CPU devices
    python benchmarks/scale.py --quick       # 32 × 16 × 1, N = 1, 4

Each N runs in its own process with ``XLA_FLAGS=--xla_force_host_platform_device_count=N``
(the device count is fixed when JAX starts). Per N: the field's largest relative error
against the single-device field, the largest error of ⟨m⟩(t) over a short SP4-like run,
the relative error of d⟨m_y⟩/dB_y, the field program's bytes per device (XLA's compiled
memory analysis) and its collectives (how many move at least half of the zero-padded
array: ``whole_array_collectives``), and field evaluations per second × cells. On a CPU
the "devices" share the same cores: the figures are exactness and memory, not speed-up.
The last line is one JSON object (``max_field_rel_err``, ``traj_max_err``,
``grad_rel_err``, ``mem_per_device_ratio_n8`` where N = 8 ran, ``whole_array_collectives``,
``cells_evals_per_s`` per N).
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

WORKER = r"""
import json, sys, time
import jax
jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp
import numpy as np
import jaxmag as jm
from jaxmag.distributed import collectives, shard

nx, ny = int(sys.argv[1]), int(sys.argv[2])
cells = (nx, ny, 1)
mesh = jm.Mesh(cells, (5e-9, 5e-9, 3e-9))
mat = jm.Material(8e5, 1.3e-11, 0.02)
noise = np.random.default_rng(0).normal(size=(3, *cells)) * 0.3
m0 = jm.make_system(mesh, mat).check_magnetisation(
    jnp.asarray(noise + np.array([1.0, 0.25, 0.1])[:, None, None, None]))


def system(By):
    return jm.make_system(mesh, mat, H=jnp.stack([-24.6e-3, By, 0.0]) / jm.constants.MU0)


s1 = system(4.3e-3)
ss, ms = shard(s1, m0)
f1 = jax.jit(lambda m: s1.field(m))
fs = jax.jit(lambda m: ss.field(m))
ref = f1(m0)
out = {"n_devices": len(jax.devices())}
out["field_rel_err"] = float(jnp.max(jnp.abs(fs(ms) - ref)) / jnp.max(jnp.abs(ref)))
comp = fs.lower(ms).compile()
ma = comp.memory_analysis()
out["field_bytes_per_device"] = int(ma.argument_size_in_bytes + ma.output_size_in_bytes
                                    + ma.temp_size_in_bytes - ma.alias_size_in_bytes)
padded = 3 * (2 * nx) * (2 * ny) * 8
ops = collectives(comp.as_text())
out["collectives"] = ops
out["whole_array_collectives"] = sum(1 for _, b in ops if b >= padded // 2)
fs(ms).block_until_ready()
t = time.perf_counter()
for _ in range(20):
    r = fs(ms)
r.block_until_ready()
out["cells_evals_per_s"] = 20 * nx * ny / (time.perf_counter() - t)


def run(By, split):
    s = system(By)
    s, m = shard(s, m0) if split else (s, m0)
    return jm.simulate(s, m, 2e-11, save_every=2e-12, save_energies=False)


out["traj_max_err"] = float(jnp.max(jnp.abs(run(4.3e-3, True).m_avg - run(4.3e-3, False).m_avg)))
g1 = jax.grad(lambda b: run(b, False).m_avg[-1, 1])(4.3e-3)
gs = jax.grad(lambda b: run(b, True).m_avg[-1, 1])(4.3e-3)
out["grad_rel_err"] = float(abs(gs - g1) / abs(g1))
print(json.dumps(out))
"""


def run_worker(n_devices: int, nx: int, ny: int) -> dict:
    env = dict(os.environ)
    env["XLA_FLAGS"] = (
        env.get("XLA_FLAGS", "") + f" --xla_force_host_platform_device_count={n_devices}"
    ).strip()
    proc = subprocess.run(
        [sys.executable, "-c", WORKER, str(nx), str(ny)],
        capture_output=True,
        text=True,
        env=env,
        timeout=1800,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"N = {n_devices} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="32 × 16 × 1, N = 1, 4")
    args = p.parse_args(argv)
    (nx, ny), ns = ((32, 16), (1, 4)) if args.quick else ((256, 128), (1, 2, 4, 8))

    import jax

    jax.config.update("jax_enable_x64", True)  # the workers run in float64
    from _common import conditions, emit

    per_n = {}
    for n in ns:
        per_n[n] = run_worker(n, nx, ny)
        r = per_n[n]
        print(
            f"N = {n}: field {r['field_rel_err']:.1e}, <m>(t) {r['traj_max_err']:.1e}, "
            f"grad {r['grad_rel_err']:.1e}, {r['field_bytes_per_device'] / 2**20:.2f} MiB "
            f"per device, whole-array collectives {r['whole_array_collectives']}",
            flush=True,
        )
    one = per_n[1]["field_bytes_per_device"]
    figures = {
        "cells": [nx, ny, 1],
        "n_devices": list(ns),
        "max_field_rel_err": max(r["field_rel_err"] for r in per_n.values()),
        "traj_max_err": max(r["traj_max_err"] for r in per_n.values()),
        "grad_rel_err": max(r["grad_rel_err"] for r in per_n.values()),
        "mem_per_device_ratio": {n: r["field_bytes_per_device"] / one for n, r in per_n.items()},
        "mem_per_device_ratio_n8": per_n[8]["field_bytes_per_device"] / one if 8 in per_n else None,
        "bytes_per_cell_per_device": {
            n: r["field_bytes_per_device"] / (nx * ny) for n, r in per_n.items()
        },
        "whole_array_collectives": sum(r["whole_array_collectives"] for r in per_n.values()),
        "cells_evals_per_s": {n: r["cells_evals_per_s"] for n, r in per_n.items()},
        "quick": args.quick,
        "conditions": conditions(),
    }
    emit(figures)
    return figures


if __name__ == "__main__":
    main()
