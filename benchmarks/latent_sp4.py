"""Latent-space time steppers on two SP4 field families, against jaxmag's full solver,
the sensitivity floor and the nearest-training-field baseline.

    python benchmarks/latent_sp4.py                  # 100 × 25 cells, 1 ns (tens of minutes)
    python benchmarks/latent_sp4.py --quick          # tiny smoke run
    python benchmarks/latent_sp4.py --cache DIR      # where the trajectories are cached

Both families start from the relaxed SP4 s-state (500 × 125 × 3 nm permalloy) and run
1 ns with a snapshot every 10 ps (:func:`jaxmag.ml.latent.sp4_family`):

- **P** (precession): |B| 2–12 mT at 0°–360°, ``--n-train-p`` Sobol fields, 16 random
  held-out ones;
- **S** (switching): |B| 15–45 mT at 160°–200°, ``--n-train-s`` Sobol fields; held out
  are SP4 fields 1 and 2 and 16 random fields.

Every model predicts ⟨m⟩(t) from the first snapshot and the field alone, through
``average_rollouts`` (one encoding, batched latent rollouts, ⟨m⟩ read off the latent
state; no snapshot decoded). An error is max over t and i of |Δ⟨m_i⟩| over the 101
snapshots. Figures per model (the kernel stepper at the top level, the neural one under
``"neural"``):

- ``train_err_median``, ``train_err_max``: S training fields, reproduced;
- ``p_max_err_heldout``: the worst P held-out field;
- ``s_outcome_correct``: S held-out fields whose sign of ⟨mx⟩ at 1 ns is right;
- ``s_within_floor``: S held-out fields with error <= max(0.1, 2 × sensitivity), the
  sensitivity being the largest change of ⟨m⟩(t) at |B| ± 0.25 mT, angle ± 0.5°
  (``benchmarks/latent_sensitivity.py``'s measure, rerun here on the same fields);
- ``s_median_err``, the headline: the median error over the S held-out fields
  (``heldout_error``, through ``latent.average_errors(...)["median_err"]``; the trust
  adapters ``KernelStepperTrust`` and ``NeuralStepperTrust`` score a stepper by the same
  function, negated), with ``s_median_err_ci95``, its 95 % bootstrap interval over the
  held-out fields, and ``s_median_err_seeds`` / ``s_median_err_seed_std``, its values and
  standard deviation over ``--spread-seeds`` training seeds (the S models refitted on the
  same data; see ``seed_spread_covers``); against ``s_nn_median_err`` (interval
  ``s_nn_median_err_ci95``), the nearest training field's trajectory (in |B| / 30 mT and
  angle / 40°) used as the prediction;
- ``speedup_p``, ``speedup_s``: the batched solver's time per trajectory (8 fields a
  call, as the training data were made) over the model's (``--time-batch`` random fields
  of the family in one call), both compiled, same run;
- ``design_miss``: in family P, the field whose predicted ⟨mx⟩(0.5 ns) is the target
  (the middle of the training fields' range) is found by gradient descent through the
  surrogate; the solver is run at it and ``|solver ⟨mx⟩(0.5 ns) - target|`` reported.

``learning_curve`` refits the kernel stepper on the first n of the S Sobol fields. The
last line is one JSON object.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def _ints(text):
    return [int(x) for x in text.split(",") if x.strip()]


def _time(fn, *args, repeats=3):
    import jax

    jax.block_until_ready(fn(*args))
    walls = []
    for _ in range(repeats):
        t = time.perf_counter()
        jax.block_until_ready(fn(*args))
        walls.append(time.perf_counter() - t)
    return min(walls)


def solver_seconds_per_trajectory(cells, t1, dt, m0, fields, batch=8):
    """The full solver, ``vmap``-ped over ``batch`` fields and compiled: seconds per
    trajectory (as the training data were made)."""
    import jax
    import jax.numpy as jnp

    from jaxmag.ml import latent

    run = jax.jit(jax.vmap(latent.trajectory_fn(cells, t1, dt, m0)))
    b = jnp.asarray(fields[:batch])
    b = jnp.concatenate([b, jnp.repeat(b[-1:], batch - len(b), 0)])
    return _time(run, b, repeats=1) / batch


def floor_and_baseline(cache, data, cells, t1, quick):
    """Sensitivity of each S test field (|B| ± 0.25 mT, angle ± 0.5°) and the
    nearest-training-field error."""
    from latent_sensitivity import max_avg_diff, nearest_field, perturbed_fields

    from jaxmag.ml import latent

    tef, tem = data["test_fields"], data["test_m"]
    pert = perturbed_fields(tef, 0.25, 0.5)
    m_pert, _, _ = latent.cached_trajectories(cache, pert.reshape(-1, 2), cells=cells, t1=t1,
                                              progress=True)  # fmt: skip
    m_pert = m_pert.reshape(*pert.shape[:2], *tem.shape[1:])
    sens = max_avg_diff(m_pert, tem[None]).max(0)
    nn = nearest_field(data["train_fields"], tef)
    return sens, max_avg_diff(data["train_m"][nn], tem)


def heldout_error(model, m0, test_m, test_fields, *, seed=0):
    """The headline figure of a stepper, and the trust adapters' score negated: per
    held-out trajectory ``test_m (F, T, 3, nx, ny)`` in its field ``(F, 2)`` (mT), max
    over t and i of |Δ⟨m_i⟩| of the ⟨m⟩ rolled out from ``m0`` over the whole horizon
    (``s_err_heldout``), their median (``s_median_err``, from
    ``latent.average_errors``) and its 95 % bootstrap interval over the trajectories
    (``s_median_err_ci95``)."""
    import numpy as np
    from _common import bootstrap_ci

    from jaxmag.ml import latent

    true = np.asarray(test_m).mean((-2, -1))
    s = latent.average_errors(model, true, m0, test_fields)
    err = s["max_avg_err"]
    ci = bootstrap_ci(lambda i: np.median(err[i]), len(err), seed=seed)
    return {"s_err_heldout": err, "s_median_err": s["median_err"], "s_median_err_ci95": ci,
            "final_mx": s["final_mx"], "true_final_mx": true[:, -1, 0]}  # fmt: skip


def evaluate(model, data_p, data_s, sens, nn_err, solver_s, design, time_batch):
    """Every figure of one model."""
    import jax
    import numpy as np

    from jaxmag.ml import latent

    m0 = data_s["train_m"][0, 0].astype(float)
    out = {}
    tr = latent.average_errors(model, data_s["train_m"].mean((-2, -1)), m0,
                               data_s["train_fields"])["max_avg_err"]  # fmt: skip
    out["train_err_median"], out["train_err_max"] = float(np.median(tr)), float(tr.max())
    p = latent.average_errors(model, data_p["test_m"].mean((-2, -1)), m0, data_p["test_fields"])
    out["p_err_heldout"] = p["max_avg_err"]
    out["p_max_err_heldout"] = float(p["max_avg_err"].max())
    s = heldout_error(model, m0, data_s["test_m"], data_s["test_fields"])
    err = s["s_err_heldout"]
    out.update({k: s[k] for k in ("s_err_heldout", "s_median_err", "s_median_err_ci95")})
    out["s_outcome_correct"] = int((np.sign(s["final_mx"]) == np.sign(s["true_final_mx"])).sum())
    out["s_within_floor"] = int((err <= np.maximum(0.1, 2 * sens)).sum())
    out["s_nn_median_err"] = float(np.median(nn_err))
    out["s_err_field1"], out["s_err_field2"] = float(err[0]), float(err[1])
    dtype = (
        jax.tree.leaves(model)[0].dtype if hasattr(jax.tree.leaves(model)[0], "dtype") else float
    )
    for fam, data in (("p", data_p), ("s", data_s)):
        # as the solver made the data: many fields in one batched, compiled call
        f = latent.random_fields(time_batch, seed=99, family=fam.upper()).astype(dtype)
        n = data["test_m"].shape[1] - 1
        t_model = _time(latent.average_rollouts, model, m0.astype(dtype), f, n, repeats=5) / len(f)
        out[f"model_s_per_trajectory_{fam}"] = t_model
        out[f"speedup_{fam}"] = solver_s[fam] / t_model
    out.update(design(model))
    return out


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--cache", type=Path, default=Path("latent_cache"))
    p.add_argument("--n-train-s", type=int, default=256)
    p.add_argument("--n-train-p", type=int, default=64)
    p.add_argument("--learning-curve", type=_ints, default=[64, 128, 256])
    p.add_argument("--d", type=int, default=8, help="latent dimension of both models")
    p.add_argument("--landmarks", type=int, default=1000)
    p.add_argument("--lam", type=float, default=1e-3, help="ridge of the stepper")
    p.add_argument("--rounds", type=int, default=4, help="rollout rounds of the kernel stepper")
    p.add_argument("--neural-seconds", type=float, default=300.0, help="budget per family")
    p.add_argument("--time-batch", type=int, default=256, help="fields per timed model call")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--spread-seeds", type=int, default=3,
                   help="training seeds of the S models' seed spread (1: none)")  # fmt: skip
    args = p.parse_args(argv)
    if args.spread_seeds < 1:
        p.error("--spread-seeds must be >= 1")
    cells, t1 = (100, 25, 1), 1e-9
    if args.quick:
        cells, t1 = (20, 5, 1), 1e-10
        args.n_train_s, args.n_train_p, args.learning_curve = 8, 8, [4, 8]
        args.landmarks, args.neural_seconds = 60, 3.0

    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import numpy as np
    from _common import bootstrap_ci, conditions, emit

    from jaxmag.ml import latent

    t_all = time.perf_counter()
    n_held = 2 if args.quick else 16
    kw = dict(cells=cells, t1=t1, seed=args.seed, progress=True, n_heldout=n_held)
    data_p = latent.sp4_family(args.cache, family="P", n_train=args.n_train_p, **kw)
    data_s = latent.sp4_family(args.cache, family="S", n_train=args.n_train_s, **kw)
    ts = data_s["ts"]
    dt, n_half = float(ts[1] - ts[0]), (len(ts) - 1) // 2
    sens, nn_err = floor_and_baseline(args.cache, data_s, cells, t1, args.quick)
    m0 = data_s["train_m"][0, 0].astype(float)
    solver_s = {fam: solver_seconds_per_trajectory(cells, t1, dt, jnp.asarray(m0)[..., None],
                                                   d["test_fields"])  # fmt: skip
                for fam, d in (("p", data_p), ("s", data_s))}  # fmt: skip
    print(f"solver: {solver_s['p']:.2f} s (P), {solver_s['s']:.2f} s (S) per trajectory",
          flush=True)  # fmt: skip
    avg_half = data_p["train_m"][:, n_half, 0].mean((-2, -1))
    target = float(0.5 * (avg_half.min() + avg_half.max()))
    check = jax.jit(latent.trajectory_fn(cells, t1 / 2, dt, jnp.asarray(m0)[..., None]))

    def design(model):
        r = latent.design_field(model, m0, target, n_half, b_range_mT=(2.0, 12.0))
        solver = float(np.asarray(check(jnp.asarray(r["field_mT"])))[-1, 0].mean())
        return {"design_target": target, "design_field_mT": r["field_mT"],
                "design_predicted": r["predicted"], "design_solver": solver,
                "design_miss": abs(solver - target)}  # fmt: skip

    key = jax.random.PRNGKey(args.seed)
    kkw = dict(d=args.d, lam=args.lam, rollout_rounds=args.rounds, standardise_components=True,
               key=key)  # fmt: skip

    def fit_kernel(data, n=None, key=key):
        n = len(data["train_m"]) if n is None else n
        m = data["train_m"][:n].astype(float)
        landmarks = min(args.landmarks, m.shape[0] * m.shape[1])
        return latent.fit_kernel_stepper(m, data["train_fields"][:n], n_landmarks=landmarks,
                                         verbose=True, **{**kkw, "key": key})  # fmt: skip

    def train_neural(data, key):
        return latent.train_neural_stepper(
            data["train_m"], data["train_fields"], d=args.d, key=jax.random.fold_in(key, 1),
            rollout=20 if not args.quick else 4, epochs=1000, max_seconds=args.neural_seconds,
        )[0]  # fmt: skip

    t = time.perf_counter()
    k_p, k_s = fit_kernel(data_p), fit_kernel(data_s)
    print(f"kernel steppers fitted in {time.perf_counter() - t:.0f} s", flush=True)
    res_p = evaluate(k_p, data_p, data_s, sens, nn_err, solver_s, design, args.time_batch)
    res_s = evaluate(k_s, data_p, data_s, sens, nn_err, solver_s, lambda m: {}, args.time_batch)
    kernel = _merge(res_p, res_s)
    print(_summary("kernel", kernel), flush=True)

    curve = []
    for n in args.learning_curve:
        if not 2 <= n <= args.n_train_s:
            continue
        r = evaluate(
            fit_kernel(data_s, n),
            data_p,
            data_s,
            sens,
            nn_err,
            solver_s,
            lambda m: {},
            args.time_batch,
        )
        nn_n = _nn_err(data_s, n)
        keys = ("train_err_median", "s_median_err", "s_outcome_correct", "s_within_floor")
        curve.append({"n_train": n, **{k: r[k] for k in keys},
                      "s_nn_median_err": float(np.median(nn_n))})  # fmt: skip
        print(f"  learning curve n={n}: {curve[-1]}", flush=True)

    neural = {}
    for fam, data in (("P", data_p), ("S", data_s)):
        print(f"training the neural stepper on {fam} ({args.neural_seconds:.0f} s) ...", flush=True)
        neural[fam] = train_neural(data, key)
    n_p = evaluate(neural["P"], data_p, data_s, sens, nn_err, solver_s, design, args.time_batch)
    n_s = evaluate(
        neural["S"], data_p, data_s, sens, nn_err, solver_s, lambda m: {}, args.time_batch
    )
    neural_figs = _merge(n_p, n_s)
    print(_summary("neural", neural_figs), flush=True)

    # the headline's spread over training seeds: the S models refitted on the same data
    # with the keys of seeds seed + 1, ...; seed + 0 is the models above
    m0 = data_s["train_m"][0, 0].astype(float)
    spread = {
        "seeds": [args.seed + i for i in range(args.spread_seeds)],
        "kernel": [kernel["s_median_err"]],
        "neural": [neural_figs["s_median_err"]],
    }
    for seed in spread["seeds"][1:]:
        k_seed = jax.random.PRNGKey(seed)
        print(f"seed spread: refitting both S models with seed {seed} ...", flush=True)
        for name, model in (("kernel", fit_kernel(data_s, key=k_seed)),
                            ("neural", train_neural(data_s, k_seed))):  # fmt: skip
            r = heldout_error(model, m0, data_s["test_m"], data_s["test_fields"])
            spread[name].append(r["s_median_err"])
    for name, figs in (("kernel", kernel), ("neural", neural_figs)):
        figs["s_median_err_seeds"] = spread[name]
        figs["s_median_err_seed_std"] = float(np.std(spread[name]))
    print(f"seed spread of s_median_err over seeds {spread['seeds']}: kernel "
          f"{spread['kernel']}, neural {spread['neural']}", flush=True)  # fmt: skip
    figures = {
        "d": args.d,
        "n_train": args.n_train_s,
        "n_train_p": args.n_train_p,
        "landmarks": args.landmarks,
        "lam": args.lam,
        "rollout_rounds": args.rounds,
        **kernel,
        "neural": neural_figs,
        "s_sensitivity": sens,
        "s_nn_err": nn_err,
        "s_nn_median_err_ci95": bootstrap_ci(
            lambda i: np.median(nn_err[i]), len(nn_err), seed=args.seed
        ),
        "seed_spread_covers": (
            "the S models' training randomness on fixed data: kernel landmarks, centres and "
            "median-gamma pairs; neural initialisation and minibatch order (its wall-time "
            "budget also varies the number of epochs); the P models are not refitted"
        ),
        "learning_curve": curve,
        "solver_s_per_trajectory": solver_s,
        "cells": cells,
        "t1_s": t1,
        "wall_s": time.perf_counter() - t_all,
        "quick": args.quick,
        "conditions": conditions(),
    }
    emit(figures)
    return figures


def _nn_err(data, n):
    from latent_sensitivity import max_avg_diff, nearest_field

    nn = nearest_field(data["train_fields"][:n], data["test_fields"])
    return max_avg_diff(data["train_m"][:n][nn], data["test_m"])


P_KEYS = ("p_max_err_heldout", "p_err_heldout", "speedup_p", "model_s_per_trajectory_p")


def _merge(res_p, res_s):
    """The P figures from the model trained on P, the rest from the one trained on S."""
    out = {k: v for k, v in res_s.items() if k not in P_KEYS}
    out.update({k: res_p[k] for k in P_KEYS})
    out.update({k: v for k, v in res_p.items() if k.startswith("design")})
    return out


def _summary(name, r):
    import numpy as np

    return (f"{name}: train median {r['train_err_median']:.3f} max {r['train_err_max']:.3f}; "
            f"P held-out max {r['p_max_err_heldout']:.3f}; S outcome {r['s_outcome_correct']}, "
            f"within floor {r['s_within_floor']}, median {r['s_median_err']:.3f} "
            f"(nearest field {r['s_nn_median_err']:.3f}); speed-up P {r['speedup_p']:.0f}x, "
            f"S {r['speedup_s']:.0f}x; design miss {r.get('design_miss', np.nan):.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
