"""The ``jaxmag`` command and its subcommands: the only place that parses arguments or
switches on float64."""

from ._args import add_sp4_arguments as add_sp4_arguments
from ._args import parse_triple as parse_triple
from ._config import ConfigError as ConfigError
from ._main import main as main

__all__ = ["ConfigError", "add_sp4_arguments", "main", "parse_triple"]
