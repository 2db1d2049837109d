"""Ready-made standard problems."""

from . import sp4

__all__ = ["sp4"]
