"""pytest --nbmake runs the notebooks at small sizes: every notebook reads
``JAXMAG_NOTEBOOK_SMALL=1`` and shrinks its grids, batches and training budgets.

The notebooks that take more than about 45 s even at small sizes on a 2-core CPU are
marked ``slow`` (run them with ``python -m pytest -m slow notebooks``). The library code
that they drive is covered by the unit tests and by each benchmark's ``--quick`` run, so
the default suite stays within its time budget."""

import os
from pathlib import Path

import pytest

os.environ.setdefault("JAXMAG_NOTEBOOK_SMALL", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

HEAVY = {  # seconds at small size on the 2-core CI machine, measured under load
    "homogenisation.ipynb",  # 234
    "pinn.ipynb",  # 148
    "latent_sp4.ipynb",  # 120
    "standard_problems.ipynb",  # 104
    "field_angle.ipynb",  # 91
    "grains.ipynb",  # 72
    "switching.ipynb",  # 65
    "spinwave_lens.ipynb",  # 60
    "sp4_field_recovery.ipynb",  # 58
}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    for item in items:
        if Path(str(item.path)).name in HEAVY:
            item.add_marker(pytest.mark.slow)
