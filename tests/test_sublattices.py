"""Sublattices (jaxmag.sublattices): the new fields against autodiff of their energies and
against a direct numpy evaluation of mumax+'s formulas, N = 1 against the ferromagnet,
the projection per sublattice, antiferromagnetic resonance, bad input."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxmag as jm
from jaxmag.constants import GAMMA_LL, MU0
from jaxmag.energy import field_from_energy  # broadcasts over the sublattice axis
from jaxmag.sublattices import (
    HomogeneousExchange,
    InhomogeneousExchange,
    TotalDemag,
    make_sublattice_system,
    simulate_sublattices,
)

MESH = jm.Mesh((5, 4, 3), (1e-9, 1.5e-9, 2e-9))


def _random_state(key, mesh=MESH, n=2):
    return jm.vectors.normalise(jax.random.normal(key, (3, n, *mesh.shape)))


def _Ms(mesh=MESH):
    rng = np.random.default_rng(1)
    Ms = rng.uniform(2e5, 8e5, (2, *mesh.shape))
    Ms[1, 0, 0, 0] = 0.0  # a hole in sublattice 1
    return Ms


@pytest.mark.parametrize("term", ["homogeneous", "inhomogeneous", "demag"])
def test_fields_are_the_energy_gradients(term):
    Ms = _Ms()
    t = {
        "homogeneous": HomogeneousExchange(MESH, Ms, -3e-12, 0.4e-9),
        "inhomogeneous": InhomogeneousExchange(MESH, Ms, -5e-12),
        "demag": TotalDemag(MESH, Ms),
    }[term]
    m = _random_state(jax.random.PRNGKey(0)) * (Ms > 0)[None]
    H = np.asarray(t.field(m))
    want = np.asarray(field_from_energy(t.energy, m, jnp.asarray(Ms), MESH.cell_volume))
    want = np.where((Ms > 0)[None], want, 0.0)
    np.testing.assert_allclose(H, want, rtol=1e-12, atol=1e-12 * np.abs(want).max())


def test_stencils_against_numpy():
    """mumax+'s B_1 = 4 A_c m_2/(a² Ms_1) and B_1 = A_nn ∇² m_2 / Ms_1 (Neumann), in numpy."""
    Ms = np.full((2, *MESH.shape), 4e5)
    m = np.asarray(_random_state(jax.random.PRNGKey(1)))
    Ac, a, Ann = -4e-12, 0.5e-9, -5e-12
    Hh = np.asarray(HomogeneousExchange(MESH, Ms, Ac, a).field(jnp.asarray(m)))
    np.testing.assert_allclose(Hh[:, 0], 4 * Ac * m[:, 1] / (a**2 * MU0 * 4e5), rtol=1e-12)
    np.testing.assert_allclose(Hh[:, 1], 4 * Ac * m[:, 0] / (a**2 * MU0 * 4e5), rtol=1e-12)
    lap = np.zeros_like(m[:, 1])
    for ax in range(3):
        d = MESH.cell[ax]
        v = m[:, 1]
        pad = np.concatenate([np.take(v, [0], axis=ax + 1), v, np.take(v, [-1], axis=ax + 1)],
                             axis=ax + 1)  # fmt: skip
        n = v.shape[ax + 1]
        lo = np.take(pad, np.arange(0, n), axis=ax + 1)
        hi = np.take(pad, np.arange(2, n + 2), axis=ax + 1)
        lap += (lo + hi - 2 * v) / d**2
    Hi = np.asarray(InhomogeneousExchange(MESH, Ms, Ann).field(jnp.asarray(m)))
    np.testing.assert_allclose(Hi[:, 0], Ann * lap / (MU0 * 4e5), rtol=1e-12, atol=1e-3)


@pytest.mark.slow  # heavy: moved out of the fast suite (its 10-minute budget)
def test_one_sublattice_is_the_ferromagnet():
    mesh = jm.Mesh((8, 4, 1), (5e-9, 5e-9, 3e-9))
    mat = jm.Material(Ms=8e5, A=1.3e-11, alpha=0.1, Ku1=1e4)
    H = np.array([-2e4, 5e3, 0.0])
    fm = jm.make_system(mesh, mat, H=H)
    sub = make_sublattice_system(mesh, (mat,), H=H)
    m0 = jm.vectors.normalise(jax.random.normal(jax.random.PRNGKey(2), (3, *mesh.shape)))
    np.testing.assert_allclose(sub.field(m0[:, None])[:, 0], fm.field(m0), rtol=1e-12,
                               atol=1e-9)  # fmt: skip
    a = jm.simulate(fm, m0, 5e-11, ts=np.array([5e-11]), save_energies=False)
    b = simulate_sublattices(sub, m0[:, None], 5e-11, ts=np.array([5e-11]))
    np.testing.assert_allclose(b.m_avg[-1, :, 0], a.m_avg[-1], atol=1e-10)
    np.testing.assert_allclose(b.m_final[:, 0], a.m_final, atol=1e-10)


