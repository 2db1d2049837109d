"""Solvers by name: the names the command line, run configurations and benchmarks
accept (``--solver semi-implicit``)."""

import diffrax

from jaxmag.dynamics._rk import RK4FSAL
from jaxmag.dynamics._semi_implicit import SemiImplicitBDF2

SOLVER_NAMES: tuple[str, ...] = (
    "RK4FSAL",
    "semi-implicit",
    "Dopri5",
    "Tsit5",
    "Bosh3",
    "Heun",
    "Euler",
)
"""Every name :func:`solver_from_name` knows: :class:`~jaxmag.RK4FSAL` (the default at
rtol >= 1e-6), ``semi-implicit`` (:class:`~jaxmag.SemiImplicitBDF2`) and diffrax's
explicit solvers."""


def solver_from_name(name: str) -> diffrax.AbstractSolver:
    """A new solver for `name`, one of :data:`SOLVER_NAMES` (a ``ValueError`` otherwise)."""
    if name == "RK4FSAL":
        return RK4FSAL()
    if name == "semi-implicit":
        return SemiImplicitBDF2()
    if name in SOLVER_NAMES:
        return getattr(diffrax, name)()
    raise ValueError(f"unknown solver {name!r}; one of {', '.join(SOLVER_NAMES)}")
