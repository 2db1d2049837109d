"""Energy minimisation (Barzilai–Borwein) and damping-only LLG relaxation."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.optimize import brentq

import jaxmag as jm
from jaxmag.constants import MU0

FILM = jm.Mesh((20, 10, 1), (5e-9, 5e-9, 5e-9))
M0_TILTED = np.array([1.0, 0.6, 0.3])


@pytest.fixture(scope="module")
def film():
    """Permalloy, 100 × 50 × 5 nm: exchange and demag."""
    return jm.make_system(FILM, jm.Material(8e5, 1.3e-11, 0.5))


@pytest.fixture(scope="module")
def film_minimum(film):
    return jm.minimise(film, M0_TILTED, tol=1e-7)


def test_minimize_film_converges(film, film_minimum):
    r = film_minimum
    assert bool(r.converged)
    assert float(r.max_torque) < 1e-7
    assert 0 < int(r.iterations) < 1000  # BB: hundreds (fixed steps need ~10⁵ here)
    E0 = float(film.energy(film.check_magnetisation(M0_TILTED)))
    assert float(r.energy) < 0.6 * E0
    np.testing.assert_allclose(float(r.energy), float(film.energy(r.m)), rtol=1e-12)
    # The reported torque is that of the returned state, recomputed here.
    m = np.asarray(r.m)
    H = np.asarray(film.field(r.m)) / 8e5
    torque = np.linalg.norm(np.cross(m, np.cross(m, H, axis=0), axis=0), axis=0)
    np.testing.assert_allclose(float(r.max_torque), torque.max(), rtol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(m, axis=0), 1.0, atol=1e-14)
    # Shape anisotropy: the ground state of the film lies along its long axis, in plane.
    avg = np.asarray(jm.mean_m(film, r.m))
    assert avg[0] > 0.99
    assert abs(avg[1]) < 1e-4 and abs(avg[2]) < 1e-4


def test_minimize_and_relax_llg_agree(film, film_minimum):
    r = jm.relax_llg(film, M0_TILTED, tol=1e-6, rtol=1e-8, atol=1e-8)
    assert bool(r.converged)
    assert float(r.max_torque) < 1e-6
    a = np.asarray(jm.mean_m(film, film_minimum.m))
    b = np.asarray(jm.mean_m(film, r.m))
    np.testing.assert_allclose(a, b, rtol=0, atol=2e-4)
    np.testing.assert_allclose(float(r.energy), float(film_minimum.energy), rtol=1e-8)
    np.testing.assert_allclose(np.asarray(r.m), np.asarray(film_minimum.m), rtol=0, atol=1e-3)


def test_bb_energy_ends_lowest(film, film_minimum):
    """BB steps are not monotone in energy, but the minimiser must end at least as low
    as where it started and as anything it passed on the way."""
    E0 = float(film.energy(film.check_magnetisation(M0_TILTED)))
    path = [
        float(jm.minimise(film, M0_TILTED, tol=1e-7, max_iter=k).energy) for k in range(1, 60, 4)
    ]
    final = float(film_minimum.energy)
    assert final <= E0
    assert final <= min(path) * (1 + 1e-12)


def test_minimize_reports_non_convergence(film):
    r = jm.minimise(film, M0_TILTED, tol=1e-7, max_iter=7)
    assert not bool(r.converged)
    assert int(r.iterations) == 7
    assert float(r.max_torque) >= 1e-7


# --- Stoner–Wohlfarth -------------------------------------------------------------------

MS, KU = 8e5, 5e4
H_K = 2 * KU / (MU0 * MS)  # the anisotropy field, A/m


def sw_equilibrium(h, psi, bracket):
    """The angle θ of m from the easy axis ẑ, in the plane of the field at ψ from ẑ,
    where e(θ)/(2K) = -cos²θ/2 - h cos(θ - ψ) is stationary and a minimum."""

    def de(theta):
        return 0.5 * np.sin(2 * theta) + h * np.sin(theta - psi)

    theta = brentq(de, *bracket, xtol=1e-15)
    assert np.cos(2 * theta) + h * np.cos(theta - psi) > 0  # a minimum
    return theta


@pytest.mark.parametrize("method", ["minimise", "relax_llg"])
@pytest.mark.parametrize(
    "h, psi_deg, m0, bracket",
    [
        (0.5, 30.0, (0.5, 0.1, 0.85), (0.0, np.radians(30.0))),  # the stable branch
        (0.6, 90.0, (0.3, -0.1, 1.0), (0.0, np.pi / 2)),  # hard axis: sin θ = h
        # Field against m, below the astroid (h_sw ≈ 0.524 at 30° from -ẑ): metastable.
        (0.3, 150.0, (0.05, 0.05, 1.0), (0.0, np.pi / 4)),
    ],
    ids=["stable", "hard-axis", "metastable"],
)
def test_stoner_wohlfarth_angle(method, h, psi_deg, m0, bracket):
    psi = np.radians(psi_deg)
    theta_sw = sw_equilibrium(h, psi, bracket)
    if psi_deg == 90.0:
        assert theta_sw == pytest.approx(np.arcsin(h), abs=1e-14)
    mesh = jm.Mesh((1, 1, 1), (5e-9, 5e-9, 5e-9))
    mat = jm.Material(MS, 0.0, 0.1, Ku1=KU, anis_u=(0.0, 0.0, 1.0))
    H = h * H_K * np.array([np.sin(psi), 0.0, np.cos(psi)])
    system = jm.make_system(mesh, mat, H=H, exchange=False, demag=False)
    if method == "minimise":
        r = jm.minimise(system, m0, tol=1e-11)
    else:
        r = jm.relax_llg(system, m0, tol=1e-10, rtol=1e-10, atol=1e-10)
    assert bool(r.converged)
    m = np.asarray(r.m)[:, 0, 0, 0]
    assert abs(m[1]) < 1e-8  # in the plane of field and axis
    theta = np.arctan2(m[0], m[2])
    assert theta == pytest.approx(theta_sw, abs=1e-7)
    E0 = float(system.energy(system.check_magnetisation(m0)))
    assert float(r.energy) <= E0


# --- robustness: negative curvature, stagnation, symmetry, non-finite, batches ----------


def _uniaxial_macrospin(H=(0.0, 0.0, 0.0)):
    """One cell, uniaxial anisotropy along z (H_K / Ms ≈ 0.124), optional field in A/m."""
    mesh = jm.Mesh((1, 1, 1), (5e-9, 5e-9, 5e-9))
    mat = jm.Material(MS, 0.0, 0.1, Ku1=KU, anis_u=(0.0, 0.0, 1.0))
    return jm.make_system(mesh, mat, H=np.asarray(H), exchange=False, demag=False)


def test_reason_codes_and_names(film, film_minimum):
    assert jm.statics._relax.REASONS == ("converged", "max_iter", "stagnated", "non_finite")
    assert int(film_minimum.reason) == 0 and film_minimum.reason_name == "converged"
    r = jm.minimise(film, M0_TILTED, tol=1e-7, max_iter=7)
    assert int(r.reason) == 1 and r.reason_name == "max_iter" and not bool(r.converged)
    r = jm.relax_llg(film, M0_TILTED, tol=1e-6, t_max=1e-12)
    assert r.reason_name == "max_iter" and not bool(r.converged)


def test_negative_curvature_leaves_the_hard_plane_fast():
    """m starts 1e-6 rad off the hard plane: the curvature along the path is negative
    until m is ~45° from it, so every BB step there is non-positive. Falling back to tau0
    = 1e-2 each time (the old minimiser) takes ~ ln(1e6) / (1e-2 · 0.124) ≈ 11 000
    iterations; doubling the step leaves in a few dozen."""
    system = _uniaxial_macrospin()
    r = jm.minimise(system, (1.0, 0.0, 1e-6), tol=1e-10)
    assert bool(r.converged) and r.reason_name == "converged"
    assert int(r.iterations) < 150
    np.testing.assert_allclose(np.asarray(r.m)[:, 0, 0, 0], [0.0, 0.0, 1.0], atol=1e-9)


def test_stagnation_stops_with_its_reason():
    """A torque tolerance below the float64 round-off floor: the minimiser reaches the
    floor in a few hundred iterations, then stops as stagnated, not at max_iter."""
    system = jm.make_system(jm.Mesh((8, 8, 1), (5e-9, 5e-9, 5e-9)), jm.Material(8e5, 1.3e-11))
    r = jm.minimise(system, M0_TILTED, tol=1e-30, max_iter=50_000, stagnation_window=100)
    assert r.reason_name == "stagnated" and int(r.reason) == 2
    assert not bool(r.converged)
    assert 100 <= int(r.iterations) < 3000
    assert float(r.max_torque) < 1e-11  # it did reach the floor first
    # Without the test (window past max_iter) the same run goes on to max_iter.
    r = jm.minimise(system, M0_TILTED, tol=1e-30, max_iter=3000, stagnation_window=3000)
    assert r.reason_name == "max_iter" and int(r.iterations) == 3000


def test_perturbation_breaks_an_exact_symmetry():
    """m exactly in the hard plane has zero torque: without a perturbation the minimiser
    stops there at once (an energy maximum); a small random tilt lets it reach ±z."""
    system = _uniaxial_macrospin()
    stuck = jm.minimise(system, (1.0, 0.0, 0.0))
    assert bool(stuck.converged) and int(stuck.iterations) == 0
    np.testing.assert_array_equal(np.asarray(stuck.m)[:, 0, 0, 0], [1.0, 0.0, 0.0])
    key = jax.random.key(3)
    r = jm.minimise(system, (1.0, 0.0, 0.0), perturbation=1e-3, key=key)
    assert bool(r.converged)
    assert abs(float(r.m[2, 0, 0, 0])) > 1 - 1e-12
    assert float(r.energy) < float(stuck.energy)
    again = jm.minimise(system, (1.0, 0.0, 0.0), perturbation=1e-3, key=key)
    np.testing.assert_array_equal(np.asarray(again.m), np.asarray(r.m))  # no hidden state
    with pytest.raises(ValueError, match="needs a key"):
        jm.minimise(system, (1.0, 0.0, 0.0), perturbation=1e-3)
    with pytest.raises(ValueError, match="perturbation"):
        jm.minimise(system, (1.0, 0.0, 0.0), perturbation=-1.0, key=key)
    with pytest.raises(ValueError, match="stagnation_window"):
        jm.minimise(system, (1.0, 0.0, 0.0), stagnation_window=0)


class _NaNBelowHalf(jm.energy.AbstractEnergy):
    """A field along x of 1e5 A/m, NaN once m_z < 1/2."""

    Ms: float = 8e5
    V: float = 125e-27

    def energy(self, m, t=0.0):
        return -MU0 * self.Ms * self.V * 1e5 * jnp.sum(m[0])

    def field(self, m, t=0.0):
        H = jnp.zeros_like(m).at[0].set(1e5)
        return jnp.where(m[2] < 0.5, jnp.nan, H)


def test_non_finite_field_stops_with_the_last_finite_state():
    mesh = jm.Mesh((1, 1, 1), (5e-9, 5e-9, 5e-9))
    system = jm.System(mesh, jm.Material(8e5, 0.0, 0.1), (_NaNBelowHalf(),))
    r = jm.minimise(system, (0.0, 0.0, 1.0), tau0=0.5)
    assert r.reason_name == "non_finite" and not bool(r.converged)
    m = np.asarray(r.m)[:, 0, 0, 0]
    assert np.all(np.isfinite(m)) and m[2] >= 0.5 and m[0] > 0  # it moved, then stopped
    assert np.isfinite(float(r.max_torque))


def test_batched_members_freeze_when_they_stop():
    """vmap over starting states: a member near the minimum stops after a few iterations
    while one near the hard plane goes on; the fast member is frozen from then on, so its
    state is bitwise its own unbatched result and its iteration count its own."""
    system = _uniaxial_macrospin(H=(1e4, 0.0, 2e4))
    starts = jnp.asarray([[0.2, 0.0, 1.0], [1.0, 0.0, -1e-5], [0.0, 1.0, 0.0]])
    m0 = jax.vmap(system.check_magnetisation)(starts)
    run = jax.jit(jax.vmap(lambda m: jm.minimise(system, m, tol=1e-12)))
    batched = run(m0)
    singles = [jm.minimise(system, m, tol=1e-12) for m in m0]
    its = [int(s.iterations) for s in singles]
    assert its[0] < its[1] and its[0] < its[2]
    np.testing.assert_array_equal(np.asarray(batched.iterations), its)
    assert list(batched.reason_name) == ["converged"] * 3
    # The fast member is bitwise what the same compiled batch gives when every member is
    # that fast one: the slow members' further iterations leave it alone.
    alone = run(jnp.stack([m0[0]] * 3))
    np.testing.assert_array_equal(np.asarray(alone.iterations), [its[0]] * 3)
    np.testing.assert_array_equal(np.asarray(batched.m[0]), np.asarray(alone.m[0]))
    assert float(batched.max_torque[0]) == float(alone.max_torque[0])
    assert float(batched.energy[0]) == float(alone.energy[0])
    # Against the unbatched runs: the same iterations, the states to round-off (the
    # batched compilation may round the last bit differently).
    for i, s in enumerate(singles):
        np.testing.assert_allclose(np.asarray(batched.m[i]), np.asarray(s.m), rtol=0, atol=1e-14)
    # A member stopped by max_iter keeps its own count and reason too.
    short = jax.vmap(lambda m: jm.minimise(system, m, tol=1e-12, max_iter=its[0] + 2))(m0)
    assert list(short.reason_name) == ["converged", "max_iter", "max_iter"]
    np.testing.assert_array_equal(np.asarray(short.iterations), [its[0], its[0] + 2, its[0] + 2])
    np.testing.assert_array_equal(np.asarray(short.m[0]), np.asarray(singles[0].m))
