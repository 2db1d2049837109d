"""Energy minimisation (Barzilai–Borwein) and damping-only LLG relaxation."""

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
