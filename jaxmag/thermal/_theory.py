"""Exact and asymptotic theory of a thermally agitated uniaxial macrospin.

The references for :mod:`jaxmag.thermal` (Brown's thermal field): the equilibrium
statistics of a macrospin and the Néel–Brown relaxation rate of a uniaxial
particle with the field along its easy axis.

Brown's Fokker–Planck equation (Brown 1963; Coffey, Kalmykov & Waldron, *The
Langevin Equation*, ch. "Brownian motion of classical spins") for the density
``W(x, t)`` of ``x = cos θ = m·u`` reads, when both ``W`` and the energy are
axially symmetric about ``u``,

    2 τ_N ∂W/∂t = ∂/∂x [ (1 - x²) ( ∂W/∂x + W ∂(βE)/∂x ) ],
    βE(x) = -σ (x² + 2 h x),

with ``σ = K V / (k_B T)``, ``h = H / H_K``, ``H_K = 2K / (μ0 Ms)`` (so the Zeeman
term is ``ξ x`` with ``ξ = μ0 Ms V H / (k_B T) = 2 σ h``), and the Néel time

    τ_N = (1 + α²) Ms V / (2 α γ k_B T),   γ in rad/(s T)
        = (1 + α²) μ0 Ms V / (2 α γ0 k_B T),  γ0 = μ0 γ in m/(A s) (jaxmag's GAMMA_LL).

The precessional terms of Brown's equation act through ``∂/∂φ`` and vanish for an
axially symmetric ``W`` and energy, so in units of ``τ_N`` the spectrum depends on
``σ`` and ``h`` only; α enters only through ``τ_N``. With ``σ = 0`` the first
Legendre mode ``P_1(x) = x`` decays as ``exp(-t/τ_N)``: ``λ1 τ_N = 1``.

Functions here are plain NumPy/SciPy (references for tests and benchmarks, not
differentiable JAX code).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.polynomial import legendre as npleg
from scipy import linalg, special

from jaxmag._validate import check_int
from jaxmag.constants import GAMMA_LL, K_B, MU0

__all__ = [
    "brown_asymptotic",
    "brown_eigenvalues",
    "brown_lambda1",
    "brown_lambda1_fd",
    "langevin",
    "neel_time",
    "uniaxial_bin_probabilities",
    "uniaxial_mz2",
    "uniaxial_mz_pdf",
]


def _check_sigma_h(sigma, h):
    sigma, h = float(sigma), float(h)
    if not np.isfinite(sigma) or sigma < 0:
        raise ValueError(f"sigma (K V / k_B T) must be finite and >= 0, got {sigma!r}")
    if not np.isfinite(h) or abs(h) >= 1:
        raise ValueError(f"h (H / H_K) must be finite with |h| < 1, got {h!r}")
    return sigma, h


def neel_time(Ms: float, V: float, alpha: float, T: float, gamma: float = GAMMA_LL) -> float:
    """The Néel time ``τ_N = (1 + α²) μ0 Ms V / (2 α γ0 k_B T)`` in s.

    - `Ms`: saturation magnetisation in A/m; `V`: volume in m³; `alpha`: Gilbert
      damping (> 0); `T`: temperature in K (> 0);
    - `gamma`: γ0 = μ0 γ in m/(A s), the LL form jaxmag integrates (default
      ``GAMMA_LL``); ``γ0 / μ0`` is the γ in rad/(s T) of Brown's formula.
    """
    for name, v in (("Ms", Ms), ("V", V), ("alpha", alpha), ("T", T), ("gamma", gamma)):
        if not np.isfinite(v) or v <= 0:
            raise ValueError(f"{name} must be finite and > 0, got {v!r}")
    return (1 + alpha**2) * MU0 * Ms * V / (2 * alpha * gamma * K_B * T)


def langevin(xi):
    """The Langevin function ``L(ξ) = coth ξ - 1/ξ`` (stable near 0, odd), elementwise."""
    xi = np.asarray(xi, dtype=float)
    small = np.abs(xi) < 1e-3
    xs = np.where(small, 1.0, xi)
    big = 1.0 / np.tanh(xs) - 1.0 / xs
    series = xi / 3 - xi**3 / 45 + 2 * xi**5 / 945
    out = np.where(small, series, big)
    return out if out.ndim else float(out)


def uniaxial_mz2(sigma):
    """``⟨mz²⟩`` under ``p(m) ∝ exp(σ mz²)`` on the unit sphere (``σ`` of any sign).

    ``σ = K V / (k_B T)``; ``mz = cos θ`` is uniform on [-1, 1] at σ = 0 (⟨mz²⟩ = 1/3)
    and → 1 - 1/σ for large σ.
    """
    s = np.asarray(sigma, dtype=float)
    out = np.empty_like(s)
    flat, res = s.ravel(), out.ravel()
    for i, v in enumerate(flat):
        if not np.isfinite(v):
            raise ValueError(f"sigma must be finite, got {v!r}")
        if abs(v) < 1.0:  # moments 1/(2n+1) of the uniform density: a fast series
            n = np.arange(40)
            c = v**n / special.factorial(n)
            res[i] = np.sum(c / (2 * n + 3)) / np.sum(c / (2 * n + 1))
        elif v > 0:
            r = math.sqrt(v)
            res[i] = 1 / (2 * r * special.dawsn(r)) - 1 / (2 * v)
        else:
            r = math.sqrt(-v)
            z = math.sqrt(math.pi) * math.erf(r) / (2 * r)  # ∫_0^1 exp(σ x²) dx
            res[i] = math.exp(v) / (2 * v * z) - 1 / (2 * v)
    return out if out.ndim else float(out)


def uniaxial_mz_pdf(x, sigma: float, h: float = 0.0):
    """Boltzmann density of ``mz = x`` on [-1, 1]: ``∝ exp(σ (x² + 2 h x))``, normalised.

    (The sphere's area element is uniform in ``x = cos θ``.)
    """
    sigma, h = float(sigma), float(h)
    xq, wq = npleg.leggauss(200)
    shift = sigma * (1 + 2 * abs(h))
    z = np.sum(wq * np.exp(sigma * (xq**2 + 2 * h * xq) - shift))
    x = np.asarray(x, dtype=float)
    return np.exp(sigma * (x**2 + 2 * h * x) - shift) / z


def uniaxial_bin_probabilities(edges, sigma: float, h: float = 0.0) -> np.ndarray:
    """The Boltzmann probability of ``mz`` in each bin ``[edges[i], edges[i+1]]``
    (density :func:`uniaxial_mz_pdf`), by 40-point Gauss–Legendre quadrature per bin:
    the expected counts of a histogram test are ``n_samples`` times these."""
    edges = np.asarray(edges, dtype=float)
    if edges.ndim != 1 or edges.size < 2 or np.any(np.diff(edges) <= 0):
        raise ValueError("edges must be an increasing 1D array of at least two values")
    if edges[0] < -1 or edges[-1] > 1:
        raise ValueError(f"edges must lie within [-1, 1], got [{edges[0]}, {edges[-1]}]")
    xq, wq = npleg.leggauss(40)
    a, b = edges[:-1, None], edges[1:, None]
    x = 0.5 * (b - a) * xq + 0.5 * (a + b)
    return np.sum(0.5 * (b - a) * wq * uniaxial_mz_pdf(x, sigma, h), axis=1)


def _spectrum(sigma: float, h: float, n_basis: int, n_eig: int) -> np.ndarray:
    """Smallest eigenvalues of ``λ τ_N`` by a Legendre–Galerkin method.

    The backward operator ``-(p f')' = 2 λ τ_N w f`` with ``p = (1 - x²) e^{-βE}``,
    ``w = e^{-βE}`` is self-adjoint; substituting ``f = e^{βE/2} ψ`` gives the Rayleigh
    quotient ``∫ (1 - x²) (ψ' + (βE)'ψ/2)² dx / ∫ ψ² dx``. With ``ψ`` in orthonormal
    Legendre polynomials the mass matrix is the identity and every integrand is a
    polynomial, integrated exactly by Gauss–Legendre quadrature.
    """
    nq = n_basis + 8
    xq, wq = npleg.leggauss(nq)
    n = np.arange(n_basis)
    norm = np.sqrt((2 * n + 1) / 2)
    P = npleg.legvander(xq, n_basis - 1) * norm  # (nq, n_basis)
    dP = np.empty_like(P)
    for j in range(n_basis):
        c = np.zeros(n_basis)
        c[j] = norm[j]
        dP[:, j] = npleg.legval(xq, npleg.legder(c)) if j else 0.0
    dbE = -sigma * (2 * xq + 2 * h)  # (βE)'
    A = dP + 0.5 * dbE[:, None] * P
    Kmat = (A * (wq * (1 - xq**2))[:, None]).T @ A
    ev = linalg.eigh(Kmat, eigvals_only=True, subset_by_index=(0, n_eig - 1))
    # eigh resolves eigenvalues to about eps * ||K|| absolutely; λ1 ~ e^{-σ} is tiny
    rel = np.finfo(float).eps * np.abs(Kmat).sum(axis=1).max() / max(ev[-1], 1e-300)
    if rel > 1e-5:
        raise ValueError(
            f"sigma={sigma}, h={h}: λ1 τ_N = {ev[-1] / 2:.3g} is below what double precision "
            f"resolves here (estimated relative error {rel:.1e}); keep the barrier "
            "σ (1 - |h|)² ≲ 20"
        )
    return ev / 2


def brown_lambda1(
    sigma: float, h: float = 0.0, alpha: float | None = None, *, n_basis: int | None = None
) -> float:
    """``λ1 τ_N``: the smallest non-zero eigenvalue of Brown's Fokker–Planck operator.

    For a uniaxial macrospin with the field along the easy axis (axially symmetric),
    computed by a Legendre spectral (Galerkin) method; see the module docstring for
    the equation and τ_N.

    - `sigma`: ``K V / (k_B T)`` (≥ 0);
    - `h`: reduced field ``H / H_K`` along the easy axis, ``|h| < 1``;
    - `alpha`: the damping, accepted for symmetry with the measurements and checked
      (> 0), but it does not enter: in units of τ_N the axially symmetric spectrum is
      independent of α (the precessional terms vanish);
    - `n_basis`: number of Legendre polynomials (default ``max(40, 3σ + 30)``).

    Accuracy: ~1e-12 relative for σ ≲ 5, 3e-9 at σ = 10, 2e-6 at σ = 20 (h = 0;
    checked against the same Galerkin matrix in 40-digit arithmetic): double
    precision resolves eigenvalues only to ``eps ||K||`` absolutely, and λ1 falls like
    ``e^{-σ}``. A `ValueError` is raised where the estimated relative error would
    exceed 1e-5 (σ ≳ 20 at h = 0).

    At h = 0, ``λ1`` is twice the escape rate out of one well; ``λ1 τ_N = 1`` at σ = 0.
    """
    sigma, h = _check_sigma_h(sigma, h)
    if alpha is not None and (not np.isfinite(alpha) or alpha <= 0):
        raise ValueError(f"alpha must be finite and > 0, got {alpha!r}")
    if n_basis is None:
        n_basis = int(max(40, 3 * sigma + 30))
    if n_basis < 3:
        raise ValueError(f"n_basis must be >= 3, got {n_basis}")
    ev = _spectrum(sigma, h, n_basis, 2)
    return float(ev[1])


def brown_eigenvalues(sigma: float, h: float = 0.0, n: int = 4) -> np.ndarray:
    """The ``n`` smallest eigenvalues ``λ_k τ_N`` of Brown's Fokker–Planck operator
    (``λ_0 = 0``, then ``λ1``, ...), by the Legendre–Galerkin method of
    :func:`brown_lambda1`. The ones above λ1 are the intrawell (fast) modes: after a
    few ``1/λ2`` only the λ1 mode is left in any relaxation.

    - `sigma`: ``K V / (k_B T)`` (≥ 0); `h`: ``H / H_K`` along the easy axis, ``|h| < 1``;
    - `n`: how many (≥ 2).
    """
    sigma, h = _check_sigma_h(sigma, h)
    check_int("n", n, minimum=2)
    ev = _spectrum(sigma, h, int(max(40, 3 * sigma + 30, n + 20)), n)
    ev[0] = 0.0  # the equilibrium; numerically ~1e-13
    return ev


def brown_lambda1_fd(sigma: float, h: float = 0.0, n_cells: int = 4000) -> float:
    """``λ1 τ_N`` by a second-order finite-volume discretisation in ``x = cos θ``,
    Richardson-extrapolated from ``n_cells`` and ``2 n_cells`` cells (an independent
    check of :func:`brown_lambda1`).

    Cells of width ``dx`` on [-1, 1]; the flux ``p = (1 - x²) e^{-βE}`` at the faces
    (zero at ±1: the natural boundary), the weight ``e^{-βE}`` lumped at the centres;
    the symmetrised tridiagonal problem is solved with ``eigh_tridiagonal``.
    """
    sigma, h = _check_sigma_h(sigma, h)

    def one(nc):
        dx = 2.0 / nc
        xf = np.linspace(-1.0, 1.0, nc + 1)
        xc = 0.5 * (xf[1:] + xf[:-1])
        shift = sigma * (1 + 2 * abs(h))  # max of -βE, for scaling only
        p = (1 - xf**2) * np.exp(sigma * (xf**2 + 2 * h * xf) - shift) / dx**2
        w = np.exp(sigma * (xc**2 + 2 * h * xc) - shift)
        diag = (p[:-1] + p[1:]) / w
        off = -p[1:-1] / np.sqrt(w[:-1] * w[1:])
        ev = linalg.eigh_tridiagonal(diag, off, eigvals_only=True, select="i", select_range=(0, 1))
        return ev[1] / 2

    a, b = one(n_cells), one(2 * n_cells)
    return float(b + (b - a) / 3)


def brown_asymptotic(sigma: float, h: float = 0.0) -> float:
    """Brown's high-barrier formula for ``λ1 τ_N`` (Brown 1963, eq. 4.11; Aharoni 1969):

        λ1 τ_N ≈ σ^{3/2} / √π (1 - h²) [ (1 + h) e^{-σ (1 + h)²} + (1 - h) e^{-σ (1 - h)²} ],

    the sum of the Kramers rates out of the two wells (barriers ``σ (1 ± h)²``). At
    h = 0: ``(2/√π) σ^{3/2} e^{-σ}``. Valid for ``σ (1 - |h|)² ≫ 1``; its relative error
    falls like ``1/σ`` (about 10 % low at σ = 10, h = 0).
    """
    sigma, h = _check_sigma_h(sigma, h)
    if sigma <= 0:
        raise ValueError("Brown's asymptotic formula needs sigma > 0")
    return float(
        sigma**1.5
        / math.sqrt(math.pi)
        * (1 - h**2)
        * ((1 + h) * math.exp(-sigma * (1 + h) ** 2) + (1 - h) * math.exp(-sigma * (1 - h) ** 2))
    )
