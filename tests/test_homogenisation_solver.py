"""The FFT homogenisation solver against exact results and an independent dense solve."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.ndimage import gaussian_filter

from jaxmag.ml.homogenisation import (
    dual_permeability,
    effective_permeability,
    hashin_shtrikman,
    inside_hs_bounds,
    maxwell_garnett,
    permeability_map,
    primal_permeability,
    solve_fields,
    two_phase,
)
from jaxmag.ml.homogenisation._solver import _solve_fields, geometric_mean_2x2


def checkerboard(n, c):
    i = np.arange(n)
    return np.where((i[:, None] < n // 2) ^ (i[None, :] < n // 2), c, 1.0)


def network_tensor(gx, gy):
    """μ_eff of a periodic square resistor network, by a dense least-squares solve.

    Node (i, j) links to (i+1, j) with conductance gx[i, j] and to (i, j+1) with gy[i, j].
    """
    n = gx.shape[0]
    idx = np.arange(n * n).reshape(n, n)
    rows = []  # incidence: bond → (node+, node-), conductance, direction
    for g, shift, axis in ((gx, (1, 0), 0), (gy, (0, 1), 1)):
        nxt = np.roll(idx, (-shift[0], -shift[1]), axis=(0, 1))
        for i in range(n):
            for j in range(n):
                rows.append((nxt[i, j], idx[i, j], g[i, j], axis))
    D = np.zeros((len(rows), n * n))
    w = np.zeros(len(rows))
    for k, (p, m, g, _) in enumerate(rows):
        D[k, p], D[k, m], w[k] = 1.0, -1.0, g
    axis = np.array([r[3] for r in rows])
    fields = []
    for a in range(2):
        E = (axis == a).astype(float)
        A = D.T @ (w[:, None] * D)
        phi = np.linalg.lstsq(A, -D.T @ (w * E), rcond=None)[0]
        fields.append(E + D @ phi)
    return np.array([[np.sum(w * fa * fb) for fb in fields] for fa in fields]) / n**2


def random_two_phase(seed, n=32, frac=0.35, c=50.0, smooth=2.0):
    rng = np.random.default_rng(seed)
    g = gaussian_filter(rng.normal(size=(n, n)), smooth, mode="wrap")
    phase = g > np.quantile(g, 1 - frac)
    return phase, np.where(phase, c, 1.0)


@pytest.mark.parametrize("c", [10.0, 100.0, 1000.0])
def test_checkerboard_is_the_geometric_mean(c):
    for n in (16, 128) if c == 100.0 else (16,):
        mu = effective_permeability(checkerboard(n, c))
        np.testing.assert_allclose(np.asarray(mu), np.sqrt(c) * np.eye(2), rtol=1e-6, atol=1e-9)


def test_checkerboard_primal_and_dual_bracket_it():
    mu = checkerboard(32, 100.0)
    p = float(primal_permeability(mu)[0, 0])
    d = float(dual_permeability(mu)[0, 0])
    assert p < 10 * (1 - 0.1) and d > 10 * (1 + 0.1)  # both far off alone
    assert abs(p * d - 100.0) < 1e-5  # Keller: μ_P μ_D = μ1 μ2


@pytest.mark.parametrize("shape", [(32, 32), (16, 4, 4)])
def test_laminate_arithmetic_along_harmonic_across(shape):
    f, c = 5 / 16, 1000.0
    layer = (np.arange(shape[0]) % 16) < 5
    mu = np.where(layer.reshape((-1,) + (1,) * (len(shape) - 1)), c, 1.0) * np.ones(shape)
    m = np.asarray(effective_permeability(mu))
    arith, harm = f * c + 1 - f, 1 / (f / c + 1 - f)
    expected = np.diag([harm] + [arith] * (len(shape) - 1))
    np.testing.assert_allclose(m, expected, rtol=1e-8, atol=1e-8)


def test_primal_and_dual_match_an_independent_network_solve():
    phase, mu = random_two_phase(0, n=8, frac=0.4, c=30.0, smooth=0.8)
    harm = lambda a, b: 2 / (1 / a + 1 / b)  # noqa: E731
    primal = network_tensor(harm(mu, np.roll(mu, -1, 0)), harm(mu, np.roll(mu, -1, 1)))
    # corner (i, j) is the lower-left corner of pixel (i, j); edges carry arithmetic means
    dual = network_tensor((mu + np.roll(mu, 1, 1)) / 2, (mu + np.roll(mu, 1, 0)) / 2)
    np.testing.assert_allclose(np.asarray(primal_permeability(mu, tol=1e-12)), primal, rtol=1e-9)
    np.testing.assert_allclose(np.asarray(dual_permeability(mu, tol=1e-12)), dual, rtol=1e-9)
    assert not np.allclose(primal, dual, rtol=1e-2)


def test_keller_duality_and_spd():
    _, mu = random_two_phase(1)
    m = np.asarray(effective_permeability(mu, tol=1e-12))
    m_inv = np.asarray(effective_permeability(1 / mu, tol=1e-12))
    rot = np.array([[0.0, -1.0], [1.0, 0.0]])
    np.testing.assert_allclose(m_inv, rot @ np.linalg.inv(m) @ rot.T, rtol=1e-9)
    np.testing.assert_allclose(m, m.T, atol=1e-14)
    assert np.all(np.linalg.eigvalsh(m) > 0)


def test_geometric_mean_closed_form():
    rng = np.random.default_rng(2)
    for _ in range(5):
        x, y = rng.normal(size=(2, 2, 2))
        a, b = x @ x.T + 0.1 * np.eye(2), y @ y.T + 0.1 * np.eye(2)
        w, v = np.linalg.eigh(a)
        ah, aih = v @ np.diag(w**0.5) @ v.T, v @ np.diag(w**-0.5) @ v.T
        w2, v2 = np.linalg.eigh(aih @ b @ aih)
        ref = ah @ (v2 @ np.diag(w2**0.5) @ v2.T) @ ah
        np.testing.assert_allclose(np.asarray(geometric_mean_2x2(a, b)), ref, rtol=1e-10)


def test_dilute_circle_is_maxwell_garnett_to_first_order():
    n, c = 64, 10.0
    x = (np.arange(n) + 0.5) / n - 0.5
    phase = np.add.outer(x**2, x**2) < 0.05 / np.pi
    f = phase.mean()
    m = np.asarray(effective_permeability(two_phase(phase, c)))
    mg = float(maxwell_garnett(f, 1.0, c, 2))
    assert abs(m[0, 0] / mg - 1) < 3e-3 and abs(m[0, 1]) < 1e-10
    assert abs(m[0, 0] - m[1, 1]) < 1e-10  # square symmetry
    lo, hi = hashin_shtrikman(f, 1.0, c, 2)
    assert float(lo) < m[0, 0] < float(hi)


def test_dilute_sphere_3d():
    n, c = 16, 10.0
    x = (np.arange(n) + 0.5) / n - 0.5
    r2 = x[:, None, None] ** 2 + x[None, :, None] ** 2 + x[None, None, :] ** 2
    phase = r2 < (3 * 0.03 / (4 * np.pi)) ** (2 / 3)
    f = phase.mean()
    m = np.asarray(effective_permeability(two_phase(phase, c)))
    np.testing.assert_allclose(np.diag(m), m[0, 0])
    assert abs(m[0, 0] / float(maxwell_garnett(f, 1.0, c, 3)) - 1) < 1e-2
    lo, hi = hashin_shtrikman(f, 1.0, c, 3)
    assert float(lo) < m[0, 0] < float(hi)


def test_converges_with_refinement():
    """One medium (an 8 × 8 pixel map with touching corners) on ever finer grids."""
    phase, _ = random_two_phase(5, n=8, frac=0.4, smooth=0.7)
    values = []
    for k in (1, 2, 4, 8):
        fine = np.kron(phase, np.ones((k, k), dtype=bool))
        values.append(np.asarray(effective_permeability(two_phase(fine, 10.0))))
    steps = [np.abs(b - a).max() for a, b in zip(values, values[1:], strict=False)]
    assert all(s1 < s0 for s0, s1 in zip(steps, steps[1:], strict=False)), steps
    assert steps[-1] < 0.3 * steps[0] and steps[-1] < 5e-3 * np.abs(values[-1]).max()


# fast companion: test_checkerboard_primal_and_dual_bracket_it
@pytest.mark.slow
def test_random_samples_inside_hs_bounds():
    for seed in range(4):
        phase, mu = random_two_phase(seed, c=[10.0, 100.0, 1000.0, 300.0][seed])
        m = effective_permeability(mu)
        c = float(mu.max())
        assert bool(inside_hs_bounds(m, phase.mean(), 1.0, c))
        lo, hi = hashin_shtrikman(phase.mean(), 1.0, c, 2)
        assert bool(inside_hs_bounds(np.eye(2) * lo * 1.001, phase.mean(), 1.0, c))
        assert not bool(inside_hs_bounds(np.eye(2) * lo * 0.999, phase.mean(), 1.0, c))
        assert not bool(inside_hs_bounds(np.eye(2) * hi * 1.001, phase.mean(), 1.0, c))


def test_hs_bounds_of_a_single_phase_cell():
    # f = 0 or 1: both bounds collapse onto that phase; μ I is inside, nothing else is.
    for f, mu in ((0.0, 1.0), (1.0, 50.0)):
        assert bool(inside_hs_bounds(np.eye(2) * mu, f, 1.0, 50.0))
        assert not bool(inside_hs_bounds(np.eye(2) * mu * 1.01, f, 1.0, 50.0))
        assert not bool(inside_hs_bounds(np.diag([mu, mu * 0.99]), f, 1.0, 50.0))
    m = effective_permeability(two_phase(np.zeros((8, 8), bool), 50.0))
    assert bool(inside_hs_bounds(m, 0.0, 1.0, 50.0))


@pytest.mark.slow  # heavy; the fast suite's 10-minute budget
def test_vmap_and_grad():
    phases = np.stack([random_two_phase(s, n=16)[0] for s in range(3)])
    cs = jnp.array([10.0, 50.0, 200.0])
    f = jax.jit(jax.vmap(lambda p, c: effective_permeability(two_phase(p, c), tol=1e-12)))
    batched = np.asarray(f(phases, cs))
    loop = np.stack(
        [
            effective_permeability(two_phase(p, c), tol=1e-12)
            for p, c in zip(phases, cs, strict=True)
        ]
    )
    np.testing.assert_allclose(batched, loop, rtol=1e-10)

    def mu_xx(c):
        return effective_permeability(two_phase(phases[0], c), tol=1e-12)[0, 0]

    g = float(jax.grad(mu_xx)(30.0))
    fd = (float(mu_xx(30.0 + 1e-4)) - float(mu_xx(30.0 - 1e-4))) / 2e-4
    assert abs(g / fd - 1) < 1e-6 and g > 0


def test_tolerance_and_step_counts():
    _, mu = random_two_phase(3, c=1000.0)
    _, _, steps = solve_fields(mu)
    assert 10 < int(steps.max()) < 300  # CG: O(√contrast) steps, not O(contrast)
    loose = np.asarray(effective_permeability(mu, tol=1e-4))
    tight = np.asarray(effective_permeability(mu, tol=1e-10))
    assert np.abs(loose - tight).max() < 1e-4 * np.abs(tight).max()
    with pytest.raises(Exception, match="max_steps|maximum number of solver steps"):
        jax.block_until_ready(effective_permeability(mu, max_steps=3))


def test_repeated_solves_compile_once():
    """A second map of the same shape and settings reuses the compiled solve (an eager
    ``lineax.linear_solve`` recompiled its CG loop, ~1 s, on every call)."""
    _, mu = random_two_phase(1, c=10.0)
    effective_permeability(mu)
    before = _solve_fields._cache_size()
    _, mu2 = random_two_phase(2, c=30.0)
    effective_permeability(mu2)
    assert _solve_fields._cache_size() == before
    effective_permeability(mu2, tol=1e-6)  # another setting is another program
    assert _solve_fields._cache_size() == before + 2  # primal and corner


def test_permeability_map_n_phase():
    labels = np.array([[0, 1], [2, 1]])
    np.testing.assert_allclose(
        np.asarray(permeability_map(labels, [1.0, 5.0, 20.0])), [[1.0, 5.0], [20.0, 5.0]]
    )
    np.testing.assert_allclose(
        np.asarray(permeability_map(labels.astype(bool), [1, 3])), [[1.0, 3.0], [3.0, 3.0]]
    )


def test_bad_input():
    good = np.ones((8, 8))
    with pytest.raises(ValueError, match="positive"):
        effective_permeability(good * -1)
    with pytest.raises(ValueError, match="finite"):
        effective_permeability(np.where(np.eye(8) > 0, np.nan, 1.0))
    with pytest.raises(ValueError, match="2D or 3D"):
        effective_permeability(np.ones(8))
    with pytest.raises(ValueError, match="spacing"):
        effective_permeability(good, spacing=(1.0, 0.0))
    with pytest.raises(ValueError, match=r"\[0, 2\)"):
        permeability_map(np.array([[0, 2]]), [1.0, 10.0])
    with pytest.raises(ValueError, match="positive"):
        permeability_map(np.array([[0, 1]]), [1.0, -10.0])
    with pytest.raises(TypeError, match="boolean or integer"):
        permeability_map(np.array([[0.5, 1.0]]), [1.0, 10.0])
    with pytest.raises(ValueError, match="positive"):
        two_phase(np.eye(4, dtype=bool), 0.0)
