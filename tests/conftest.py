"""Test configuration: float64 everywhere, and JAX's persistent compilation cache.

Rank promotion is left at JAX's default: scalar fields ``(nx, ny, nz)`` broadcast against
vector fields ``(3, nx, ny, nz)`` throughout the library, by design.

The suite's time is ~85 % XLA compilation (thousands of small programs), so the tests
use JAX's persistent compilation cache, in ``$JAX_COMPILATION_CACHE_DIR`` if set, else in
``~/.cache/jaxmag/jax-compilation-cache`` (``$XDG_CACHE_HOME`` respected), for every
program however fast it compiled. The variables are set before jax is imported, so the
processes the tests start (benchmarks, CLI runs, notebook kernels) share the cache. The
first run on a machine fills it; later runs load compiled programs instead of compiling
them (README: the fast suite's times, cold and warm). ``JAX_COMPILATION_CACHE_DIR=``
(empty) turns it off. The cache key covers the program, jax/jaxlib versions and flags,
so a changed library recompiles what changed and nothing stale is loaded.
"""

import os
from pathlib import Path

_XDG_CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
os.environ.setdefault(
    "JAX_COMPILATION_CACHE_DIR", str(_XDG_CACHE / "jaxmag" / "jax-compilation-cache")
)
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")

import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)


import pytest  # noqa: E402
from helpers import run_benchmark  # noqa: E402


@pytest.fixture
def bench(tmp_path):
    """``bench("fmr.py", "--quick", ...)``: run a benchmark script in `tmp_path`
    (:func:`helpers.run_benchmark`) and return its :class:`helpers.BenchmarkRun`."""

    def run(script, *args, timeout: float = 600):
        return run_benchmark(script, *args, cwd=tmp_path, timeout=timeout)

    return run
