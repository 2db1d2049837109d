"""Domain-wall pinning at phase boundaries (Heistracher et al., JMMM 548, 168875 (2022)).

    python benchmarks/pinning.py                 # six cases at 0.1, 0.05, 0.025 T/ns; statics
    python benchmarks/pinning.py --quick         # six cases at 0.1 and 0.05 T/ns
    python benchmarks/pinning.py --rates 0.1,0.05,0.025,0.0125 --cell-nm 0.5

An 80 × 1 × 1 nm wire along x (:mod:`jaxmag.problems.pinning`): the hard phase at
x ≥ 0 (A = 1e-11 J/m, K = 1e6 J/m³, Js = 1 T), the soft phase at x < 0 differing in
{A, K, Js}, {A, K}, {A, Js}, {A}, {K, Js} or {K} (A = 2.5e-12 J/m, K = 1e5 J/m³,
Js = 0.25 T); easy axis x, α = 1, no demag, the exchange across the interface the
harmonic mean; both ends free.

- **Start:** m = +x in the soft phase, −x in the hard phase, tilted by m_y = 0.3 (as
  magnum.af's and mumax+'s scripts of the problem), relaxed at 0.3 H_p (analytic; mumax+
  uses 0.1, at which the wall of case K,Js leaves the wire): the wall sits at the
  interface, on its soft side.
- **Ramp:** μ0 H along +x from there at a constant rate R (T/ns); the LLG equation is
  integrated by ``jaxmag.simulate`` (RK4FSAL, rtol = atol = 1e-5), saving ⟨m⟩ every 1 mT.
- **Detection:** the depinning field is μ0 H when the wall passes x = +20 nm, i.e. when
  the hard phase's mean m_x crosses 0 (the wire's ⟨m_x⟩ crosses 1/2), interpolated
  linearly between saves.
- **Rates:** the stated rate is the slowest of ``--rates`` (default 0.025 T/ns); each case
  is run at every rate (``convergence``). The overshoot of a ramp through the depinning
  fold falls as R^(2/3), so the fields are also extrapolated to R → 0 by a least-squares
  fit ``h0 + c R^(2/3)`` over the rates (``hp_extrapolated_T``).
- **Quasi-static:** the R → 0 limit directly (``pinning.quasi_static``): energy
  minimisation at fixed fields, the jump bracketed by bisection to 0.1 mT
  (``hp_static_T``); it agrees with the extrapolation.
- **Cells:** 1 nm (the paper's); ``--check-cell-nm`` (default 0.5; 0 for none) repeats
  the six cases quasi-statically at finer cells (``cell_check``), since a soft wall
  √(A/K) = 1.6 nm wide (cases A and A,Js) is under-resolved by 1 nm cells; the error
  falls as the cell size squared.

The last line of output is one JSON object: ``cases`` (``name``, ``hp_T`` at the stated
rate, ``analytic_T``, ``rel_err``, ``hp_extrapolated_T``, ``rel_err_extrapolated``,
``hp_by_rate_T``, ``hp_static_T``, ``rel_err_static``), ``max_rel_err`` (of ``hp_T``),
``max_rel_err_extrapolated``, ``max_rel_err_static``, ``rate_T_per_ns``,
``convergence``, ``cell_check``, wall times and the conditions.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def floats(text: str) -> list[float]:
    return [float(v) for v in text.split(",") if v.strip()]


def sweep(pinning, cases, rates, cell_m, say) -> dict:
    """``{case: {rate: run result}}`` and the wall times."""
    out = {}
    for case in cases:
        out[case] = {}
        for rate in rates:
            r = pinning.run(case, rate=rate, cell=cell_m)
            out[case][rate] = r
            say(
                f"{case:7s} {cell_m * 1e9:g} nm, {rate:g} T/ns: μ0Hp = {r['hp_T']:.4f} T "
                f"(analytic {r['analytic_T']:.4f}, {100 * r['rel_err']:+.2f} %), "
                f"{r['rhs_evals']} evaluations, {r['wall_s']:.1f} s"
            )
    return out


def rows(pinning, runs, rates) -> list[dict]:
    slow = min(rates)
    out = []
    for case, by_rate in runs.items():
        r = by_rate[slow]
        row = {
            "name": case,
            "hp_T": r["hp_T"],
            "analytic_T": r["analytic_T"],
            "rel_err": r["rel_err"],
            "hp_by_rate_T": {f"{k:g}": v["hp_T"] for k, v in by_rate.items()},
            "wall_s": sum(v["wall_s"] for v in by_rate.values()),
            "rhs_evals": sum(v["rhs_evals"] for v in by_rate.values()),
        }
        if len(rates) > 1:
            h0, c = pinning.extrapolate(rates, [by_rate[k]["hp_T"] for k in rates])
            row |= {
                "hp_extrapolated_T": h0,
                "rel_err_extrapolated": h0 / r["analytic_T"] - 1,
                "overshoot_coef_T": c,
            }
        out.append(row)
    return out


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rates", type=floats, help="ramp rates in T/ns (default 0.1,0.05,0.025)")
    p.add_argument("--cases", help="comma-free list separated by ';' (default: all six)")
    p.add_argument("--cell-nm", type=float, default=1.0, help="cell along x in nm (default 1)")
    p.add_argument("--check-cell-nm", type=float, help="finer cells for the check (0.5; 0: none)")
    p.add_argument("--quick", action="store_true", help="rates 0.1 and 0.05 T/ns, no cell check")
    args = p.parse_args(argv)
    if args.rates is None:
        args.rates = [0.1, 0.05] if args.quick else [0.1, 0.05, 0.025]
    if args.check_cell_nm is None:
        args.check_cell_nm = 0.0 if args.quick else 0.5
    if not args.rates or any(not r > 0 for r in args.rates):
        p.error(f"--rates must be positive, got {args.rates}")
    if not args.cell_nm > 0 or args.check_cell_nm < 0:
        p.error("--cell-nm must be positive and --check-cell-nm non-negative")

    import jax

    jax.config.update("jax_enable_x64", True)
    import numpy as np
    from _common import conditions, emit

    import jaxmag as jm
    from jaxmag.problems import pinning

    cases = pinning.CASES if args.cases is None else tuple(args.cases.split(";"))
    for c in cases:
        pinning.parse_case(c)
    rates = sorted(set(args.rates), reverse=True)

    def say(line):
        print(line, flush=True)

    # compile at the run's shapes (a 0.1 ps run), timed apart
    t = time.perf_counter()
    sys0 = pinning.system(cases[0], rate=rates[0], cell=args.cell_nm * 1e-9)
    ts = np.linspace(0, 1e-13, 101)[1:]
    m0 = pinning.initial_state(args.cell_nm * 1e-9)
    kw = {"rtol": 1e-5, "atol": 1e-5, "save_energies": False}
    jax.block_until_ready(jm.simulate(sys0, m0, 1e-13, ts=ts, **kw).m_final)
    compile_s = time.perf_counter() - t

    t = time.perf_counter()
    runs = sweep(pinning, cases, rates, args.cell_nm * 1e-9, say)
    wall_s = time.perf_counter() - t
    table = rows(pinning, runs, rates)
    t = time.perf_counter()
    for row in table:
        st = pinning.quasi_static(row["name"], args.cell_nm * 1e-9)
        row |= {"hp_static_T": st["hp_T"], "rel_err_static": st["rel_err"]}
        say(f"{row['name']:7s} quasi-static: {st['hp_T']:.4f} T ({100 * st['rel_err']:+.2f} %)")
    static_s = time.perf_counter() - t
    convergence = [
        {
            "rate_T_per_ns": rate,
            "rel_err": {c: runs[c][rate]["rel_err"] for c in cases},
            "max_rel_err": max(abs(runs[c][rate]["rel_err"]) for c in cases),
        }
        for rate in rates
    ]
    figures = {
        "problem": "domain-wall pinning at phase boundaries (Heistracher et al. 2022)",
        "cases": table,
        "max_rel_err": max(abs(r["rel_err"]) for r in table),
        "rate_T_per_ns": min(rates),
        "rates_T_per_ns": rates,
        "convergence": convergence,
        "cell_nm": args.cell_nm,
        "detection": "hard-phase mean m_x crosses 0 (wall at x = +20 nm)",
        "compile_s": compile_s,
        "wall_s": wall_s,
        "max_rel_err_static": max(abs(r["rel_err_static"]) for r in table),
        "static_wall_s": static_s,
    }
    if len(rates) > 1:
        figures["max_rel_err_extrapolated"] = max(abs(r["rel_err_extrapolated"]) for r in table)
    if args.check_cell_nm > 0:
        t = time.perf_counter()
        fine = []
        for case in cases:
            st = pinning.quasi_static(case, args.check_cell_nm * 1e-9)
            fine.append({"name": case, "hp_static_T": st["hp_T"], "rel_err_static": st["rel_err"]})
            say(f"{case:7s} {args.check_cell_nm:g} nm quasi-static: {st['hp_T']:.4f} T "
                f"({100 * st['rel_err']:+.2f} %)")  # fmt: skip
        figures["cell_check"] = {
            "cell_nm": args.check_cell_nm,
            "cases": fine,
            "max_rel_err_static": max(abs(r["rel_err_static"]) for r in fine),
            "wall_s": time.perf_counter() - t,
        }
    figures.update(conditions())
    for r in table:
        extra = ""
        if "hp_extrapolated_T" in r:
            e = 100 * r["rel_err_extrapolated"]
            extra = f", extrapolated {r['hp_extrapolated_T']:.4f} T ({e:+.2f} %)"
        say(f"{r['name']}: {r['hp_T']:.4f} T ({100 * r['rel_err']:+.2f} %){extra}")
    emit(figures)
    return figures


if __name__ == "__main__":
    main()
