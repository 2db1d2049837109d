"""The LLG right-hand side and its analytic solutions.

The Landau–Lifshitz form used by jaxmag is

    dm/dt = -γ/(1+α²) [m × H + α m × (m × H)].

With α = 0 and a static uniform field H = |H| n this is dm/dt = γ|H| (n × m): a
right-handed rotation about n at the angular frequency ω = γ|H|, so for H along +z,
seen from +z, m turns counter-clockwise (m = x̂ moves towards +ŷ). With α > 0 the
damping term γα/(1+α²) (H - m (m·H)) turns m towards H: the polar angle θ measured
from n obeys dθ/dt = -γα|H|/(1+α²) sin θ, i.e.
tan(θ/2) = tan(θ0/2) exp(-γα|H| t/(1+α²)), while the azimuth about n advances at
γ|H|/(1+α²).
"""

import equinox as eqx
import jax.numpy as jnp
import numpy as np
import pytest

import jaxmag as jm
from jaxmag.constants import GAMMA_LL, MU0
from jaxmag.torques import AbstractTorque
from jaxmag.vectors import cross, dot

CELL = (5e-9, 5e-9, 5e-9)
# Compiled: much faster than op-by-op dispatch.
llg_rhs = eqx.filter_jit(jm.llg_rhs)
field = eqx.filter_jit(lambda system, m: system.field(m))
energy = eqx.filter_jit(lambda system, m: system.energy(m))
torque = eqx.filter_jit(jm.field_torque)
MS = 8e5


def macrospin(H, alpha=0.0, demag=False, **material):
    """One cubic cell. A cube's demag tensor is isotropic (N = 1/3 each), so its demag
    field is parallel to m and exerts no torque: `demag=True` must not change the
    dynamics."""
    mesh = jm.Mesh((1, 1, 1), CELL)
    mat = jm.Material(MS, 0.0, alpha, **material)
    return jm.make_system(mesh, mat, H=H, exchange=False, demag=demag)


def rotate(v, n, angle):
    """Rodrigues: rotate vectors ``v`` (..., 3) about the unit axis ``n`` by ``angle``
    (right-handed), ``angle`` broadcast against the leading axes of ``v``."""
    c = np.cos(angle)[..., None]
    s = np.sin(angle)[..., None]
    return v * c + np.cross(n, v) * s + n * np.dot(v, n)[..., None] * (1 - c)


def spherical(theta, phi):
    """Unit vectors ``(3, ...)`` from polar angle ``theta`` and azimuth ``phi``."""
    theta, phi = np.broadcast_arrays(theta, phi)
    return np.array([np.sin(theta) * np.cos(phi), np.sin(theta) * np.sin(phi), np.cos(theta)])


# --- Analytic cases ------------------------------------------------------------------


@pytest.mark.parametrize(
    "direction, demag",
    [
        ((0.0, 0.0, 1.0), False),
        ((0.0, 0.0, -1.0), False),
        ((1.0, 2.0, -2.0), False),
        ((0.0, 0.0, 1.0), True),
    ],
    ids=["+z", "-z", "oblique", "+z-cube-demag"],
)
def test_larmor_precession(direction, demag):
    n = np.asarray(direction) / np.linalg.norm(direction)
    H0 = 1e5  # A/m: ω = γ H0 = 2.211e10 rad/s, a period of 284 ps
    system = macrospin(H0 * n, alpha=0.0, demag=demag)
    m0 = spherical(0.7, 0.3)
    t1 = 1e-9  # about 3.5 periods
    traj = jm.simulate(system, m0, t1, save_every=5e-12, rtol=1e-9, atol=1e-9)
    ts = np.asarray(traj.ts)
    assert ts.shape == (201,)
    np.testing.assert_allclose(ts, np.linspace(0, t1, 201), rtol=0, atol=1e-20)
    expected = rotate(m0, n, GAMMA_LL * H0 * ts)
    np.testing.assert_allclose(np.asarray(traj.m_avg), expected, rtol=0, atol=1e-6)
    # The component along the field is a constant of the motion.
    np.testing.assert_allclose(np.asarray(traj.m_avg) @ n, m0 @ n, rtol=0, atol=1e-7)


def test_larmor_sense_of_rotation_about_plus_z():
    """dm/dt = -γ m × H: for m = x̂, H = H ẑ, m × H = -H ŷ, so dm/dt = +γH ŷ."""
    H0 = 1e5
    system = macrospin((0.0, 0.0, H0))
    m = system.check_magnetisation((1.0, 0.0, 0.0))
    rhs = np.asarray(llg_rhs(system, m))[:, 0, 0, 0]
    np.testing.assert_allclose(rhs, [0.0, GAMMA_LL * H0, 0.0], rtol=1e-14, atol=0)


