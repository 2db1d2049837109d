"""The ``jaxmag`` command: one subcommand per module of this package, each with
``add_parser(subparsers)`` and ``run(args) -> int``."""

import argparse
import sys

from jaxmag.cli import _hysteresis, _ovf, _run, _sp4, _switching, _trust

COMMANDS = {
    "sp4": _sp4,
    "switching": _switching,
    "hysteresis": _hysteresis,
    "run": _run,
    "ovf": _ovf,
    "trust": _trust,
}
"""Every subcommand's module. Its ``X64``: True (float64), False (no switch), or None
(float64 unless ``--dtype float32``)."""


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="jaxmag", description="Differentiable micromagnetics.")
    sub = p.add_subparsers(dest="command", required=True)
    for module in COMMANDS.values():
        module.add_parser(sub)
    args = p.parse_args(argv)
    module = COMMANDS[args.command]
    if module.X64 is not False:
        import jax

        x64 = module.X64 if module.X64 is not None else args.dtype == "float64"
        jax.config.update("jax_enable_x64", x64)
    try:
        return module.run(args)
    except (ValueError, TypeError, RuntimeError) as e:
        print(f"jaxmag: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
