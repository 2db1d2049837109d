"""CSV tables: round trip, atomic writes, clear errors on corrupt files."""

import os

import numpy as np
import pytest

from jaxmag.io import atomic_write, read_csv, write_csv


def test_round_trip(tmp_path):
    t = np.linspace(0, 1e-9, 7)
    write_csv(tmp_path / "a.csv", {"t_s": t, "mx": np.cos(t * 1e9)})
    back = read_csv(tmp_path / "a.csv")
    np.testing.assert_allclose(back["t_s"], t, rtol=1e-9)
    np.testing.assert_allclose(back["mx"], np.cos(t * 1e9), rtol=1e-9)


def test_ragged_columns_rejected(tmp_path):
    with pytest.raises(ValueError, match="different lengths"):
        write_csv(tmp_path / "a.csv", {"a": [1, 2], "b": [1]})
    assert not list(tmp_path.iterdir())


def test_atomic_write_leaves_nothing_on_error(tmp_path):
    target = tmp_path / "x.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_write(target) as f:
        f.write("partial")
        raise RuntimeError("boom")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["x.txt"]


@pytest.mark.parametrize(
    "text,match", [("", "empty"), ("a,b\n1,x\n", "numeric"), ("a,b\n1,2,3\n", "columns")]
)
def test_corrupt_files(tmp_path, text, match):
    p = tmp_path / "bad.csv"
    p.write_text(text)
    with pytest.raises(ValueError, match=match):
        read_csv(p)


def test_interrupt_keeps_the_old_file_and_stale_temporaries_are_removed(tmp_path):
    import subprocess
    import sys

    target = tmp_path / "t.csv"
    write_csv(target, {"a": [1.0]})
    with pytest.raises(KeyboardInterrupt), atomic_write(target) as f:  # Ctrl-C mid-write
        f.write("a\n2")
        raise KeyboardInterrupt
    assert read_csv(target)["a"].tolist() == [1.0]  # the old file, whole
    assert [p.name for p in tmp_path.iterdir()] == ["t.csv"]
    # a writer killed by SIGKILL leaves its temporary file: removed at the next write
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    stale = tmp_path / f".t.csv.{dead}.abc123.tmp"
    stale.write_text("partial")
    live = tmp_path / f".t.csv.{os.getpid()}.def456.tmp"  # a writer that still runs
    live.write_text("in progress")
    write_csv(target, {"a": [3.0]})
    assert not stale.exists() and live.exists()
    assert read_csv(target)["a"].tolist() == [3.0]
