"""Gradients through ``simulate``: accuracy, cost against a forward run, and memory.

    python benchmarks/gradients.py            # SP4 at 100 x 25 x 1 cells, 1 ns
    python benchmarks/gradients.py --quick    # smoke run: 20 x 5 x 1 cells, 20 ps

The loss fits a run of µMAG standard problem 4 (field 1, from the relaxed s-state) to
OOMMF's ⟨m⟩(t): ``mean_t |⟨m⟩(t) - ⟨m⟩_OOMMF(t)|²`` at OOMMF's save times (every ps),
differentiated with respect to Ms, A, α and the applied field H (reverse mode,
``RecursiveCheckpointAdjoint``).

Figures (the last line of output is one JSON object):

- `fd_rel_err`: max relative difference between the reverse-mode gradient and a
  fourth-order central finite difference (float64), over Ms, A, α, Hx, Hy, on a small
  system (20 x 5 x 1 cells, 100 ps, rtol = atol = 1e-11); `fd_rel_err_by_param` each.
- `grad_over_forward`: wall time of ``value_and_grad`` over that of the forward-only loss,
  the same run, compile excluded, min over the repeats (medians and the times too), for
  each checkpoint setting in `by_checkpoints`; the headline is the best setting,
  named by `checkpoints` (`checkpoints_used`: the number diffrax allocates).
- `peak_rss_mb`: peak resident memory (``ru_maxrss``) of a fresh process that relaxes,
  compiles and runs the 1 ns gradient once; `peak_rss_forward_mb` the same for the
  forward-only loss, and `*_after_compile_mb` the peaks before the run started.

Since the hand-written reverse-mode step (``jaxmag/dynamics/_adjoint_step.py``) each
stage's vector-field VJP is taken once, with its residuals, instead of diffrax's
checkpointed stage loop recomputing every stage: on 2 CPU cores `grad_over_forward` went
from 5.5-6.7 to 4.5-4.8 at default checkpoints and ~4.5 at 1000. What is left is the
VJP of the LLG right-hand side itself: with the system's arrays differentiated it costs
~3 right-hand-side evaluations (one to record the residuals, ~2 for the transposes of
the stencil pads, component slices and FFTs), so a step's backward costs ~3.4 forward
steps, on top of the forward run. Larger checkpoint buffers than the run needs also cost
time per step (equinox's treeverse bookkeeping).
"""

import argparse
import json
import math
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

FD_CELLS, FD_T1, FD_RTOL, FD_EPS = (20, 5, 1), 1e-10, 1e-11, 1e-4
FD_PARAMS = ("Ms", "A", "alpha", "H[0]", "H[1]")


def parse_cells(s):
    return tuple(int(v) for v in s.split(","))


def default_checkpoints(max_steps: int) -> int:
    """What diffrax (equinox's checkpointed while loop) allocates for ``checkpoints=None``:
    O(sqrt(max_steps)), so that no step is recomputed more than about twice."""
    if max_steps == 1:
        return 1
    return min(math.floor(-1.5 + math.sqrt(2 * max_steps + 0.25)) + 1, max_steps)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Problem:
    """SP4 (field 1) on ``cells`` over ``[0, t1]``, from the relaxed s-state."""

    def __init__(self, cells, t1, m0=None):
        import jax.numpy as jnp
        import numpy as np

        import jaxmag as jm
        from jaxmag.problems import sp4

        self.cells, self.t1 = tuple(cells), t1
        self.mesh = sp4.mesh(cells)
        if m0 is None:
            relaxed = jm.minimise(sp4.system(cells), sp4.initial_state(cells))
            m0 = relaxed.m
            self.relax_converged = bool(relaxed.converged)
        self.m0 = jnp.asarray(m0)
        ref = sp4.oommf_reference()
        keep = ref["t_s"] <= t1 * (1 + 1e-9)
        self.ts = jnp.asarray(ref["t_s"][keep])
        self.m_ref = jnp.asarray(np.stack([ref[k][keep] for k in ("mx", "my", "mz")], axis=1))
        self.theta = {
            "Ms": jnp.asarray(sp4.MS),
            "A": jnp.asarray(sp4.A),
            "alpha": jnp.asarray(sp4.ALPHA),
            "H": jnp.asarray(sp4.FIELD1_MT) * 1e-3 / jm.constants.MU0,
        }

    def loss_fn(self, adjoint=None, max_steps=1_000_000):
        """``loss(theta, m0, ts, m_ref, rtol) -> (loss, stats)``; pure in its arguments."""
        import jax.numpy as jnp

        import jaxmag as jm

        mesh = self.mesh

        def loss(theta, m0, ts, m_ref, rtol):
            mat = jm.Material(Ms=theta["Ms"], A=theta["A"], alpha=theta["alpha"])
            system = jm.make_system(mesh, mat, H=theta["H"])
            traj = jm.simulate(
                system,
                m0,
                ts[-1],
                ts=ts,
                rtol=rtol,
                atol=rtol,
                max_steps=max_steps,
                save_energies=False,
                adjoint=adjoint,
            )
            return jnp.mean(jnp.sum((traj.m_avg - m_ref) ** 2, axis=1)), traj.stats

        return loss

    def args(self, rtol, theta=None):
        import jax.numpy as jnp

        theta = self.theta if theta is None else theta
        return theta, self.m0, self.ts, self.m_ref, jnp.asarray(rtol)


