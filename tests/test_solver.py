"""The projected integrator: |m| = 1, convergence order, invariants, failures, saving."""

import re

import diffrax
import equinox as eqx
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.stats import linregress

import jaxmag as jm
from jaxmag.dynamics import TIME_UNIT

# The small mesh of test_llg.py too: compilations are shared within a session.
SMALL = jm.Mesh((6, 4, 2), (5e-9, 5e-9, 4e-9))
HOLE = np.ones(SMALL.shape, dtype=bool)
HOLE[2:4, 1:3, 1] = False

SOLVERS = {
    "Euler": (diffrax.Euler, 1),
    "Heun": (diffrax.Heun, 2),
    "Bosh3": (diffrax.Bosh3, 3),
    "Tsit5": (diffrax.Tsit5, 5),
    "Dopri5": (diffrax.Dopri5, 5),
    "RK4FSAL": (jm.RK4FSAL, 4),
}
ADAPTIVE = {"Bosh3", "Tsit5", "Dopri5", "Heun", "RK4FSAL"}
SLOW_SOLVERS = {"Bosh3", "Tsit5"}
"""Run in CI's slow set (the fast suite's 10-minute budget): the fast suite keeps Euler
and Heun (fixed steps, orders 1 and 2) and simulate's defaults RK4FSAL and Dopri5."""
SOLVER_PARAMS = [
    pytest.param(name, marks=[pytest.mark.slow] if name in SLOW_SOLVERS else []) for name in SOLVERS
]


def tilted_state(seed=0, bias=(1.0, 0.5, 0.2)):
    """A non-uniform state, far from equilibrium."""
    rng = np.random.default_rng(seed)
    return rng.normal(size=(3, *SMALL.shape)) + 1.5 * np.reshape(bias, (3, 1, 1, 1))


def total_energy(traj):
    return np.sum([np.asarray(e) for e in traj.energies.values()], axis=0)


def energy_scale(traj):
    """Sum of the magnitudes of the terms at t0: the scale of round-off in the total."""
    return float(np.sum([abs(float(e[0])) for e in traj.energies.values()]))


@pytest.fixture(scope="module")
def film():
    """Exchange, demag and a field, with a hole, weakly damped."""
    mat = jm.Material(8e5, 1.3e-11, 0.02)
    return jm.make_system(SMALL, mat, mask=HOLE, H=(2e4, 1e4, -3e4))


@pytest.fixture(scope="module")
def film_reference(film):
    traj = jm.simulate(film, tilted_state(), 20e-12, save_every=5e-12, rtol=1e-11, atol=1e-11)
    return np.asarray(traj.m_avg)


# --- |m| = 1 -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", SOLVER_PARAMS)
def test_norm_preserved(film, film_reference, name):
    solver = SOLVERS[name][0]()
    if name in ("Euler", "Heun"):
        dt0 = 0.005e-12 if name == "Euler" else 0.02e-12
        kw = dict(dt0=dt0, stepsize_controller=diffrax.ConstantStepSize())
    else:
        kw = dict(rtol=1e-6, atol=1e-6)
    traj = jm.simulate(film, tilted_state(), 20e-12, save_every=5e-12, solver=solver, **kw)
    assert traj.norm_dev.shape == (5,)
    assert float(jnp.max(traj.norm_dev)) <= 1e-12
    assert float(traj.final_norm_dev) <= 1e-12  # the solver's own state, not renormalised
    assert float(traj.max_norm_dev) <= 1e-12
    m = np.asarray(traj.m_final)
    assert np.all(m[:, ~HOLE] == 0.0)  # non-magnetic cells stay empty
    # The norm is kept and the dynamics are right (Euler is first order: loosest).
    tol = 1e-2 if name == "Euler" else 1e-4
    np.testing.assert_allclose(np.asarray(traj.m_avg), film_reference, rtol=0, atol=tol)
    assert np.max(np.abs(film_reference[-1] - film_reference[0])) > 0.05  # it moved


