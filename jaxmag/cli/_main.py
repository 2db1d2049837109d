"""The ``jaxmag`` command."""

import argparse
import sys
from pathlib import Path


def parse_triple(kind):
    """An argparse type for ``A,B,C`` of ``kind`` (int or float)."""

    def parse(text):
        parts = text.split(",")
        if len(parts) != 3:
            raise argparse.ArgumentTypeError(f"expected three comma-separated values, got {text!r}")
        try:
            return tuple(kind(p) for p in parts)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not {kind.__name__}s: {text!r}") from None

    return parse


def add_sp4_arguments(p: argparse.ArgumentParser) -> None:
    """The options shared by ``jaxmag sp4`` and ``benchmarks/sp4.py``."""
    p.add_argument(
        "--field",
        type=parse_triple(float),
        default=(-24.6, 4.3, 0.0),
        help="applied field μ0H in mT, BX,BY,BZ (default field 1)",
    )
    p.add_argument("--cells", type=parse_triple(int), default=(200, 50, 1), help="NX,NY,NZ")
    p.add_argument("--t1", type=float, default=1e-9, help="end time in s (default 1e-9)")
    p.add_argument("--save-every", type=float, default=1e-12, help="save interval in s")
    p.add_argument("--dtype", choices=("float64", "float32"), default="float64")


def _sp4(args) -> int:
    import jax

    jax.config.update("jax_enable_x64", args.dtype == "float64")
    from jaxmag.io import write_csv
    from jaxmag.plot import plot_m_avg
    from jaxmag.problems import sp4

    print(
        f"µMAG standard problem 4: {args.cells[0]}×{args.cells[1]}×{args.cells[2]} cells, "
        f"μ0H = {args.field} mT, t1 = {args.t1:g} s, {args.dtype}",
        flush=True,
    )
    print("relaxing the s-state, then integrating (compilation first) ...", flush=True)
    r = sp4.run(args.field, args.cells, args.t1, args.save_every, progress=True)
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
        f"dynamics: {r['wall_dynamics_s'][0]:.2f} s (compile {r['compile_s']:.1f} s), "
        f"{int(r['trajectory'].stats['rhs_evals'])} field evaluations"
    )
    print(
        f"first zero of ⟨mx⟩: {r['first_mx_zero_s'] * 1e9:.4f} ns; ⟨m⟩(t1) = "
        f"({m[-1, 0]:.4f}, {m[-1, 1]:.4f}, {m[-1, 2]:.4f})"
    )
    if field1:
        print(f"max |Δ⟨my⟩| against OOMMF: {sp4.compare_oommf(r['ts'], m)['my']:.2e}")
    print(f"wrote {csv} and {png}")
    return 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="jaxmag", description="Differentiable micromagnetics.")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("sp4", help="µMAG standard problem 4: relax, switch, plot")
    add_sp4_arguments(s)
    s.add_argument(
        "--out",
        type=Path,
        default=Path("sp4_out"),
        help="output folder for sp4_m.csv and sp4_m.png (default ./sp4_out)",
    )
    from jaxmag.cli import (
        _hysteresis as cli_hysteresis,
    )
    from jaxmag.cli import (
        _ovf as cli_ovf,
    )
    from jaxmag.cli import (
        _run as cli_run,
    )
    from jaxmag.cli import (
        _switching as cli_switching,
    )

    cli_switching.add_parser(sub)
    cli_hysteresis.add_parser(sub)
    cli_run.add_parser(sub)
    cli_ovf.add_parser(sub)
    args = p.parse_args(argv)
    try:
        if args.command == "hysteresis":
            import jax

            jax.config.update("jax_enable_x64", True)
            return cli_hysteresis.run(args)
        if args.command == "ovf":
            return cli_ovf.run(args)
        if args.command == "run":
            import jax

            jax.config.update("jax_enable_x64", True)
            return cli_run.run(args)
        if args.command == "switching":
            import jax

            jax.config.update("jax_enable_x64", True)
            return cli_switching.run(args)
        return _sp4(args)
    except (ValueError, TypeError, RuntimeError) as e:
        print(f"jaxmag: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
