"""``jaxmag ovf info`` and ``jaxmag ovf convert``."""

from pathlib import Path

import numpy as np

X64 = False
"""Converts files; no float64 switch."""


def add_parser(sub) -> None:
    """Add the ``ovf`` subcommand (with ``info`` and ``convert``) to ``sub``."""
    s = sub.add_parser("ovf", help="OOMMF OVF files: info, convert, plot")
    ssub = s.add_subparsers(dest="ovf_command", required=True)
    i = ssub.add_parser(
        "info",
        help="print an OVF file's header and per-component min/mean/max",
        description="Read an OVF 1.0 or 2.0 file and print its version, data format, "
        "nodes, cell size and origin (m), valuedim, labels, units, title and the "
        "min/mean/max of each component.",
    )
    i.add_argument("file", type=Path, help="OVF file")
    c = ssub.add_parser(
        "convert",
        help="rewrite an OVF file as OVF 2.0 in another data format",
        description="Read an OVF 1.0 or 2.0 file and write it as OVF 2.0 (atomically), "
        "keeping the mesh, labels, units, title and Desc lines.",
    )
    c.add_argument("inp", type=Path, metavar="IN", help="input OVF file")
    c.add_argument("out", type=Path, metavar="OUT", help="output OVF file")
    c.add_argument(
        "--format",
        choices=("text", "binary4", "binary8"),
        default="binary8",
        help="data format of OUT",
    )
    pl = ssub.add_parser(
        "plot",
        help="an in-plane magnetisation map of a vector OVF file (PNG)",
        description="Colour by in-plane angle, brightness by in-plane magnitude, arrows.",
    )
    pl.add_argument("file", type=Path, help="OVF file with valuedim 3")
    pl.add_argument("--out", type=Path, default=None, help="PNG path (default FILE.png)")
    pl.add_argument("--layer", type=int, default=0, help="z layer")


def info(path) -> str:
    """A human-readable summary of the OVF file ``path``."""
    from jaxmag.io import ovf

    f = ovf.read(path)
    nx, ny, nz = f.nodes
    lines = [
        f"file:     {path}",
        f"version:  OVF {f.version}.0",
        f"format:   {f.fmt}",
        f"nodes:    {nx} x {ny} x {nz}",
        "cell:     " + " x ".join(f"{d:.6g}" for d in f.cell) + " m",
        "origin:   (" + ", ".join(f"{o:.6g}" for o in f.origin) + ") m",
        f"valuedim: {f.valuedim}",
        f"title:    {f.title}",
    ]
    lines += [f"desc:     {d}" for d in f.desc]
    lines.append(f"{'component':<16} {'unit':<10} {'min':>14} {'mean':>14} {'max':>14}")
    for label, unit, v in zip(f.labels, f.units, f.values, strict=True):
        lines.append(
            f"{label:<16} {unit:<10} {np.min(v):>14.6g} {np.mean(v):>14.6g} {np.max(v):>14.6g}"
        )
    return "\n".join(lines)


def convert(inp, out, fmt: str = "binary8") -> Path:
    """Read the OVF file ``inp`` and write it to ``out`` as OVF 2.0 in format ``fmt``."""
    from jaxmag.io import ovf

    f = ovf.read(inp)
    return ovf.write(
        out,
        f.values,
        f.cell,
        f.origin,
        fmt=fmt,
        labels=f.labels,
        units=f.units,
        desc=f.desc,
        title=f.title,
    )


def run(args) -> int:
    """Run ``jaxmag ovf ...`` for parsed ``args``; 0 on success.

    Bad files raise ``ValueError``; a missing or unreadable file is reported as one too.
    """
    try:
        if args.ovf_command == "info":
            print(info(args.file))
            return 0
        if args.ovf_command == "plot":
            from jaxmag.io import ovf
            from jaxmag.plot import plot_magnetisation_map

            f = ovf.read(args.file)
            if f.valuedim != 3:
                raise ValueError(f"{args.file}: a map needs a vector field, valuedim is "
                                 f"{f.valuedim}")  # fmt: skip
            out = args.out or args.file.with_suffix(".png")
            plot_magnetisation_map(out, f, title=args.file.name, layer=args.layer)
            print(f"wrote {out}")
            return 0
        path = convert(args.inp, args.out, args.format)
    except OSError as e:
        raise ValueError(f"{e.filename}: {e.strerror}") from None
    print(f"wrote {path} ({args.format})")
    return 0
