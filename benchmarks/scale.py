"""One simulation split across N devices (x-slabs, ``jm.distributed.shard``) against one.

    python benchmarks/scale.py               # CPU: exactness on 256 × 128, memory on
                                             # 1024 × 1024, N = 1, 2, 4, 8 devices
    python benchmarks/scale.py --quick       # 32 × 16 and 64 × 64, N = 1, 4
    python benchmarks/scale.py --protocol-cells 2048 2048 --devices 1   # a GPU: mumax3's
                                             # benchmark protocol, float32 and float64

Each N runs in its own process; on a CPU with ``XLA_FLAGS=--xla_force_host_platform_
device_count=N`` (the device count is fixed when JAX starts), on GPUs with the first N
(``CUDA_VISIBLE_DEVICES``). Per N:

- exactness (float64, an SP4-like film): the demag + exchange + Zeeman field's largest
  relative error against one device, the largest error of ⟨m⟩(t) over 20 ps of
  ``simulate``, the relative error of d⟨m_y⟩/dB_y through it;
- the collectives of the compiled field and of the compiled ``simulate`` program:
  ``whole_array_collectives`` counts any that brings a whole array to a device
  (:func:`jaxmag.distributed.whole_array_collectives`), and the all-to-all bytes are
  checked against :func:`jaxmag.distributed.transpose_bytes`;
- memory per device (XLA's compiled memory analysis) of the field and of ``simulate``
  on a 1024 × 1024 film (compiled, not run);
- cell·evaluations per second on mumax3's benchmark protocol (4 nm cells, Ms = 800 kA/m,
  A = 13 pJ/m, α = 0.01, demag + exchange + Zeeman, Heun at fixed steps: two field
  evaluations per step), in float32 and float64.

On a CPU the "devices" share the same cores: its figures are exactness and memory, not
speed-up. The scaling model (:func:`jaxmag.distributed.scaling_model`) predicts the GPU
efficiency for 2048², 8192² and 512³ on 2–8 H100s from the bytes per cell of one Heun
step (XLA's cost analysis of the compiled float32 step) and the transposes' bytes.
The last line is one JSON object (``max_field_rel_err``, ``traj_max_err``,
``grad_rel_err``, ``mem_per_device_ratio_n8`` where N = 8 ran, ``whole_array_collectives``,
``cells_evals_per_s`` per N and dtype, ``scaling_model``).
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
from jaxmag.distributed import collectives, shard, transpose_bytes, whole_array_collectives

mode, nx, ny = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
cells = (nx, ny, 1)
nd = len(jax.devices())
out = {"n_devices": nd}


def film(By, dtype=jnp.float64, cell=(5e-9, 5e-9, 3e-9), alpha=0.02, A=1.3e-11):
    mesh = jm.Mesh(cells, cell)
    mat = jm.Material(8e5, A, alpha)
    return jm.make_system(mesh, mat, H=jnp.stack([-24.6e-3, By, 0.0]) / jm.constants.MU0)


noise = np.random.default_rng(0).normal(size=(3, *cells)) * 0.3
m0 = film(0.0).check_magnetisation(noise + np.array([1.0, 0.25, 0.1])[:, None, None, None])
padded = 3 * (2 * nx) * (2 * ny) * 8


def bytes_of(comp):
    ma = comp.memory_analysis()
    return int(ma.argument_size_in_bytes + ma.output_size_in_bytes + ma.temp_size_in_bytes
               - ma.alias_size_in_bytes)


def simulate_program(s, m):
    prog = jax.jit(lambda s, m: jm.simulate(s, m, 2e-11, save_every=2e-12,
                                             save_energies=False).m_avg)
    return prog.lower(s, m).compile()


fs = jax.jit(lambda s, m: s.field(m))
if mode in ("exact", "memory"):
    s1 = film(4.3e-3)
    ss, ms = shard(s1, m0)
if mode == "exact":
    ref = jax.jit(lambda s, m: s.field(m))(s1, m0)
    out["field_rel_err"] = float(jnp.max(jnp.abs(fs(ss, ms) - ref)) / jnp.max(jnp.abs(ref)))
    ops = collectives(fs.lower(ss, ms).compile().as_text())
    sim_ops = collectives(simulate_program(ss, ms).as_text())
    out["field_collectives"] = sorted({op for op, _ in ops})
    out["simulate_collectives"] = sorted({op for op, _ in sim_ops})
    out["whole_array_collectives"] = (whole_array_collectives(ops, padded, nd)
                                      + whole_array_collectives(sim_ops, padded, nd))
    sent = sum(b for op, b in ops if op == "all-to-all") * (nd - 1) // nd
    out["transpose_bytes_hlo"] = sent
    out["transpose_bytes_model"] = transpose_bytes(cells, nd, 8) if nd > 1 else 0

    def run(By, split):
        s = film(By)
        s, m = shard(s, m0) if split else (s, m0)
        return jm.simulate(s, m, 2e-11, save_every=2e-12, save_energies=False)

    err = jnp.max(jnp.abs(run(4.3e-3, True).m_avg - run(4.3e-3, False).m_avg))
    out["traj_max_err"] = float(err)
    g1 = jax.grad(lambda b: run(b, False).m_avg[-1, 1])(4.3e-3)
    gs = jax.grad(lambda b: run(b, True).m_avg[-1, 1])(4.3e-3)
    out["grad_rel_err"] = float(abs(gs - g1) / abs(g1))
elif mode == "memory":
    out["field_bytes_per_device"] = bytes_of(fs.lower(ss, ms).compile())
    out["simulate_bytes_per_device"] = bytes_of(simulate_program(ss, ms))
elif mode == "speed":
    steps = int(sys.argv[4])
    for dt_name, dtype in (("float32", jnp.float32), ("float64", jnp.float64)):
        jax.config.update("jax_enable_x64", dtype == jnp.float64)
        s = film(0.0, cell=(4e-9, 4e-9, 4e-9), alpha=0.01, A=1.3e-11)
        s = jm.make_system(s.mesh, jm.Material(8e5, 1.3e-11, 0.01),
                           H=jnp.array([0.0, 0.01, 0.0]) / jm.constants.MU0)
        m = s.check_magnetisation(np.asarray(m0))
        if nd > 1:
            s, m = shard(s, m)
        dt = 1e-13
        go = jax.jit(lambda s, m: jm.simulate_fixed(s, m, dt, steps, save_every=steps * dt).m_final)
        go(s, m).block_until_ready()
        t = time.perf_counter()
        go(s, m).block_until_ready()
        out[dt_name] = 2 * steps * nx * ny / (time.perf_counter() - t)
        if nd == 1 and dt_name == "float32":
            step = jax.jit(lambda s, m: jm.simulate_fixed(s, m, dt, 1).m_final)
            ca = step.lower(s, m).compile().cost_analysis()
            ca = ca[0] if isinstance(ca, list) else ca
            out["bytes_per_cell_eval"] = float(ca["bytes accessed"]) / (2 * nx * ny)
            # a body's FFTs run over 8 padded cells per cell where a film's run over 4
            body = jm.make_system(jm.Mesh((32, 32, 32), (4e-9, 4e-9, 4e-9)),
                                  jm.Material(8e5, 1.3e-11, 0.01))
            mb = body.check_magnetisation(jnp.array([1.0, 0.25, 0.1], jnp.float32))
            ca = step.lower(body, mb).compile().cost_analysis()
            ca = ca[0] if isinstance(ca, list) else ca
            out["bytes_per_cell_eval_body"] = float(ca["bytes accessed"]) / (2 * 32**3)
print(json.dumps(out))
"""


