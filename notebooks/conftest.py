"""pytest --nbmake runs the notebooks at small sizes: every notebook reads
``JAXMAG_NOTEBOOK_SMALL=1`` and shrinks its grids, batches and training budgets.

Every notebook is marked ``slow``: CI's slow set (``.ci/run``, ``python -m pytest -m
slow``) executes all of them; the README's fast suite leaves them out (at small sizes
they take 20–230 s each on a 2-core CPU). The library code they drive is covered by the
fast unit tests: thermal.ipynb by tests/test_thermal.py, sp4_walkthrough.ipynb by
tests/test_sp4.py and tests/test_cli.py, batched.ipynb by tests/test_batch.py, and so on
for the others (see the README's Tests section).

No notebook sets a matplotlib backend: in Jupyter their figures display inline, and they
are committed executed, with those figures, for the documentation site
(tests/test_notebooks_static.py checks both). Here ``MPLBACKEND=Agg`` keeps the kernels of
``pytest --nbmake`` from needing a display.

The kernels inherit JAX's persistent compilation cache and the tests' XLA flags from
``tests/conftest.py``, which pytest loads whenever it collects the default test paths
(``tests`` and ``notebooks``)."""

import os

import pytest

os.environ.setdefault("JAXMAG_NOTEBOOK_SMALL", "1")
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    for item in items:
        if str(item.path).endswith(".ipynb"):
            item.add_marker(pytest.mark.slow)
