"""Ready-made standard problems."""

from . import slonczewski, sp4, sp5

__all__ = ["slonczewski", "sp4", "sp5"]
