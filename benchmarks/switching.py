"""The switching classifier study (Miao, Chin. Phys. Lett. 36, 097501 (2019)) on jaxmag data.

    python benchmarks/switching.py               # full study (about 20 min on 2 cores)
    python benchmarks/switching.py --quick       # smoke run, under a minute
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
   the validation split. Random forest (300 trees), RBF-SVM (on the first 20,000
   training rows: kernel SVM training scales quadratically) and logistic regression
   are fitted on the same training split. AUC on the same test split.
3. Noise study at Δ = KV/kT = 60 and 20: labels from one noisy run each; every test
   point gets 16 further independent replicas whose switching fraction is the oracle.
   ``oracle_auc_delta*`` is the AUC of that oracle on the test labels, the ceiling
   any model can reach; each model's gap to it is reported.

The last line is one JSON object with ``n_train``, ``n_test``, ``pos_fraction``,
``auc`` (dnn, rf, svm, logreg), ``oracle_auc_delta60``, ``auc_delta60``,
``gap_delta60``, the same for Δ = 20, ``sims_per_s``, ``auc_fresh_reloaded`` (the DNN
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


def _models(split, key, setting_grid, args, verbose=True):
    """Fit the DNN and the baselines on ``split``; return ``({name: p_test}, info)``."""
    from jaxmag.ml.switching import _baselines as baselines
    from jaxmag.ml.switching import fit_dnn

    model, info = fit_dnn(
        split,
        key=key,
        grid=setting_grid,
        cv_samples=args.cv_samples,
        cv_folds=args.cv_folds,
        cv_epochs=args.cv_epochs,
        max_epochs=args.epochs,
        verbose=verbose,
    )
    probs = {"dnn": model.predict_proba(split["X_test"])}
    info["model"] = model
    fitted = baselines.fit_baselines(
        split["X_train"], split["y_train"], max_train={"svm": args.svm_max}, verbose=verbose
    )
    for name, (m, secs) in fitted.items():
        probs[name] = baselines.score(m, split["X_test"])
        info[f"{name}_fit_seconds"] = secs
        info[f"{name}_n_train"] = m.n_train_
    return probs, info


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="small sets, short training")
    p.add_argument("--n-train", type=int, default=400_000)
    p.add_argument("--n-val", type=int, default=50_000)
    p.add_argument("--n-test", type=int, default=100_000)
    p.add_argument("--noise-train", type=int, default=200_000)
    p.add_argument("--noise-test", type=int, default=20_000)
    p.add_argument("--replicas", type=int, default=16, help="oracle replicas per test point")
    p.add_argument("--epochs", type=int, default=200, help="most training epochs")
    p.add_argument("--cv-samples", type=int, default=40_000)
    p.add_argument("--cv-epochs", type=int, default=60)
    p.add_argument("--cv-folds", type=int, default=3)
    p.add_argument("--svm-max", type=int, default=20_000, help="SVM training rows")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=None, help="folder for the ROC plots")
    args = p.parse_args(argv)
    if args.quick:
        args.n_train, args.n_val, args.n_test = 3000, 1000, 2000
        args.noise_train, args.noise_test, args.epochs = 2000, 500, 30
        args.cv_samples, args.cv_epochs, args.svm_max, args.cv_folds = 1500, 8, 3000, 2

    import jax

    jax.config.update("jax_enable_x64", True)
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
    probs, info = _models(split, k_fit, DEFAULT_GRID, args)
    aucs = {k: auc(split["y_test"], v) for k, v in probs.items()}
    print("  AUC " + ", ".join(f"{k} {v:.5f}" for k, v in aucs.items()), flush=True)
    if args.out is not None:
        plot_roc(args.out / "roc.png", split["y_test"], probs, title="deterministic pulses")
    # save with orbax, reload, and score a fresh set drawn with another key
    with tempfile.TemporaryDirectory() as tmp:
        sw.save_model(Path(tmp) / "model", info.pop("model"))
        reloaded, _ = sw.load_model(Path(tmp) / "model")
    fresh = make_split(jax.random.fold_in(key, 99), 1, 1, args.n_test)
    auc_fresh = auc(fresh["y_test"], reloaded.predict_proba(fresh["X_test"]))
    print(f"  reloaded DNN on a fresh set: AUC {auc_fresh:.5f}", flush=True)
    figures = {
        "n_train": args.n_train,
        "auc_fresh_reloaded": auc_fresh,
        "n_val": args.n_val,
        "n_test": args.n_test,
        "pos_fraction": float(np.mean(split["y_test"])),
        "auc": aucs,
        "dnn_setting": info["setting"],
        "cv": info.get("cv"),
        "fit_info": {k: v for k, v in info.items() if k not in ("cv", "setting")},
    }
    for delta, k in ((60.0, k60), (20.0, k20)):
        tag = f"delta{int(delta)}"
        print(f"thermal noise, Δ = {delta:g}:", flush=True)
        noisy = make_split(
            k,
            args.noise_train,
            args.noise_train // 8,
            args.noise_test,
            delta=delta,
            oracle_replicas=args.replicas,
            verbose=True,
        )
        probs_n, info_n = _models(noisy, jax.random.fold_in(k, 1), [info["setting"]], args)
        info_n.pop("model")
        oracle = auc(noisy["y_test"], noisy["p_oracle"])
        aucs_n = {m: auc(noisy["y_test"], v) for m, v in probs_n.items()}
        print(
            f"  oracle {oracle:.5f}; " + ", ".join(f"{m} {v:.5f}" for m, v in aucs_n.items()),
            flush=True,
        )
        if args.out is not None:
            plot_roc(
                args.out / f"roc_{tag}.png",
                noisy["y_test"],
                {**probs_n, f"oracle ({args.replicas} replicas)": noisy["p_oracle"]},
                title=f"thermal noise, Δ = {delta:g}",
            )
        figures[f"oracle_auc_{tag}"] = oracle
        figures[f"auc_{tag}"] = aucs_n
        figures[f"gap_{tag}"] = {m: oracle - v for m, v in aucs_n.items()}
        figures[f"pos_fraction_{tag}"] = float(np.mean(noisy["y_test"]))
    figures.update(
        noise_n_train=args.noise_train,
        noise_n_test=args.noise_test,
        oracle_replicas=args.replicas,
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
