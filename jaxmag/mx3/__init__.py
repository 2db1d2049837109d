"""Run mumax3 input scripts (``.mx3``) on jaxmag: ``jaxmag mx3 SCRIPT.mx3`` or
:func:`run`. See ``docs/howto/mx3.md`` for the language and what is supported."""

from jaxmag.mx3._parse import Mx3Error as Mx3Error
from jaxmag.mx3._parse import parse as parse
from jaxmag.mx3._run import run as run
from jaxmag.mx3._run import run_source as run_source

__all__ = ["Mx3Error", "parse", "run", "run_source"]
