"""jaxmag.thermal: Brown's Fokker–Planck eigenvalue, its asymptote, equilibrium."""

import numpy as np
import pytest
from numpy.polynomial import legendre as npleg
from scipy import integrate

from jaxmag import thermal as tt
from jaxmag.constants import GAMMA_LL, K_B, MU0
from jaxmag.thermal import (
    brown_asymptotic,
    brown_lambda1,
    brown_lambda1_fd,
    langevin,
    neel_time,
    uniaxial_mz2,
    uniaxial_mz_pdf,
)


@pytest.mark.parametrize("sigma,h", [(0.5, 0.0), (3.0, 0.0), (5.0, 0.2), (10.0, 0.0), (8.0, 0.3)])
def test_spectral_converges_with_basis(sigma, h):
    ref = brown_lambda1(sigma, h, n_basis=160)
    assert brown_lambda1(sigma, h) == pytest.approx(ref, rel=1e-8)
    # too small a basis is visibly off: the test can tell convergence apart
    errs = [abs(brown_lambda1(sigma, h, n_basis=n) / ref - 1) for n in (6, 12, 24)]
    assert errs[0] > errs[2] and errs[2] < 1e-4


@pytest.mark.parametrize("sigma,h", [(0.0, 0.0), (1.0, 0.0), (3.0, 0.0), (5.0, 0.2), (8.0, 0.0)])
def test_spectral_matches_finite_volume(sigma, h):
    """Two independent discretisations of the same operator agree to 1e-6."""
    a = brown_lambda1(sigma, h)
    b = brown_lambda1_fd(sigma, h, n_cells=3000)
    assert b == pytest.approx(a, rel=1e-6)


def test_free_diffusion_limit():
    """σ = 0: the first Legendre mode decays as exp(-t/τ_N), λ1 τ_N = 1 for any h."""
    assert brown_lambda1(0.0) == pytest.approx(1.0, rel=1e-12)
    # small σ: first-order perturbation of the l = 1 mode, λ1 τ_N ≈ 1 - 2σ/5
    s = 1e-3
    assert (1 - brown_lambda1(s)) / s == pytest.approx(2 / 5, abs=1e-4)


def test_asymptotic_formula_and_its_limit():
    """Brown's formula overestimates by ~1/σ; the ratio falls towards 1 as σ grows."""
    ratio = {s: brown_asymptotic(s) / brown_lambda1(s) for s in (5, 10, 15, 20)}
    assert 1.08 < ratio[10] < 1.15  # 1.124
    assert ratio[5] > ratio[10] > ratio[15] > ratio[20] > 1
    for s, r in ratio.items():  # the correction is O(1/σ): (r - 1) σ stays ~1.1-1.3
        assert 0.9 < (r - 1) * s < 1.4, (s, r)
    assert brown_asymptotic(10.0) == pytest.approx(2 / np.sqrt(np.pi) * 10**1.5 * np.exp(-10))
    # with a field: both wells, barriers σ(1 ± h)²
    r = brown_asymptotic(10.0, 0.2) / brown_lambda1(10.0, 0.2)
    assert 1.05 < r < 1.3


def test_monotonic_in_sigma_and_field():
    sig = [0, 0.5, 1, 2, 3, 5, 8, 10, 15]
    lam = [brown_lambda1(s) for s in sig]
    assert np.all(np.diff(lam) < 0)
    # a field along the axis lowers one barrier: faster relaxation, even in h
    for s in (3.0, 8.0):
        lh = [brown_lambda1(s, h) for h in (0.0, 0.1, 0.2, 0.3)]
        assert np.all(np.diff(lh) > 0)
        assert brown_lambda1(s, -0.2) == pytest.approx(brown_lambda1(s, 0.2), rel=1e-10)
    # alpha does not enter in units of τ_N (axial symmetry)
    assert brown_lambda1(5.0, 0.2, 0.1) == brown_lambda1(5.0, 0.2, 1.0)


def test_high_field_approaches_single_well():
    """Towards h = 1 the lower barrier σ(1 - h)² vanishes: λ1 τ_N keeps growing, and
    Brown's formula (a high-barrier result) fails there."""
    lh = [brown_lambda1(5.0, h) for h in (0.3, 0.5, 0.7, 0.9)]
    assert np.all(np.diff(lh) > 0)
    assert abs(brown_asymptotic(5.0, 0.9) / lh[-1] - 1) > 0.3


def test_eigenvalue_is_the_long_time_decay_of_mz():
    """Propagate the FP equation (finite volumes, implicit) from W = δ(x - 1): the
    long-time decay rate of ⟨x⟩ - ⟨x⟩_eq is λ1 (what the benchmark measures)."""
    from scipy.linalg import expm

    sigma, h, nc = 3.0, 0.1, 400
    xf = np.linspace(-1, 1, nc + 1)
    xc = 0.5 * (xf[1:] + xf[:-1])
    dx = 2 / nc
    w = np.exp(sigma * (xc**2 + 2 * h * xc))
    p = (1 - xf[1:-1] ** 2) * np.exp(sigma * (xf[1:-1] ** 2 + 2 * h * xf[1:-1]))
    # dW_i/dt = 1/(2 dx²) [p_{i+1/2}(f_{i+1} - f_i) - p_{i-1/2}(f_i - f_{i-1})], f = W / w
    L = np.zeros((nc, nc))
    for i in range(nc - 1):
        c = p[i] / (2 * dx**2)
        L[i, i] -= c / w[i]
        L[i, i + 1] += c / w[i + 1]
        L[i + 1, i + 1] -= c / w[i + 1]
        L[i + 1, i] += c / w[i]
    W0 = np.zeros(nc)
    W0[-1] = 1 / dx
    ts = np.array([2.0, 3.0])
    mz = [np.sum(xc * (expm(L * t) @ W0)) * dx for t in ts]
    mz_eq = np.sum(xc * w) / np.sum(w)
    rate = -np.diff(np.log(np.array(mz) - mz_eq))[0] / np.diff(ts)[0]
    assert rate == pytest.approx(brown_lambda1(sigma, h), rel=2e-3)


