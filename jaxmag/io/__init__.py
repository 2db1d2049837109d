"""Files: atomic writes, CSV and mumax3 tables (OVF 2.0 in :mod:`jaxmag.io.ovf`)."""

from . import ovf
from .atomic import atomic_write, read_npz
from .table import read_csv, read_table, write_csv, write_table

__all__ = ["atomic_write", "read_npz", "ovf", "read_csv", "read_table", "write_csv", "write_table"]
