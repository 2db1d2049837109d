"""Save times: evenly spaced, never a rounding step outside ``[t0, t1]``, for any
(t1, save_every) a user types; and a run whose last step is tiny still succeeds.

``t0 + k · save_every`` in floating point lands past ``t1`` for about one ``t1 = k ns`` in
seven at the default interval (``t1 / 100``), and for two thirds of ``t1 = k · 10 ps`` at
``save_every = 0.1 ps``; diffrax then refused the run after compiling it."""

import numpy as np
import pytest

import jaxmag as jm
from jaxmag.constants import GAMMA_LL
from jaxmag.dynamics import clip_times, save_times

# (t0, t1, every) pairs users type: the default interval for t1 = k ns, 0.1 ps steps for
# t1 = k · 10 ps, continuations from t0 = k · 10 ps, and a few awkward ones
PAIRS = (
    [(0.0, k * 1e-9, k * 1e-9 / 100) for k in range(1, 101)]
    + [(0.0, k * 1e-11, 1e-13) for k in range(1, 101)]
    + [(k * 1e-11, (k + 1) * 1e-11, 1e-12) for k in range(1, 101)]
    + [(0.0, 49e-12, 49e-12 / 100), (0.0, 1e-14, 1e-16), (0.0, 1e-9, 3e-10), (2e-9, 3e-9, 1e-9)]
)


def _naive(t0, t1, every):
    """The former construction, which ``save_times`` replaces."""
    return t0 + every * np.arange(int(np.floor((t1 - t0) / every * (1 + 1e-9))) + 1)


def test_the_former_construction_overshoots():
    """The control: without clipping, many of these pairs put the last time past t1."""
    over = sum(_naive(*p)[-1] > p[1] for p in PAIRS)
    assert over > 50


@pytest.mark.parametrize("scale", [1.0, 1e-3])
def test_save_times_lie_in_the_run_and_are_even(scale):
    for t0, t1, every in PAIRS:
        t0, t1, every = t0 * scale, t1 * scale, every * scale
        ts = save_times(t0, t1, every)
        n = int(np.floor((t1 - t0) / every * (1 + 1e-9)))
        assert ts.size == n + 1, (t0, t1, every)
        assert ts[0] == t0 and ts[-1] <= t1 and np.all(np.diff(ts) > 0), (t0, t1, every)
        np.testing.assert_allclose(np.diff(ts), every, rtol=1e-6)
        if abs(n * every - (t1 - t0)) < 1e-9 * every:  # t1 on the grid: saved exactly
            assert ts[-1] == t1, (t0, t1, every)
        else:
            assert t1 - ts[-1] > 0.5 * 1e-9 * every
    np.testing.assert_allclose(save_times(0.0, 1e-9, 3e-10), [0, 3e-10, 6e-10, 9e-10])


def test_interval_longer_than_the_run_is_refused():
    with pytest.raises(ValueError, match="save_every = 2e-12 s exceeds the run length"):
        save_times(0.0, 1e-12, 2e-12)
    with pytest.raises(ValueError, match="save_every"):
        save_times(0.0, 1e-12, 0.0)
    assert save_times(0.0, 1e-12, 1e-12).tolist() == [0.0, 1e-12]


def test_clip_times_forgives_rounding_only():
    np.testing.assert_array_equal(clip_times([0.0, 1e-11 * (1 + 1e-15)], 0.0, 1e-11), [0, 1e-11])
    with pytest.raises(ValueError, match=r"must lie within \[t0, t1\]"):
        clip_times([0.0, 1.01e-11], 0.0, 1e-11)
    with pytest.raises(ValueError, match="within"):
        clip_times([-1e-13, 1e-11], 0.0, 1e-11)


# --- through simulate: one compiled program (101 saves), many (t0, t1) ---------------

H0, ALPHA, THETA0 = 1e5, 0.1, 1.0


@pytest.fixture(scope="module")
def macrospin():
    mesh = jm.Mesh((1, 1, 1), (5e-9, 5e-9, 5e-9))
    return jm.make_system(
        mesh, jm.Material(8e5, 0.0, ALPHA), H=(0.0, 0.0, H0), exchange=False, demag=False
    )


def _theta(t):
    """The polar angle of damped precession about +z (test_llg.py's analytic solution)."""
    rate = GAMMA_LL * H0 / (1 + ALPHA**2)
    return 2 * np.arctan(np.tan(THETA0 / 2) * np.exp(-ALPHA * rate * t))


@pytest.mark.parametrize(
    "t0, t1, save_every",
    [
        (0.0, 49e-12, None),  # the default interval: 49e-12 / 100 overshoots
        (0.0, 3e-9, None),
        (0.0, 1e-11, 1e-13),
        (6e-11, 7e-11, 1e-13),  # a continuation
        (0.0, 1e-14, None),  # a tiny run: its last step is below the step floor
    ],
)
def test_simulate_saves_up_to_t1(macrospin, t0, t1, save_every):
    m0 = (np.sin(THETA0), 0.0, np.cos(THETA0))
    traj = jm.simulate(macrospin, m0, t1, t0=t0, save_every=save_every, rtol=1e-7, atol=1e-7)
    ts = np.asarray(traj.ts)
    assert ts.size == 101 and ts[0] == t0 and ts[-1] == t1
    assert float(traj.t_final) == t1
    mz = np.asarray(traj.m_avg)[:, 2]
    np.testing.assert_allclose(mz, np.cos(_theta(ts - t0)), rtol=0, atol=1e-5)
    np.testing.assert_allclose(np.asarray(traj.m_final)[:, 0, 0, 0], traj.m_avg[-1], atol=1e-15)


@pytest.mark.parametrize("t1", [1e-14, 3e-12])
def test_a_last_step_below_the_step_floor_completes_the_run(macrospin, t1):
    """A first step a rounding error short of t1 leaves a last step of ~1e-29 s, below
    the 1e-20 s floor that flags a collapsed step size: the run is complete at t1 and
    succeeds (``jaxmag sp4 --t1 1e-11 --save-every 1e-13`` failed so in its warm-up)."""
    m0 = (np.sin(THETA0), 0.0, np.cos(THETA0))
    traj = jm.simulate(macrospin, m0, t1, dt0=t1 * (1 - 1e-15), rtol=1e-7, atol=1e-7)
    assert float(traj.t_final) == t1 and int(traj.stats["num_steps"]) >= 2
    np.testing.assert_allclose(traj.m_avg[-1, 2], np.cos(_theta(t1)), rtol=0, atol=1e-6)
