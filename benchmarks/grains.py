"""Grain maps → demagnetisation curves: the grain CNN against Stoner–Wohlfarth and a random
forest, on held-out films simulated directly; the trust layer (cross-validated tuning,
Y-randomisation, noise, seeds, applicability domain) on the grain models and on the
package's other trained models.

    python benchmarks/grains.py                    # 32² films, 1000 in domain + 2 × 40 shifted
    python benchmarks/grains.py --data g32.npz     # cache the simulated films
    python benchmarks/grains.py --quick            # a smoke run on 16² films
    python benchmarks/grains.py --seeds 5          # five training seeds of CNN and forest

Uncertainty of the held-out figures: 95 % percentile bootstraps (``_common.bootstrap_ci``)
over the held-out items. The per-grain MAE difference forest − CNN is paired (each resample
recomputes both MAEs on the same grains) and comes twice: resampling grains
(`grain_mae_diff_ci95`, as if grains were independent) and resampling whole films
(`grain_mae_diff_ci95_by_film`, the cluster bootstrap: grains of one film share its
demagnetising field and neighbours, so they are correlated, and new films are what a
user brings). Loop L1 and Hc error are per-film figures and resample films. Training
noise: the final CNN and the forest trained with `--seeds` seeds on the same split
(`grain_mae_seeds`); seed 0 is the headline model.

Films are Nd2Fe14B-like (jaxmag.ml.grains.NdFeB), one 3 nm cell thick, with a grain-boundary
phase (half the exchange, a fifth of the anisotropy); the field is swept along −z (the
axes' mean) from 0 to −8 T. In-domain films have 4–8 grains with axes within 45° of z;
the shifted sets have smaller grains (16–24 per film) or axes within 90° of z. The direct
solver runs in float64, the CNN in float32. The last line is JSON.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)

import numpy as np  # noqa: E402
from _common import conditions, emit  # noqa: E402
from _grain_ci import grain_errors, grain_mae_ci, headline_cis, mean_std  # noqa: E402

from jaxmag.ml import r2_pooled  # noqa: E402
from jaxmag.ml.grains import (
    CNN_SPACE,
    FOREST_SPACE,
    GrainForest,
    cnn_features,
    cnn_inputs,
    cnn_targets,
    dataset_inputs,
    dataset_scores,
    demagnetisation_curves,
    fit_cnn,
    fit_forest,
    grain_features,
    grain_fields,
    grain_map,
    load_grain_dataset,
    make_grain_dataset,
    per_grain,
    predict_maps,
    save_grain_dataset,
    save_model,
    score_cnn,
    score_forest,
    sw_baseline,
)
from jaxmag.ml.trust import (
    ApplicabilityDomain,
    cross_validated_search,
    holdout_split,
    noise_sensitivity,
    seed_spread,
    y_randomisation,
)

MODELS = ("cnn", "random_forest", "stoner_wohlfarth")  # the predictors with intervals

SETS = {  # name: (n_grains range, axis spread in rad)
    "domain": ((4, 8), np.pi / 4),
    "small_grains": ((16, 24), np.pi / 4),
    "wide_spread": ((4, 8), np.pi / 2),
}


def datasets(args, B):
    """Simulate every set (or read them from ``--data`` when the recipe matches)."""
    sizes = {"domain": args.n, "small_grains": args.n_shift, "wide_spread": args.n_shift}
    recipe = {
        "seed": args.seed,
        "size": args.size,
        "sizes": sizes,
        "B": [float(B[0]), float(B[-1]), len(B)],
        "sets": {k: [list(v[0]), v[1]] for k, v in SETS.items()},
    }
    path = Path(args.data) if args.data else None
    out = {}
    for j, (name, (n_grains, spread)) in enumerate(SETS.items()):
        p = path.with_name(f"{path.stem}_{name}.npz") if path else None
        if p is not None and p.is_file():
            data, meta = load_grain_dataset(p)
            if meta == recipe:
                print(f"{name}: read from {p}", flush=True)
                out[name] = data
                continue
            print(f"{p} holds another recipe; simulating again", flush=True)
        print(f"{name}: simulating {sizes[name]} films", flush=True)
        key = jax.random.fold_in(jax.random.key(args.seed), j)
        shape = (args.size, args.size)
        data = make_grain_dataset(
            key, sizes[name], shape, B, n_grains=n_grains, spread=spread, batch=1
        )
        if p is not None:
            save_grain_dataset(p, data, **recipe)
        out[name] = data
    return out


def per_grain_fields(data, maps, index):
    """The CNN's grain fields: the mean of its ``grain`` map over each grain."""
    return [grain_fields(maps[j, 1], data["labels"][i]) for j, i in enumerate(index)]


