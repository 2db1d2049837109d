"""SpinOrbitTorque: the field against its closed form, the map to the Slonczewski term,
the macrospin steady tilt, escape and antidamping threshold against theory, gradients
against finite differences, bad input."""

import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from helpers import BENCHMARKS

import jaxmag as jm
from jaxmag.constants import E_CHARGE, HBAR, MU0

sys.path.insert(0, str(BENCHMARKS))
import sot as bench  # noqa: E402  (the benchmark's macrospin set-ups)

MESH1 = jm.Mesh((1, 1, 1), (1e-9, 1e-9, 1e-9))


def _field(sot, m):
    m = jnp.asarray(m, dtype=float).reshape(3, 1, 1, 1)
    return np.asarray(sot.field(m))[:, 0, 0, 0]


def test_unit_field_of_the_issue():
    """J = 6.9e10 A/m², Ms = 1.2e6 A/m, d = 1 nm, η_DL = -0.1, η_FL = 0.3, σ = -y, m = z."""
    sot = jm.SpinOrbitTorque(MESH1, jm.Material(Ms=1.2e6), 6.9e10, -0.1, 0.3, (0, -1, 0), 1e-9)
    h = _field(sot, (0, 0, 1))
    a = 6.9e10 * HBAR / (2 * E_CHARGE * MU0 * 1.2e6 * 1e-9)  # A/m, written out
    np.testing.assert_allclose(h, [0.1 * a, 0.3 * a, 0.0], rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(h, [1505.89, 4517.68, 0.0], atol=0.005)  # the quoted digits


def test_field_is_linear_in_each_part_and_zero_where_non_magnetic():
    mesh = jm.Mesh((2, 1, 1), (1e-9,) * 3)
    mat = jm.Material(Ms=np.array([8e5, 0.0]).reshape(2, 1, 1))
    sigma = np.array([0.0, 1.0, 0.0])
    m = jm.vectors.normalise(jnp.array([[0.3, 0.1], [0.2, 0.4], [0.9, 0.5]]).reshape(3, 2, 1, 1))
    dl = jm.SpinOrbitTorque(mesh, mat, 1e11, 0.2, 0.0, sigma, 1e-9)
    fl = jm.SpinOrbitTorque(mesh, mat, 1e11, 0.0, 0.2, sigma, 1e-9)
    a = 1e11 * HBAR / (2 * E_CHARGE * MU0 * 8e5 * 1e-9)
    h_dl, h_fl = np.asarray(dl.field(m)), np.asarray(fl.field(m))
    np.testing.assert_allclose(h_dl[:, 0, 0, 0], -a * 0.2 * np.cross(m[:, 0, 0, 0], sigma))
    np.testing.assert_allclose(h_fl[:, 0, 0, 0], -a * 0.2 * sigma)
    assert np.all(h_dl[:, 1] == 0) and np.all(h_fl[:, 1] == 0)
    # the damping-like torque of J η_DL > 0 pushes m away from σ: dm/dt · σ < 0
    system = jm.make_system(mesh, mat, exchange=False, demag=False, torques=(dl,))
    assert float(jnp.sum(jm.llg_rhs(system, m)[:, 0, 0, 0] * sigma)) < 0
    assert float(dl.damping_like_induction()[0, 0, 0]) == pytest.approx(MU0 * a * 0.2)


@pytest.mark.parametrize("seed", [0, 1])
def test_equals_slonczewski_with_lambda_one(seed):
    """The docstring's map to mumax3's Slonczewski parameters (FixedLayer = ∓σ,
    Pol = |η_DL|, EpsilonPrime = ±η_FL/2, Λ = 1), for both signs, per-cell J and d."""
    assert bench.slonczewski_map(seed) < 1e-13


def test_slonczewski_map_written_out():
    """η_DL = 0.3 ≥ 0: FixedLayer = -σ, Pol = 0.3, EpsilonPrime = η_FL/2 = -0.05."""
    mat = jm.Material(Ms=6e5)
    sot = jm.SpinOrbitTorque(MESH1, mat, 2e11, 0.3, -0.1, (1, 0, 0), 2e-9)
    slon = jm.Slonczewski(MESH1, mat, J=2e11, P=0.3, Lambda=1.0, eps_prime=-0.05,
                          mp=(-1, 0, 0), thickness=2e-9)  # fmt: skip
    m = jm.vectors.normalise(jnp.array([0.2, -0.5, 0.8]).reshape(3, 1, 1, 1))
    np.testing.assert_allclose(sot.torque(m), slon.torque(m), rtol=1e-13)
    p = sot.slonczewski_parameters()
    assert p["P"] == pytest.approx(0.3) and p["eps_prime"] == pytest.approx(-0.05)
    np.testing.assert_allclose(p["mp"], [-1, 0, 0])


def test_helpers_polarisation_and_ratio():
    np.testing.assert_allclose(jm.torques.polarisation_from_current((1, 0, 0)), [0, 1, 0])
    np.testing.assert_allclose(jm.torques.polarisation_from_current((0, 2, 0)), [-1, 0, 0])
    with pytest.raises(ValueError, match="parallel"):
        jm.torques.polarisation_from_current((0, 0, 1))
    mat = jm.Material(Ms=8e5)
    a = jm.SpinOrbitTorque.with_ratio(MESH1, mat, 1e11, 0.1, -2.0, (0, 1, 0), 1e-9)
    b = jm.SpinOrbitTorque(MESH1, mat, 1e11, 0.1, -0.2, (0, 1, 0), 1e-9)
    np.testing.assert_allclose(_field(a, (1, 0, 0)), _field(b, (1, 0, 0)), rtol=1e-15)


def test_time_fn_and_opposite_sigma_per_layer():
    """A synthetic antiferromagnet driven from top and bottom: σ per cell, opposite in
    the two layers, gives opposite fields; a time function scales J."""
    mesh = jm.Mesh((1, 1, 2), (1e-9,) * 3)
    sigma = np.zeros((3, 1, 1, 2))
    sigma[1, ..., 0], sigma[1, ..., 1] = 1.0, -1.0
    sot = jm.SpinOrbitTorque(mesh, jm.Material(Ms=8e5), 1e11, 0.1, 0.05, sigma, 1e-9,
                             time_fn=lambda t: jnp.sin(2e9 * t))  # fmt: skip
    m = jnp.broadcast_to(jnp.array([1.0, 0, 0]).reshape(3, 1, 1, 1), (3, 1, 1, 2))
    h = np.asarray(sot.field(m, 1e-10))
    np.testing.assert_allclose(h[..., 0], -h[..., 1], rtol=1e-14)
    h0 = np.asarray(sot.field(m, 0.0))
    assert np.all(h0 == 0) and np.abs(h).max() > 100


@pytest.mark.parametrize("alpha", [0.05, 0.3])
def test_perpendicular_tilt(alpha):
    """Steady tilt under a damping-like torque: B_DL = (B_K/2) sin 2θ (θ = 15° at 0.25)."""
    traj = bench.perpendicular(alpha, 0.25 * 0.5, Bk=0.5, t1=4e-9)
    theta = np.degrees(np.arccos(float(traj.m_avg[-1, 2])))
    assert abs(theta - 15.0) < 0.01
    assert float(traj.max_norm_dev) < 1e-12


def test_ramp_escape_at_half_bk():
    """A slow ramp (0.01 B_K/ns) escapes within 1 % of B_DL = B_K/2."""
    b = bench.ramp(0.3, 0.01)
    assert 0.5 < b < 0.505


def test_inplane_antidamping_threshold():
    """σ along the easy axis: the precession decays at 0.9× α(B_K + μ0 M_eff/2) and grows
    at 1.1×, at the linear-theory rates."""
    lo = bench.inplane(0.9, t1=10e-9)
    hi = bench.inplane(1.1, t1=10e-9)
    assert lo["final_amplitude_deg"] < 2.5 < 10 < hi["final_amplitude_deg"]
    for r in (lo, hi):
        assert r["growth_rate_per_s"] == pytest.approx(r["growth_rate_theory_per_s"], rel=0.1)


@pytest.mark.slow  # 7-17 s: the reverse-mode compilation through diffrax
def test_gradient_through_simulate_matches_finite_differences():
    mesh = jm.Mesh((1, 1, 1), (2e-9, 2e-9, 1e-9))
    mat = jm.Material(Ms=8e5, alpha=0.1, Ku1=2e5)

    def final_mx(eta):
        sot = jm.SpinOrbitTorque(mesh, mat, 2e11, eta, 0.05, (0.0, 1.0, 0.0), 1e-9)
        s = jm.make_system(mesh, mat, exchange=False, demag=False, torques=(sot,))
        tr = jm.simulate(s, jnp.array([0.0, 0.0, 1.0]), 2e-10, ts=jnp.array([2e-10]),
                         rtol=1e-10, atol=1e-10, save_energies=False)  # fmt: skip
        return tr.m_avg[-1, 0]

    g = float(jax.grad(final_mx)(0.1))
    h = 1e-5
    fd = (float(final_mx(0.1 + h)) - float(final_mx(0.1 - h))) / (2 * h)
    assert abs(fd) > 1e-2
    assert g == pytest.approx(fd, rel=1e-5)


def test_field_gradient_in_eta_matches_finite_differences():
    """d(m · h)/dη_DL by autodiff against a central difference (the slow set goes through
    a whole simulation)."""
    mat = jm.Material(Ms=8e5)
    m = jm.vectors.normalise(jnp.array([0.3, -0.2, 0.9]).reshape(3, 1, 1, 1))

    def f(eta):
        sot = jm.SpinOrbitTorque(MESH1, mat, 2e11, eta, 0.05, (0.6, 0.8, 0.0), 1e-9)
        return jnp.sum(sot.torque(m) ** 2)

    g = float(jax.grad(f)(0.1))
    fd = (float(f(0.1 + 1e-6)) - float(f(0.1 - 1e-6))) / 2e-6
    assert abs(g) > 0 and g == pytest.approx(fd, rel=1e-7)


@pytest.mark.parametrize(
    "kw, match",
    [
        ({"thickness": -1e-9}, "thickness"),
        ({"thickness": 0.0}, "thickness"),
        ({"sigma": (0.0, 0.0, 0.0)}, "unit"),
        ({"sigma": (0.0, 2.0, 0.0)}, "unit"),
        ({"sigma": (0.0, 1.0)}, "sigma"),
        ({"eta_DL": float("nan")}, "eta_DL"),
        ({"eta_FL": np.ones((3, 1, 1))}, "eta_FL"),
        ({"J": float("inf")}, "J"),
        ({"time_fn": 3.0}, "time_fn"),
    ],
)
def test_bad_input(kw, match):
    args = {"J": 1e11, "eta_DL": 0.1, "eta_FL": 0.0, "sigma": (0.0, 1.0, 0.0),
            "thickness": 1e-9}  # fmt: skip
    args.update(kw)
    with pytest.raises((ValueError, TypeError), match=match):
        jm.SpinOrbitTorque(MESH1, jm.Material(Ms=8e5), **args)