def test_langevin():
    xi = np.array([1e-6, 1e-4, 2e-3, 0.5, 1.0, 5.0, 20.0])
    exact = np.array([np.cosh(x) / np.sinh(x) - 1 / x if x > 1e-2 else np.nan for x in xi])
    np.testing.assert_allclose(langevin(xi)[3:], exact[3:], rtol=1e-13)
    np.testing.assert_allclose(langevin(xi[:3]), xi[:3] / 3 - xi[:3] ** 3 / 45, rtol=1e-10)
    assert langevin(-2.0) == -langevin(2.0)
    # mean of cos θ under exp(ξ cos θ) on the sphere, by quadrature
    x, wq = npleg.leggauss(80)
    for k in (0.5, 3.0, 20.0):
        q = np.sum(wq * x * np.exp(k * (x - 1))) / np.sum(wq * np.exp(k * (x - 1)))
        assert langevin(k) == pytest.approx(q, rel=1e-12)


@pytest.mark.parametrize("sigma", [-5.0, -0.3, 0.0, 1e-3, 0.7, 1.0, 3.0, 10.0, 40.0])
def test_uniaxial_mz2_against_quadrature(sigma):
    num = integrate.quad(lambda x: x**2 * np.exp(sigma * (x**2 - 1)), 0, 1, epsabs=0)[0]
    den = integrate.quad(lambda x: np.exp(sigma * (x**2 - 1)), 0, 1, epsabs=0)[0]
    assert uniaxial_mz2(sigma) == pytest.approx(num / den, rel=1e-10)


def test_uniaxial_mz2_limits_and_pdf():
    assert uniaxial_mz2(0.0) == pytest.approx(1 / 3)
    assert uniaxial_mz2(200.0) == pytest.approx(1 - 1 / 200, rel=1e-4)
    assert uniaxial_mz2([0.0, 3.0]).shape == (2,)
    x = np.linspace(-1, 1, 20001)
    pdf = uniaxial_mz_pdf(x, 4.0, 0.1)
    assert integrate.trapezoid(pdf, x) == pytest.approx(1, rel=1e-6)
    assert integrate.trapezoid(x**2 * uniaxial_mz_pdf(x, 4.0), x) == pytest.approx(
        uniaxial_mz2(4.0), rel=1e-6
    )


def test_neel_time():
    Ms, V, a, T = 8e5, 1e-24, 0.1, 300.0
    gamma_rad = GAMMA_LL / MU0  # rad/(s T)
    tau = (1 + a**2) * Ms * V / (2 * a * gamma_rad * K_B * T)
    assert neel_time(Ms, V, a, T) == pytest.approx(tau, rel=1e-14)


def test_bad_input():
    with pytest.raises(ValueError, match="sigma"):
        brown_lambda1(-1.0)
    with pytest.raises(ValueError, match="h"):
        brown_lambda1(3.0, 1.0)
    with pytest.raises(ValueError, match="alpha"):
        brown_lambda1(3.0, 0.0, -0.1)
    with pytest.raises(ValueError, match="double precision"):
        brown_lambda1(30.0)
    with pytest.raises(ValueError, match="sigma"):
        uniaxial_mz2(np.nan)
    with pytest.raises(ValueError, match="T"):
        neel_time(8e5, 1e-24, 0.1, -1.0)
    with pytest.raises(ValueError):
        brown_asymptotic(0.0)


def test_eigenvalues_free_diffusion_and_consistency():
    # σ = 0: P_l(cos θ) decays as exp(-l (l + 1) t / (2 τ_N))
    np.testing.assert_allclose(tt.brown_eigenvalues(0.0, 0.0, 5), [0, 1, 3, 6, 10], atol=1e-10)
    ev = tt.brown_eigenvalues(5.0, 0.2, 4)
    assert ev[1] == pytest.approx(tt.brown_lambda1(5.0, 0.2), rel=1e-10)
    assert np.all(np.diff(ev) > 0) and ev[2] > 20 * ev[1]  # λ1 is well separated
    with pytest.raises(ValueError, match="n must be"):
        tt.brown_eigenvalues(5.0, 0.0, 1)


def test_bin_probabilities():
    edges = np.linspace(-1, 1, 21)
    p = tt.uniaxial_bin_probabilities(edges, 3.0)
    assert p.sum() == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(p, p[::-1], rtol=1e-12)  # even in mz at h = 0
    # one bin by adaptive quadrature of the density
    ref = integrate.quad(lambda x: uniaxial_mz_pdf(x, 3.0, 0.2), 0.3, 0.4)[0]
    assert tt.uniaxial_bin_probabilities([0.3, 0.4], 3.0, 0.2)[0] == pytest.approx(ref, rel=1e-10)
    with pytest.raises(ValueError, match="increasing"):
        tt.uniaxial_bin_probabilities([0.5, 0.1], 3.0)
    with pytest.raises(ValueError, match="within"):
        tt.uniaxial_bin_probabilities([-2.0, 0.1], 3.0)
