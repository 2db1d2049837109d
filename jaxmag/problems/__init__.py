"""Ready-made standard problems."""

from jaxmag.problems import fmr, slonczewski, sp2, sp3, sp4, sp5

__all__ = ["fmr", "slonczewski", "sp2", "sp3", "sp4", "sp5"]