def cell_medians(data, maps, index):
    """Grain fields from the ``cell`` map alone: the median over each grain's cells."""
    return [per_grain(maps[j, 0], data["labels"][i]) for j, i in enumerate(index)]


def forest_data(data, index):
    X = np.concatenate([grain_features(grain_map(data, i)) for i in index])
    y = np.concatenate([data["grain_fields"][i][: data["labels"][i].max() + 1] for i in index])
    return X, y


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--n", type=int, default=1000, help="in-domain films (train + test)")
    ap.add_argument("--n-shift", type=int, default=40, help="films in each shifted set")
    ap.add_argument("--size", type=int, default=32, help="cells per side (multiple of 8)")
    ap.add_argument("--steps", type=int, default=4000, help="CNN training steps")
    ap.add_argument("--cv-steps", type=int, default=1000, help="training steps in the CV search")
    ap.add_argument("--budget", type=int, default=4, help="CV search candidates")
    ap.add_argument("--data", help="stem of .npz caches of the simulated films")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--others", action="store_true", help="trust reports of the other models")
    ap.add_argument("--save", help="folder to save the final CNN in, with its tuning record")
    ap.add_argument(
        "--seeds",
        type=int,
        help="training seeds of the final CNN and the forest (and of the trust layer's seed "
        "spread); default 3, 2 with --quick",
    )
    ap.add_argument("--n-boot", type=int, default=1000, help="bootstrap resamples per interval")
    args = ap.parse_args()
    if args.seeds is None:
        args.seeds = 2 if args.quick else 3
    if args.seeds < 1:
        ap.error(f"--seeds must be at least 1, got {args.seeds}")
    if args.n_boot < 100:
        ap.error(f"--n-boot must be at least 100 for a 95 % interval, got {args.n_boot}")
    n_field, k_folds, repeats = 81, 3, 3
    if args.quick:
        args.n, args.n_shift, args.size = 24, 4, 16
        args.steps, args.cv_steps, args.budget = 40, 20, 1
        n_field, k_folds, repeats = 41, 2, 1
    seeds = tuple(range(args.seeds))
    boot = {"n_boot": args.n_boot, "seed": args.seed}
    B = np.linspace(0.0, -8.0, n_field)
    t0 = time.time()
    sets = datasets(args, B)
    data = sets["domain"]
    n_test = max(args.n // 5, 4)
    n_train = args.n - n_test
    tr, te = np.arange(n_train), np.arange(n_train, args.n)
    X = dataset_inputs(data)
    XL = cnn_inputs(data)  # the trust layer's X: the inputs with the labels as a channel
    Y = cnn_targets(data)  # the two maps and the grain map's loss weights
    key = jax.random.key(args.seed + 100)
    k_cv, k_fit, k_yr, k_noise, k_f = jax.random.split(key, 5)

    # --- tuning by k-fold CV, then the final CNN on all training films
    fixed = {"steps": args.cv_steps, "batch_size": 16}
    search = cross_validated_search(
        lambda X_, y_, p, k: fit_cnn(X_, y_, {**fixed, **p}, k),
        score_cnn,
        XL[tr],
        Y[tr],
        CNN_SPACE,
        key=k_cv,
        k=k_folds,
        budget=args.budget,
        verbose=True,
    )
    params = {**search.best, "steps": args.steps, "batch_size": 16}
    t = time.time()
    model = fit_cnn(XL[tr], Y[tr], {**params, "verbose": True}, k_fit)
    t_train = time.time() - t
    if args.save:
        save_model(args.save, model, metadata={"tuning": search.record(), "train_params": params})
        print(f"saved the grain CNN to {args.save}", flush=True)

    # --- the CNN and the baselines on held-out films
    L = data["labels"]
    pred_maps = predict_maps(model, X[te], L[te])
    preds = {"cnn": per_grain_fields(data, pred_maps, te)}
    preds["cnn_cell_median"] = cell_medians(data, pred_maps, te)
    preds["stoner_wohlfarth"] = [sw_baseline(grain_map(data, i)) for i in te]
    forest = GrainForest(seed=args.seed).fit(
        [grain_map(data, i) for i in tr], [data["grain_fields"][i] for i in tr]
    )
    preds["random_forest"] = [forest.predict(grain_map(data, i)) for i in te]
    true_grains = [data["grain_fields"][i][: data["labels"][i].max() + 1] for i in te]
    preds["simulated_fields"] = true_grains  # the grain-wise curve's own error
    sim_maps = Y[te, :1]  # the simulated cell map's median per grain: a floor for that route
    preds["simulated_cell_median"] = cell_medians(data, sim_maps, te)
    scores = {
        k: dataset_scores(data, te, v, pred_maps[:, 0] if k.startswith("cnn") else None)
        for k, v in preds.items()
    }
    for k, s in scores.items():
        print(
            f"{k}: loop L1 {s['loop_l1_rel']:.4f}, Hc err {s['hc_rel_err']:.4f}, "
            f"grain MAE {s['grain_hs_mae_pooled']:.3f} T",
            flush=True,
        )

    # --- 95 % intervals over held-out items, and the CNN − forest margin over seeds
    errs = {k: grain_errors(data, te, preds[k]) for k in MODELS}
    ci95 = {k: headline_cis(scores[k], errs[k], **boot) for k in MODELS}
    seed_mae = {"cnn": [], "forest": [], "diff": [], "diff_ci95": [], "diff_ci95_by_film": []}
    seed_curve = {"loop_l1_rel": [], "hc_rel_err": []}
    for s in seeds:
        if s == 0:  # the headline models
            e_cnn, e_forest, sc = errs["cnn"], errs["random_forest"], scores["cnn"]
        else:
            t = time.time()
            m_s = fit_cnn(XL[tr], Y[tr], params, jax.random.fold_in(k_fit, s))
            maps_s = predict_maps(m_s, X[te], L[te])
            p_s = per_grain_fields(data, maps_s, te)
            sc = dataset_scores(data, te, p_s, maps_s[:, 0])
            e_cnn = grain_errors(data, te, p_s)
            f_s = GrainForest(seed=args.seed + s).fit(
                [grain_map(data, i) for i in tr], [data["grain_fields"][i] for i in tr]
            )
            e_forest = grain_errors(data, te, [f_s.predict(grain_map(data, i)) for i in te])
            print(f"seed {s}: CNN and forest trained in {time.time() - t:.0f} s", flush=True)
        mae_c = float(np.concatenate(e_cnn).mean())
        mae_f = float(np.concatenate(e_forest).mean())
        seed_mae["cnn"].append(mae_c)
        seed_mae["forest"].append(mae_f)
        seed_mae["diff"].append(mae_f - mae_c)
        seed_mae["diff_ci95"].append(grain_mae_ci(e_forest, e_cnn, **boot))
        seed_mae["diff_ci95_by_film"].append(grain_mae_ci(e_forest, e_cnn, by_film=True, **boot))
        for k in seed_curve:
            seed_curve[k].append(sc[k])
        print(
            f"seed {s}: grain MAE CNN {mae_c:.4f} T, forest {mae_f:.4f} T, forest − CNN "
            f"{mae_f - mae_c:+.4f} T, 95 % over grains {seed_mae['diff_ci95'][-1]}, "
            f"over films {seed_mae['diff_ci95_by_film'][-1]}",
            flush=True,
        )
    seed_mae["seeds"] = list(seeds)
    seed_mae["summary"] = {k: mean_std(seed_mae[k]) for k in ("cnn", "forest", "diff")}
    seed_curve = {k: {"values": v, **mean_std(v)} for k, v in seed_curve.items()}

    # --- time per film: direct against surrogate
    xs, ls = X[te][: min(64, len(te))], L[te][: min(64, len(te))]
    predict_maps(model, xs, ls)
    t = time.perf_counter()
    predict_maps(model, xs, ls)
    t_cnn = (time.perf_counter() - t) / len(xs)
    films = [grain_map(data, i) for i in te[:4]]
    demagnetisation_curves(films[:1], B, batch=1, progress=False)  # compile
    t = time.perf_counter()
    demagnetisation_curves(films, B, batch=1, progress=False)
    t_direct = (time.perf_counter() - t) / len(films)

    # --- applicability domain in the CNN's features (pooled activations of every level)
    feats = {name: cnn_features(model, dataset_inputs(d)) for name, d in sets.items()}
    ad = ApplicabilityDomain.fit(feats["domain"][tr], method="knn", k=5, quantile=0.95)
    shifted = np.concatenate([feats["small_grains"], feats["wide_spread"]])
    rates = ad.rates(feats["domain"][te], shifted)
    ad_sets = {}
    for name, d in sets.items():
        idx = te if name == "domain" else np.arange(len(d["labels"]))
        m = predict_maps(model, dataset_inputs(d)[idx], d["labels"][idx])
        s = dataset_scores(d, idx, per_grain_fields(d, m, idx), m[:, 0])
        flag = ~ad.in_domain(feats[name][idx])
        ad_sets[name] = {
            "flagged": float(flag.mean()),
            "grain_hs_mae": s["grain_hs_mae_pooled"],
            "loop_l1_rel": s["loop_l1_rel"],
            "hc_rel_err": s["hc_rel_err"],
        }
    print(f"applicability domain: {rates}; per set {ad_sets}", flush=True)

    # --- robustness: Y-randomisation, input noise, training seeds
    yr_params = {**params, "steps": args.cv_steps}
    yr = {
        "grain_cnn": y_randomisation(
            fit_cnn, score_cnn, XL[tr], Y[tr], yr_params, key=k_yr, repeats=repeats
        )
    }
    Xf, yf = forest_data(data, tr)
    f_params = {"n_estimators": 300, "min_samples_leaf": 2}
    yr["grain_forest"] = y_randomisation(fit_forest, score_forest, Xf, yf, f_params, key=k_f)
    # chance for the CNN: an input-blind predictor that knows the cell's position (the
    # per-position mean map of the training films, on y_randomisation's own split); a
    # shuffle cannot remove that film edges switch differently
    yr_tr, yr_te = holdout_split(len(tr), 0.25, jax.random.split(k_yr, 3)[0])
    T = Y[tr][:, :2]
    chance = {
        "grain_cnn": r2_pooled(T[yr_te], np.broadcast_to(np.nanmean(T[yr_tr], 0), T[yr_te].shape))
    }
    chance["grain_forest"] = 0.0
    forest_search = cross_validated_search(
        fit_forest, score_forest, Xf, yf, FOREST_SPACE, key=k_f, k=3, budget=args.budget
    )
    flat = X[te].reshape(len(te), -1)
    noise = noise_sensitivity(
        lambda Z: predict_maps(model, Z.reshape(-1, *X.shape[1:]), L[te]),
        flat,
        (0.01, 0.05, 0.1),
        key=k_noise,
    )
    spread = seed_spread(fit_cnn, score_cnn, XL[tr], Y[tr], yr_params, seeds=seeds)
    others = {}
    if args.others:
        from jaxmag.ml.trust.adapters import all_adapters, trust_report

        for i, adapter in enumerate(all_adapters()):
            key_i = jax.random.fold_in(jax.random.key(7), i)
            report = trust_report(adapter, key=key_i, quick=args.quick, budget=args.budget)
            others[adapter.name] = report
            yr[adapter.name] = report["y_randomisation"]
    print(f"Y-randomisation: {yr}", flush=True)

    cnn = scores["cnn"]
    emit(
        {
            "loop_l1_rel": cnn["loop_l1_rel"],
            "hc_rel_err": cnn["hc_rel_err"],
            "grain_hs_mae": cnn["grain_hs_mae_pooled"],
            "baselines": {
                k: {
                    "loop_l1_rel": scores[k]["loop_l1_rel"],
                    "hc_rel_err": scores[k]["hc_rel_err"],
                    "grain_hs_mae": scores[k]["grain_hs_mae_pooled"],
                }
                for k in ("stoner_wohlfarth", "random_forest")
            },
            "grain_mae_diff": seed_mae["diff"][0],
            "grain_mae_diff_ci95": seed_mae["diff_ci95"][0],
            "grain_mae_diff_ci95_by_film": seed_mae["diff_ci95_by_film"][0],
            "ci95": ci95,
            "bootstrap": {
                **boot,
                "level": 0.95,
                "method": "percentile; loop L1 and Hc over films; grain MAE over grains "
                "and over films (grain_hs_mae_by_film); the forest − CNN MAE difference "
                "paired, over grains (grain_mae_diff_ci95) and over films (_by_film)",
            },
            "grain_mae_seeds": seed_mae,
            "cnn_seed_figures": seed_curve,
            "grain_curve_from_simulated_fields": {
                k: scores["simulated_fields"][k] for k in ("loop_l1_rel", "hc_rel_err")
            },
            "grain_hs_mae_cnn_cell_median": scores["cnn_cell_median"]["grain_hs_mae_pooled"],
            "grain_hs_mae_simulated_cell_median": scores["simulated_cell_median"][
                "grain_hs_mae_pooled"
            ],
            "ad_detection_rate": rates["detection_rate"],
            "ad_false_flag_rate": rates["false_flag_rate"],
            "ad_sets": ad_sets,
            "y_randomised_scores": {k: v["shuffled"] for k, v in yr.items()},
            "y_true_scores": {k: v["true"] for k, v in yr.items()},
            "y_randomised_chance": chance,
            "noise_sensitivity": noise,
            "seed_spread": spread,
            "tuning": search.record(),
            "forest_tuning": forest_search.record(),
            "other_models": others,
            "direct_s_per_film": t_direct,
            "cnn_s_per_film": t_cnn,
            "speedup": t_direct / t_cnn,
            "train_seconds": t_train,
            "n_train": int(n_train),
            "n_test": int(len(te)),
            "n_shifted": {k: len(v["labels"]) for k, v in sets.items() if k != "domain"},
            "film_cells": [args.size, args.size],
            "cell_nm": 3.0,
            "B_T": [float(B[0]), float(B[-1]), len(B)],
            "wall_s": time.time() - t0,
            **conditions(),
        }
    )


if __name__ == "__main__":
    main()
