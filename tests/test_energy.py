"""Exchange, anisotropy and Zeeman energies against analytic values, and the
hand-written fields against the autodiff field ``-1/(μ0 Ms V) ∂E/∂m``."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxmag as jm
from jaxmag.constants import MU0

MS = 8e5
A_EX = 1.3e-11
NM = 1e-9


@eqx.filter_jit
def _evaluate(make, args, m, t):
    """Build ``make(*args)`` and return its energy, its field and the autodiff field
    ``-1/(μ0 Ms V) ∂E/∂m`` (one compilation per test instead of many eager ops)."""
    term = make(*args)
    mesh, mat = args[0], args[1]
    Ms = jnp.broadcast_to(mat.Ms, mesh.shape)
    auto = jm.field_from_energy(lambda mm: term.energy(mm, t), m, Ms, term.cell_volume)
    return term.energy(m, t), term.field(m, t), auto


def evaluate(make, *args, m, t=0.0):
    E, H, Had = _evaluate(make, args, jnp.asarray(m, dtype=float), jnp.asarray(t, dtype=float))
    return float(E), np.asarray(H), np.asarray(Had)


def uniform(v, n):
    return np.broadcast_to(np.asarray(v, dtype=float).reshape(3, 1, 1, 1), (3, *n))


def random_m(n, seed):
    rng = np.random.default_rng(seed)
    m = rng.normal(size=(3, *n))
    return m / np.linalg.norm(m, axis=0)


def assert_fields_close(H, Had, Ms, rel=1e-12):
    H, Had = np.asarray(H), np.asarray(Had)
    scale = np.max(np.abs(Had))
    assert scale > 0
    np.testing.assert_allclose(H, Had, rtol=0, atol=rel * scale)
    # both vanish in non-magnetic cells
    np.testing.assert_array_equal(H[:, Ms == 0], 0.0)


# --- exchange ---------------------------------------------------------------------------


@pytest.mark.parametrize("masked", [False, True])
def test_exchange_uniform_state_has_no_energy_or_field(masked):
    n = (8, 8, 2)
    mesh = jm.Mesh(n, (2 * NM, 2 * NM, 3 * NM))
    mask = jm.shapes.disk(mesh, 7 * NM) if masked else None
    m = uniform([0.6, 0.0, 0.8], n)
    if masked:
        m = m * mask  # zero vectors in the holes
    E, H, _ = evaluate(jm.Exchange, mesh, jm.Material(MS, A_EX).on(mesh, mask), m=m)
    assert E == 0.0
    np.testing.assert_array_equal(H, 0.0)


def _spiral(mesh, k):
    x = mesh.coordinates()[0]
    return np.stack([np.cos(k * x), np.sin(k * x), np.zeros_like(x)])


@pytest.mark.parametrize("n, cell", [((16, 2, 3), (2, 3, 1)), ((25, 1, 1), (1.5, 4, 4))])
def test_exchange_energy_of_spin_spiral_is_exact_discrete_value(n, cell):
    mesh = jm.Mesh(n, tuple(c * NM for c in cell))
    dx = mesh.cell[0]
    k = 2 * np.pi / (11 * dx)  # 11 cells per turn, not commensurate with the mesh
    E, _, _ = evaluate(jm.Exchange, mesh, jm.Material(MS, A_EX), m=_spiral(mesh, k))
    nfaces = (n[0] - 1) * n[1] * n[2]
    expected = mesh.cell_volume * A_EX * nfaces * (2 - 2 * np.cos(k * dx)) / dx**2
    assert E == pytest.approx(expected, rel=1e-13)


def test_exchange_energy_of_spin_spiral_converges_to_continuum():
    # E -> A k² V as dx -> 0 at fixed length L. The error is about dx/L (n - 1 faces
    # between n cells) plus (k dx)²/12 (the stencil): first order overall.
    L, k = 64 * NM, 2 * np.pi / (40 * NM)
    errors = []
    for nx in (16, 32, 64, 128):
        mesh = jm.Mesh((nx, 1, 1), (L / nx, 2 * NM, 2 * NM))
        E, _, _ = evaluate(jm.Exchange, mesh, jm.Material(MS, A_EX), m=_spiral(mesh, k))
        continuum = A_EX * k**2 * L * 4 * NM**2
        err = abs(E - continuum) / continuum
        dx = L / nx
        assert err < dx / L + (k * dx) ** 2 / 12
        errors.append(err)
    ratios = np.array(errors[:-1]) / np.array(errors[1:])
    assert np.all((ratios > 1.9) & (ratios < 2.5)), ratios  # -> 2 as dx -> 0
    assert errors[-1] < 0.01


def _two_cells(A1, A2, scaling=None, axis=0):
    n = [1, 1, 1]
    n[axis] = 2
    cell = (2 * NM, 3 * NM, 4 * NM)
    mesh = jm.Mesh(tuple(n), cell)
    region = np.arange(2).reshape(n)
    mats = [jm.Material(MS, A1), jm.Material(0.5 * MS, A2)]
    mat = jm.Material.from_regions(mesh, region, mats, exchange_scaling=scaling)
    m = np.zeros((3, *n))
    m.reshape(3, 2)[:, 0] = (1, 0, 0)
    m.reshape(3, 2)[:, 1] = (0, 1, 0)
    return mesh, mat, m, cell[axis]


@pytest.mark.parametrize("axis", [0, 1, 2])
def test_exchange_between_regions_uses_harmonic_mean(axis):
    A1, A2 = 1e-11, 4e-11
    mesh, mat, m, d = _two_cells(A1, A2, axis=axis)
    E, H, _ = evaluate(jm.Exchange, mesh, mat, m=m)
    harmonic = 2 * A1 * A2 / (A1 + A2)  # 1.6e-11, not the arithmetic 2.5e-11
    assert E == pytest.approx(mesh.cell_volume * harmonic * 2 / d**2, rel=1e-13)
    # the field on each cell: 2 A_f (m_other - m_self) / (μ0 Ms d²)
    m1, m2 = m.reshape(3, 2).T
    H = H.reshape(3, 2)
    np.testing.assert_allclose(H[:, 0], 2 * harmonic * (m2 - m1) / (MU0 * MS * d**2), rtol=1e-13)
    np.testing.assert_allclose(
        H[:, 1], 2 * harmonic * (m1 - m2) / (MU0 * 0.5 * MS * d**2), rtol=1e-13
    )


@pytest.mark.parametrize("s", [0.0, 0.3, 2.5])
def test_exchange_scaling_multiplies_interface_coupling(s):
    A1, A2 = 1e-11, 4e-11
    mesh, mat, m, d = _two_cells(A1, A2, scaling={(0, 1): s})
    E, _, _ = evaluate(jm.Exchange, mesh, mat, m=m)
    ref = s * mesh.cell_volume * 2 * A1 * A2 / (A1 + A2) * 2 / d**2
    assert E == pytest.approx(ref, rel=1e-13, abs=1e-40)


def test_exchange_scaling_does_not_touch_faces_inside_a_region():
    n = (4, 1, 1)
    mesh = jm.Mesh(n, (2 * NM, 2 * NM, 2 * NM))
    region = np.array([0, 0, 1, 1]).reshape(n)
    mats = [jm.Material(MS, A_EX), jm.Material(MS, A_EX)]
    mat = jm.Material.from_regions(mesh, region, mats, exchange_scaling={(0, 1): 0.0})
    # a 90° turn inside region 0 costs exchange; one across the interface does not
    m_in = np.zeros((3, *n))
    m_in[0, :1], m_in[1, 1:] = 1.0, 1.0
    m_across = np.zeros((3, *n))
    m_across[0, :2], m_across[1, 2:] = 1.0, 1.0
    one_face = mesh.cell_volume * A_EX * 2 / (2 * NM) ** 2
    assert evaluate(jm.Exchange, mesh, mat, m=m_in)[0] == pytest.approx(one_face, rel=1e-13)
    assert evaluate(jm.Exchange, mesh, mat, m=m_across)[0] == 0.0


def test_exchange_hole_is_a_free_boundary():
    n = (3, 1, 1)
    mesh = jm.Mesh(n, (2 * NM, 2 * NM, 2 * NM))
    mask = np.array([True, False, True]).reshape(n)
    m = np.zeros((3, *n))
    m[0, 0], m[2, 2] = 1.0, 1.0  # the two magnets point different ways across the hole
    E, H, _ = evaluate(jm.Exchange, mesh, jm.Material(MS, A_EX).on(mesh, mask), m=m)
    assert E == 0.0
    np.testing.assert_array_equal(H, 0.0)
    # without the hole they would couple
    m[1, 1] = 1.0
    assert evaluate(jm.Exchange, mesh, jm.Material(MS, A_EX), m=m)[0] > 0


@pytest.mark.parametrize("n", [(6, 5, 3), (7, 4, 1), (1, 1, 6), (1, 1, 1)])
def test_exchange_field_equals_autodiff_field(n):
    rng = np.random.default_rng(7)
    mesh = jm.Mesh(n, (2 * NM, 3 * NM, 1.5 * NM))
    region = rng.integers(0, 3, size=n)
    mats = [
        jm.Material(MS, A_EX),
        jm.Material(0.5 * MS, 0.3 * A_EX),
        jm.Material(rng.uniform(0.2, 1.0, n) * MS, rng.uniform(0.5, 2.0, n) * A_EX),
    ]
    mat = jm.Material.from_regions(
        mesh, region, mats, exchange_scaling={(0, 1): 0.4, (1, 2): 1.7, (0, 2): 0.0}
    )
    mask = rng.uniform(size=n) > 0.2
    mask.reshape(-1)[0] = True
    mat = mat.on(mesh, mask)
    _, H, Had = evaluate(jm.Exchange, mesh, mat, m=random_m(n, 8) * mask)
    if np.prod(n) == 1:
        np.testing.assert_array_equal(H, 0.0)
        np.testing.assert_array_equal(Had, 0.0)
    else:
        assert_fields_close(H, Had, np.asarray(mat.Ms))


# --- anisotropy ---------------------------------------------------------------------------


def test_uniaxial_energy_along_and_across_axis():
    n = (2, 2, 1)
    mesh = jm.Mesh(n, (2 * NM, 3 * NM, 4 * NM))
    Ku1, Ku2 = 5e5, 1.2e5
    u = np.array([1.0, 2.0, 2.0]) / 3
    mat = jm.Material(MS, Ku1=Ku1, Ku2=Ku2, anis_u=3 * u)  # the axis is normalised
    V = mesh.cell_volume * 4

    def run(m):
        return evaluate(jm.UniaxialAnisotropy, mesh, mat, m=uniform(m, n))

    assert run(u)[0] == pytest.approx(-(Ku1 + Ku2) * V, rel=1e-13)
    assert run(-u)[0] == pytest.approx(-(Ku1 + Ku2) * V, rel=1e-13)
    perp = np.array([2.0, -2.0, 1.0]) / 3  # u · perp = 0
    E, H, _ = run(perp)
    assert abs(E) < 1e-12 * Ku1 * V
    np.testing.assert_allclose(H, 0.0, atol=1e-12 * Ku1 / (MU0 * MS))
    # at 60° from the axis: cos = 1/2
    E, H, _ = run(0.5 * u + np.sqrt(3) / 2 * perp)
    assert E == pytest.approx(-(Ku1 / 4 + Ku2 / 16) * V, rel=1e-12)
    # the field: (2 Ku1 cos + 4 Ku2 cos³) / (μ0 Ms) along u
    h = (2 * Ku1 * 0.5 + 4 * Ku2 * 0.125) / (MU0 * MS)
    np.testing.assert_allclose(H, uniform(h * u, n), rtol=1e-13)


def test_cubic_energy_at_body_diagonal_and_axes():
    n = (2, 1, 1)
    mesh = jm.Mesh(n, (2 * NM, 2 * NM, 2 * NM))
    Kc1 = -4.5e4
    V = mesh.cell_volume * 2
    # rotated cubic axes
    c1 = np.array([1.0, 1.0, 0.0]) / np.sqrt(2)
    c2 = np.array([-1.0, 1.0, 0.0]) / np.sqrt(2)
    c3 = np.cross(c1, c2)
    mat = jm.Material(MS, Kc1=Kc1, anis_c1=c1, anis_c2=c2)

    def energy(m):
        return evaluate(jm.CubicAnisotropy, mesh, mat, m=uniform(m, n))[0]

    assert energy((c1 + c2 + c3) / np.sqrt(3)) == pytest.approx(Kc1 / 3 * V, rel=1e-13)
    assert energy((c1 - c2 + c3) / np.sqrt(3)) == pytest.approx(Kc1 / 3 * V, rel=1e-13)
    for c in (c1, c2, c3, -c2):
        assert abs(energy(c)) < 1e-13 * abs(Kc1) * V
    # along a face diagonal: a1² = a2² = 1/2 -> Kc1 / 4
    assert energy((c1 + c3) / np.sqrt(2)) == pytest.approx(Kc1 / 4 * V, rel=1e-13)
    # the lab x axis is not a cubic axis here
    assert energy([1.0, 0, 0]) == pytest.approx(Kc1 / 4 * V, rel=1e-13)


def test_cubic_field_matches_analytic_expression():
    # H = -2 Kc1 / (μ0 Ms) Σ_i a_i (a_j² + a_k²) c_i
    n = (3, 2, 1)
    mesh = jm.Mesh(n, (2 * NM, 2 * NM, 2 * NM))
    Kc1 = 4.8e4
    c1 = np.array([2.0, 1.0, 2.0]) / 3
    c2 = np.array([1.0, 2.0, -2.0]) / 3
    c3 = np.cross(c1, c2)
    mat = jm.Material(MS, Kc1=Kc1, anis_c1=c1, anis_c2=c2)
    m = random_m(n, 9)
    a = [np.einsum("i,i...->...", c, m) for c in (c1, c2, c3)]
    ref = np.zeros_like(m)
    for i, c in enumerate((c1, c2, c3)):
        j, k = (i + 1) % 3, (i + 2) % 3
        ref += c.reshape(3, 1, 1, 1) * a[i] * (a[j] ** 2 + a[k] ** 2)
    ref *= -2 * Kc1 / (MU0 * MS)
    _, H, _ = evaluate(jm.CubicAnisotropy, mesh, mat, m=m)
    np.testing.assert_allclose(H, ref, rtol=0, atol=1e-12 * np.max(np.abs(ref)))


def test_uniaxial_field_equals_autodiff_field():
    n = (5, 4, 2)
    rng = np.random.default_rng(10)
    mesh = jm.Mesh(n, (2 * NM, 3 * NM, 1.5 * NM))
    u = rng.normal(size=(3, *n))  # per-cell axis, not normalised (Material does that)
    Ms = rng.uniform(0.3, 1.0, n) * MS
    Ms[rng.uniform(size=n) < 0.25] = 0.0
    Ms[0, 0, 0] = MS
    mat = jm.Material(Ms, Ku1=rng.uniform(-5e5, 5e5, n), Ku2=2e5, anis_u=u)
    _, H, Had = evaluate(jm.UniaxialAnisotropy, mesh, mat, m=random_m(n, 11))
    assert_fields_close(H, Had, Ms)


# --- Zeeman ---------------------------------------------------------------------------


def test_zeeman_energy_is_minus_mu0_Ms_V_m_dot_H():
    n = (4, 3, 2)
    rng = np.random.default_rng(12)
    mesh = jm.Mesh(n, (2 * NM, 3 * NM, 1.5 * NM))
    Ms = rng.uniform(0.3, 1.0, n) * MS
    Ms[1, 1, 1] = 0.0
    mat = jm.Material(Ms).on(mesh)
    m = random_m(n, 13)
    for H in (np.array([1e4, -3e4, 5e4]), rng.normal(size=(3, *n)) * 1e5):
        Hb = np.broadcast_to(H.reshape(3, 1, 1, 1) if H.ndim == 1 else H, m.shape)
        ref = -MU0 * mesh.cell_volume * np.sum(Ms * np.sum(m * Hb, axis=0))
        E, Hz, _ = evaluate(jm.Zeeman, mesh, mat, H, m=m)
        assert E == pytest.approx(ref, rel=1e-13)
        # the field is H on magnetic cells and 0 in the hole
        np.testing.assert_array_equal(Hz[:, Ms > 0], Hb[:, Ms > 0])
        np.testing.assert_array_equal(Hz[:, Ms == 0], 0.0)


def test_zeeman_time_dependent_field_and_energy_derivative():
    n = (3, 2, 1)
    mesh = jm.Mesh(n, (2 * NM, 2 * NM, 2 * NM))
    mat = jm.Material(MS).on(mesh)
    H0, omega = np.array([2e4, 0.0, -1e4]), 2 * np.pi * 3e9
    z = jm.Zeeman(mesh, mat, H0, time_fn=lambda t: jnp.sin(omega * t))
    m = random_m(n, 14)
    mH0 = MS * np.sum(np.einsum("a,a...->...", H0, m))
    dE_dt = jax.jit(jax.grad(z.energy, argnums=1))
    for t in (0.0, 0.07e-9, 0.21e-9):
        Ht = np.asarray(z.field(jnp.asarray(m), t))
        np.testing.assert_allclose(Ht, uniform(H0 * np.sin(omega * t), n), rtol=1e-13, atol=1e-9)
        E = float(z.energy(jnp.asarray(m), t))
        assert E == pytest.approx(
            -MU0 * mesh.cell_volume * mH0 * np.sin(omega * t), rel=1e-12, abs=1e-40
        )
        ref = -MU0 * mesh.cell_volume * mH0 * omega * np.cos(omega * t)
        assert float(dE_dt(jnp.asarray(m), jnp.asarray(t))) == pytest.approx(ref, rel=1e-12)


def test_zeeman_per_cell_time_dependent_field():
    # time_fn may return a per-cell array; H(t) = H * time_fn(t)
    n = (4, 1, 1)
    mesh = jm.Mesh(n, (2 * NM, 2 * NM, 2 * NM))
    mat = jm.Material(MS).on(mesh)
    x = jnp.arange(4.0).reshape(4, 1, 1)
    z = jm.Zeeman(mesh, mat, (0.0, 0.0, 1e5), time_fn=lambda t: jnp.cos(x * 1e9 * t))
    H = np.asarray(z.field(jnp.zeros((3, *n)), 1e-9))
    np.testing.assert_allclose(H[2, :, 0, 0], 1e5 * np.cos(np.arange(4.0)), rtol=1e-13)
    np.testing.assert_array_equal(H[:2], 0.0)


@pytest.mark.parametrize("kind", ["uniform", "per_cell", "time"])
def test_zeeman_field_equals_autodiff_field(kind):
    n = (4, 3, 2)
    rng = np.random.default_rng(15)
    mesh = jm.Mesh(n, (2 * NM, 3 * NM, 1.5 * NM))
    Ms = rng.uniform(0.3, 1.0, n) * MS
    Ms[0, 1, 1] = 0.0
    mat = jm.Material(Ms).on(mesh)
    m = random_m(n, 16)
    if kind == "uniform":
        _, H, Had = evaluate(jm.Zeeman, mesh, mat, np.array([1e4, 2e4, -3e4]), m=m)
    elif kind == "per_cell":
        _, H, Had = evaluate(jm.Zeeman, mesh, mat, rng.normal(size=(3, *n)) * 1e5, m=m)
    else:
        _, H, Had = evaluate(
            jm.Zeeman, mesh, mat, np.array([1e4, 2e4, -3e4]), _sin10, m=m, t=0.13e-9
        )
        assert abs(H[0, 0, 0, 0] - 1e4 * np.sin(1.3)) < 1e-9
    assert_fields_close(H, Had, Ms)


def _sin10(t):
    return jnp.sin(1e10 * t)


# --- demag energy -----------------------------------------------------------------------


def test_demag_energy_of_uniform_cube():
    # E = μ0/2 N Ms² V with N = 1/3 for every direction of m
    n = (5, 5, 5)
    mesh = jm.Mesh(n, (2 * NM, 2 * NM, 2 * NM))
    V = mesh.cell_volume * mesh.ncells
    ref = MU0 / 2 / 3 * MS**2 * V
    for d in ([1.0, 0, 0], [0, 0, -1.0], np.array([1.0, 2.0, -2.0]) / 3):
        E, _, _ = evaluate(jm.Demag, mesh, jm.Material(MS), m=uniform(d, n))
        assert E == pytest.approx(ref, rel=1e-12)


def test_system_energy_and_field_are_sums_of_terms():
    n = (4, 4, 1)
    mesh = jm.Mesh(n, (3 * NM, 3 * NM, 2 * NM))
    mat = jm.Material(MS, A_EX, Ku1=1e5, anis_u=(0, 0, 1))
    system = jm.make_system(mesh, mat, H=(1e4, 0, 0))
    names = [t.name for t in system.terms]
    assert names == ["exchange", "demag", "anisotropy", "zeeman"]

    @jax.jit
    def run(system, m):
        parts = [t.energy(m) for t in system.terms]
        return system.energy(m), sum(parts), system.field(m), sum(t.field(m) for t in system.terms)

    E, Esum, H, Hsum = run(system, system.check_magnetisation(random_m(n, 17)))
    assert float(E) == pytest.approx(float(Esum), rel=1e-13)
    np.testing.assert_allclose(np.asarray(H), np.asarray(Hsum), rtol=1e-13, atol=1e-9)
