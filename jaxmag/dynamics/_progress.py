"""Progress output that reads well in a terminal and in a log file.

:class:`ProgressLine` shows a fraction done. In a terminal (a tty) it redraws one line
at most every :data:`TTY_INTERVAL_S`; in a file or a pipe it prints a plain line at each
:data:`FILE_STEP` of progress or every :data:`FILE_INTERVAL_S`, whichever comes first,
each once. Its units never change: percent done, elapsed and remaining time in s.
(diffrax's ``TqdmProgressMeter`` in a log file printed each update twice, ``update``
then ``refresh``, and its rate flipped between ``%/s`` and ``s/%``.)

:class:`LineProgressMeter` drives a :class:`ProgressLine` from inside a diffrax solve.
It runs host callbacks, and JAX does not store a program with host callbacks in its
persistent compilation cache: a solve with it is compiled afresh in every process.
"""

import sys
import time

import diffrax
import equinox as eqx
import jax.numpy as jnp

# diffrax's host-side registry of meters: it threads the callbacks in order and handles
# vmap (the slowest batch element is shown).
from diffrax._progress_meter import _progress_meter_manager

TTY_INTERVAL_S: float = 0.2
"""Least time (s) between redraws of a terminal line."""
FILE_STEP: float = 0.1
"""In a file, a line at each multiple of this fraction (10 %)..."""
FILE_INTERVAL_S: float = 10.0
"""... or after this many seconds (s) without one."""


class ProgressLine:
    """A progress display for a fraction in [0, 1] on ``stream`` (default stderr).

    ``update(fraction)`` as often as wanted; ``close()`` once at the end (a last line
    with the elapsed time).
    """

    def __init__(self, label: str, stream=None):
        self.label = label
        self.stream = sys.stderr if stream is None else stream
        isatty = getattr(self.stream, "isatty", None)
        self.tty = bool(isatty()) if isatty is not None else False
        self.start = self.last_shown = time.perf_counter()
        self.fraction = 0.0
        self.shown = -1.0  # the fraction last printed
        self.closed = False

    def _text(self, now: float) -> str:
        elapsed = now - self.start
        f = self.fraction
        left = f"{elapsed * (1 - f) / f:.1f} s" if f >= 0.01 else "?"
        return f"{self.label}: {100 * f:5.1f} % (elapsed {elapsed:.1f} s, left ~{left})"

    def _show(self, now: float) -> None:
        if self.tty:
            bar = "#" * int(20 * self.fraction)
            self.stream.write(f"\r{self._text(now)} |{bar:<20}|")
        else:
            self.stream.write(self._text(now) + "\n")
        self.stream.flush()
        self.shown, self.last_shown = self.fraction, now

    def update(self, fraction: float) -> None:
        if self.closed:
            return
        self.fraction = min(max(float(fraction), self.fraction), 1.0)
        now = time.perf_counter()
        if self.tty:
            due = self.shown < 0 or now - self.last_shown >= TTY_INTERVAL_S
        else:
            step = int(self.fraction / FILE_STEP + 1e-9) > int(self.shown / FILE_STEP + 1e-9)
            due = self.shown < 0 or step or now - self.last_shown >= FILE_INTERVAL_S
        if due and self.fraction != self.shown and self.fraction < 1.0:
            self._show(now)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        now = time.perf_counter()
        text = f"{self.label}: finished in {now - self.start:.1f} s"
        self.stream.write(("\r" + text + " " * 30 + "\n") if self.tty else text + "\n")
        self.stream.flush()


class _MeterState(eqx.Module):
    meter_idx: jnp.ndarray
    step: jnp.ndarray


class LineProgressMeter(diffrax.AbstractProgressMeter):
    """A diffrax progress meter that shows a :class:`ProgressLine` on stderr.

    **Arguments:**

    - `label`: the text before the percentage.
    - `refresh_steps`: solver steps between host updates (each one is a callback).
    """

    label: str = eqx.field(static=True, default="LLG integration")
    refresh_steps: int = eqx.field(static=True, default=20)

    def init(self) -> _MeterState:
        label = self.label
        idx = _progress_meter_manager.init(lambda: ProgressLine(label))
        return _MeterState(meter_idx=idx, step=jnp.array(0))

    def step(self, state: _MeterState, progress) -> _MeterState:
        import equinox.internal as eqxi
        import jax

        idx = jax.lax.cond(
            eqxi.nonbatchable(eqxi.unvmap_max(state.step) % self.refresh_steps == 0),
            lambda i: _progress_meter_manager.step(_update, progress, i),
            lambda i: i,
            state.meter_idx,
        )
        return _MeterState(meter_idx=idx, step=state.step + 1)

    def close(self, state: _MeterState) -> None:
        _progress_meter_manager.close(_close, state.meter_idx)


def _update(line: ProgressLine, progress) -> None:
    line.update(float(progress))


def _close(line: ProgressLine) -> None:
    line.close()
