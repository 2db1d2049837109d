"""Batched reduced-unit macrospins: Stoner–Wohlfarth switching, agreement with the full
SI solver, label convergence in the step count, input checks."""

import diffrax
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxmag as jm
from jaxmag import thermal as ms


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


def _boltzmann_cdf(delta, k_hard, edges, axis):
    """CDF at ``edges`` of m_axis under the density ∝ exp(Δ (m_z² - k_hard m_x²)) on the
    sphere, by quadrature on a fine (θ, φ) grid."""
    th = np.linspace(0, np.pi, 1601)
    ph = np.linspace(0, 2 * np.pi, 1601, endpoint=False)
    T, P = np.meshgrid(th, ph, indexing="ij")
    mx, mz = np.sin(T) * np.cos(P), np.cos(T)
    w = np.exp(delta * (mz**2 - k_hard * mx**2)) * np.sin(T)
    c = {"x": mx, "z": mz}[axis].ravel()
    order = np.argsort(c)
    cdf = np.cumsum(w.ravel()[order])
    cdf /= cdf[-1]
    return np.interp(edges, c[order], cdf)


@pytest.mark.parametrize(
    ("k_hard", "axis", "solver"),
    [(0.0, "z", None), (1.5, "x", None), (0.0, "z", diffrax.EulerHeun())],
)
def test_thermal_equilibrium_is_boltzmann(k_hard, axis, solver):
    """At zero field, replicas started at +z relax to the Boltzmann density
    ∝ exp(Δ (m_z² - k_hard m_x²)): a chi-square test on 8 bins of m_axis."""
    from scipy.stats import chi2

    B, delta = 3000, 2.0
    m = ms.simulate_pulses(
        jnp.zeros(B),
        jnp.zeros(B),
        jnp.full(B, 0.5),
        jnp.full(B, 40.0),
        k_hard=k_hard,
        delta=delta,
        key=jax.random.PRNGKey(7),
        n_steps=1000,
        solver=solver,
    )
    np.testing.assert_allclose(jnp.linalg.norm(m, axis=1), 1.0, atol=1e-12)
    c = np.asarray(m[:, "xyz".index(axis)])
    edges = np.linspace(-1, 1, 9)
    expected = B * np.diff(_boltzmann_cdf(delta, k_hard, edges, axis))
    observed = np.histogram(c, edges)[0]
    stat = float(np.sum((observed - expected) ** 2 / expected))
    assert stat < chi2.ppf(0.999, df=7), (observed, expected.round())
    # the test has power: the uniform density (Δ = 0) fails it
    flat = B * np.diff(_boltzmann_cdf(0.0, 0.0, edges, axis))
    assert float(np.sum((observed - flat) ** 2 / flat)) > chi2.ppf(0.999, df=7)


def test_thermal_runs_reproducible_and_keyed():
    args = (jnp.full(4, 0.8), jnp.full(4, 30.0), jnp.full(4, 0.1), jnp.full(4, 10.0))
    a = ms.simulate_pulses(*args, delta=20.0, key=jax.random.PRNGKey(1))
    b = ms.simulate_pulses(*args, delta=20.0, key=jax.random.PRNGKey(1))
    c = ms.simulate_pulses(*args, delta=20.0, key=jax.random.PRNGKey(2))
    np.testing.assert_array_equal(a, b)
    assert float(jnp.max(jnp.abs(a - c))) > 1e-3
    assert float(jnp.max(jnp.abs(a[0] - a[1]))) > 1e-3  # replicas get their own noise
    with pytest.raises(ValueError, match="PRNG key"):
        ms.simulate_pulses(*args, delta=20.0)
    with pytest.raises(ValueError, match="delta"):
        ms.simulate_pulses(*args, delta=-1.0, key=jax.random.PRNGKey(1))
    with pytest.raises(ValueError, match="k_hard"):
        ms.simulate_pulses(*args, k_hard=float("nan"))


def test_weak_noise_tends_to_the_deterministic_run():
    args = (jnp.full(2, 0.8), jnp.full(2, 30.0), jnp.full(2, 0.1), jnp.full(2, 10.0))
    det = ms.simulate_pulses(*args, n_steps=1000, solver=diffrax.Heun())
    noisy = ms.simulate_pulses(*args, delta=1e10, key=jax.random.PRNGKey(0))
    np.testing.assert_allclose(noisy, det, atol=1e-3)


def test_thermal_stability():
    # a 20 nm cube with K = 1e5 J/m³ at 300 K
    assert ms.thermal_stability(1e5, 8e-24, 300.0) == pytest.approx(
        1e5 * 8e-24 / (1.380649e-23 * 300.0)
    )
    with pytest.raises(ValueError, match="T must"):
        ms.thermal_stability(1e5, 8e-24, 0.0)
