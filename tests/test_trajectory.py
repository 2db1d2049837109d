"""One result type: every run that integrates in time returns a ``jm.Trajectory`` with the
same fields, the same save times ``t0 + k * save_every`` and, on one tiny system, the
same ⟨m⟩ (adaptive, fixed-step, checkpointed, and thermal at T = 0)."""

import diffrax
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxmag as jm

MESH = jm.Mesh((4, 2, 1), (5e-9, 5e-9, 3e-9))
MAT = jm.Material(Ms=8e5, A=1.3e-11, alpha=0.02)
M0 = jm.normalise(
    jnp.stack([jnp.ones(8), 0.3 + 0.05 * jnp.arange(8.0), 0.1 * jnp.ones(8)]).reshape(3, 4, 2, 1)
)
T1, EVERY, DT = 2e-12, 2e-13, 1e-14  # s
N_SAVES = 11  # t = 0, 0.2, ..., 2 ps
# A large field (ω = γH ≈ 4e10 rad/s) so that ⟨m⟩ turns by ~5e-3 between saves: a save
# time off by one interval moves m_avg far beyond the tolerances below.
SYSTEM = jm.make_system(MESH, MAT, H=jnp.array([-2e5, 3e4, 0.0]), demag=False)


@pytest.fixture(scope="module")
def reference():
    """The adaptive run at tight tolerances: ⟨m⟩ to ~1e-10."""
    return jm.simulate(SYSTEM, M0, T1, save_every=EVERY, snapshots=True, rtol=1e-10, atol=1e-10)


@pytest.fixture(scope="module")
def ck_args(tmp_path_factory):
    """The checkpointed run: two segments, at the reference's tolerances."""
    folder = tmp_path_factory.mktemp("ck")
    return dict(
        checkpoint_dir=folder, checkpoint_every=1e-12, save_every=EVERY, snapshots=True,
        rtol=1e-10, atol=1e-10,
    )  # fmt: skip


@pytest.fixture(scope="module")
def runs(reference, ck_args):
    return {
        "simulate": reference,
        "fixed": jm.simulate_fixed(SYSTEM, M0, DT, 200, save_every=EVERY, snapshots=True),
        "checkpointed": jm.simulate_checkpointed(SYSTEM, M0, T1, **ck_args),
        "thermal": jm.simulate_thermal(
            SYSTEM, M0, T1, key=jax.random.key(0), T=0.0, dt=DT, save_every=EVERY, snapshots=True
        ),
    }


# How close each run's ⟨m⟩ comes to the reference (measured: Heun at dt = 10 fs, fixed or
# thermal at T = 0 on the same steps, 7.6e-10; the checkpointed run, at the reference's
# tolerances and solver, 8e-15). One save interval of drift changes ⟨m⟩ by ~5e-3.
TOL = {"simulate": 0.0, "fixed": 3e-9, "checkpointed": 1e-12, "thermal": 3e-9}


@pytest.mark.parametrize("name", ["simulate", "fixed", "checkpointed", "thermal"])
def test_every_run_returns_one_trajectory(runs, reference, name):
    tr = runs[name]
    assert type(tr) is jm.Trajectory
    ts = np.asarray(tr.ts)
    assert ts.shape == (N_SAVES,)
    np.testing.assert_allclose(ts, EVERY * np.arange(N_SAVES), rtol=1e-12, atol=1e-27)
    assert tr.m_avg.shape == (N_SAVES, 3) and tr.m_final.shape == (3, *MESH.shape)
    assert float(tr.t_final) == pytest.approx(T1, rel=1e-12)
    assert tr.snapshots.shape == (N_SAVES, 3, *MESH.shape)
    np.testing.assert_allclose(tr.snapshot_ts, tr.ts, rtol=1e-15, atol=0)
    # the snapshots are the saved states: their mean is ⟨m⟩, the last one is m_final
    np.testing.assert_allclose(jnp.mean(tr.snapshots, axis=(2, 3, 4)), tr.m_avg, atol=1e-14)
    np.testing.assert_allclose(tr.snapshots[-1], tr.m_final, atol=1e-14)
    assert float(tr.final_norm_dev) < 1e-12 and float(tr.max_norm_dev) < 1e-12
    n = int(tr.stats["num_steps"])
    assert n == int(tr.stats["num_accepted_steps"]) + int(tr.stats["num_rejected_steps"]) > 0
    if name in ("fixed", "thermal"):
        assert n == 200 and int(tr.stats["num_rejected_steps"]) == 0
    if name in ("simulate", "thermal"):
        assert set(tr.energies) == set(reference.energies)
        assert all(v.shape == (N_SAVES,) for v in tr.energies.values())
    else:
        assert tr.energies is None
    if name != "fixed":
        assert tr.result == diffrax.RESULTS.successful
    err = float(jnp.max(jnp.abs(tr.m_avg - reference.m_avg)))
    assert err <= TOL[name], err
    assert not np.allclose(tr.m_avg[1], tr.m_avg[0], atol=2e-3)  # it turns between saves