def test_unprojected_solver_drifts_off_the_sphere(film):
    """The control for test_norm_preserved: without projection, fixed-step Euler lets
    |m| grow (each step adds an orthogonal increment), far beyond 1e-12."""
    m0 = film.check_magnetisation(tilted_state())

    def vf(tau, y, args):
        return TIME_UNIT * jm.llg_rhs(args, y, tau * TIME_UNIT)

    sol = diffrax.diffeqsolve(
        diffrax.ODETerm(vf),
        diffrax.Euler(),
        0.0,
        20.0,
        0.02,
        m0,
        args=film,
        saveat=diffrax.SaveAt(t1=True),
        stepsize_controller=diffrax.ConstantStepSize(),
    )
    assert float(jm.max_norm_deviation(sol.ys[-1])) > 1e-6


# --- Convergence order ---------------------------------------------------------------------

MACRO_T1 = 200e-12
MACRO_M0 = np.array([0.2, -0.6, -0.8])
DTS = {  # ps, in the asymptotic regime and well above round-off (errors 1e-12 .. 1e-2)
    "Euler": [0.125, 0.25, 0.5, 1.0, 2.0],
    "Heun": [0.25, 0.5, 1.0, 2.0, 4.0],
    "Bosh3": [0.5, 1.0, 2.0, 4.0],
    "Tsit5": [2.5, 4.0, 5.0, 8.0, 10.0],
    "Dopri5": [2.5, 4.0, 5.0, 8.0, 10.0],
    "RK4FSAL": [1.0, 2.0, 2.5, 4.0, 5.0],
}


@pytest.fixture(scope="module")
def macrospin():
    """Uniaxial anisotropy, an oblique field and damping: a non-trivial orbit."""
    mesh = jm.Mesh((1, 1, 1), (5e-9, 5e-9, 5e-9))
    mat = jm.Material(8e5, 0.0, 0.05, Ku1=5e4, anis_u=(0.0, 0.0, 1.0))
    H = 6e4 * np.array([1.0, 0.3, 1.0]) / np.linalg.norm([1.0, 0.3, 1.0])
    return jm.make_system(mesh, mat, H=H, exchange=False, demag=False)


@pytest.fixture(scope="module")
def macrospin_reference(macrospin):
    traj = jm.simulate(
        macrospin,
        MACRO_M0,
        MACRO_T1,
        ts=[0.0, MACRO_T1],
        solver=diffrax.Dopri8(),
        rtol=1e-14,
        atol=1e-14,
        save_energies=False,
    )
    return np.asarray(traj.m_final)[:, 0, 0, 0]


@eqx.filter_jit
def _unprojected(system, solver, m0, dt):
    def vf(tau, y, args):
        return TIME_UNIT * jm.llg_rhs(args, y, tau * TIME_UNIT)

    sol = diffrax.diffeqsolve(
        diffrax.ODETerm(vf),
        solver,
        0.0,
        MACRO_T1 / TIME_UNIT,
        dt,
        m0,
        args=system,
        saveat=diffrax.SaveAt(t1=True),
        stepsize_controller=diffrax.ConstantStepSize(),
        max_steps=10_000,
    )
    return sol.ys[-1]


@pytest.mark.parametrize("name", SOLVER_PARAMS)
def test_convergence_order(macrospin, macrospin_reference, name):
    cls, order = SOLVERS[name]
    dts = np.asarray(DTS[name])
    m0 = macrospin.check_magnetisation(MACRO_M0)
    err, err_raw = [], []
    for dt in dts:
        traj = jm.simulate(
            macrospin,
            MACRO_M0,
            MACRO_T1,
            ts=[0.0, MACRO_T1],
            solver=cls(),
            dt0=jnp.asarray(dt * 1e-12),  # an array: one compilation
            stepsize_controller=diffrax.ConstantStepSize(),
            save_energies=False,
        )
        assert int(traj.stats["num_steps"]) == int(np.ceil(MACRO_T1 / (dt * 1e-12) - 1e-9))
        err.append(np.max(np.abs(np.asarray(traj.m_final)[:, 0, 0, 0] - macrospin_reference)))
        raw = _unprojected(macrospin, cls(), m0, jnp.asarray(dt))
        err_raw.append(np.max(np.abs(np.asarray(raw)[:, 0, 0, 0] - macrospin_reference)))
    err, err_raw = np.asarray(err), np.asarray(err_raw)
    assert np.all(err > 1e-13), err  # above round-off
    fit = linregress(np.log(dts), np.log(err))
    fit_raw = linregress(np.log(dts), np.log(err_raw))
    assert fit.rvalue > 0.999, (fit, err)
    assert order - 0.25 < fit.slope < order + 0.6, (fit.slope, err)
    # Projection does not lower the order, nor much change the error constant.
    assert fit.slope > fit_raw.slope - 0.25, (fit.slope, fit_raw.slope)
    assert np.all(err < 3 * err_raw), (err, err_raw)