def compiled(fn, args):
    """AOT-compile ``jax.jit(fn)`` at ``args``; return it and the compile time (s)."""
    import jax

    t = time.perf_counter()
    out = jax.jit(fn).lower(*args).compile()
    return out, time.perf_counter() - t


def timed(f, args, repeats):
    """Run ``f(*args)`` ``repeats`` times, blocked until ready; return the last output and
    the wall times (s)."""
    import jax

    walls = []
    for _ in range(repeats):
        t = time.perf_counter()
        out = jax.block_until_ready(f(*args))
        walls.append(time.perf_counter() - t)
    return out, walls


def fd_check(problem, grad_f, loss_f, eps=FD_EPS, rtol=FD_RTOL):
    """Reverse mode against fourth-order central differences, per parameter."""
    import numpy as np

    theta = problem.theta
    (_, _), g = grad_f(*problem.args(rtol))
    h_norm = float(np.linalg.norm(theta["H"]))
    out = {}
    for name in FD_PARAMS:
        key, idx = (name[0], int(name[2])) if name.startswith("H[") else (name, None)
        scale = h_norm if idx is not None else abs(float(theta[key]))
        h = eps * scale

        def at(k, key=key, idx=idx, h=h):
            v = theta[key]
            v = v.at[idx].add(k * h) if idx is not None else v + k * h
            return float(loss_f(*problem.args(rtol, dict(theta, **{key: v})))[0])

        fd = (8 * (at(1) - at(-1)) - (at(2) - at(-2))) / (12 * h)
        ad = float(g[key][idx]) if idx is not None else float(g[key])
        out[name] = {"reverse": ad, "fd": fd, "rel_err": abs(ad - fd) / abs(fd)}
    return out


def child(args) -> dict:
    """Fresh process: relax, compile and run the forward loss or its gradient once; report
    the peak resident memory after the compile and after the run."""
    import jax

    problem = Problem(args.cells, args.t1)
    loss = problem.loss_fn(adjoint_for(args.child_checkpoints), args.max_steps)
    fn = loss if args.child == "forward" else jax.value_and_grad(loss, has_aux=True)
    run = problem.args(args.rtol)
    f, _ = compiled(fn, run)
    after_compile = rss_mb()
    out = jax.block_until_ready(f(*run))
    stats = out[1] if args.child == "forward" else out[0][1]
    return {
        "peak_rss_mb": rss_mb(),
        "peak_rss_after_compile_mb": after_compile,
        "vm_hwm_mb": vm_hwm_mb(),
        "num_steps": int(stats["num_steps"]),
    }


