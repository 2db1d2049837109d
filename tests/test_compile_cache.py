"""The CLI's persistent compilation cache: the solves it runs carry no host callbacks
(JAX stores no program with them), a second `jaxmag sp4` loads instead of compiling,
and --no-cache writes nothing."""

import os
import re
import subprocess
import sys

import numpy as np
import pytest

from jaxmag.dynamics import _simulate
from jaxmag.problems import sp4

CELLS = (25, 7, 1)
SOLVE = _simulate._solve


def _lowered_solve(monkeypatch, **kw):
    """The text of the program `simulate(**kw)` compiles for its solve."""
    seen = {}

    def spy(*args):
        seen["args"] = args
        return SOLVE(*args)

    monkeypatch.setattr(_simulate, "_solve", spy)
    ts = np.arange(6) * 1e-12
    _simulate.simulate(sp4.system(CELLS, sp4.FIELD1_MT), sp4.initial_state(CELLS), ts[-1],
                       ts=ts, **kw)  # fmt: skip
    return SOLVE.lower(*seen["args"]).as_text()


_FRESH = """
import sys
sys.path.insert(0, {tests!r})
import pytest
from test_compile_cache import _lowered_solve
mp = pytest.MonkeyPatch()
print("default", "callback" in _lowered_solve(mp))
print("dt0", "callback" in _lowered_solve(mp, dt0=1e-14))
print("progress", "callback" in _lowered_solve(mp, progress=True))
"""


@pytest.mark.slow  # heavy: moved out of the fast suite (its 10-minute budget)
def test_solve_has_no_host_callbacks():
    """In a fresh process, as the command line runs it. (In a process that has already
    traced the same diffrax check in Equinox's raise mode, Equinox's own trace cache can
    hand that version back: the solve then keeps its callbacks and is not cached; its
    results are the same.)"""
    code = _FRESH.format(tests=os.path.dirname(__file__))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=600, env={**os.environ, "JAX_ENABLE_X64": "1"})  # fmt: skip
    assert out.returncode == 0, out.stderr
    lines = dict(line.split() for line in out.stdout.splitlines() if line.strip())
    assert lines == {"default": "False", "dt0": "False", "progress": "True"}, out.stdout


def test_bad_save_times_still_fail():
    system, m0 = sp4.system(CELLS, sp4.FIELD1_MT), sp4.initial_state(CELLS)
    with pytest.raises(ValueError, match="non-decreasing"):
        _simulate.simulate(system, m0, 5e-12, ts=np.array([0, 2e-12, 1e-12]))
    with pytest.raises(ValueError):
        _simulate.simulate(system, m0, 5e-12, ts=np.array([0, 1e-12, 9e-12]))


def _sp4(cache, *extra):
    env = dict(os.environ, JAXMAG_CACHE_DIR=str(cache))
    out = subprocess.run(
        [sys.executable, "-m", "jaxmag.cli", "sp4", "--cells", "25,7,1", "--t1", "2e-11",
         "--quiet", "--out", str(cache.parent / "out"), *extra],
        capture_output=True, text=True, timeout=900, env=env,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    m = re.search(r"compile: ([\d.]+) s \(XLA compilation or cache loads ([\d.]+) s", out.stdout)
    assert m, out.stdout
    return float(m.group(2)), out.stdout


@pytest.mark.slow
def test_second_run_loads_from_the_cache(tmp_path):
    cache = tmp_path / "cache"
    first, out1 = _sp4(cache)
    n_files = len(list(cache.rglob("*")))
    assert n_files > 10
    second, out2 = _sp4(cache)
    # the results are the same, and the compiled programs came from the cache
    assert out1.splitlines()[-3:] == out2.splitlines()[-3:]
    assert second < 0.3 * first and second < 5.0, (first, second)

    off = tmp_path / "off"
    _sp4(off, "--no-cache")
    assert not off.exists() or not any(off.iterdir())