def run_worker(n_devices: int, *args) -> dict:
    env = dict(os.environ)
    import jax

    if jax.default_backend() == "cpu":
        env["XLA_FLAGS"] = (
            env.get("XLA_FLAGS", "") + f" --xla_force_host_platform_device_count={n_devices}"
        ).strip()
    else:
        env["CUDA_VISIBLE_DEVICES"] = ",".join(str(i) for i in range(n_devices))
    proc = subprocess.run(
        [sys.executable, "-c", WORKER, *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=3600,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"N = {n_devices} {args[0]} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def model_table(bytes_film: float, bytes_body: float) -> dict:
    """Predicted efficiency on 2, 4, 8 H100s (float32) for 2048², 8192² and 512³."""
    from jaxmag.distributed import scaling_model

    table = {}
    for name, cells, bpc in (
        ("2048x2048x1", (2048, 2048, 1), bytes_film),
        ("8192x8192x1", (8192, 8192, 1), bytes_film),
        ("512x512x512", (512, 512, 512), bytes_body),
    ):
        table[name] = {n: scaling_model(cells, n, bpc)["efficiency"] for n in (2, 4, 8)}
    return table


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="32 × 16 and 64 × 64, N = 1, 4")
    p.add_argument("--devices", type=int, nargs="+", help="the N to run (default 1 2 4 8)")
    p.add_argument("--protocol-cells", type=int, nargs=2, metavar=("NX", "NY"))
    p.add_argument("--steps", type=int, default=None, help="Heun steps timed (protocol)")
    args = p.parse_args(argv)
    quick = args.quick
    exact, memory = ((32, 16), (64, 64)) if quick else ((256, 128), (1024, 1024))
    protocol = tuple(args.protocol_cells or ((32, 32) if quick else (512, 512)))
    steps = args.steps or (5 if quick else 20)
    ns = tuple(args.devices or ((1, 4) if quick else (1, 2, 4, 8)))

    import jax

    jax.config.update("jax_enable_x64", True)  # the exactness workers run in float64
    from _common import conditions, emit

    per_n = {}
    for n in ns:
        r = run_worker(n, "exact", *exact) if not args.protocol_cells else {}
        r.update(run_worker(n, "memory", *memory) if not args.protocol_cells else {})
        r["speed"] = run_worker(n, "speed", *protocol, steps)
        per_n[n] = r
        sp = r["speed"]
        print(
            f"N = {n}: "
            + (
                f"field {r['field_rel_err']:.1e}, <m>(t) {r['traj_max_err']:.1e}, grad "
                f"{r['grad_rel_err']:.1e}, whole-array collectives "
                f"{r['whole_array_collectives']}, transposes {r['transpose_bytes_hlo']} B "
                f"(model {r['transpose_bytes_model']} B); {memory[0]}² per device: field "
                f"{r['field_bytes_per_device'] / 2**20:.1f} MiB, simulate "
                f"{r['simulate_bytes_per_device'] / 2**20:.1f} MiB; "
                if "field_rel_err" in r
                else ""
            )
            + f"{sp['float32']:.3g} (f32) / {sp['float64']:.3g} (f64) cell·evals/s",
            flush=True,
        )
    figures = {"cells_exact": list(exact), "cells_memory": list(memory), "n_devices": list(ns)}
    figures["protocol_cells"] = list(protocol)
    figures["cells_evals_per_s"] = {
        n: {k: r["speed"][k] for k in ("float32", "float64")} for n, r in per_n.items()
    }
    if not args.protocol_cells:
        figures.update(
            max_field_rel_err=max(r["field_rel_err"] for r in per_n.values()),
            traj_max_err=max(r["traj_max_err"] for r in per_n.values()),
            grad_rel_err=max(r["grad_rel_err"] for r in per_n.values()),
            whole_array_collectives=sum(r["whole_array_collectives"] for r in per_n.values()),
            transpose_bytes={
                n: [r["transpose_bytes_hlo"], r["transpose_bytes_model"]] for n, r in per_n.items()
            },
            simulate_collectives={n: r["simulate_collectives"] for n, r in per_n.items()},
        )
        for key in ("field", "simulate"):
            b = {n: r[f"{key}_bytes_per_device"] for n, r in per_n.items()}
            figures[f"{key}_bytes_per_cell_per_device"] = {
                n: v / (memory[0] * memory[1]) for n, v in b.items()
            }
            ratio = {n: v / b[ns[0]] for n, v in b.items()}
            figures[f"{key}_mem_ratio"] = ratio
        figures["mem_per_device_ratio_n8"] = figures["field_mem_ratio"].get(8)
        figures["simulate_mem_ratio_n8"] = figures["simulate_mem_ratio"].get(8)
    sp = per_n[ns[0]]["speed"]
    if "bytes_per_cell_eval" in sp:
        figures["bytes_per_cell_eval_f32"] = [
            sp["bytes_per_cell_eval"],
            sp["bytes_per_cell_eval_body"],
        ]
        figures["scaling_model"] = model_table(
            sp["bytes_per_cell_eval"], sp["bytes_per_cell_eval_body"]
        )
    figures["quick"] = quick
    figures["conditions"] = conditions()
    emit(figures)
    return figures


if __name__ == "__main__":
    main()
