"""``jaxmag switching train`` and ``jaxmag switching predict``."""

import json
import time
from pathlib import Path

X64 = True
"""Runs in float64."""


def add_parser(sub) -> None:
    s = sub.add_parser("switching", help="macrospin switching classifier: train, predict")
    ssub = s.add_subparsers(dest="switching_command", required=True)
    t = ssub.add_parser(
        "train",
        help="simulate pulses, train the MLP (cross-validated width/depth), save it",
        description="Generate N labelled pulses with jaxmag.thermal, choose the MLP's "
        "width and depth by 3-fold cross-validation, train it with early stopping, save it "
        "with orbax to DIR and write DIR/roc.png and DIR/metrics.json.",
    )
    t.add_argument("--n", type=int, required=True, help="training samples")
    t.add_argument("--out", type=Path, required=True, help="model folder")
    t.add_argument("--seed", type=int, default=0, help="PRNG seed (data and weights)")
    t.add_argument("--epochs", type=int, default=300, help="most training epochs")
    t.add_argument("--no-cv", action="store_true", help="skip the search (width 128, depth 3)")
    t.add_argument(
        "--baselines", action="store_true", help="also fit RF, SVM, logreg for the ROC plot"
    )
    p = ssub.add_parser(
        "predict",
        help="switching probabilities for a CSV of h,psi_deg,alpha,tau",
        description="Read a CSV with columns h,psi_deg,alpha,tau (reduced units, ψ in "
        "degrees) and write it back with p_switch and in_domain columns. Rows outside "
        "the training ranges are an error unless --allow-out-of-domain is given; then "
        "they are predicted and flagged in_domain = 0.",
    )
    p.add_argument("--model", type=Path, required=True, help="folder written by train")
    p.add_argument("--in", dest="inp", type=Path, required=True, help="input CSV")
    p.add_argument("--out", type=Path, required=True, help="output CSV")
    p.add_argument("--allow-out-of-domain", action="store_true")


def _check_positive(name, v):
    if v < 1:
        raise ValueError(f"--{name} must be >= 1, got {v}")


def _train(args) -> int:
    import jax

    from jaxmag.io._atomic import atomic_write
    from jaxmag.ml.switching import _baselines as baselines
    from jaxmag.ml.switching import _model as sw
    from jaxmag.ml.switching._study import DEFAULT_GRID, auc, fit_dnn, make_split, plot_roc

    _check_positive("n", args.n)
    _check_positive("epochs", args.epochs)
    if args.n < 100:
        raise ValueError(f"--n must be >= 100 for a train/validation split, got {args.n}")
    n_val = n_test = max(args.n // 8, 100)
    t0 = time.perf_counter()
    k_data, k_fit = jax.random.split(jax.random.PRNGKey(args.seed))
    print(f"simulating {args.n + n_val + n_test} pulses ...", flush=True)
    split = make_split(k_data, args.n, n_val, n_test, verbose=True)
    grid = [{"width": 128, "depth": 3}] if args.no_cv else DEFAULT_GRID
    print("training the MLP ...", flush=True)
    model, info = fit_dnn(
        split,
        key=k_fit,
        grid=grid,
        max_epochs=args.epochs,
        cv_samples=min(args.n, 20000),
        verbose=True,
    )
    probs = {"dnn": model.predict_proba(split["X_test"])}
    if args.baselines:
        for name, (m, _) in baselines.fit_baselines(
            split["X_train"], split["y_train"], verbose=True
        ).items():
            probs[name] = baselines.score(m, split["X_test"])
    aucs = {k: auc(split["y_test"], v) for k, v in probs.items()}
    metrics = {
        "n_train": args.n,
        "n_val": n_val,
        "n_test": n_test,
        "seed": args.seed,
        "auc_test": aucs,
        "setting": info["setting"],
        "epochs": info["epochs"],
        "cv": info.get("cv"),
        "wall_s": time.perf_counter() - t0,
    }
    sw.save_model(args.out, model, metadata={"training": metrics})
    png = plot_roc(args.out / "roc.png", split["y_test"], probs, title=f"n_train = {args.n}")
    with atomic_write(args.out / "metrics.json") as f:
        json.dump(metrics, f, indent=2)
    print("test AUC: " + ", ".join(f"{k} {v:.5f}" for k, v in aucs.items()))
    print(f"wrote the model to {args.out}, and {png}")
    return 0


def _write_predictions(path, columns: dict) -> None:
    """The predictions as CSV, atomically: floats as ``%.10e``, the ``in_domain`` flag
    as the integer 0 or 1."""
    import numpy as np

    from jaxmag.io._atomic import atomic_write

    names = list(columns)
    data = np.stack([np.asarray(columns[k], dtype=float).reshape(-1) for k in names], 1)
    fmt = ["%d" if k == "in_domain" else "%.10e" for k in names]
    with atomic_write(path) as f:
        np.savetxt(f, data, delimiter=",", header=",".join(names), comments="", fmt=fmt)


def _predict(args) -> int:
    import numpy as np

    from jaxmag.io import read_csv
    from jaxmag.ml.switching import _model as sw

    if not args.inp.is_file():
        raise ValueError(f"{args.inp}: no such file")
    model, metadata = sw.load_model(args.model)
    table = read_csv(args.inp)
    domain = {k: tuple(v) for k, v in metadata["domain"].items()}
    try:
        inside = sw.check_features(table, domain)
    except ValueError as e:
        raise ValueError(f"{args.inp}: {e}") from None
    if not inside.all() and not args.allow_out_of_domain:
        i = int(np.flatnonzero(~inside)[0])
        row = ", ".join(f"{k}={table[k][i]:g}" for k in sw.FEATURES)
        raise ValueError(
            f"{args.inp}: {int((~inside).sum())} rows lie outside the training domain "
            f"{domain} (first: data row {i + 1}: {row}); pass --allow-out-of-domain to "
            "predict them anyway with in_domain = 0"
        )
    p = np.asarray(model.predict_proba(sw.design_matrix(table)))
    out = {k: table[k] for k in sw.FEATURES}
    out.update(p_switch=p, in_domain=inside.astype(int))
    _write_predictions(args.out, out)
    flagged = int((~inside).sum())
    print(
        f"wrote {len(p)} predictions to {args.out}"
        + (f" ({flagged} out of domain)" * bool(flagged))
    )
    return 0


def run(args) -> int:
    return _train(args) if args.switching_command == "train" else _predict(args)
