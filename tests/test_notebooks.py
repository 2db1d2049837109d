"""The research notebooks (percent-format scripts) execute at small sizes."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.py"))


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(nb, tmp_path):
    env = dict(os.environ, JAXMAG_NOTEBOOK_SMALL="1", MPLBACKEND="Agg")
    out = subprocess.run(
        [sys.executable, str(nb)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
        env=env,
    )
    assert out.returncode == 0, out.stderr[-3000:]
