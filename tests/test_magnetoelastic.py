"""MagnetoElastic: the field against autodiff and closed forms, the uniaxial equivalence
of a uniform strain, mumax+'s sine-displacement and force checks, rotated crystal axes,
time-dependent strain, the helpers, gradients through ``simulate`` and bad input."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxmag as jm
from jaxmag.constants import MU0
from jaxmag.energy import (
    MagnetoElastic,
    UniaxialAnisotropy,
    field_from_energy,
    magnetoelastic_constants,
    strain_from_displacement,
)
from jaxmag.energy._strain import VOIGT, derivative

NM = 1e-9
MESH = jm.Mesh((5, 4, 3), (2 * NM, 1.5 * NM, 3 * NM))
HOLE = (1, 2, 0)


def semi_relative(a, b) -> float:
    """``max |a - b| / max |b|`` (b goes through zero)."""
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b))) / np.max(np.abs(np.asarray(b))))


def random_case(seed, mesh=MESH, hole=True):
    rng = np.random.default_rng(seed)
    Ms = rng.uniform(3e5, 1.2e6, mesh.shape)
    if hole:
        Ms[HOLE] = 0.0
    B1 = rng.uniform(-2e7, 2e7, mesh.shape)
    B2 = rng.uniform(-2e7, 2e7, mesh.shape)
    eps = rng.normal(0, 1e-3, (6, *mesh.shape))
    m = rng.normal(size=(3, *mesh.shape))
    m = m / np.linalg.norm(m, axis=0)
    return jm.Material(Ms), B1, B2, eps, jnp.asarray(m)


def random_rotation(seed):
    q, r = np.linalg.qr(np.random.default_rng(seed).normal(size=(3, 3)))
    q = q * np.sign(np.diag(r))
    return q if np.linalg.det(q) > 0 else -q


def closed_form_field(Ms, B1, B2, eps, m, R):
    """``H = Rᵀ Hc``, ``Hc_i = -(2 / (μ0 Ms)) (B1 εc_ii mc_i + B2 Σ_{j≠i} εc_ij mc_j)``,
    one cell at a time in numpy (``εc = R ε Rᵀ``, ``mc = R m``)."""
    e = np.zeros((3, 3))
    for q, (i, j) in enumerate(VOIGT):
        e[i, j] = e[j, i] = eps[q]
    ec, mc = R @ e @ R.T, R @ m
    hc = np.zeros(3)
    for i in range(3):
        hc[i] = B1 * ec[i, i] * mc[i] + B2 * sum(ec[i, j] * mc[j] for j in range(3) if j != i)
    return R.T @ (-2 * hc / (MU0 * Ms))


AXES_45 = ((1.0, 1.0, 0.0), (-1.0, 1.0, 0.0))


@pytest.mark.parametrize("axes", [None, AXES_45, "random"])
@pytest.mark.parametrize("uniform", [False, True])
def test_field_equals_the_autodiff_field(axes, uniform):
    mat, B1, B2, eps, m = random_case(1)
    if uniform:
        B1, B2, eps = 3.1e6, -7.3e6, eps[:, 0, 0, 0]
    if axes == "random":
        axes = tuple(random_rotation(2)[:2])
    me = MagnetoElastic(MESH, mat, B1, B2, eps, axes=axes)
    H = me.field(m)
    H_ad = field_from_energy(me.energy, m, me.Ms, me.cell_volume)
    assert semi_relative(H, H_ad) < 1e-12
    assert np.all(np.asarray(H)[(slice(None), *HOLE)] == 0)


def test_the_autodiff_check_catches_a_b2_short_by_two():
    """mumax3's old bug (B2 term half its size, fixed in mumax3 PR #324) fails the check."""
    mat, B1, B2, eps, m = random_case(3)
    me = MagnetoElastic(MESH, mat, B1, B2, eps)
    short = MagnetoElastic(MESH, mat, B1, B2 / 2, eps).field(m)
    H_ad = field_from_energy(me.energy, m, me.Ms, me.cell_volume)
    assert semi_relative(short, H_ad) > 1e-2


