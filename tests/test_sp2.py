"""µMAG SP2: the small-particle limit against Stoner–Wohlfarth with Aharoni's factors,
the Stoner–Wohlfarth reference against closed forms, and the bisection with continuation."""

import numpy as np
import pytest

from jaxmag.constants import MU0
from jaxmag.energy import prism_demag_factors
from jaxmag.problems import sp2
from jaxmag.statics import anisotropy_field, sw_equilibrium, sw_uniaxial_coercive_field
from jaxmag.statics._hysteresis import bisect_branch
from jaxmag.statics._stoner_wohlfarth import coercive_field


def test_stoner_wohlfarth_reference_reproduces_the_published_limit():
    """The SW branch with Aharoni's factors of the 5 × 1 × 0.1 prism gives Donahue et al.'s
    Hc/Ms = 0.057069478; m·d crosses zero reversibly, just before the jump."""
    r = sp2.small_particle_limit()
    assert r["Hc_over_Ms"] == pytest.approx(sp2.HC_SMALL_PARTICLE, abs=1e-8)
    assert r["Hc_over_Ms"] < r["Hs_over_Ms"] < r["Hc_over_Ms"] + 2e-4
    np.testing.assert_allclose(r["N"], prism_demag_factors((5, 1, 0.1)))


@pytest.mark.parametrize("psi", [10.0, 30.0, 45.0, 60.0, 80.0])
def test_stoner_wohlfarth_astroid(psi):
    """Uniaxial particle (easy axis z, H_K = Ms): the switching field is the astroid's
    (cos^2/3 + sin^2/3)^-3/2; past 45° m·h crosses zero reversibly at sin ψ cos ψ."""
    p = np.radians(psi)
    d = np.array([np.sin(p), 0.0, np.cos(p)])
    r = coercive_field(-np.diag([0.0, 0.0, 1.0]), d, h_step=0.02)
    astroid = (np.cos(p) ** (2 / 3) + np.sin(p) ** (2 / 3)) ** -1.5
    assert r["h_switch"] == pytest.approx(astroid, abs=1e-7)
    assert r["h_c"] == pytest.approx(astroid if psi <= 45 else np.sin(p) * np.cos(p), abs=1e-7)


@pytest.mark.slow  # 14 s; the fast suite's 10-minute budget
def test_uniaxial_coercive_field_matches_the_continuation_reference():
    """The closed form against the branch followed by BFGS with continuation and the
    bisection of the sign change of m·d."""
    K = -np.diag([0.0, 0.0, 1.0])  # h in units of μ0 Ms; H_K / Ms = 1
    for psi_deg in (1.0, 10.0, 30.0, 45.0, 60.0, 80.0):  # at exactly 0 BFGS never leaves
        psi = np.radians(psi_deg)
        d = np.array([np.sin(psi), 0.0, np.cos(psi)])
        ref = coercive_field(K, d, h_step=2e-3)["h_c"]
        np.testing.assert_allclose(sw_uniaxial_coercive_field(psi), ref, rtol=1e-5, atol=1e-7)


def test_uniaxial_coercive_field_special_values_and_axis_symmetry():
    np.testing.assert_allclose(
        sw_uniaxial_coercive_field([0.0, np.pi / 4, np.pi / 2]), [1, 0.5, 0], atol=1e-15
    )
    psi = np.linspace(0, np.pi / 2, 7)
    np.testing.assert_allclose(
        sw_uniaxial_coercive_field(np.pi - psi), sw_uniaxial_coercive_field(psi)
    )
    # μ0 H_K of Nd2Fe14B ≈ 6.72 T
    hk = anisotropy_field(4.3e6, 1.28e6)
    np.testing.assert_allclose(MU0 * hk, 2 * 4.3e6 / 1.28e6, rtol=1e-12)


def test_equilibrium_is_a_minimum_along_the_field():
    m = sw_equilibrium(np.diag([0.1, 0.2, 0.7]), np.array([0.0, 0.0, 5.0]), np.array([1.0, 0, 0.1]))
    np.testing.assert_allclose(m, [0, 0, 1], atol=1e-8)


def test_single_cell_sp2_reproduces_stoner_wohlfarth():
    """One cell of the bar: the field sweep and bisection reproduce the SW coercivity and
    switching field of the prism's demagnetising factors."""
    ref = sp2.small_particle_limit()
    r = sp2.run(0.1, cells=(1, 1, 1), h_tol=1e-5)
    assert r["cells"] == (1, 1, 1) and r["unconverged"] == 0
    assert r["Hc_over_Ms"] == pytest.approx(ref["Hc_over_Ms"], abs=1e-6)
    assert r["Hs_bracket"][0] - 1e-6 <= ref["Hs_over_Ms"] <= r["Hs_bracket"][1] + 1e-6
    np.testing.assert_allclose(r["m_remanent"], [1, 0, 0], atol=1e-8)


def test_small_bar_is_nearly_the_small_particle():
    """d = 1 l_ex on a few cells: almost uniform, coercivity a little below the limit."""
    r = sp2.run(1.0, 0.5, h_step=0.005, h_tol=1e-4)
    assert r["cells"] == (10, 2, 1)
    assert r["m_remanent"][0] > 0.999
    assert sp2.HC_SMALL_PARTICLE - 2e-3 < r["Hc_over_Ms"] < sp2.HC_SMALL_PARTICLE + 1e-4


def test_cells_and_exchange_length():
    assert sp2.cells_for(10, 0.5) == (100, 20, 2)
    assert sp2.cells_for(0.1, 0.5) == (1, 1, 1)
    assert sp2.exchange_length(8e5, 1.3e-11) == pytest.approx(5.6858e-9, rel=1e-4)
    size = sp2.mesh(2.0, (10, 2, 1)).size
    np.testing.assert_allclose(np.array(size) / sp2.exchange_length(), [10, 2, 0.2])


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: sp2.run(0.0), "d_lex"),
        (lambda: sp2.run(float("nan")), "d_lex"),
        (lambda: sp2.run(1.0, -0.5), "cell_lex"),
        (lambda: sp2.run(1.0, cells=(1, 0, 1)), "cells"),
        (lambda: sp2.run(1.0, h_step=0.0), "h_step"),
        (lambda: sp2.exchange_length(-1.0), "Ms"),
        (lambda: prism_demag_factors((1.0, 0.0, 1.0)), "size"),
        (lambda: coercive_field(np.eye(2), (1, 0, 0)), "symmetric"),
        (lambda: coercive_field(np.eye(3), (0, 0, 0)), "direction"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


def test_bisect_branch_follows_the_branch():
    """A branch y(x) = 1 − x that jumps to −1 only past x = 0.7 from states above 0.6:
    the sign change is at 1 (never reached), the jump at 0.7, found to the tolerance."""
    calls = []

    def relax(x, state):
        calls.append(x)
        jumped = x > 0.7 and state > 1 - 0.7 - 0.1
        return -1.0 if jumped or state < 0 else 1 - x

    x_lo, s_lo, x_hi, s_hi, n = bisect_branch(relax, 0.5, 0.5, 0.9, lambda s, p: s < 0, tol=1e-6)
    assert x_lo <= 0.7 < x_hi and x_hi - x_lo <= 1e-6
    assert s_lo == pytest.approx(1 - x_lo) and s_hi == -1.0 and n == len(calls)
    with pytest.raises(ValueError, match="has not crossed"):
        bisect_branch(relax, 0.1, 0.9, 0.2, lambda s, p: s < 0, tol=1e-3)
