"""Save and snapshot times: evenly spaced, never a rounding step outside ``[t0, t1]``."""

import numpy as np

from jaxmag._memory import check_fits
from jaxmag._validate import check_real

REL_TOL: float = 1e-9
"""Relative slack (of the interval or of the run length) within which a time counts as on
a grid point or on an end of the run: times a rounding error past ``t1`` are ``t1``."""


def count_times(t0: float, t1: float, every: float, *, name: str = "save_every") -> int:
    """The number of times :func:`save_times` gives (``t0`` and ``t1`` included), counted
    without making them; the arguments are checked as there."""
    check_real(f"{name} (s)", every, positive=True)
    t0, t1, every = float(t0), float(t1), float(every)
    span = t1 - t0
    if every > span * (1 + REL_TOL):
        raise ValueError(
            f"{name} = {every!r} s exceeds the run length t1 - t0 = {span!r} s: nothing "
            "after t0 would be saved (make it at most the run length)"
        )
    return int(np.floor(span / every * (1 + REL_TOL))) + 1


def save_times(t0: float, t1: float, every: float, *, name: str = "save_every") -> np.ndarray:
    """The times ``t0 + k · every`` (s) for ``k = 0, 1, …`` up to ``t1``, clipped to
    ``[t0, t1]``.

    ``t0 + n · every`` in floating point can land one rounding step past ``t1`` (for
    ``every = t1 / 100`` at about one ``t1`` in eight), which diffrax refuses; a time
    within ``REL_TOL · every`` of ``t1`` is ``t1`` exactly.

    **Arguments:** `t0`, `t1`: the run's start and end (s), ``t1 > t0``; `every`: the
    interval (s), positive and at most ``t1 - t0`` (a longer interval would save ``t0``
    alone: refused, naming `name`). Times that would not fit in the free memory are
    refused before they are made (:class:`~jaxmag.InsufficientMemoryError`).
    """
    count = count_times(t0, t1, every, name=name)
    check_fits(
        16 * count,  # the times and their clipped copy, float64
        f"The {count:.3g} times of {name} = {float(every):g} s",
        f"make {name} larger",
    )
    t0, t1, every = float(t0), float(t1), float(every)
    ts = t0 + every * np.arange(count)
    if abs(ts[-1] - t1) <= REL_TOL * every:
        ts[-1] = t1
    return np.clip(ts, t0, t1)


def clip_times(ts, t0: float, t1: float, *, name: str = "save times") -> np.ndarray:
    """``ts`` (s) with times a rounding error outside ``[t0, t1]`` (within ``REL_TOL`` of the
    run length) moved onto the end they passed; a time further out is refused."""
    a = np.asarray(ts, dtype=float)
    t0, t1 = float(t0), float(t1)
    slack = REL_TOL * (t1 - t0)
    if np.any(a < t0 - slack) or np.any(a > t1 + slack):
        raise ValueError(
            f"{name} must lie within [t0, t1] = [{t0!r}, {t1!r}] s, got "
            f"[{a.min()!r}, {a.max()!r}] s"
        )
    return np.clip(a, t0, t1)