def test_uniform_exx_is_a_uniaxial_anisotropy_along_x():
    """ε_xx = ε: e = B1 ε m_x², the uniaxial -Ku1 (m·x)² with Ku1 = -B1 ε; same field."""
    mat, _, B2, _, m = random_case(4)
    B1, strain = -8.8e6, 3e-4
    me = MagnetoElastic(MESH, mat, B1, B2, (strain, 0, 0, 0, 0, 0))
    uni = UniaxialAnisotropy(MESH, jm.Material(mat.Ms, Ku1=-B1 * strain, anis_u=(1, 0, 0)))
    H, H_u = me.field(m), uni.field(m)
    assert semi_relative(H, H_u) < 1e-10
    assert semi_relative(jnp.cross(m, H, axis=0), jnp.cross(m, H_u, axis=0)) < 1e-10
    assert abs(float(me.energy(m) - uni.energy(m))) <= 1e-10 * abs(float(uni.energy(m)))


@pytest.mark.parametrize("rotated", [False, True])
def test_random_cells_against_the_closed_form(rotated):
    """Each cell of a 64 × 1 × 1 mesh an independent single cell with its own Ms, B1, B2,
    m and strain (no coupling between cells)."""
    mesh = jm.Mesh((64, 1, 1), (NM, NM, NM))
    mat, B1, B2, eps, m = random_case(5, mesh, hole=False)
    R = random_rotation(6) if rotated else np.eye(3)
    me = MagnetoElastic(mesh, mat, B1, B2, eps, axes=tuple(R[:2]) if rotated else None)
    H = np.asarray(me.field(m))[..., 0, 0]
    Ms, b1, b2 = (np.asarray(a)[:, 0, 0] for a in (mat.Ms, B1, B2))
    for c in range(64):
        want = closed_form_field(Ms[c], b1[c], b2[c], eps[:, c, 0, 0], np.asarray(m)[:, c, 0, 0], R)
        assert np.linalg.norm(H[:, c] - want) < 1e-12 * np.linalg.norm(want), c


CELL = (1.5 * NM, 2 * NM, 2.5 * NM)


@pytest.mark.parametrize("d", [0, 1, 2])
def test_sine_displacement_gives_the_analytic_strain_field(d):
    """mumax+'s check: u_j = 4 sin(k x_d), two periods on 128 periodic cells along axis
    d; for each j and each m component the field of the finite-difference strain
    matches that of the analytic strain, semi-relative error < 1e-4."""
    n, pbc = [1, 1, 1], [0, 0, 0]
    n[d], pbc[d] = 128, 1
    mesh = jm.Mesh(n, CELL, pbc=pbc)
    x = mesh.coordinates()[d]
    k = 2 * 2 * np.pi / (128 * CELL[d])
    mat = jm.Material(800e3)
    for j in range(3):
        u = np.zeros((3, *n))
        u[j] = 4 * np.sin(k * x)
        exact = np.zeros((6, *n))
        for q, (a, b) in enumerate(VOIGT):
            if {a, b} == {d, j}:
                exact[q] = 4 * k * np.cos(k * x) * (1.0 if a == b else 0.5)
        numeric = strain_from_displacement(mesh, u)
        for c in range(3):
            m = np.zeros((3, *n))
            m[c] = 1.0
            H = MagnetoElastic(mesh, mat, -8.8e6, -8.8e6, numeric).field(m)
            H_exact = MagnetoElastic(mesh, mat, -8.8e6, -8.8e6, exact).field(m)
            if np.max(np.abs(H_exact)) == 0:
                assert np.max(np.abs(H)) < 1e-12 * 2 * 8.8e6 * 4 * k / (MU0 * 800e3)
            else:
                assert semi_relative(H, H_exact) < 1e-4, (j, c)


def force_case(periodic: bool):
    """m = (sin kx, cos kx, 0), period 32 nm on 0.5 nm cells, 128 cells."""
    mesh = jm.Mesh((128, 1, 1), (0.5 * NM, NM, NM), pbc=(int(periodic), 0, 0))
    x = mesh.coordinates()[0]
    k = 2 * np.pi / (32 * NM)
    m = np.stack([np.sin(k * x), np.cos(k * x), np.zeros_like(x)])
    B1, B2 = -8.8e6, 5.3e6
    f = MagnetoElastic(mesh, jm.Material(800e3), B1, B2, np.zeros(6)).force(m)
    s, c = np.sin(k * x), np.cos(k * x)
    return np.asarray(f), f_x_want(B1, k, s, c), B2 * k * (c**2 - s**2)


def f_x_want(B1, k, s, c):
    return 2 * B1 * k * s * c


