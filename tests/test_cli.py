"""The `jaxmag sp4` command writes a CSV and a PNG; bad arguments fail cleanly."""

import subprocess
import sys

import numpy as np
import pytest

from jaxmag.io import read_csv


def _jaxmag(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "jaxmag.cli", *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=cwd,
    )


def test_sp4_command(tmp_path):
    out = _jaxmag(
        "sp4", "--cells", "25,7,1", "--t1", "5e-11", "--out", str(tmp_path / "o"), cwd=tmp_path
    )
    assert out.returncode == 0, out.stderr[-3000:]
    table = read_csv(tmp_path / "o" / "sp4_m.csv")
    assert list(table) == ["t_s", "mx", "my", "mz"]
    assert table["t_s"][-1] == 5e-11 and len(table["t_s"]) == 51
    norm = np.sqrt(table["mx"] ** 2 + table["my"] ** 2 + table["mz"] ** 2)
    assert np.all(norm <= 1 + 1e-9)
    png = (tmp_path / "o" / "sp4_m.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert "against OOMMF" in out.stdout


@pytest.mark.slow
def test_sp4_command_semi_implicit(tmp_path):
    """``--solver`` takes every name of SOLVER_NAMES; the semi-implicit run agrees with
    the default one (RK4FSAL) to its tolerance's accuracy and says which it ran."""
    runs = {}
    for solver in ("semi-implicit", "RK4FSAL"):
        out = _jaxmag(
            "sp4", "--cells", "25,7,1", "--t1", "5e-11", "--solver", solver,
            "--out", str(tmp_path / solver), "--quiet", cwd=tmp_path,
        )  # fmt: skip
        assert out.returncode == 0, out.stderr[-3000:]
        assert f"dynamics ({solver})" in out.stdout
        runs[solver] = read_csv(tmp_path / solver / "sp4_m.csv")
    for c in ("mx", "my", "mz"):
        np.testing.assert_allclose(runs["semi-implicit"][c], runs["RK4FSAL"][c], atol=2e-3)
    bad = _jaxmag("sp4", "--solver", "rk45", "--out", str(tmp_path / "b"), cwd=tmp_path)
    assert bad.returncode != 0 and "semi-implicit" in bad.stderr


def test_sp4_bad_cells(tmp_path):
    out = _jaxmag("sp4", "--cells", "0,7,1", "--out", str(tmp_path / "o"), cwd=tmp_path)
    assert out.returncode != 0
    assert "nx" in out.stderr
    assert not (tmp_path / "o").exists()
