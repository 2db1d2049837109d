"""Ready-made standard problems."""

from . import slonczewski, sp2, sp3, sp4, sp5

__all__ = ["slonczewski", "sp2", "sp3", "sp4", "sp5"]
