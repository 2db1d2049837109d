"""Files: atomic writes, CSV and mumax3 tables (OVF 2.0 in :mod:`jaxmag.io.ovf`)."""

from . import ovf
from ._atomic import (
    atomic_write as atomic_write,
)
from ._atomic import (
    read_npz as read_npz,
)
from ._model import (
    load_config as load_config,
)
from ._model import (
    load_model as load_model,
)
from ._model import (
    save_model as save_model,
)
from ._table import (
    read_csv as read_csv,
)
from ._table import (
    read_table as read_table,
)
from ._table import (
    write_csv as write_csv,
)
from ._table import (
    write_table as write_table,
)

__all__ = [
    "atomic_write",
    "load_config",
    "load_model",
    "ovf",
    "read_csv",
    "read_npz",
    "read_table",
    "save_model",
    "write_csv",
    "write_table",
]
