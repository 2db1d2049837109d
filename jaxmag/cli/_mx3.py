"""``jaxmag mx3 SCRIPT.mx3``: run a mumax3 input script (see :mod:`jaxmag.mx3`)."""

import sys
from pathlib import Path

X64 = None
"""float64 unless ``--dtype float32`` (mumax3 itself computes in float32)."""


def add_parser(sub) -> None:
    p = sub.add_parser(
        "mx3",
        help="run a mumax3 input script (.mx3)",
        description="Parse and run a mumax3 script. Output goes to SCRIPT.out/ beside it "
        "(table.txt, OVF files, PNG snapshots), as mumax3 writes it. Exit status 0 on "
        "success; 1 with the file, line and message on an error or a failed expect().",
    )
    p.add_argument("script", type=Path, help="the .mx3 file")
    p.add_argument("-o", "--outdir", type=Path, default=None,
                   help="output folder (default: SCRIPT.out beside the script)")  # fmt: skip
    p.add_argument("--dtype", choices=("float64", "float32"), default="float64",
                   help="working precision")  # fmt: skip
    p.add_argument("--demag-kernel", choices=("newell", "mumax3"), default="newell",
                   help="the demag tensor: jaxmag's exact Newell tensor, or mumax3's own "
                   "numerical quadrature (~1e-3 off on thin cells) to reproduce numbers "
                   "computed with mumax3")  # fmt: skip
    p.add_argument("--quiet", action="store_true", help="print only errors")
    p.add_argument("--progress", action="store_true", help="show a progress line during run()")


def run(args) -> int:
    from jaxmag.mx3 import Mx3Error
    from jaxmag.mx3 import run as run_script

    def log(s):
        if not args.quiet:
            print(s, flush=True)

    try:
        run_script(args.script, outdir=args.outdir, log=log, progress=args.progress,
                   demag_kernel=args.demag_kernel)  # fmt: skip
    except Mx3Error as e:
        print(f"jaxmag mx3: {e}", file=sys.stderr)
        return 1
    return 0
