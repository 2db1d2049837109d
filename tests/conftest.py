"""Test configuration: float64 everywhere, and JAX's persistent compilation cache.

Rank promotion is left at JAX's default: scalar fields ``(nx, ny, nz)`` broadcast against
vector fields ``(3, nx, ny, nz)`` throughout the library, by design.

The suite's time is ~85 % XLA compilation (thousands of small programs), so the tests
use JAX's persistent compilation cache, in ``$JAX_COMPILATION_CACHE_DIR`` if set, else in
``~/.cache/jaxmag/jax-compilation-cache`` (``$XDG_CACHE_HOME`` respected), for every
program however fast it compiled. The variables are set before jax is imported, so the
processes the tests start (benchmarks, CLI runs, notebook kernels) share the cache. The
first run on a machine fills it; later runs load compiled programs instead of compiling
them (README: the fast suite's time with a cold cache). ``JAX_COMPILATION_CACHE_DIR=``
(empty) turns it off. The cache key covers the program, jax/jaxlib versions and flags,
so a changed library recompiles what changed and nothing stale is loaded.

The cache cannot hold the biggest programs: JAX does not persist an executable with host
callbacks, and every diffrax and lineax solve has them (equinox's runtime errors:
``max_steps`` reached, non-finite fields). Those ~500 programs are compiled on every
run, so the tests also ask XLA's CPU backend for a cheaper compilation: the older
elemental fusion emitters and LLVM optimisation level 1 (``XLA_FLAGS`` below). Measured
on the fast suite (2 cores, warm cache): backend compilation 539 s → 284 s summed over
both workers, wall 750 s → 552 s; programs run ~10 % slower, results agree to round-off.
Library users get XLA's defaults; only test processes (and the CLI, notebook and
benchmark smoke-run processes they start, which inherit the variable) use these flags.
A benchmark run by hand gets XLA's own settings, so its figures are what users see.
"""

import os
from pathlib import Path

_XDG_CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
os.environ.setdefault(
    "JAX_COMPILATION_CACHE_DIR", str(_XDG_CACHE / "jaxmag" / "jax-compilation-cache")
)
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")

from helpers import run_benchmark, with_fast_compile  # noqa: E402 (imports no jax)

# Compile faster, run a little slower: the suite compiles ~7,000 programs and runs each
# for milliseconds. Same IEEE float64 arithmetic (no fast-math). A flag already named in
# XLA_FLAGS is left as it is; the benchmark smoke runs the tests start use them too.
os.environ["XLA_FLAGS"] = with_fast_compile(os.environ.get("XLA_FLAGS", ""))

import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)


import pytest  # noqa: E402


@pytest.fixture
def bench(tmp_path):
    """``bench("fmr.py", "--quick", ...)``: run a benchmark script in `tmp_path`
    (:func:`helpers.run_benchmark`) and return its :class:`helpers.BenchmarkRun`."""

    def run(script, *args, timeout: float = 600):
        return run_benchmark(script, *args, cwd=tmp_path, timeout=timeout)

    return run