@pytest.mark.parametrize("periodic", [True, False])
def test_force_of_a_rotating_magnetisation(periodic):
    """F_x / (2 B1 k) = sin·cos and F_y / (B2 k) = cos² - sin²; free ends: in the
    interior (2 cells from each end), where the stencil is fourth order."""
    f, fx, fy = force_case(periodic)
    inner = slice(None) if periodic else slice(2, -2)
    kd = 2 * np.pi / 64  # the chain rule differentiates m (wavenumber k, not 2k)
    assert semi_relative(f[0][inner], fx[inner]) < 1.1 * kd**4 / 30  # 3.1e-6
    assert semi_relative(f[1][inner], fy[inner]) < 1.1 * kd**4 / 30
    assert np.max(np.abs(f[2])) == 0
    if not periodic:  # the ends: one-sided second order, error (k d)² / 3
        bound = 1.1 * kd**2 / 3
        assert semi_relative(f[0], fx) < bound and semi_relative(f[1], fy) < bound


def test_force_with_coupling_that_varies_in_space():
    """f_i = Σ_j ∂_j σ_ij includes the gradient of B: B1(x) = B0 (1 + 0.3 sin kx)."""
    mesh = jm.Mesh((256, 1, 1), (0.5 * NM, NM, NM), pbc=(1, 0, 0))
    x = mesh.coordinates()[0]
    k = 2 * np.pi / (64 * NM)
    s, c = np.sin(k * x), np.cos(k * x)
    m = np.stack([s, c, np.zeros_like(x)])
    B0, B2 = 7e6, -3e6
    B1 = B0 * (1 + 0.3 * s)
    f = np.asarray(MagnetoElastic(mesh, jm.Material(800e3), B1, B2, np.zeros(6)).force(m))
    fx = B0 * (0.3 * k * c * s**2 + (1 + 0.3 * s) * 2 * k * s * c)  # ∂x (B1 m_x²)
    fy = B2 * k * (c**2 - s**2)  # ∂x (B2 m_x m_y)
    assert semi_relative(f[0], fx) < 1e-5 and semi_relative(f[1], fy) < 1e-5
    uniform = np.asarray(MagnetoElastic(mesh, jm.Material(800e3), B0, B2, np.zeros(6)).force(m))
    assert semi_relative(uniform[0], fx) > 0.1  # the ∂B term matters


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 9])
def test_free_boundary_stencils_are_exact_for_low_polynomials(n):
    """Second order at the ends: exact for quadratics (linears with 2 cells); fourth order
    inside: exact for quartics; one cell: no derivative."""
    d = 2 * NM
    x = (np.arange(n) + 0.5) * d
    quad = 3 + 2 * x / d - 5 * (x / d) ** 2
    g = np.asarray(derivative(jnp.asarray(quad), 0, d, False))
    want = (2 - 10 * x / d) / d
    if n == 1:
        assert g.tolist() == [0.0]
    elif n == 2:
        lin = 3 + 2 * x / d
        np.testing.assert_allclose(derivative(jnp.asarray(lin), 0, d, False), 2 / d, rtol=1e-13)
    else:
        np.testing.assert_allclose(g, want, rtol=1e-12, atol=1e-12 / d)
    if n >= 5:
        quart = (x / d) ** 4 - 2 * (x / d) ** 3
        g4 = np.asarray(derivative(jnp.asarray(quart), 0, d, False))[2:-2]
        np.testing.assert_allclose(
            g4, ((4 * (x / d) ** 3 - 6 * (x / d) ** 2) / d)[2:-2], rtol=1e-12
        )


def test_stress_is_the_energy_gradient_in_strain():
    """δe = Σ_ij σ_ij δε_ij: ∂E/∂(xx, yy, zz, xy, xz, yz) = V (σ_xx, σ_yy, σ_zz, 2σ_xy, ...)."""
    mat, B1, B2, eps, m = random_case(7)
    for axes in (None, tuple(random_rotation(8)[:2])):
        me = MagnetoElastic(MESH, mat, B1, B2, eps, axes=axes)

        def energy(e, me=me):
            return eqx.tree_at(lambda t: t.eps, me, e).energy(m)

        g = jax.grad(energy)(jnp.asarray(eps))
        s = np.asarray(me.stress(m)) * MESH.cell_volume
        s[3:] *= 2
        assert semi_relative(g, s) < 1e-12


