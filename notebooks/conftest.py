"""pytest --nbmake runs the notebooks at small sizes: every notebook reads
``JAXMAG_NOTEBOOK_SMALL=1`` and shrinks its grids, batches and training budgets."""

import os

os.environ.setdefault("JAXMAG_NOTEBOOK_SMALL", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
