"""``jaxmag run CONFIG.toml``: a problem description from a TOML file (see
:mod:`jaxmag.cli` and ``examples/``)."""

from pathlib import Path

X64 = True
"""Runs in float64."""


def add_parser(sub) -> None:
    p = sub.add_parser("run", help="run a TOML problem description (mesh, material, stages)")
    p.add_argument("config", type=Path, help="the TOML file")
    p.add_argument("--out", type=Path, default=None, help="output folder (default: output.dir)")
    p.add_argument("--quiet", action="store_true", help="no progress output")


def run(args) -> int:
    from jaxmag.cli import _config as config
    from jaxmag.cli import _run_config as run_config

    cfg = config.load(args.config)
    out = args.out if args.out is not None else Path(cfg["output"]["dir"])  # from the cwd
    r = run_config.run(cfg, out, progress=not args.quiet)
    for f in r["files"]:
        print(f"wrote {f}")
    if r["table"]:
        t = r["table"]
        print(f"⟨m⟩(t = {t['t'][-1]:.4g} s) = ({t['mx'][-1]:.5f}, {t['my'][-1]:.5f}, "
              f"{t['mz'][-1]:.5f})")  # fmt: skip
    return 0
