"""Latent-space time steppers on the µMAG SP4 family: Nyström kernel PCA + kernel ridge
regression (Exl et al. 2020/2021) and a convolutional neural stepper, against jaxmag's
full solver.

    python benchmarks/latent_sp4.py                  # 100 × 25 cells, 64 + 18 fields, 1 ns
    python benchmarks/latent_sp4.py --quick          # tiny smoke run
    python benchmarks/latent_sp4.py --cache DIR      # where the trajectories are cached

Data: 500 × 125 × 3 nm permalloy, relaxed s-state, in-plane fields |B| ∈ [15, 45] mT at
160°–200° (Sobol training points), 1 ns with a snapshot every 10 ps; test fields are
SP4 fields 1 and 2 and 16 held-out random fields. Every model predicts the whole
trajectory from its first snapshot and the field alone.

Figures per model on the test fields: ``max_avg_err_heldout`` (max over t, i and fields of
|Δ⟨m_i⟩|), ``rel_l2_heldout`` (mean relative L2 error of the full field),
``t_cross_err_ps`` (max error in the first zero crossing of ⟨mx⟩ over the fields where the
solver's ⟨mx⟩ crosses zero), ``speedup`` (full-solver time per trajectory over the
model's, both compiled, same run). The kernel model is swept over d and the number of
landmarks (``sweep``). The last line is one JSON object.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def _ints(text):
    return [int(x) for x in text.split(",")]


def _metrics(model, m, fields, ts):
    import numpy as np

    from jaxmag.ml.latent import rollout_errors
    from jaxmag.problems.sp4 import first_zero

    err = rollout_errors(model, m, fields)
    avg_true = np.asarray(m).mean((-2, -1))
    cross = []
    for f in range(len(m)):
        t_true = first_zero(ts, avg_true[f, :, 0])
        t_pred = first_zero(ts, np.asarray(err["m_avg_pred"][f, :, 0]))
        cross.append(abs(t_pred - t_true) * 1e12 if np.isfinite(t_true) else np.nan)
    e = np.asarray(err["max_avg_err"])
    return {
        "max_avg_err_heldout": float(e.max()),
        "max_avg_err_per_field": e,
        "max_avg_err_field1": float(e[0]),
        "max_avg_err_field2": float(e[1]),
        "rel_l2_heldout": float(np.mean(err["rel_l2"])),
        "t_cross_err_ps": float(np.nanmax(cross)) if np.isfinite(cross).any() else None,
        "m_avg_pred_field1": err["m_avg_pred"][0],
    }


def _time_per_trajectory(fn, *args, repeats=3):
    import jax

    jax.block_until_ready(fn(*args))
    walls = []
    for _ in range(repeats):
        t = time.perf_counter()
        jax.block_until_ready(fn(*args))
        walls.append(time.perf_counter() - t)
    return min(walls)


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--cache", type=Path, default=Path("latent_cache"))
    p.add_argument("--n-train", type=int, default=64)
    p.add_argument("--n-heldout", type=int, default=16)
    p.add_argument("--d", type=int, default=8, help="latent dimension of the headline models")
    p.add_argument("--landmarks", type=int, default=1000)
    p.add_argument("--lam", type=float, default=1e-6, help="ridge of the regressions")
    p.add_argument("--sweep-d", type=_ints, default=[2, 4, 8, 16])
    p.add_argument("--sweep-landmarks", type=_ints, default=[250, 500, 1000, 2000])
    p.add_argument("--neural-seconds", type=float, default=600.0, help="training budget")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    cells, t1 = (100, 25, 1), 1e-9
    if args.quick:
        cells, t1 = (20, 5, 1), 1e-10
        args.n_train, args.n_heldout, args.d, args.landmarks = 8, 2, 2, 60
        args.sweep_d, args.sweep_landmarks, args.neural_seconds = [4], [60], 3.0

    import equinox as eqx
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    from _common import conditions, emit

    from jaxmag.ml import latent
    from jaxmag.vectors import normalise

    t_all = time.perf_counter()
    data = latent.sp4_family(
        args.cache,
        n_train=args.n_train,
        n_heldout=args.n_heldout,
        cells=cells,
        t1=t1,
        seed=args.seed,
        progress=True,
    )
    print(f"data: {data['cache']} ({'generated' if data['regenerated'] else 'cached'})")
    trm, trf = jnp.asarray(data["train_m"], float), jnp.asarray(data["train_fields"])
    tem, tef = jnp.asarray(data["test_m"], float), jnp.asarray(data["test_fields"])
    ts = data["ts"]
    key = jax.random.PRNGKey(args.seed)

    # the full solver's time per trajectory (compiled, one field)
    # the relaxed s-state is every trajectory's first snapshot (stored as float32; only
    # the timing uses this start)
    m0 = normalise(jnp.asarray(data["train_m"][0, 0], float)[..., None])
    full = jax.jit(latent.trajectory_fn(cells, t1, float(ts[1] - ts[0]), m0))
    t_full = _time_per_trajectory(full, tef[0], repeats=1 if args.quick else 2)
    print(f"full solver: {t_full:.2f} s per trajectory", flush=True)
    n = len(ts) - 1

    @eqx.filter_jit
    def roll(model, m, b):
        return model.rollout(m, b, n)

    def speed(model):
        return t_full / _time_per_trajectory(lambda *a: roll(model, *a), tem[0, 0], tef[0],
                                             repeats=5)  # fmt: skip

    sweep = []
    for d in args.sweep_d:
        for L in args.sweep_landmarks:
            if d > L:
                continue
            t = time.perf_counter()
            model = latent.fit_kernel_stepper(trm, trf, d=d, n_landmarks=L, lam=args.lam, key=key)
            fit_s = time.perf_counter() - t
            r = _metrics(model, tem, tef, ts)
            sweep.append({"d": d, "landmarks": L, "fit_s": fit_s,
                          **{k: v for k, v in r.items() if not k.startswith("m_avg")}})  # fmt: skip
            print(f"  kernel d={d} L={L}: max|Δ<m>| {r['max_avg_err_heldout']:.4f}, "
                  f"rel L2 {r['rel_l2_heldout']:.4f} ({fit_s:.1f} s)", flush=True)  # fmt: skip
    model = latent.fit_kernel_stepper(trm, trf, d=args.d, n_landmarks=args.landmarks,
                                      lam=args.lam, key=key)  # fmt: skip
    kernel = _metrics(model, tem, tef, ts)
    kernel["speedup"] = speed(model)
    print(f"kernel d={args.d}: max|Δ<m>| {kernel['max_avg_err_heldout']:.4f}, "
          f"speed-up {kernel['speedup']:.0f}x", flush=True)  # fmt: skip

    print(f"training the neural stepper ({args.neural_seconds:.0f} s budget) ...", flush=True)
    nmodel, hist = latent.train_neural_stepper(
        data["train_m"],
        data["train_fields"],
        d=args.d,
        key=jax.random.fold_in(key, 1),
        epochs=1000,
        max_seconds=args.neural_seconds,
        verbose=True,
    )
    neural = _metrics(nmodel, jnp.asarray(data["test_m"]), tef, ts)
    neural["speedup"] = speed(nmodel)
    neural["epochs"] = hist.get("epochs")
    print(f"neural d={args.d}: max|Δ<m>| {neural['max_avg_err_heldout']:.4f}, "
          f"speed-up {neural['speedup']:.0f}x", flush=True)  # fmt: skip
    best8 = [s for s in sweep if s["d"] <= 8]
    figures = {
        "d": args.d,
        "landmarks": args.landmarks,
        "lam": args.lam,
        "n_train": args.n_train,
        "n_test": len(tef),
        "cells": cells,
        "t1_s": t1,
        **{k: v for k, v in kernel.items() if not k.startswith("m_avg")},
        "best_sweep_d_le_8": min(best8, key=lambda s: s["max_avg_err_heldout"]) if best8 else None,
        "d2": [s for s in sweep if s["d"] == 2],
        "sweep": sweep,
        "neural": {k: v for k, v in neural.items() if not k.startswith("m_avg")},
        "full_solver_s_per_trajectory": t_full,
        "wall_s": time.perf_counter() - t_all,
        "quick": args.quick,
        "conditions": conditions(),
    }
    emit(figures)
    return figures


if __name__ == "__main__":
    main()
