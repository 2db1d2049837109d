"""Test configuration: float64 everywhere.

Rank promotion is left at JAX's default: scalar fields ``(nx, ny, nz)`` broadcast against
vector fields ``(3, nx, ny, nz)`` throughout the library, by design.
"""

import jax

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