# --- Invariants ----------------------------------------------------------------------------


def _full_system(alpha):
    mat = jm.Material(8e5, 1.3e-11, alpha, Ku1=2e4, anis_u=(1.0, 1.0, 0.0))
    return jm.make_system(SMALL, mat, mask=HOLE, H=(2e4, -1e4, 3e4))


def test_energy_non_increasing_with_damping():
    system = _full_system(0.1)
    assert set(system.energies(system.check_magnetisation(tilted_state()))) == {
        "exchange",
        "demag",
        "anisotropy",
        "zeeman",
    }
    traj = jm.simulate(system, tilted_state(), 50e-12, save_every=1e-12, rtol=1e-6, atol=1e-6)
    E = total_energy(traj)
    scale = energy_scale(traj)
    assert np.all(np.diff(E) <= 1e-12 * scale), np.max(np.diff(E)) / scale
    assert E[-1] < E[0] - 0.5 * scale  # and it really relaxes


def test_energy_conserved_without_damping():
    system = _full_system(0.0)
    traj = jm.simulate(system, tilted_state(), 50e-12, save_every=1e-12, rtol=1e-10, atol=1e-10)
    E = total_energy(traj)
    scale = energy_scale(traj)
    assert np.max(np.abs(E - E[0])) < 1e-7 * scale
    # The terms themselves exchange energy: the dynamics are not trivial.
    ex = np.asarray(traj.energies["exchange"])
    assert np.max(np.abs(ex - ex[0])) > 1e-2 * scale


# --- The wrapper ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(SOLVERS))
def test_projected_solver_forwards_type_and_order(name):
    cls, order = SOLVERS[name]
    inner = cls()
    wrapped = jm.ProjectedSolver(inner)
    adaptive = isinstance(inner, diffrax.AbstractAdaptiveSolver)
    assert adaptive == (name in ADAPTIVE)
    assert isinstance(wrapped, diffrax.AbstractAdaptiveSolver) == adaptive
    assert isinstance(wrapped, diffrax.AbstractWrappedSolver)
    term = diffrax.ODETerm(lambda t, y, args: y)
    assert wrapped.order(term) == inner.order(term) == order
    assert wrapped.term_structure == inner.term_structure
    assert wrapped.interpolation_cls is inner.interpolation_cls


def test_projected_step_returns_unit_vectors():
    """One raw step of ProjectedSolver on an ODE that leaves the sphere (dm/dt = m)."""
    solver = jm.ProjectedSolver(diffrax.Dopri5())
    term = diffrax.ODETerm(lambda t, y, args: y)
    y0 = jnp.asarray(np.array([[0.6], [0.0], [0.8]]) * np.array([[1.0, 0.0]]))  # one zero
    state = solver.init(term, 0.0, 0.5, y0, None)
    y1, y_err, dense, _, result = solver.step(term, 0.0, 0.5, y0, None, state, False)
    assert result == diffrax.RESULTS.successful
    np.testing.assert_allclose(np.asarray(y1[:, 0]), [0.6, 0.0, 0.8], rtol=1e-14)
    assert np.all(np.asarray(y1[:, 1]) == 0.0)  # a zero vector stays zero, no NaN
    np.testing.assert_allclose(np.asarray(dense["y1"]), np.asarray(y1))
    assert float(jnp.max(jnp.abs(y_err))) > 0  # the inner error estimate is kept


# --- Failures ------------------------------------------------------------------------------


