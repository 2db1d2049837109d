"""Files: atomic writes, CSV tables."""

from .atomic import atomic_write
from .table import read_csv, write_csv

__all__ = ["atomic_write", "read_csv", "write_csv"]