def test_afmr_single_cell():
    """Kittel: f0 = (γ/2π) μ0 √(2 H_E H_A + H_A²) = 63.0 GHz for μ0H_E = 10 T, μ0H_A = 0.25 T."""
    mesh = jm.Mesh((1, 1, 1), (1e-9,) * 3)
    mat = jm.Material(Ms=4e5, alpha=0.0, Ku1=5e4)
    s = make_sublattice_system(mesh, (mat, mat), A_c=-1e-12, a=1e-9, demag=False)
    th = np.radians(1.0)
    dt, T = 0.5e-12, 1e-9
    ts = np.arange(1, int(round(T / dt)) + 1) * dt
    tr = simulate_sublattices(s, s.initial((np.sin(th), 0, np.cos(th)), (0, 0, -1.0)), T,
                              ts=ts, rtol=1e-9, atol=1e-9)  # fmt: skip
    mx = np.asarray(tr.m_avg)[:, 0, 0]
    spec = np.abs(np.fft.rfft((mx - mx.mean()) * np.hanning(mx.size), n=32 * mx.size))
    f = np.fft.rfftfreq(32 * mx.size, dt)[np.argmax(spec)]
    he, ha = 10 / MU0, 0.25 / MU0  # A/m
    f0 = GAMMA_LL / (2 * np.pi) * np.sqrt(2 * he * ha + ha**2)
    assert f == pytest.approx(f0, rel=0.01)
    norms = np.linalg.norm(np.asarray(tr.m_final), axis=0)
    np.testing.assert_allclose(norms, 1.0, atol=1e-12)


def test_bad_input():
    mesh = jm.Mesh((1, 1, 1), (1e-9,) * 3)
    mat = jm.Material(Ms=4e5)
    with pytest.raises(ValueError, match="ferromagnetically"):
        make_sublattice_system(mesh, (mat, mat), A_c=1e-12, a=1e-9)
    with pytest.raises(ValueError, match="a \\(m\\)"):
        make_sublattice_system(mesh, (mat, mat), A_c=-1e-12, a=0.0)
    with pytest.raises(ValueError, match="lattice constant"):
        make_sublattice_system(mesh, (mat, mat), A_c=-1e-12)
    with pytest.raises(ValueError, match="two materials"):
        make_sublattice_system(mesh, (mat,), A_nn=-1e-12)
    with pytest.raises(ValueError, match="gammas"):
        make_sublattice_system(mesh, (mat, mat), gammas=(1.0,))
    with pytest.raises(ValueError, match="A_c"):
        make_sublattice_system(mesh, (mat, mat), A_c=-np.ones((2, 2)) * 1e-12, a=1e-9)
    with pytest.raises(ValueError, match="A_nn"):
        make_sublattice_system(mesh, (mat, mat), A_nn=-np.ones((1, 1, 1)) * 1e-12)
    with pytest.raises(ValueError, match="A_c"):
        make_sublattice_system(mesh, (mat, mat), A_c=float("nan"), a=1e-9)
    with pytest.raises(ValueError, match="Ms has shape"):
        make_sublattice_system(MESH, (jm.Material(Ms=np.ones((3, 3, 1))), mat), A_nn=-1e-12)


def test_torque_per_sublattice_enters_as_in_the_ferromagnet():
    """A spin-orbit torque on sublattice 0 of a one-sublattice system gives the
    ferromagnet's right-hand side with the same torque."""
    mesh = jm.Mesh((3, 2, 1), (2e-9, 2e-9, 1e-9))
    mat = jm.Material(Ms=6e5, A=1e-11, alpha=0.2, Ku1=3e5)
    sot = jm.SpinOrbitTorque(mesh, mat, 2e11, 0.2, 0.1, (0.0, 1.0, 0.0), 1e-9)
    fm = jm.make_system(mesh, mat, demag=False, torques=(sot,))
    sub = make_sublattice_system(mesh, (mat,), demag=False, torques=((0, sot),))
    m = jm.vectors.normalise(jax.random.normal(jax.random.PRNGKey(3), (3, *mesh.shape)))
    from jaxmag.sublattices import sublattice_rhs

    np.testing.assert_allclose(sublattice_rhs(sub, m[:, None])[:, 0], jm.llg_rhs(fm, m),
                               rtol=1e-12, atol=1e-3)  # fmt: skip
    with pytest.raises(TypeError, match="pairs"):
        make_sublattice_system(mesh, (mat,), torques=(sot,))