def test_run_specific_fields(runs):
    ck, th = runs["checkpointed"], runs["thermal"]
    assert ck.resumed_from is None and ck.stats["n_segments"] == 2 and ck.key is None
    assert ck.norm_dev is None  # not saved by the checkpointed run
    assert np.array_equal(jax.random.key_data(th.key), jax.random.key_data(jax.random.key(0)))
    assert runs["fixed"].result is None and runs["fixed"].key is None
    assert runs["simulate"].resumed_from is None


def test_checkpointed_snapshots_resume(runs, ck_args):
    ck = runs["checkpointed"]
    again = jm.simulate_checkpointed(SYSTEM, M0, T1, **ck_args)
    assert again.resumed_from == 2  # restored from the checkpoint, snapshots included
    assert np.array_equal(again.snapshots, ck.snapshots)
    assert np.array_equal(again.m_final, ck.m_final) and np.array_equal(again.m_avg, ck.m_avg)


def test_save_times_start_at_t0(reference):
    t0 = 0.5e-12  # same shapes and solver as the reference: no new compile
    tr = jm.simulate(
        SYSTEM, M0, T1 + t0, t0=t0, save_every=EVERY, snapshots=True, rtol=1e-10, atol=1e-10
    )
    np.testing.assert_allclose(tr.ts, t0 + EVERY * np.arange(N_SAVES), rtol=1e-12, atol=1e-27)
    np.testing.assert_allclose(tr.snapshot_ts, tr.ts, rtol=1e-15, atol=0)
    # the field is constant in time: the same motion, shifted by t0
    assert float(jnp.max(jnp.abs(tr.m_avg - reference.m_avg))) < 1e-9


def test_snapshot_keyword_is_checked(tmp_path):
    with pytest.raises(TypeError, match="snapshots"):
        jm.simulate(SYSTEM, M0, T1, snapshots="yes")
    with pytest.raises(TypeError, match="snapshots"):
        jm.simulate_thermal(
            SYSTEM, M0, T1, key=jax.random.key(0), T=0.0, dt=DT, snapshots=np.array([0.0, T1])
        )
    with pytest.raises(TypeError, match="snapshots"):
        jm.simulate_checkpointed(
            SYSTEM, M0, T1, checkpoint_dir=tmp_path / "unused", checkpoint_every=1e-12,
            save_every=EVERY,
            snapshots="yes",
        )  # fmt: skip
    with pytest.raises(ValueError, match="snapshot times must lie within"):
        jm.simulate_checkpointed(
            SYSTEM, M0, T1, checkpoint_dir=tmp_path / "unused", checkpoint_every=1e-12,
            save_every=EVERY,
            snapshots=[0.0, 2 * T1],
        )  # fmt: skip


def test_an_integration_error_keeps_the_finite_part():
    """The fixed-step NaN case: saves after the field went non-finite are dropped, and
    the last good state is the last finite snapshot (the final state is NaN)."""
    from jaxmag.dynamics import IntegrationError

    ts = jnp.asarray([0.0, 1e-12, 2e-12, 3e-12, np.inf])
    m_avg = jnp.asarray([[1.0, 0, 0], [0.9, 0.1, 0], [np.nan] * 3, [np.nan] * 3, [np.inf] * 3])
    snaps = np.ones((3, 3, 2, 1, 1))
    snaps[2, 0, 1] = np.nan
    traj = jm.Trajectory(
        ts=ts, m_avg=m_avg, m_final=jnp.full((3, 2, 1, 1), np.nan), t_final=jnp.asarray(3e-12),
        stats={}, snapshots=jnp.asarray(snaps), snapshot_ts=ts[:3],
        energies={"E_zeeman": jnp.asarray([1.0, 2.0, np.nan, np.nan, np.inf])},
    )  # fmt: skip
    err = IntegrationError("failed", traj)
    assert str(err) == "failed" and isinstance(err, RuntimeError)
    assert err.t_reached == 3e-12 and err.t_last == 1e-12
    np.testing.assert_array_equal(err.trajectory.ts, [0.0, 1e-12])
    np.testing.assert_array_equal(err.trajectory.energies["E_zeeman"], [1.0, 2.0])
    np.testing.assert_array_equal(err.m_last, snaps[1])
    assert err.trajectory.snapshots.shape[0] == 2