def test_precession_in_time_dependent_field():
    """H(t) = H0 (1 + t/T) ẑ: the azimuth is φ0 + γ H0 (t + t²/(2T)). Checks that the
    time passed to the field is in seconds (simulate integrates in scaled time)."""
    H0, T = 5e4, 200e-12
    mesh = jm.Mesh((1, 1, 1), CELL)
    mat = jm.Material(MS, 0.0, 0.0).on(mesh)
    zeeman = jm.Zeeman(mesh, mat, (0.0, 0.0, H0), time_fn=lambda t: 1.0 + t / T)
    system = jm.System(mesh, mat, (zeeman,))
    theta0, phi0 = 1.1, -0.4
    t1 = 400e-12
    traj = jm.simulate(
        system, spherical(theta0, phi0), t1, save_every=10e-12, rtol=1e-10, atol=1e-10
    )
    ts = np.asarray(traj.ts)
    phi = phi0 + GAMMA_LL * H0 * (ts + ts**2 / (2 * T))
    expected = spherical(theta0, phi).T
    np.testing.assert_allclose(np.asarray(traj.m_avg), expected, rtol=0, atol=1e-6)


@pytest.mark.parametrize("alpha", [0.05, 0.5])
def test_damped_precession(alpha):
    H0 = 1e5
    n = np.array([0.0, 0.0, 1.0])
    system = macrospin(H0 * n, alpha=alpha)
    theta0, phi0 = 2.5, 0.2  # start far from the field
    rate = GAMMA_LL * H0 / (1 + alpha**2)
    t1 = 3.0 / (alpha * rate)  # tan(θ/2) falls by e³
    traj = jm.simulate(
        system, spherical(theta0, phi0), t1, save_every=t1 / 200, rtol=1e-10, atol=1e-10
    )
    ts = np.asarray(traj.ts)
    m = np.asarray(traj.m_avg)
    theta = 2 * np.arctan(np.tan(theta0 / 2) * np.exp(-alpha * rate * ts))
    phi = phi0 + rate * ts
    np.testing.assert_allclose(m, spherical(theta, phi).T, rtol=0, atol=1e-6)
    # The polar angle directly, from atan2 (well conditioned everywhere).
    theta_num = np.arctan2(np.hypot(m[:, 0], m[:, 1]), m[:, 2])
    np.testing.assert_allclose(theta_num, theta, rtol=0, atol=1e-6)
    assert theta_num[-1] < 0.2 * theta0


# --- Properties of the right-hand side --------------------------------------------------


@pytest.fixture(scope="module")
def holey_system():
    """A small system with every term, per-cell damping and a hole."""
    n = (6, 4, 2)  # the small mesh of test_solver.py too: compilations are shared
    mesh = jm.Mesh(n, (5e-9, 5e-9, 4e-9))
    mask = np.ones(n, dtype=bool)
    mask[2:4, 1:3, 1] = False
    alpha = np.linspace(0.05, 0.6, np.prod(n)).reshape(n)
    mat = jm.Material(MS, 1.3e-11, alpha, Ku1=4e4, anis_u=(1.0, 1.0, 0.5), Kc1=-1e4)
    return jm.make_system(mesh, mat, mask=mask, H=(3e4, -2e4, 5e4)), mask


@pytest.fixture(scope="module")
def random_m(holey_system):
    system, _ = holey_system
    rng = np.random.default_rng(1)
    return system.check_magnetisation(rng.normal(size=(3, *system.mesh.shape)))


def test_rhs_orthogonal_to_m(holey_system, random_m):
    system, _ = holey_system
    rhs = llg_rhs(system, random_m)
    scale = float(jnp.max(jnp.abs(rhs)))
    assert scale > 1e9  # a far-from-equilibrium state: dm/dt of order γ |H|
    assert float(jnp.max(jnp.abs(dot(rhs, random_m)))) < 1e-13 * scale
    damp = llg_rhs(system, random_m, precession=False)
    assert float(jnp.max(jnp.abs(dot(damp, random_m)))) < 1e-13 * scale


def test_rhs_zero_in_non_magnetic_cells(holey_system, random_m):
    system, mask = holey_system
    assert not bool(jnp.any(random_m[:, ~mask]))  # check_magnetisation zeroes the hole
    for precession in (True, False):
        rhs = np.asarray(llg_rhs(system, random_m, precession=precession))
        assert np.all(rhs[:, ~mask] == 0.0)
        assert np.all(np.linalg.norm(rhs[:, mask], axis=0) > 0)


