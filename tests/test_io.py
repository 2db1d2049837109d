"""CSV tables: round trip, atomic writes, clear errors on corrupt files."""

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
