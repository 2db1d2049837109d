"""``jaxmag trust``: the trust report of each trained model (cross-validated tuning,
Y-randomisation, input noise, seeds, applicability domain); prints one JSON object."""

import json
import tempfile

X64 = True
"""Runs in float64."""


def add_parser(sub) -> None:
    p = sub.add_parser("trust", help="trust reports of jaxmag's trained models (JSON)")
    p.add_argument("--quick", action="store_true", help="small data, seconds per fit")
    p.add_argument("--budget", type=int, default=2, help="search points per model")
    p.add_argument("--k", type=int, default=3, help="cross-validation folds")
    p.add_argument("--seed", type=int, default=0, help="PRNG seed")
    p.add_argument("--only", nargs="*", default=None, help="adapter names to run")


def run(args) -> int:
    import jax

    from jaxmag.ml.trust.adapters import all_adapters, trust_report

    # each adapter's key depends on its place among all four, so --only repeats a run
    chosen = [(i, a) for i, a in enumerate(all_adapters()) if not args.only or a.name in args.only]
    if not chosen:
        raise ValueError(f"no adapter named {args.only}")
    out = {}
    with tempfile.TemporaryDirectory() as cache:
        for i, a in chosen:
            key = jax.random.fold_in(jax.random.key(args.seed), i)
            out[a.name] = trust_report(
                a, key=key, quick=args.quick, budget=args.budget, k=args.k, compile_cache=cache
            )
    print(json.dumps(out))
    return 0
