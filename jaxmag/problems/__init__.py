"""Ready-made standard problems."""

from jaxmag.problems import fmr, pinning, slonczewski, sp2, sp3, sp4, sp5

__all__ = ["fmr", "pinning", "slonczewski", "sp2", "sp3", "sp4", "sp5"]
