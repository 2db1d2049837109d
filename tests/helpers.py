"""Shared test machinery."""

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

TINY_CONFIG = """
[mesh]
cells = [4, 4, 1]
size = [20e-9, 20e-9, 3e-9]
[material]
Ms = 8e5
A = 1.3e-11
alpha = 0.1
[[stages]]
kind = "run"
t = 1e-11
"""
"""A valid `jaxmag run` configuration: 4 × 4 × 1 cells, one 10 ps stage."""

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
"""The folder of the benchmark scripts."""

FAST_COMPILE_FLAGS = {
    "--xla_cpu_use_fusion_emitters": "false",
    "--xla_backend_optimization_level": "1",
}
"""XLA flags for the test processes (tests/conftest.py) and the benchmark smoke runs they
start: cheaper CPU compilation for a suite that compiles thousands of programs and runs
each for milliseconds. A benchmark run by hand gets XLA's own settings."""


def with_fast_compile(xla_flags: str) -> str:
    """`xla_flags` with :data:`FAST_COMPILE_FLAGS` in front (a flag it names is kept)."""
    flags = xla_flags.split()
    named = {f.split("=")[0] for f in flags}
    ours = [f"{k}={v}" for k, v in FAST_COMPILE_FLAGS.items() if k not in named]
    return " ".join(ours + flags)


def without_fast_compile(xla_flags: str) -> str:
    """`xla_flags` without the flags :func:`with_fast_compile` added."""
    ours = {f"{k}={v}" for k, v in FAST_COMPILE_FLAGS.items()}
    return " ".join(f for f in xla_flags.split() if f not in ours)


XLA_OWN_SETTINGS = {"batched.py"}
"""Benchmarks whose smoke runs keep XLA's own compiler settings: ``batched.py`` checks
that a vmapped run and a run of its own agree to 1e-12, which holds for XLA's default
fusion; the tests' older fusion emitters round the two programs differently (1.0e-10
on its macrospin case)."""


@dataclass(frozen=True)
class BenchmarkRun:
    """A finished benchmark run: its closing JSON object (`figures`), the lines printed
    before it (`lines`) and its standard error."""

    figures: dict
    lines: list[str]
    stderr: str


def run_benchmark(script: str | Path, *args: str, cwd: Path, timeout: float = 600) -> BenchmarkRun:
    """Run ``benchmarks/<script>`` (a name or a path) with `args` in `cwd`, with the tests'
    :data:`FAST_COMPILE_FLAGS` (the quick runs' figures are checked for correctness, not
    speed, and their time is mostly compilation: the benchmark tests summed 1890 s → 1208
    s), except the scripts in :data:`XLA_OWN_SETTINGS`; assert that it exits with 0 and
    prints one JSON object as its last line."""
    path = Path(script) if Path(script).is_absolute() else BENCHMARKS / script
    flags = os.environ.get("XLA_FLAGS", "")
    own = path.name in XLA_OWN_SETTINGS
    env = dict(
        os.environ, XLA_FLAGS=without_fast_compile(flags) if own else with_fast_compile(flags)
    )
    out = subprocess.run(
        [sys.executable, str(path), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env=env,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    lines = out.stdout.strip().splitlines()
    assert lines, f"{path.name} printed nothing"
    figures = json.loads(lines[-1])
    assert isinstance(figures, dict), f"{path.name}'s last line is not a JSON object"
    keep = os.environ.get("JAXMAG_BENCH_OUT")  # a folder: keep each run's figures there
    if keep:
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", " ".join([path.stem, *map(str, args)]))[:120]
        Path(keep).mkdir(parents=True, exist_ok=True)
        (Path(keep) / f"{name}.json").write_text(lines[-1])
    return BenchmarkRun(figures=figures, lines=lines[:-1], stderr=out.stderr)
