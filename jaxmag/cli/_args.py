"""argparse helpers shared by the commands and the benchmark scripts."""

import argparse

from jaxmag.dynamics._names import SOLVER_NAMES


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
        help="applied field μ0H in mT, BX,BY,BZ (the default is SP4's field 1)",
    )
    p.add_argument("--cells", type=parse_triple(int), default=(200, 50, 1), help="NX,NY,NZ")
    p.add_argument("--t1", type=float, default=1e-9, help="end time in s")
    p.add_argument("--save-every", type=float, default=1e-12, help="save interval in s")
    p.add_argument(
        "--dtype", choices=("float64", "float32"), default="float64", help="float precision"
    )
    p.add_argument(
        "--solver",
        choices=SOLVER_NAMES,
        default=None,
        help="time integrator (default: RK4FSAL at rtol >= 1e-6, else Dopri5); "
        "semi-implicit treats exchange implicitly",
    )