def test_rotated_axes_equal_the_unrotated_term_on_rotated_m_and_strain():
    """Energy invariance: E_axes=R(m, ε) = E(R m, R ε Rᵀ); H_R(m) = Rᵀ H(R m, R ε Rᵀ)."""
    mat, B1, B2, eps, m = random_case(9)
    R = random_rotation(10)
    e = np.zeros((3, 3, *MESH.shape))
    for q, (i, j) in enumerate(VOIGT):
        e[i, j] = e[j, i] = eps[q]
    ec = np.einsum("ai,ij...,bj->ab...", R, e, R)
    eps_c = np.stack([ec[i, j] for i, j in VOIGT])
    mc = jnp.einsum("ai,i...->a...", R, m)
    rot = MagnetoElastic(MESH, mat, B1, B2, eps, axes=tuple(R[:2]))
    plain = MagnetoElastic(MESH, mat, B1, B2, eps_c)
    assert abs(float(rot.energy(m) - plain.energy(mc))) < 1e-12 * abs(float(plain.energy(mc)))
    H_back = jnp.einsum("ai,a...->i...", R, plain.field(mc))
    assert semi_relative(rot.field(m), H_back) < 1e-12


def test_per_cell_axes_match_uniform_axes():
    mat, B1, B2, eps, m = random_case(11)
    R = random_rotation(12)
    per = tuple(np.broadcast_to(R[i].reshape(3, 1, 1, 1), (3, *MESH.shape)) for i in (0, 1))
    a = MagnetoElastic(MESH, mat, B1, B2, eps, axes=tuple(R[:2])).field(m)
    b = MagnetoElastic(MESH, mat, B1, B2, eps, axes=per).field(m)
    assert semi_relative(a, b) < 1e-14


def test_travelling_wave_strain():
    """A surface acoustic wave ε_xx = ε0 cos(kx - ωt) prescribed as a function of time:
    the field at t = 0 and a quarter period later, also under jit with t traced."""
    mesh = jm.Mesh((64, 1, 1), (2 * NM, NM, NM), pbc=(1, 0, 0))
    x = jnp.asarray(mesh.coordinates()[0])
    k, omega, e0 = 2 * np.pi / (64 * NM), 2 * np.pi * 3e9, 2e-4
    zero = jnp.zeros_like(x)

    def saw(t):
        return jnp.stack([e0 * jnp.cos(k * x - omega * t), zero, zero, zero, zero, zero])

    B1, Ms = -8.8e6, 8e5
    me = MagnetoElastic(mesh, jm.Material(Ms), B1, 1e6, saw)
    m = jnp.zeros((3, *mesh.shape)).at[0].set(0.6).at[1].set(0.8)
    field = eqx.filter_jit(lambda term, t: term.field(m, t))
    for t in (0.0, 0.25 / 3e9):
        want = -2 * B1 * e0 * np.cos(k * x - omega * t) * 0.6 / (MU0 * Ms)
        for H in (me.field(m, t), field(me, jnp.asarray(t))):
            assert semi_relative(H[0], want) < 1e-12
            assert np.max(np.abs(H[1:])) == 0


def test_magnetoelastic_constants_of_nickel():
    B1, B2 = magnetoelastic_constants(-46e-6, -24e-6, 246.5e9, 147.3e9, 124.7e9)
    assert B1 == pytest.approx(1.5 * 46e-6 * 99.2e9, rel=1e-12)
    assert B1 == pytest.approx(6.8448e6, rel=1e-12)
    assert B2 == pytest.approx(8.9784e6, rel=1e-12)


@pytest.mark.slow  # 7-13 s: the reverse-mode compilation through diffrax
def test_in_a_system_and_gradient_in_b1_through_simulate():
    """A macrospin tilted from x, with ε_xx: d⟨m_x⟩(t1)/dB1 by reverse mode through
    ``simulate`` equals central finite differences."""
    mesh = jm.Mesh((1, 1, 1), (2 * NM, 2 * NM, 2 * NM))
    mat = jm.Material(8e5, alpha=0.1)
    m0 = jnp.asarray([1.0, 0.0, 0.5])

    def mx_final(B1):
        me = MagnetoElastic(mesh, mat, B1, 0.0, (1e-3, 0, 0, 0, 0, 0))
        system = jm.make_system(mesh, mat, demag=False, exchange=False, extra_terms=(me,))
        tr = jm.simulate(system, m0, 50e-12, ts=jnp.asarray([50e-12]), rtol=1e-10, atol=1e-10)
        return tr.m_final[0, 0, 0, 0]

    system = jm.make_system(
        mesh,
        mat,
        demag=False,
        exchange=False,
        extra_terms=(MagnetoElastic(mesh, mat, 1e7, 0.0, np.zeros(6)),),
    )
    assert "magnetoelastic" in system.energies(jnp.ones((3, 1, 1, 1)) / np.sqrt(3))
    B1, h = -1e7, 1e4
    g = float(jax.grad(mx_final)(B1))
    fd = float(mx_final(B1 + h) - mx_final(B1 - h)) / (2 * h)
    assert g != 0 and g == pytest.approx(fd, rel=1e-4)