def test_rhs_invariant_under_radial_scaling(holey_system, random_m):
    """What makes FSAL and projection consistent (see ProjectedSolver)."""
    system, _ = holey_system
    rng = np.random.default_rng(2)
    c = rng.uniform(0.5, 2.0, size=system.mesh.shape)
    scaled = random_m * c
    assert float(jnp.max(jnp.abs(scaled - random_m))) > 0.1
    for precession in (True, False):
        a = llg_rhs(system, random_m, precession=precession)
        b = llg_rhs(system, scaled, precession=precession)
        scale = float(jnp.max(jnp.abs(a)))
        np.testing.assert_allclose(np.asarray(b), np.asarray(a), rtol=0, atol=1e-13 * scale)


def test_rhs_matches_landau_lifshitz_form(holey_system, random_m):
    """Both terms, against the formula written out here with the field from System."""
    system, _ = holey_system
    m = np.asarray(random_m)
    H = np.asarray(field(system, random_m))
    alpha = np.asarray(system.material.alpha)
    pre = -GAMMA_LL / (1 + alpha**2)
    mxH = np.cross(m, H, axis=0)
    mxmxH = np.cross(m, mxH, axis=0)
    full = pre * (mxH + alpha * mxmxH)
    damping = pre * alpha * mxmxH
    scale = np.max(np.abs(full))
    np.testing.assert_allclose(
        np.asarray(llg_rhs(system, random_m)), full, rtol=0, atol=1e-13 * scale
    )
    np.testing.assert_allclose(
        np.asarray(llg_rhs(system, random_m, precession=False)), damping, rtol=0, atol=1e-13 * scale
    )
    np.testing.assert_allclose(
        np.asarray(torque(system, random_m)), mxH, rtol=0, atol=1e-13 * np.max(np.abs(mxH))
    )


def test_precession_false_leaves_only_damping():
    H0, alpha = 1e5, 0.3
    system = macrospin((0.0, 0.0, H0), alpha=alpha)
    theta = 1.0
    m = system.check_magnetisation(spherical(theta, 0.0))
    rhs = np.asarray(llg_rhs(system, m, precession=False))[:, 0, 0, 0]
    # Pure damping moves m in the meridian plane (no azimuthal component), towards H.
    rate = GAMMA_LL * alpha * H0 / (1 + alpha**2)
    dtheta = -rate * np.sin(theta)
    expected = dtheta * np.array([np.cos(theta), 0.0, -np.sin(theta)])
    np.testing.assert_allclose(rhs, expected, rtol=1e-13, atol=0)
    # With α = 0 nothing is left.
    undamped = macrospin((0.0, 0.0, H0), alpha=0.0)
    assert not np.any(np.asarray(llg_rhs(undamped, m, precession=False)))


def test_damping_only_dynamics_keep_the_azimuth():
    H0, alpha = 1e5, 0.2
    system = macrospin((0.0, 0.0, H0), alpha=alpha)
    theta0, phi0 = 2.0, 0.9
    rate = GAMMA_LL * alpha * H0 / (1 + alpha**2)
    t1 = 2.0 / rate
    traj = jm.simulate(
        system,
        spherical(theta0, phi0),
        t1,
        save_every=t1 / 50,
        precession=False,
        rtol=1e-10,
        atol=1e-10,
    )
    ts = np.asarray(traj.ts)
    theta = 2 * np.arctan(np.tan(theta0 / 2) * np.exp(-rate * ts))
    np.testing.assert_allclose(
        np.asarray(traj.m_avg), spherical(theta, phi0 + 0 * ts).T, rtol=0, atol=1e-7
    )


def test_energy_rate_is_minus_damping_dissipation(holey_system, random_m):
    """dE/dt = -μ0 V Σ Ms H·dm/dt = -μ0 V Σ Ms γα/(1+α²) |m × H|² for a static field:
    the precession term does no work."""
    system, _ = holey_system
    m = random_m
    H = field(system, m)
    Ms = system.material.Ms
    V = system.mesh.cell_volume
    dmdt = llg_rhs(system, m)
    power = -MU0 * V * jnp.sum(Ms * dot(H, dmdt))
    alpha = system.material.alpha
    mxH = cross(m, H)
    expected = -MU0 * V * jnp.sum(Ms * system.gamma * alpha / (1 + alpha**2) * dot(mxH, mxH))
    assert float(expected) < 0
    np.testing.assert_allclose(float(power), float(expected), rtol=1e-11)
    # And the chain rule through System.energy agrees (the field is -∂E/∂m / (μ0 Ms V)).
    eps = 1e-7
    e_plus = energy(system, jm.normalise(m + eps * dmdt / jnp.max(jnp.abs(dmdt))))
    e_minus = energy(system, jm.normalise(m - eps * dmdt / jnp.max(jnp.abs(dmdt))))
    fd = float(e_plus - e_minus) / (2 * eps) * float(jnp.max(jnp.abs(dmdt)))
    np.testing.assert_allclose(fd, float(expected), rtol=1e-5)