def vm_hwm_mb() -> float | None:
    """The kernel's own high-water mark of this process's memory (a cross-check)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def adjoint_for(checkpoints):
    import diffrax

    if checkpoints in (None, "default"):
        return diffrax.RecursiveCheckpointAdjoint()
    return diffrax.RecursiveCheckpointAdjoint(checkpoints=int(checkpoints))


def run_child(kind, args, checkpoints="default") -> dict:
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        *("--child", kind, "--child-checkpoints", str(checkpoints)),
        *("--cells", ",".join(map(str, args.cells)), "--t1", repr(args.t1)),
        *("--rtol", repr(args.rtol), "--max-steps", str(args.max_steps), "--dtype", args.dtype),
    ]
    log(f"peak-RSS process: {kind}, checkpoints {checkpoints}")
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
    if out.returncode != 0:
        raise RuntimeError(f"{kind} process failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cells", type=parse_cells, default=(100, 25, 1), help="NX,NY,NZ")
    p.add_argument("--t1", type=float, default=1e-9, help="end time in s")
    p.add_argument("--rtol", type=float, default=1e-5, help="solver tolerance (rtol = atol)")
    p.add_argument("--max-steps", type=int, default=1_000_000, help="simulate's max_steps")
    p.add_argument(
        "--checkpoints",
        default="default,1000",
        help="comma-separated RecursiveCheckpointAdjoint settings to time: 'default' "
        "(diffrax's, O(sqrt(max_steps))) or a number",
    )
    p.add_argument("--repeats", type=int, default=3, help="timed repeats")
    p.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    p.add_argument("--no-rss", action="store_true", help="skip the peak-RSS processes")
    p.add_argument("--quick", action="store_true", help="smoke run: 20,5,1 cells, 20 ps")
    p.add_argument("--child", choices=("forward", "grad"), help=argparse.SUPPRESS)
    p.add_argument("--child-checkpoints", default="default", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.quick:
        args.cells, args.t1, args.checkpoints, args.repeats = FD_CELLS, 2e-11, "default", 3
    settings = args.checkpoints.split(",")
    t_start = time.perf_counter()

    # Memory first, in fresh processes started while this one is still small: a child's
    # ru_maxrss starts from its parent's resident size at the fork (Linux keeps the
    # high-water mark across fork and exec).
    rss = {}
    if args.child is None and not (args.quick or args.no_rss):
        rss["forward"] = run_child("forward", args)
        for setting in settings:
            rss[setting] = run_child("grad", args, setting)

    import jax

    jax.config.update("jax_enable_x64", args.dtype == "float64")
    if args.child:
        print(json.dumps(child(args)), flush=True)
        return {}

    import numpy as np
    from _common import conditions, emit, summary

    figures = {
        "problem": "muMAG SP4 field 1, loss mean_t |<m>(t) - <m>_OOMMF(t)|^2",
        "params": ["Ms", "A", "alpha", "H"],
        "cells": list(args.cells),
        "ncells": int(np.prod(args.cells)),
        "t1_s": args.t1,
        "rtol": args.rtol,
        "max_steps": args.max_steps,
        "solver": "RK4FSAL (ProjectedSolver), simulate's default for a traced rtol",
        "adjoint_step": "hand-written (jaxmag.dynamics._adjoint_step), diffrax forward step",
    }

    # --- accuracy: reverse mode against finite differences, on a small system -----------
    fd_t1 = args.t1 if args.quick else FD_T1
    small = Problem(FD_CELLS, fd_t1)
    loss_small = small.loss_fn()
    loss_f, compile_small_fwd = compiled(loss_small, small.args(FD_RTOL))
    vg_small = jax.value_and_grad(loss_small, has_aux=True)
    grad_f, compile_small_grad = compiled(vg_small, small.args(FD_RTOL))
    fd = fd_check(small, grad_f, loss_f)
    figures["fd_rel_err"] = max(v["rel_err"] for v in fd.values())
    log(f"fd_rel_err {figures['fd_rel_err']:.2e}")
    figures["fd_rel_err_by_param"] = {k: v["rel_err"] for k, v in fd.items()}
    figures["fd_system"] = {
        "cells": list(FD_CELLS),
        "t1_s": fd_t1,
        "rtol": FD_RTOL,
        "fd": "4th-order central, step 1e-4 relative (|H| for H components)",
    }

    # --- cost: value_and_grad against the forward-only loss -----------------------------
    if args.quick:
        big, loss_fwd = small, loss_f  # same shapes: the compiled loss serves both
        compile_fwd = compile_small_fwd
    else:
        big = Problem(args.cells, args.t1)
        loss_fwd, compile_fwd = compiled(big.loss_fn(max_steps=args.max_steps), big.args(args.rtol))
    run_args = big.args(args.rtol)
    jax.block_until_ready(loss_fwd(*run_args))  # warm-up
    (value, stats), walls_fwd = timed(loss_fwd, run_args, args.repeats)
    log(f"forward: {walls_fwd} s; {int(stats['num_steps'])} steps")
    steps = int(stats["num_steps"])
    figures.update(
        {
            "loss": float(value),
            "num_steps": steps,
            "steps_accepted": int(stats["num_accepted_steps"]),
            "steps_rejected": int(stats["num_rejected_steps"]),
            "rhs_evals": int(stats["rhs_evals"]),
            "relax_converged": big.relax_converged,
            "wall_forward": summary(walls_fwd),
        }
    )
    compile_s = {"forward": compile_fwd}
    by_ck, grads = {}, {}
    for setting in settings:
        n_ck = default_checkpoints(args.max_steps) if setting == "default" else int(setting)
        if args.quick and setting == "default":
            grad_big, c = grad_f, compile_small_grad
        else:
            loss = big.loss_fn(adjoint_for(setting), args.max_steps)
            grad_big, c = compiled(jax.value_and_grad(loss, has_aux=True), run_args)
        compile_s[f"grad_{setting}"] = c
        jax.block_until_ready(grad_big(*run_args))  # warm-up
        ((v, _), g), walls = timed(grad_big, run_args, args.repeats)
        log(f"grad ({setting}, {n_ck} checkpoints): {walls} s; compile {c:.1f} s")
        assert all(np.all(np.isfinite(leaf)) for leaf in jax.tree.leaves(g))
        grads[setting] = np.concatenate([np.ravel(x) for x in jax.tree.leaves(g)])
        by_ck[setting] = {
            "checkpoints_used": n_ck,
            "recomputes": n_ck < steps,
            "grad_over_forward": min(walls) / min(walls_fwd),
            "grad_over_forward_median": float(np.median(walls) / np.median(walls_fwd)),
            "wall_grad": summary(walls),
            # the gradient's forward pass is compiled apart: round-off may differ
            "loss_rel_diff_vs_forward": abs(float(v) - float(value)) / abs(float(value)),
        }
        if setting in rss:
            by_ck[setting]["peak_rss_mb"] = rss[setting]["peak_rss_mb"]
            by_ck[setting]["peak_rss_after_compile_mb"] = rss[setting]["peak_rss_after_compile_mb"]
    best = min(by_ck, key=lambda k: by_ck[k]["grad_over_forward"])
    ref = grads[settings[0]]
    figures.update(
        {
            "grad_over_forward": by_ck[best]["grad_over_forward"],
            "checkpoints": best,
            "checkpoints_used": by_ck[best]["checkpoints_used"],
            "by_checkpoints": by_ck,
            # checkpointing changes the cost, not the gradient
            "grad_rel_diff_between_checkpoints": max(
                float(np.max(np.abs(gr - ref) / np.abs(ref))) for gr in grads.values()
            ),
            "gradient": {k: np.asarray(v).tolist() for k, v in g.items()},
            "compile_s": compile_s,
        }
    )

    # --- memory -------------------------------------------------------------------------
    if rss:
        figures.update(
            {
                "peak_rss_mb": rss[best]["peak_rss_mb"],
                "peak_rss_after_compile_mb": rss[best]["peak_rss_after_compile_mb"],
                "peak_rss_forward_mb": rss["forward"]["peak_rss_mb"],
                "peak_rss_forward_after_compile_mb": rss["forward"]["peak_rss_after_compile_mb"],
                "vm_hwm_mb": {k: v["vm_hwm_mb"] for k, v in rss.items()},
                "rss_note": "ru_maxrss of fresh processes (relax, compile, one run), the "
                "gradient with the checkpoints above",
            }
        )
        assert all(r["num_steps"] == steps for r in rss.values()), rss
    else:
        figures["peak_rss_mb"] = rss_mb()
        figures["rss_note"] = "this process: relaxations, compiles and all the runs"
    figures["wall_total_s"] = time.perf_counter() - t_start
    figures.update(conditions())
    emit(figures)
    return figures


if __name__ == "__main__":
    main()
