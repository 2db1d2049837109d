"""The collectives of a compiled program and the bytes each moves: what a distributed
run exchanges between devices, read from XLA's optimised HLO."""

import re

import numpy as np

COLLECTIVES: tuple[str, ...] = (
    "all-gather",
    "all-to-all",
    "all-reduce",
    "collective-permute",
    "reduce-scatter",
)
"""The HLO collective operations counted by :func:`collectives`."""

_BYTES = {"f16": 2, "bf16": 2, "f32": 4, "f64": 8, "c64": 8, "c128": 16, "s32": 4, "s64": 8}
_OP = re.compile(r"= (.*?) (" + "|".join(COLLECTIVES) + r")(?:-start)?\(")
_SHAPE = re.compile(r"(\w+)\[([\d,]*)\]")


def collectives(hlo_text: str) -> list[tuple[str, int]]:
    """``(operation, bytes of its result)`` for every collective in `hlo_text` (the text
    of ``jax.jit(f).lower(...).compile().as_text()``), in program order. A result's bytes
    are what each device holds when it is done (for an all-gather, the gathered array;
    for an all-to-all, all its pieces, which XLA may write as a tuple; for an
    asynchronous ``-start``, the largest array of its tuple)."""
    out = []
    for line in hlo_text.splitlines():
        m = _OP.search(line)
        if m:
            sizes = [
                _BYTES.get(t, 8) * int(np.prod([int(d) for d in dims.split(",") if d]))
                for t, dims in _SHAPE.findall(m.group(1))
            ]
            whole = m.group(2) == "all-to-all" and "-start" not in line.split("(")[0]
            out.append((m.group(2), sum(sizes) if whole else max(sizes, default=0)))
    return out


def whole_array_collectives(ops: list[tuple[str, int]], padded_bytes: int, n_devices: int) -> int:
    """How many of `ops` (from :func:`collectives`) bring a whole array to a device: an
    all-gather, all-reduce, reduce-scatter or collective-permute whose result is at least
    half of `padded_bytes` (the zero-padded magnetisation, ``3 · Lx · Ly · Lz`` values:
    XLA's automatic partitioning of ``jnp.fft`` all-gathers this half, the magnetisation
    padded along one axis, onto every device), or an all-to-all that leaves a device
    twice its share of it, ``2 · padded_bytes / n_devices`` or more (at N = 2: the
    whole padded array). A slab decomposition's transposes (all-to-all: a device's share
    of the half spectrum in complex numbers, its frequencies padded to a multiple of N),
    one-plane halos and scalar reductions are not."""
    count = 0
    for op, size in ops:
        if op == "all-to-all":
            count += size >= 2 * padded_bytes / n_devices
        else:
            count += size >= padded_bytes / 2
    return count
