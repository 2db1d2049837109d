"""Batched reduced-unit macrospins: Stoner–Wohlfarth switching, agreement with the full
SI solver, label convergence in the step count, input checks."""

import diffrax
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxmag as jm
from jaxmag import macrospin as ms


def _h_sw(psi_deg):
    """Stoner–Wohlfarth switching field (units of H_K) at angle psi from the easy axis."""
    p = np.deg2rad(psi_deg)
    return 1.0 / (np.cos(p) ** (2 / 3) + np.sin(p) ** (2 / 3)) ** 1.5


@pytest.mark.parametrize("psi", [10.0, 30.0, 60.0])
def test_quasistatic_switching_follows_the_astroid(psi):
    hsw = _h_sw(psi)
    h = jnp.array([0.9 * hsw, 1.1 * hsw])
    m = ms.simulate_pulses(h, jnp.full(2, psi), jnp.full(2, 0.5), jnp.full(2, 100.0))
    assert float(m[0, 2]) > 0 and float(m[1, 2]) < 0
    np.testing.assert_allclose(jnp.linalg.norm(m, axis=1), 1.0, atol=1e-12)


def test_matches_the_si_solver():
    """The reduced task equals jaxmag's full LLG in SI units for mu0 H_K = 1 T."""
    units = ms.to_si(1.0)
    Ms = 8e5
    K = units["field_A_per_m"] * jm.constants.MU0 * Ms / 2
    h, psi, alpha, tau = 0.7, 25.0, 0.05, 30.0
    m_red = ms.simulate_pulses(
        jnp.array([h]), jnp.array([psi]), jnp.array([alpha]), jnp.array([tau]), n_steps=1600
    )[0]
    mesh = jm.Mesh((1, 1, 1), (5e-9,) * 3)
    H = np.asarray(ms.pulse_field(h, psi)) * units["field_A_per_m"]
    s = jm.make_system(
        mesh, jm.Material(Ms=Ms, alpha=alpha, Ku1=K), H=H, exchange=False, demag=False
    )
    tilt = np.deg2rad(ms.TILT_DEG)
    tr = jm.simulate(
        s,
        jnp.array([np.sin(tilt), 0.0, np.cos(tilt)]),
        tau * units["time_s"],
        save_every=tau * units["time_s"],
        rtol=1e-10,
        atol=1e-10,
    )
    np.testing.assert_allclose(tr.m_final[:, 0, 0, 0], m_red, atol=1e-6)
    assert units["time_s"] == pytest.approx(5.7e-12, rel=0.02)


def test_labels_converged_in_steps():
    feats = ms.sample_features(jax.random.PRNGKey(3), 4096)
    a = ms.simulate_pulses(**feats)[:, 2] < 0
    b = ms.simulate_pulses(**feats, n_steps=1200)[:, 2] < 0
    assert float(jnp.mean(a == b)) >= 0.999
    assert 0.2 < float(jnp.mean(a)) < 0.8  # both classes present


def test_dataset_reproducible_and_in_range():
    f1, y1 = ms.switching_dataset(jax.random.PRNGKey(0), 256)
    f2, y2 = ms.switching_dataset(jax.random.PRNGKey(0), 256)
    np.testing.assert_array_equal(y1, y2)
    assert float(f1["alpha"].min()) >= 0.005 and float(f1["alpha"].max()) <= 0.5
    assert float(f1["tau"].min()) >= 1.0 and float(f1["tau"].max()) <= 100.0
    assert float(f1["psi_deg"].max()) <= 90.0 and float(f1["h"].max()) <= 2.0


def test_hard_axis_changes_dynamics():
    args = (jnp.array([0.6]), jnp.array([45.0]), jnp.array([0.02]), jnp.array([20.0]))
    m0 = ms.simulate_pulses(*args)
    m1 = ms.simulate_pulses(*args, k_hard=2.0)
    assert float(jnp.max(jnp.abs(m0 - m1))) > 1e-2


def test_bad_input():
    one = jnp.ones(3)
    with pytest.raises(ValueError, match="one length"):
        ms.simulate_pulses(one, one, one, jnp.ones(2))
    with pytest.raises(ValueError, match="alpha"):
        ms.simulate_pulses(one, one, -one, one)
    with pytest.raises(ValueError, match="h must"):
        ms.simulate_pulses(-one, one, one, one)
    with pytest.raises(ValueError, match="tau contains NaN"):
        ms.simulate_pulses(one, one, one, one.at[1].set(jnp.nan))
    with pytest.raises(ValueError, match="n_steps"):
        ms.simulate_pulses(one, one, one, one, n_steps=0)
    assert ms.simulate_pulses(one, one, one, one, solver=diffrax.Bosh3()).shape == (3, 3)
