"""Shared helpers for the benchmark scripts: conditions and the closing JSON line."""

import json
import os
import platform

import numpy as np


def conditions() -> dict:
    """Where and how a benchmark ran: dtype, device, threads, versions."""
    import jax
    import jaxlib

    dev = jax.devices()[0]
    return {
        "dtype": "float64" if jax.config.jax_enable_x64 else "float32",
        "device": f"{dev.platform}:{getattr(dev, 'device_kind', '')}",
        "cpu_count": os.cpu_count(),
        "jax": jax.__version__,
        "jaxlib": jaxlib.__version__,
        "python": platform.python_version(),
    }


def summary(walls) -> dict:
    """min / median / repeats of a list of wall times (s)."""
    walls = [float(w) for w in walls]
    return {"min": min(walls), "median": float(np.median(walls)), "repeats": len(walls)}


def best_time(fn, repeats: int = 3) -> float:
    """Seconds of the fastest of ``repeats`` calls of ``fn``, after one warm-up call (that
    compiles)."""
    import time

    fn()
    walls = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        walls.append(time.perf_counter() - t)
    return min(walls)


def relax_figures(relaxed) -> dict:
    """The figures of a :class:`jaxmag.RelaxResult`: iterations, torque, converged."""
    return {
        "relax_iterations": int(relaxed.iterations),
        "relax_max_torque": float(relaxed.max_torque),
        "relax_converged": bool(relaxed.converged),
    }


def _plain(o):
    """JSON-ready: arrays to lists, NaN and inf to null."""
    if isinstance(o, dict):
        return {k: _plain(v) for k, v in o.items()}
    if isinstance(o, list | tuple):
        return [_plain(v) for v in o]
    if hasattr(o, "shape") or isinstance(o, np.generic):
        return _plain(np.asarray(o).tolist())
    if isinstance(o, float) and not np.isfinite(o):
        return None
    return o


def emit(figures: dict) -> None:
    """Print the benchmark's figures as one JSON object: the last line of output."""
    print(json.dumps(_plain(figures), allow_nan=False), flush=True)


def bootstrap_ci(statistic, n_items: int, *, n_boot: int = 1000, seed: int = 0) -> list:
    """The 95 % percentile bootstrap interval ``[lo, hi]`` of ``statistic(index)`` over
    ``n_items`` test items resampled with replacement (``index``: an integer array of
    item positions; the statistic recomputes the figure on those items)."""
    rng = np.random.default_rng(seed)
    values = [statistic(rng.integers(0, n_items, n_items)) for _ in range(n_boot)]
    lo, hi = np.percentile(values, [2.5, 97.5])
    return [float(lo), float(hi)]