@pytest.mark.slow  # heavy: moved out of the fast suite (its 10-minute budget)
def test_minimise_relaxes_a_ferrimagnet():
    """jaxmag.minimise takes a sublattice system: Ms_1 ≠ Ms_2, γ_1 ≠ γ_2, from a random
    state (mumax/plus#102 reports a ferrimagnet whose relaxation does not converge)."""
    mesh = jm.Mesh((6, 4, 1), (2e-9, 2e-9, 2e-9))
    mats = (jm.Material(Ms=4e5, A=1e-11, alpha=0.1, Ku1=5e4),
            jm.Material(Ms=2.5e5, A=1e-11, alpha=0.1, Ku1=5e4))  # fmt: skip
    s = make_sublattice_system(mesh, mats, A_c=-1e-12, a=0.5e-9, A_nn=-2e-12,
                               gammas=(2.211e5, 1.9e5))  # fmt: skip
    r = jm.minimise(s, _random_state(jax.random.PRNGKey(4), mesh))
    assert bool(r.converged)
    mz = np.asarray(r.m)[2].mean(axis=(1, 2, 3))
    assert abs(abs(mz[0]) - 1) < 1e-6 and mz[0] == pytest.approx(-mz[1], abs=1e-6)
    with pytest.raises(ValueError, match="shape"):
        jm.minimise(s, np.zeros((3, *mesh.shape)))


def test_neel_vector_net_magnetisation_table_and_ovf(tmp_path):
    from jaxmag.io import ovf, read_csv
    from jaxmag.sublattices import neel_vector, net_magnetisation, write_ovf, write_table

    mesh = jm.Mesh((2, 1, 1), (1e-9,) * 3)
    mats = (jm.Material(Ms=4e5, alpha=0.5, Ku1=5e4), jm.Material(Ms=3e5, alpha=0.5, Ku1=5e4))
    s = make_sublattice_system(mesh, mats, A_c=-1e-12, a=1e-9, demag=False)
    m = s.initial((0.0, 0.0, 1.0), (0.0, 0.0, -1.0))
    np.testing.assert_allclose(neel_vector(m)[2], 1.0)
    np.testing.assert_allclose(net_magnetisation(s, m)[2], 1e5)
    tr = simulate_sublattices(s, m, 1e-12, ts=np.array([0.5e-12, 1e-12]))
    cols = read_csv(write_table(tmp_path / "afm.csv", s, tr))
    np.testing.assert_allclose(cols["lz"], 1.0, atol=1e-12)
    np.testing.assert_allclose(cols["Mz_A_per_m"], 1e5, rtol=1e-9)
    f = ovf.read(write_ovf(tmp_path / "l.ovf", s, tr.m_final))
    np.testing.assert_allclose(np.asarray(f.values)[2], 1.0, atol=1e-12)
    with pytest.raises(ValueError, match="quantity"):
        write_ovf(tmp_path / "x.ovf", s, m, "m2")


@pytest.mark.slow  # 15-25 s: 1600 independent cells for 1 ns
def test_thermal_field_per_sublattice_gives_boltzmann():
    """Two uncoupled sublattices of different Ms, α, γ and K: ⟨mz²⟩ of each against
    p(m) ∝ exp(σ mz²), σ = K V/(k_B T) (the thermal module's theory)."""
    from jaxmag.constants import K_B
    from jaxmag.sublattices import simulate_sublattices_thermal
    from jaxmag.thermal import uniaxial_mz2

    mesh = jm.Mesh((40, 40, 1), (3e-9, 3e-9, 3e-9))
    mats = (jm.Material(Ms=4e5, alpha=0.5, Ku1=1e5), jm.Material(Ms=3e5, alpha=0.3, Ku1=3e5))
    s = make_sublattice_system(mesh, mats, demag=False, gammas=(2.211e5, 1.8e5))
    ts = np.linspace(0.2e-9, 1e-9, 41)
    tr = simulate_sublattices_thermal(s, s.initial((0, 0, 1.0), (0, 0, -1.0)), 1e-9, T=300.0,
                                      key=jax.random.PRNGKey(0), dt=0.05e-12, ts=ts)  # fmt: skip
    mz2 = (np.asarray(tr.snapshots)[:, 2] ** 2).mean(axis=(0, 2, 3, 4))
    want = [uniaxial_mz2(K * mesh.cell_volume / (K_B * 300.0)) for K in (1e5, 3e5)]
    np.testing.assert_allclose(mz2, want, atol=0.01)  # measured: 0.3962, 0.5280
    assert abs(want[0] - want[1]) > 0.1  # the two sublattices are told apart
