"""One µMAG SP4-like film (field 1) split into x-slabs across every device of every
process (``jaxmag.distributed.shard``), then ``jm.simulate`` as on one device.

    # one machine, all its devices (GPUs; or CPU "devices" to try it)
    python examples/beyond_one_device.py --cells 2048 2048 1
    XLA_FLAGS=--xla_force_host_platform_device_count=4 python examples/beyond_one_device.py
    # several processes on this machine (CPU collectives): spawns them
    python examples/beyond_one_device.py --processes 2 --check
    # several hosts: one process per host (or per GPU), under SLURM
    srun python examples/beyond_one_device.py --distributed --cells 8192 8192 1

``--distributed`` calls ``jax.distributed.initialize()``, which reads the coordinator,
the process count and this process's rank from SLURM (or give ``--coordinator``,
``--num-processes``, ``--process-id``). Every process builds the same system and the same
initial state (a fixed seed); each keeps only its devices' slabs. Process 0 prints one
JSON line: cells, processes, devices, the final ⟨m⟩, the wall time in s and, with
``--check``, the largest difference of ⟨m⟩(t) from a run on one device (small meshes).
"""

import argparse
import json
import socket
import subprocess
import sys
import time


def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cells", type=int, nargs=3, default=(64, 16, 1), metavar=("NX", "NY", "NZ"))
    p.add_argument("--time", type=float, default=5e-11, help="simulated time in s")
    p.add_argument("--float32", action="store_true", help="single precision (default float64)")
    p.add_argument("--check", action="store_true", help="also run on one device and compare")
    p.add_argument("--processes", type=int, default=0, help="spawn this many local processes")
    p.add_argument("--distributed", action="store_true", help="jax.distributed.initialize()")
    p.add_argument("--coordinator", help="host:port of process 0 (else from SLURM)")
    p.add_argument("--num-processes", type=int)
    p.add_argument("--process-id", type=int)
    return p.parse_args(argv)


def spawn(args) -> int:
    """``args.processes`` copies of this script on this machine, on a free port."""
    with socket.socket() as s:
        s.bind(("localhost", 0))
        port = s.getsockname()[1]
    argv = sys.argv[1:]
    i = argv.index("--processes")
    rest = argv[:i] + argv[i + 2 :]
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, *rest, "--coordinator", f"localhost:{port}"]
            + ["--num-processes", str(args.processes), "--process-id", str(i)]
        )
        for i in range(args.processes)
    ]
    return max(p.wait() for p in procs)


def main(argv=None):
    args = parse(argv)
    if args.processes:
        return spawn(args)
    import jax

    if args.coordinator or args.distributed:
        # CPU devices talk through gloo (GPUs use NCCL whatever this says)
        jax.config.update("jax_cpu_collectives_implementation", "gloo")
        jax.distributed.initialize(args.coordinator, args.num_processes, args.process_id)
    jax.config.update("jax_enable_x64", not args.float32)
    import jax.numpy as jnp
    import numpy as np

    import jaxmag as jm
    from jaxmag.distributed import shard

    cells = tuple(args.cells)
    mesh = jm.Mesh(cells, (5e-9, 5e-9, 3e-9))  # m
    mat = jm.Material(Ms=8e5, A=1.3e-11, alpha=0.02)  # A/m, J/m
    system = jm.make_system(mesh, mat, H=jnp.array([-24.6e-3, 4.3e-3, 0.0]) / jm.constants.MU0)
    noise = np.random.default_rng(0).normal(size=(3, *cells)) * 0.3
    m0 = system.check_magnetisation(noise + np.array([1.0, 0.25, 0.1])[:, None, None, None])
    ss, ms = shard(system, m0)
    save = args.time / 10
    t = time.perf_counter()
    run = jm.simulate(ss, ms, args.time, save_every=save, save_energies=False)
    m_avg = np.asarray(run.m_avg)  # replicated on every process
    out = {
        "cells": list(cells),
        "processes": jax.process_count(),
        "devices": len(jax.devices()),
        "m_avg_final": m_avg[-1].tolist(),
        "wall_s": time.perf_counter() - t,
    }
    if args.check:
        one = jm.simulate(system, m0, args.time, save_every=save, save_energies=False)
        out["traj_max_err"] = float(np.max(np.abs(np.asarray(one.m_avg) - m_avg)))
    if jax.process_index() == 0:
        print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
