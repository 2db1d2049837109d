"""Progress output: one plain line per 10 % in a log file, each once, with fixed units;
one redrawn line in a terminal; `jaxmag sp4 --quiet` prints only the results."""

import io
import re

import numpy as np
import pytest

from jaxmag.cli import main
from jaxmag.dynamics import _progress
from jaxmag.dynamics._simulate import simulate
from jaxmag.problems import sp4

LINE = re.compile(r"^LLG integration: +[\d.]+ % \(elapsed [\d.]+ s, left ~([\d.]+ s|\?)\)$")


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_file_output_once_per_decile():
    f = io.StringIO()
    line = _progress.ProgressLine("LLG integration", stream=f)
    for x in np.linspace(0, 1, 2001):
        line.update(x)
        line.update(x)  # an update repeated (diffrax: update, then refresh) shows nothing
    line.close()
    lines = f.getvalue().splitlines()
    assert len(lines) == len(set(lines)) and "\r" not in f.getvalue()
    body, last = lines[:-1], lines[-1]
    assert all(LINE.match(s) for s in body), body
    percents = [float(s.split(":")[1].split("%")[0]) for s in body]
    assert np.all(np.diff(percents) > 0)
    assert [int(p // 10) for p in percents] == list(range(10))  # each decile once
    assert re.match(r"^LLG integration: finished in [\d.]+ s$", last)


def test_file_output_every_ten_seconds(monkeypatch):
    clock = iter(np.arange(0, 1000, 4.0))
    monkeypatch.setattr(_progress.time, "perf_counter", lambda: next(clock))
    f = io.StringIO()
    line = _progress.ProgressLine("slow", stream=f)
    for x in np.linspace(0, 0.05, 20):  # 4 s per update, under 10 % in all
        line.update(x)
    # the first update, then one per 10 s (every third update at 4 s each)
    assert 5 <= len(f.getvalue().splitlines()) <= 8


def test_terminal_output_is_one_line():
    f = _Tty()
    line = _progress.ProgressLine("LLG integration", stream=f)
    line.update(0.5)
    line.close()
    text = f.getvalue()
    assert text.startswith("\r") and text.count("\n") == 1 and "|##########" in text


def test_simulate_progress_in_a_log_file(capfd):
    cells = (10, 4, 1)
    ts = np.arange(21) * 1e-12
    simulate(sp4.system(cells, sp4.FIELD1_MT), sp4.initial_state(cells), ts[-1], ts=ts,
             progress=True)  # fmt: skip
    err = capfd.readouterr().err.splitlines()
    lines = [s for s in err if s.startswith("LLG integration")]
    assert lines and len(lines) == len(set(lines)), err
    assert lines[-1].startswith("LLG integration: finished in")
    assert all(LINE.match(s) for s in lines[:-1]), lines
    assert not any("it/s" in s or "s/it" in s or "%/s" in s for s in err)


@pytest.mark.slow  # heavy: moved out of the fast suite (its 10-minute budget)
def test_sp4_quiet(tmp_path, capsys):
    args = ["sp4", "--cells", "10,4,1", "--t1", "1e-11", "--out", str(tmp_path), "--quiet"]
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert "compiling" not in out and "µMAG standard problem 4" not in out
    assert "minimise:" not in out and "LLG integration" not in err
    assert re.search(r"^compile: [\d.]+ s \(.*\), run: [\d.]+ s", out, re.M)
    # ⟨mx⟩ first crosses zero at ~0.14 ns: a run to 10 ps says so instead of "nan ns"
    assert "⟨mx⟩ does not cross zero within t1 = 1e-11 s" in out and "nan" not in out
    assert "wrote" in out
    assert main(args[:-1]) == 0
    assert "µMAG standard problem 4" in capsys.readouterr().out
