"""``jaxmag sp4``: µMAG standard problem 4, relaxed, switched and plotted."""

from pathlib import Path

import numpy as np

from jaxmag.cli._args import add_sp4_arguments

X64 = None
"""float64 follows ``--dtype``."""


def add_parser(sub) -> None:
    s = sub.add_parser("sp4", help="µMAG standard problem 4: relax, switch, plot")
    add_sp4_arguments(s)
    s.add_argument(
        "--out",
        type=Path,
        default=Path("sp4_out"),
        help="output folder for sp4_m.csv and sp4_m.png",
    )
    s.add_argument("--quiet", action="store_true", help="no progress output, only the results")


def run(args) -> int:
    from jaxmag.cli._cache import CompileMeter
    from jaxmag.io import write_csv
    from jaxmag.plot import plot_m_avg
    from jaxmag.problems import sp4

    def say(text):
        if not args.quiet:
            print(text, flush=True)

    say(
        f"µMAG standard problem 4: {args.cells[0]}×{args.cells[1]}×{args.cells[2]} cells, "
        f"μ0H = {args.field} mT, t1 = {args.t1:g} s, {args.dtype}"
    )
    say("compiling (or loading from the compilation cache), relaxing the s-state, integrating ...")
    # No progress meter inside the solve: its host callbacks would keep the compiled
    # solve out of the persistent compilation cache.
    with CompileMeter() as meter:
        r = sp4.run(
            args.field, args.cells, args.t1, args.save_every, progress=False, solver=args.solver
        )
    m = r["m_avg"]
    out = args.out
    csv = write_csv(
        out / "sp4_m.csv", {"t_s": r["ts"], "mx": m[:, 0], "my": m[:, 1], "mz": m[:, 2]}
    )
    ref = None
    field1 = tuple(args.field) == sp4.FIELD1_MT
    if field1:
        ref = sp4.oommf_reference()
        keep = ref["t_s"] <= args.t1 * (1 + 1e-9)
        ref = dict({k: v[keep] for k, v in ref.items()}, label="OOMMF")
    png = plot_m_avg(
        out / "sp4_m.png", r["ts"], m, reference=ref, title=f"µMAG SP4, μ0H = {args.field} mT"
    )
    mr = r["m_relaxed"]
    print(
        f"relaxed s-state ⟨m⟩ = ({mr[0]:.4f}, {mr[1]:.4f}, {mr[2]:.4f}) "
        f"in {r['wall_relax_s'][0]:.2f} s"
    )
    print(
        f"dynamics ({args.solver or 'RK4FSAL'}): {r['wall_dynamics_s'][0]:.2f} s, "
        f"{int(r['trajectory'].stats['rhs_evals'])} field evaluations"
    )
    run_s = r["wall_relax_s"][0] + r["wall_dynamics_s"][0]
    print(
        f"compile: {meter.compile_s:.1f} s (XLA compilation or cache loads "
        f"{meter.backend_s:.1f} s, tracing and lowering {meter.trace_s:.1f} s), "
        f"run: {run_s:.1f} s, total {meter.wall_s:.1f} s"
    )
    zero = r["first_mx_zero_s"]
    crossing = (
        f"first zero of ⟨mx⟩: {zero * 1e9:.4f} ns"
        if np.isfinite(zero)
        else f"⟨mx⟩ does not cross zero within t1 = {args.t1:g} s"
    )
    print(f"{crossing}; ⟨m⟩(t1) = ({m[-1, 0]:.4f}, {m[-1, 1]:.4f}, {m[-1, 2]:.4f})")
    if field1:
        print(f"max |Δ⟨my⟩| against OOMMF: {sp4.compare_oommf(r['ts'], m)['my']:.2e}")
    print(f"wrote {csv} and {png}")
    return 0