class NaNAfter(jm.AbstractEnergy):
    """A broken term: its field and energy are NaN after ``t_nan`` (s)."""

    t_nan: float

    def energy(self, m, t=0.0):
        return jnp.where(t > self.t_nan, jnp.nan, 0.0)

    def field(self, m, t=0.0):
        return jnp.where(t > self.t_nan, jnp.nan, 0.0) * m


def _time_reached(message):
    match = re.search(r"t = ([-+0-9.eE]+) s", message)
    assert match, message
    return float(match.group(1))


def test_max_steps_raises_naming_the_time(macrospin):
    with pytest.raises(RuntimeError, match="t = ") as info:
        jm.simulate(
            macrospin,
            MACRO_M0,
            100e-12,
            dt0=1e-12,
            max_steps=5,
            stepsize_controller=diffrax.ConstantStepSize(),
        )
    assert _time_reached(str(info.value)) == pytest.approx(5e-12, rel=1e-9)
    assert "maximum number of steps (5)" in str(info.value)


@pytest.fixture(scope="module")
def broken(macrospin):
    return jm.System(macrospin.mesh, macrospin.material, (*macrospin.terms, NaNAfter(5e-12)))


def test_nan_field_raises_adaptive(broken):
    """The controller rejects NaN steps and shrinks dt until max_steps: an error at the
    time the field broke, not NaNs."""
    with pytest.raises(RuntimeError, match="t = ") as info:
        jm.simulate(broken, MACRO_M0, 20e-12, max_steps=2000)
    assert 4e-12 < _time_reached(str(info.value)) <= 5e-12


def test_nan_field_raises_fixed_step(broken):
    """A fixed step is never rejected: NaN must still not come back silently."""
    with pytest.raises(RuntimeError, match="NaN") as info:
        jm.simulate(
            broken,
            MACRO_M0,
            20e-12,
            save_every=1e-12,
            dt0=0.1e-12,
            stepsize_controller=diffrax.ConstantStepSize(),
        )
    assert 5e-12 <= _time_reached(str(info.value)) <= 6e-12


def test_nan_field_raises_under_jit(broken):
    run = eqx.filter_jit(
        lambda m0: (
            jm.simulate(
                broken,
                m0,
                20e-12,
                save_every=1e-12,
                dt0=0.1e-12,
                stepsize_controller=diffrax.ConstantStepSize(),
            ).m_final
        )
    )
    with pytest.raises(Exception, match="NaN"):
        np.asarray(run(broken.check_magnetisation(MACRO_M0)))


# --- Saving ----------------------------------------------------------------------------


def test_snapshots(film):
    t1 = 10e-12
    snap_ts = np.array([0.0, 3e-12, 7.5e-12, t1])
    ts = np.linspace(0.0, t1, 41)  # contains every snapshot time
    m0 = tilted_state(seed=3)
    traj = jm.simulate(film, m0, t1, ts=ts, snapshots=snap_ts, save_energies=False)
    np.testing.assert_allclose(np.asarray(traj.snapshot_ts), snap_ts, rtol=1e-14, atol=1e-25)
    snaps = np.asarray(traj.snapshots)
    assert snaps.shape == (4, 3, *SMALL.shape)
    norms = np.linalg.norm(snaps, axis=1)
    np.testing.assert_allclose(norms[:, HOLE], 1.0, rtol=0, atol=1e-12)
    assert np.all(snaps[:, :, ~HOLE] == 0.0)
    # The snapshots are the states at those times: same ⟨m⟩ as the table, t0 is m0,
    # t1 is the final state, and the state changes in between.
    np.testing.assert_allclose(snaps[0], np.asarray(film.check_magnetisation(m0)), atol=1e-14)
    np.testing.assert_allclose(snaps[-1], np.asarray(traj.m_final), atol=1e-12)
    idx = [int(np.argmin(np.abs(ts - t))) for t in snap_ts]
    m_avg = np.asarray(traj.m_avg)[idx]
    mean = snaps[:, :, HOLE].mean(axis=-1)
    np.testing.assert_allclose(mean, m_avg, rtol=0, atol=1e-12)
    assert np.max(np.abs(snaps[2] - snaps[1])) > 1e-2
