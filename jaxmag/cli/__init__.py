"""The ``jaxmag`` command and its subcommands: the only place that parses arguments or
switches on float64."""

from ._config import ConfigError as ConfigError
from ._main import main as main

__all__ = ["ConfigError", "main"]
