"""``jaxmag hysteresis``: the major loop of a cuboid particle or film."""

import math
from pathlib import Path

X64 = True
"""Runs in float64."""


def add_parser(sub) -> None:
    """Add the ``hysteresis`` subcommand to the subparsers ``sub``."""
    from jaxmag.cli._args import parse_triple

    s = sub.add_parser(
        "hysteresis",
        help="quasi-static hysteresis loop of a cuboid: CSV, plot, coercive field",
        description="Sweep a uniform field +Bmax → −Bmax → +Bmax along --direction, "
        "minimising the energy at each step, for a cuboid of --size divided into --cells. "
        "Writes DIR/loop.csv (B_T, mx, my, mz, m_par) and DIR/loop.png and prints the "
        "coercive field.",
    )
    s.add_argument(
        "--size", type=parse_triple(float), default=(20e-9, 20e-9, 5e-9), help="LX,LY,LZ in m"
    )
    s.add_argument("--cells", type=parse_triple(int), default=(4, 4, 1), help="NX,NY,NZ")
    s.add_argument("--Ms", type=float, default=8e5, help="saturation magnetisation in A/m")
    s.add_argument("--A", type=float, default=1.3e-11, help="exchange stiffness in J/m")
    s.add_argument("--Ku", type=float, default=0.0, help="uniaxial anisotropy in J/m^3")
    s.add_argument(
        "--axis", type=parse_triple(float), default=(0.0, 0.0, 1.0), help="anisotropy axis X,Y,Z"
    )
    s.add_argument(
        "--direction",
        type=parse_triple(float),
        default=(1.0, 0.0, 0.0),
        help="field direction X,Y,Z",
    )
    s.add_argument("--Bmax", type=float, default=100.0, help="largest field μ0H in mT")
    s.add_argument("--steps", type=int, default=100, help="field steps per branch")
    s.add_argument("--no-demag", action="store_true", help="leave out the demagnetising field")
    s.add_argument("--out", type=Path, default=Path("hysteresis_out"), help="output folder")


def run(args) -> int:
    """Run ``jaxmag hysteresis`` with the parsed `args`; returns the exit status."""
    import numpy as np

    from jaxmag._material import Material
    from jaxmag._mesh import Mesh
    from jaxmag._system import make_system
    from jaxmag._validate import check_int
    from jaxmag.io import write_csv
    from jaxmag.plot import plot_hysteresis
    from jaxmag.statics._hysteresis import coercivity, hysteresis, loop_fields

    if not (math.isfinite(args.Bmax) and args.Bmax > 0):
        raise ValueError(f"--Bmax must be positive (mT), got {args.Bmax}")
    check_int("--steps", args.steps)
    d = np.asarray(args.direction, dtype=float)
    if not (np.all(np.isfinite(d)) and np.any(d != 0)):
        raise ValueError(f"--direction must be a finite non-zero vector, got {args.direction}")
    mesh = Mesh.from_size(args.cells, args.size)
    mat = Material(Ms=args.Ms, A=args.A, Ku1=args.Ku, anis_u=args.axis)
    system = make_system(mesh, mat, demag=not args.no_demag)
    B = loop_fields(args.Bmax * 1e-3, args.steps)
    n = mesh.n
    print(
        f"hysteresis: {n[0]}×{n[1]}×{n[2]} cells of {args.size} m, Ms = {args.Ms:g} A/m, "
        f"A = {args.A:g} J/m, Ku = {args.Ku:g} J/m^3, field ±{args.Bmax:g} mT along "
        f"{args.direction}, {len(B)} steps (compilation first) ...",
        flush=True,
    )
    loop = hysteresis(system, d, d, B, progress=True)
    m = loop.m_avg
    out = args.out
    csv = write_csv(
        out / "loop.csv",
        {"B_T": loop.B, "mx": m[:, 0], "my": m[:, 1], "mz": m[:, 2], "m_par": loop.m_par},
    )
    c = coercivity(loop)
    png = plot_hysteresis(
        out / "loop.png", loop, title=f"{n[0]}×{n[1]}×{n[2]} cells, field along {args.direction}"
    )
    if math.isnan(c["Bc"]):
        print("no coercive field: m_par does not cross zero on both branches (raise --Bmax?)")
    else:
        print(
            f"coercive field: μ0Hc = {c['Bc'] * 1e3:.4f} mT (Hc = {c['H_c']:.5g} A/m); "
            f"crossings at {c['B_down'] * 1e3:.4f} and {c['B_up'] * 1e3:.4f} mT"
        )
    bad = int(np.sum(~loop.converged))
    if bad:
        print(f"warning: {bad} of {len(B)} steps did not converge")
    print(f"wrote {csv} and {png}")
    return 0
