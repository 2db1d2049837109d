"""The ``jaxmag`` command: one subcommand per module of this package, each with
``add_parser(subparsers)`` and ``run(args) -> int``.

Global options, before the subcommand or after it: ``--no-cache`` runs without the
persistent compilation cache (:mod:`jaxmag.cli._cache`). Every ``--help`` shows the
defaults.
"""

import argparse
import sys

from jaxmag.cli import _cache, _hysteresis, _info, _mx3, _ovf, _run, _sp4, _switching, _trust

COMMANDS = {
    "sp4": _sp4,
    "switching": _switching,
    "hysteresis": _hysteresis,
    "run": _run,
    "ovf": _ovf,
    "trust": _trust,
    "info": _info,
    "mx3": _mx3,
}
"""Every subcommand's module. Its ``X64``: True (float64), False (no switch), or None
(float64 unless ``--dtype float32``)."""

_NO_CACHE_HELP = "run without the persistent compilation cache (see `jaxmag info`)"


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """argparse's formatter that appends ``(default: ...)`` to an option's help, except
    where there is nothing to say (no default, or an off switch)."""

    def _get_help_string(self, action):
        default = action.default
        if default is None or default is False or default is argparse.SUPPRESS:
            return action.help
        if not action.option_strings or "%(default)" in (action.help or ""):
            return action.help
        if isinstance(default, tuple):  # a triple: shown as it is typed
            text = ",".join(str(v) for v in default)
        else:
            text = "%(default)s"
        return f"{action.help or ''} (default: {text})".lstrip()


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose help shows the defaults; subcommands inherit it."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)


def parser() -> argparse.ArgumentParser:
    """The ``jaxmag`` argument parser, every subcommand included."""
    p = _Parser(prog="jaxmag", description="Differentiable micromagnetics.")
    p.add_argument("--no-cache", action="store_true", help=_NO_CACHE_HELP)
    sub = p.add_subparsers(dest="command", required=True)
    for module in COMMANDS.values():
        module.add_parser(sub)
    for s in sub.choices.values():  # also accepted after the subcommand
        s.add_argument("--no-cache", dest="no_cache_sub", action="store_true", help=_NO_CACHE_HELP)
    return p


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    args.no_cache = args.no_cache or getattr(args, "no_cache_sub", False)
    args.command_x64 = {name: m.X64 for name, m in COMMANDS.items()}
    module = COMMANDS[args.command]
    if module.X64 is not False:
        import jax

        x64 = module.X64 if module.X64 is not None else args.dtype == "float64"
        jax.config.update("jax_enable_x64", x64)
    try:
        with _cache.enabled(_cache.cache_dir(args.no_cache)):
            return module.run(args)
    except (ValueError, TypeError, RuntimeError) as e:
        print(f"jaxmag: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
