"""The memory a device has free, and the refusal of work that cannot fit in it.

A run that does not fit fails deep inside numpy or XLA (``RESOURCE_EXHAUSTED``, or
numpy's "Unable to allocate 36.4 TiB"), often after minutes of kernel building or
compilation. :func:`check_fits` refuses it up front instead, naming the figure and what
to change. The figures come from :func:`jaxmag.estimate_memory` (a run) and from the
mesh and the demag kernel (:class:`~jaxmag.Mesh`, :func:`~jaxmag.make_system`).
"""

import os

import jax
import numpy as np

SKIP_BELOW: int = 64 << 20
"""Bytes below which :func:`check_fits` does not look at the free memory (64 MiB): no
machine that runs jaxmag lacks that much, and small runs then never read ``/proc`` or
start a device to ask."""


class InsufficientMemoryError(MemoryError, ValueError):
    """Raised before any work when a mesh, a demag kernel or a run needs more memory
    than the device has free (:func:`available_memory`).

    A ``MemoryError``, as the allocation it stands in for would raise, and a
    ``ValueError``, as every other up-front refusal of an input is (``except
    ValueError`` around a run, and ``jaxmag run``'s error report, catch it too).
    """


def format_bytes(nbytes: float) -> str:
    """``nbytes`` (B) as a short figure in B, KiB, MiB, GiB, TiB or PiB."""
    value = float(nbytes)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(value) < 1024:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.3g} {unit}"
        value /= 1024
    return f"{value:.3g} PiB"


def _host_available() -> int | None:
    """Free host memory in bytes: ``MemAvailable`` of ``/proc/meminfo``, capped by a
    cgroup (container) limit; ``os.sysconf`` free pages where there is no ``/proc``."""
    free = None
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    free = int(line.split()[1]) * 1024
                    break
    except (OSError, ValueError, IndexError):
        pass
    if free is None:
        try:
            free = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, AttributeError):
            return None
    try:  # cgroup v2: a container's limit, less what it already uses
        with open("/sys/fs/cgroup/memory.max") as f:
            limit = f.read().strip()
        if limit != "max":
            with open("/sys/fs/cgroup/memory.current") as f:
                used = int(f.read().strip())
            free = min(free, max(int(limit) - used, 0))
    except (OSError, ValueError):
        pass
    return free


def available_memory(device=None) -> int | None:
    """The memory in bytes that a run on `device` can still allocate (default: JAX's
    first device): on a GPU or TPU its ``memory_stats()`` ``bytes_limit`` less
    ``bytes_in_use``; on the CPU, the host's available memory (``MemAvailable`` in
    ``/proc/meminfo``, capped by a container's cgroup limit). ``None`` where neither
    can be read (no check is then made)."""
    device = jax.devices()[0] if device is None else device
    if device.platform != "cpu":
        try:
            stats = device.memory_stats() or {}
        except Exception:  # noqa: BLE001 (a backend without memory statistics)
            stats = {}
        if "bytes_limit" in stats:
            return int(stats["bytes_limit"]) - int(stats.get("bytes_in_use", 0))
    return _host_available()


def device_name() -> str:
    """A short name of JAX's first device (``cpu``, ``gpu``, ...)."""
    return jax.devices()[0].platform


def state_bytes(ncells: int, dtype=None) -> int:
    """Bytes (B) of one vector field ``(3, nx, ny, nz)`` of ``ncells`` cells in `dtype`
    (default: JAX's default float dtype, float64 with x64 on)."""
    dtype = jax.dtypes.canonicalize_dtype(float if dtype is None else dtype)
    return 3 * int(ncells) * np.dtype(dtype).itemsize


def check_fits(needed: float, what: str, advice: str) -> None:
    """Raise :class:`InsufficientMemoryError` if `needed` bytes exceed
    :func:`available_memory`; the one-line message names `what` needs them, both
    figures and the `advice` (what to change). Figures under :data:`SKIP_BELOW` pass
    unchecked."""
    if needed < SKIP_BELOW:
        return
    free = available_memory()
    if free is None or needed <= free:
        return
    raise InsufficientMemoryError(
        f"{what} needs about {format_bytes(needed)}, but only {format_bytes(free)} is "
        f"free on the {device_name()}: {advice}"
    )