# --- bad input ----------------------------------------------------------------------------

MAT = jm.Material(8e5)
NAN = float("nan")


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"B1": NAN}, ValueError, "B1 .* finite"),
        ({"B2": np.inf}, ValueError, "B2 .* finite"),
        ({"B1": np.ones((5, 4))}, ValueError, r"B1 .* shape \(5, 4\)"),
        ({"B2": "1e6"}, TypeError, "B2"),
        ({"strain": np.zeros(5)}, ValueError, r"strain has shape \(5,\)"),
        ({"strain": np.zeros((3, 5, 4, 3))}, ValueError, r"strain has shape \(3, 5, 4, 3\)"),
        ({"strain": np.zeros((6, 5, 4))}, ValueError, "strain has shape"),
        ({"strain": [0, 0, NAN, 0, 0, 0]}, ValueError, "strain must be finite"),
        ({"strain": "exx"}, TypeError, "strain"),
        ({"strain": None}, TypeError, "strain"),
        ({"strain": lambda t: jnp.zeros((6, 5, 1))}, ValueError, r"strain\(0\) has shape"),
        ({"strain": lambda t: jnp.zeros((6, 2, 1, 1))}, ValueError, r"strain\(0\) has shape"),
        ({"strain": lambda t: jnp.zeros(3)}, ValueError, r"strain\(0\) has shape"),
        ({"strain": lambda t: jnp.full(6, NAN)}, ValueError, r"strain\(0\) must be finite"),
        ({"axes": ((1, 0, 0), (1, 1, 0))}, ValueError, "orthogonal"),
        ({"axes": ((1, 0, 0), (0, 0, 0))}, ValueError, "non-zero"),
        ({"axes": ((1, 0, 0),)}, TypeError, "pair"),
        ({"axes": ((1, 0, 0), (0, 1))}, ValueError, "axes c2 has shape"),
    ],
)
def test_bad_input_raises_before_any_work(kwargs, error, match):
    args = {"B1": 1e6, "B2": 1e6, "strain": np.zeros(6)} | kwargs
    axes = args.pop("axes", None)
    with pytest.raises(error, match=match):
        MagnetoElastic(MESH, MAT, args["B1"], args["B2"], args["strain"], axes=axes)


def test_good_strain_shapes_are_accepted():
    MagnetoElastic(MESH, MAT, 1e6, 1e6, lambda t: jnp.zeros((6, 5, 1, 1)))
    MagnetoElastic(MESH, MAT, 1e6, 1e6, lambda t: jnp.zeros(6))
    MagnetoElastic(MESH, MAT, np.ones(MESH.shape), 1e6, np.zeros((6, *MESH.shape)))


@pytest.mark.parametrize(
    "args, error, match",
    [
        ((NAN, 0, 2e11, 1e11, 1e11), ValueError, "lambda100 must be finite"),
        ((0, 0, 2e11, 1e11, 0.0), ValueError, "C44 .* positive"),
        ((0, 0, 1e11, 2e11, 1e11), ValueError, "C11 must exceed C12"),
        ((0, 0, 2e11, NAN, 1e11), ValueError, "C12 .* finite"),
    ],
)
def test_bad_elastic_constants(args, error, match):
    with pytest.raises(error, match=match):
        magnetoelastic_constants(*args)


def test_bad_displacement_shape():
    with pytest.raises(ValueError, match=r"u \(m\) has shape"):
        strain_from_displacement(MESH, np.zeros((3, 5, 4)))
    with pytest.raises(ValueError, match="finite"):
        strain_from_displacement(MESH, np.full((3, *MESH.shape), NAN))
