"""``python -m jaxmag.cli``: the same as the ``jaxmag`` command."""

from ._main import main

raise SystemExit(main())
