"""The switching classifier study (Miao, Chin. Phys. Lett. 36, 097501 (2019)) on jaxmag data.

    python benchmarks/switching.py               # full study, about 45 min on 2 idle cores
    python benchmarks/switching.py --quick       # smoke run, a few minutes
    python benchmarks/switching.py --out DIR     # also write the ROC plots to DIR

Task (reduced units, :mod:`jaxmag.thermal`): a uniaxial macrospin starting 1° from +z
gets a rectangular pulse h (sin ψ, 0, -cos ψ) of length τ; label 1 when m_z < 0 at its
end. Features h ∈ [0, 2], ψ ∈ [0°, 90°], α log-uniform in [0.005, 0.5], τ log-uniform in
[1, 100].

Steps:

1. ``sims_per_s``: pulse simulations per second (float64, 200 Tsit5 steps, vmapped),
   compile excluded; also ``sde_sims_per_s`` with the thermal field (1000 Heun steps).
2. Deterministic labels: train / validation / test split. The equinox MLP's width and
   depth come from a 3-fold cross-validated search; it trains with early stopping on
   the validation split; its training wall time (search excluded) is the budget.
   Baselines on equal footing: the random forest (300 trees) and logistic regression
   fit every training row; the exact RBF-SVM's rows double from ``--svm-start``
   until its fit would overrun the budget (``svm_same_budget``: rows, fit seconds,
   AUC, the ladder of fits). ``auc`` is that table; ``auc_ci95`` each AUC's 95 %
   bootstrap interval over the test items; ``auc_seed_spread`` the DNN's test AUC over
   ``--seeds`` training seeds (the chosen setting). ``auc_same_20k``: every model
   trained on the same first ``--same-rows`` training rows.
3. ``ad_detection_switching`` / ``ad_false_flag_switching``: the trust layer's
   applicability domain (k-NN on the standardised inputs, quantile 0.95) fitted on the
   DNN's training rows; the share of the trust adapter's shifted set and of the
   held-out test rows it flags (``ad_switching``: details, quantile 0.99 too).
4. Noise study at Δ = KV/kT = 60 and 20: labels from one noisy run each; every test
   point gets ``--replicas`` further runs. ``auc_bayes``: the Bayes-optimal AUC on the
   test points with the label noise averaged out, its bounds and standard errors
   (:mod:`jaxmag.ml.switching._bayes`). ``auc_expected_delta*``: each model's AUC
   with the label noise averaged out, ``gap_delta*`` its distance to the Bayes AUC
   (``gap_ci95_delta*``: over test points); ``auc_delta*``: AUCs on the one-run test
   labels; ``replica_fraction_auc_delta*``: the replica switching fraction scored on
   those labels (the former "oracle" figure, a noisy lower bound, not the ceiling).

The last line is one JSON object with these figures, ``auc_fresh_reloaded`` (the DNN
saved with orbax, reloaded, and scored on a fresh set drawn with another key) and
timings.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def _rate(n, delta=None):
    """Labelled pulse simulations per second through the dataset path
    (:func:`jaxmag.thermal.switching_labels`, chunks of 32768), compile excluded."""
    import jax

    from jaxmag import thermal as ms

    kw = {} if delta is None else {"delta": delta, "key": jax.random.PRNGKey(9)}
    f = ms.sample_features(jax.random.PRNGKey(8), n)
    jax.block_until_ready(ms.switching_labels(f, **kw))  # compile
    t = time.perf_counter()
    jax.block_until_ready(ms.switching_labels(f, **kw))
    return n / (time.perf_counter() - t)


def _parse(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="small sets, short training")
    p.add_argument("--n-train", type=int, default=400_000)
    p.add_argument("--n-val", type=int, default=50_000)
    p.add_argument("--n-test", type=int, default=100_000)
    p.add_argument("--noise-train", type=int, default=200_000)
    p.add_argument("--noise-test", type=int, default=20_000)
    p.add_argument("--replicas", type=int, default=64, help="noisy runs per test point")
    p.add_argument("--epochs", type=int, default=200, help="most training epochs")
    p.add_argument("--cv-samples", type=int, default=40_000)
    p.add_argument("--cv-epochs", type=int, default=60)
    p.add_argument("--cv-folds", type=int, default=3)
    p.add_argument("--svm-start", type=int, default=20_000, help="first rows of the SVM ladder")
    p.add_argument("--svm-max", type=int, default=20_000, help="SVM rows in the noise study")
    p.add_argument("--same-rows", type=int, default=20_000, help="rows of the same-rows table")
    p.add_argument("--seeds", type=int, default=3, help="DNN training seeds (spread)")
    p.add_argument("--n-boot", type=int, default=1000, help="bootstrap resamples of an AUC")
    p.add_argument("--n-boot-bayes", type=int, default=200, help="resamples of the Bayes SEs")
    p.add_argument("--n-shifted", type=int, default=2000, help="shifted inputs for the domain")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=None, help="folder for the ROC plots")
    args = p.parse_args(argv)
    if args.quick:
        args.n_train, args.n_val, args.n_test = 3000, 1000, 2000
        args.noise_train, args.noise_test, args.epochs = 2000, 500, 30
        args.cv_samples, args.cv_epochs, args.svm_max, args.cv_folds = 1500, 8, 3000, 2
        args.svm_start, args.same_rows, args.seeds, args.replicas = 750, 1500, 2, 16
        args.n_boot, args.n_boot_bayes, args.n_shifted = 200, 40, 200
    return args


def main(argv=None) -> dict:
    args = _parse(argv)
    import jax

    jax.config.update("jax_enable_x64", True)
    import _switching_parts as parts
    import numpy as np
    from _common import conditions, emit

    from jaxmag.ml import switching as sw
    from jaxmag.ml.switching import DEFAULT_GRID, auc, make_split, plot_roc

    t_all = time.perf_counter()
    key = jax.random.PRNGKey(args.seed)
    k_det, k_fit, k60, k20 = jax.random.split(key, 4)
    n_rate = 8192 if args.quick else 131072  # the full size: four default chunks
    print(f"timing {n_rate} pulse simulations ...", flush=True)
    sims_per_s = _rate(n_rate)
    sde_per_s = _rate(n_rate // 4, delta=60.0)
    print(f"  {sims_per_s:.3g} /s deterministic, {sde_per_s:.3g} /s with noise", flush=True)

    print("deterministic task:", flush=True)
    split = make_split(k_det, args.n_train, args.n_val, args.n_test, verbose=True)
    y_test = split["y_test"]
    model, info = parts.dnn(split, k_fit, DEFAULT_GRID, args)
    budget = info["train_seconds"]
    probs = {"dnn": np.asarray(model.predict_proba(split["X_test"]))}
    base, fits, svm = parts.equal_footing(split, budget, args)
    svm_models = fits.pop("_svm_models")
    probs.update(base)
    aucs = {k: auc(y_test, v) for k, v in probs.items()}
    print("  AUC " + ", ".join(f"{k} {v:.5f}" for k, v in aucs.items()), flush=True)
    ci = {k: parts.auc_ci(y_test, v, args.n_boot) for k, v in probs.items()}
    seed_aucs = [aucs["dnn"]]
    for s in range(1, args.seeds):
        m, _ = parts.dnn(split, jax.random.fold_in(k_fit, s), [info["setting"]], args, False)
        seed_aucs.append(auc(y_test, m.predict_proba(split["X_test"])))
    print(f"  DNN over {args.seeds} seeds: {np.round(seed_aucs, 5)}", flush=True)
    n_same = min(args.same_rows, args.n_train)
    same = parts.same_rows(split, n_same, info["setting"], k_fit, args, svm_models)
    print(f"  on the same {n_same} rows: {same}", flush=True)
    if args.out is not None:
        plot_roc(args.out / "roc.png", y_test, probs, title="deterministic pulses")
    ad = parts.domain(model, split, jax.random.fold_in(key, 7), args.n_shifted)
    print(f"  applicability domain: {ad['quantile_0.95']}", flush=True)
    # save with orbax, reload, and score a fresh set drawn with another key
    with tempfile.TemporaryDirectory() as tmp:
        sw.save_model(Path(tmp) / "model", model)
        reloaded, _ = sw.load_model(Path(tmp) / "model")
    fresh = make_split(jax.random.fold_in(key, 99), 1, 1, args.n_test)
    auc_fresh = auc(fresh["y_test"], reloaded.predict_proba(fresh["X_test"]))
    print(f"  reloaded DNN on a fresh set: AUC {auc_fresh:.5f}", flush=True)
    figures = {
        "n_train": args.n_train,
        "auc_fresh_reloaded": auc_fresh,
        "n_val": args.n_val,
        "n_test": args.n_test,
        "pos_fraction": float(np.mean(y_test)),
        "auc": aucs,
        "auc_ci95": ci,
        "auc_seed_spread": {
            "seeds": args.seeds,
            "aucs": seed_aucs,
            "mean": float(np.mean(seed_aucs)),
            "std": float(np.std(seed_aucs, ddof=1)) if args.seeds > 1 else None,
        },
        "rows_and_fit_s": {"dnn": {"rows": args.n_train, "fit_s": budget}, **fits},
        "svm_same_budget": svm,
        "auc_same_20k": same,
        "same_20k_rows": n_same,
        "ad_detection_switching": ad["quantile_0.95"]["detection_rate"],
        "ad_false_flag_switching": ad["quantile_0.95"]["false_flag_rate"],
        "ad_switching": ad,
        "dnn_setting": info["setting"],
        "cv": info.get("cv"),
        "fit_info": {k: v for k, v in info.items() if k not in ("cv", "setting")},
        "auc_bayes": {},
    }
    for delta, k in ((60.0, k60), (20.0, k20)):
        tag = f"delta{int(delta)}"
        print(f"thermal noise, Δ = {delta:g}:", flush=True)
        r = parts.noise_study(k, delta, info["setting"], args)
        b = r["bayes"]
        print(
            f"  Bayes AUC {b['value']:.5f} ± {b['se']:.1e} (bounds {b['lower']:.5f} to "
            f"{b['upper']:.5f}); expected AUC "
            + ", ".join(f"{m} {v:.5f}" for m, v in r["expected"].items()),
            flush=True,
        )
        if args.out is not None:
            name = f"replica fraction ({args.replicas} runs)"
            plot_roc(
                args.out / f"roc_{tag}.png",
                r["split"]["y_test"],
                {**r["probs"], name: r["split"]["p_oracle"]},
                title=f"thermal noise, Δ = {delta:g}",
            )
        figures["auc_bayes"][tag] = b
        figures[f"auc_expected_{tag}"] = r["expected"]
        figures[f"gap_{tag}"] = r["gap"]
        figures[f"gap_ci95_{tag}"] = r["gap_ci95"]
        figures[f"auc_{tag}"] = r["auc"]
        figures[f"replica_fraction_auc_{tag}"] = r["replica_fraction_auc"]
        figures[f"pos_fraction_{tag}"] = float(np.mean(r["split"]["y_test"]))
        figures[f"svm_rows_{tag}"] = r["svm_rows"]
    figures.update(
        noise_n_train=args.noise_train,
        noise_n_test=args.noise_test,
        replicas=args.replicas,
        sims_per_s=sims_per_s,
        sde_sims_per_s=sde_per_s,
        wall_s=time.perf_counter() - t_all,
        quick=args.quick,
        conditions=conditions(),
    )
    emit(figures)
    return figures


if __name__ == "__main__":
    main()