# --- periodic meshes and torque plumbing ---------------------------------------------


class _ConstantTorque(AbstractTorque):
    tau: jnp.ndarray

    def torque(self, m, t=0.0):
        return jnp.broadcast_to(self.tau.reshape(3, 1, 1, 1), m.shape)


def test_torque_enters_in_gilbert_form():
    """With no field, dm/dt = (τ + α m × τ) / (1 + α²): the Gilbert-form torque solved
    for dm/dt."""
    mesh = jm.Mesh((1, 1, 1), (2e-9, 2e-9, 2e-9))
    alpha = 0.3
    tau = jnp.array([0.0, 2e9, -1e9])  # 1/s, perpendicular to m = x
    system = jm.System(mesh, jm.Material(8e5, 0.0, alpha), (), torques=(_ConstantTorque(tau),))
    m = system.check_magnetisation(np.array([1.0, 0.0, 0.0]))
    got = np.asarray(jm.llg_rhs(system, m))[:, 0, 0, 0]
    want = (np.asarray(tau) + alpha * np.cross([1.0, 0.0, 0.0], tau)) / (1 + alpha**2)
    np.testing.assert_allclose(got, want, rtol=1e-14)
    # and the Gilbert equation holds: dm/dt = α m × dm/dt + τ
    np.testing.assert_allclose(got, alpha * np.cross([1.0, 0.0, 0.0], got) + tau, rtol=1e-12)
    with pytest.raises(TypeError, match="AbstractTorque"):
        jm.System(mesh, jm.Material(8e5, 0.0, alpha), (), torques=("not a torque",))


def test_exchange_wraps_on_a_periodic_axis():
    """A spiral commensurate with a periodic chain: every face, the wrap-around one
    included, contributes A (2 sin(k d / 2) / d)² d³, so E = N A k_eff² V; the open chain
    lacks the one wrap face."""
    n, d, A = 16, 1e-9, 1.3e-11
    k = 2 * np.pi * 3 / (n * d)
    x = (np.arange(n) + 0.5) * d
    m = np.zeros((3, n, 1, 1))
    m[0, :, 0, 0], m[1, :, 0, 0] = np.cos(k * x), np.sin(k * x)
    keff2 = (2 * np.sin(k * d / 2) / d) ** 2
    mat = jm.Material(8e5, A, 0.1)
    per = jm.Exchange(jm.Mesh((n, 1, 1), (d, d, d), pbc=(1, 0, 0)), mat)
    opn = jm.Exchange(jm.Mesh((n, 1, 1), (d, d, d)), mat)
    assert float(per.energy(jnp.asarray(m))) == pytest.approx(n * A * keff2 * d**3, rel=1e-12)
    assert float(opn.energy(jnp.asarray(m))) == pytest.approx((n - 1) * A * keff2 * d**3, rel=1e-12)
    # the periodic field is uniform in magnitude and antiparallel-free: H = (2A/μ0Ms) (-k_eff²) m
    H = np.asarray(per.field(jnp.asarray(m)))
    np.testing.assert_allclose(H, -2 * A / (jm.constants.MU0 * 8e5) * keff2 * m, atol=1e-6)
    g = jm.field_from_energy(per.energy, jnp.asarray(m), jnp.full((n, 1, 1), 8e5), d**3)
    np.testing.assert_allclose(H, np.asarray(g), rtol=1e-10, atol=1e-8)


@pytest.mark.parametrize(
    "pbc, exc",
    [
        ((1, 0), ValueError),
        ((-1, 0, 0), ValueError),
        ((0.5, 0, 0), TypeError),
        ((True, 0, 0), TypeError),
    ],
)
def test_bad_pbc(pbc, exc):
    with pytest.raises(exc, match="pbc"):
        jm.Mesh((4, 4, 1), (1e-9, 1e-9, 1e-9), pbc=pbc)
