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
    are what each device receives (for an all-gather, the gathered array; for an
    asynchronous ``-start``, the largest array of its tuple)."""
    out = []
    for line in hlo_text.splitlines():
        m = _OP.search(line)
        if m:
            sizes = [
                _BYTES.get(t, 8) * int(np.prod([int(d) for d in dims.split(",") if d]))
                for t, dims in _SHAPE.findall(m.group(1))
            ]
            out.append((m.group(2), max(sizes, default=0)))
    return out
