"""µMAG standard problem 3 on coarse grids: which state wins where, the crossing, the
energy split and its units, and bad input."""

import math

import jax.numpy as jnp
import numpy as np
import pytest

import jaxmag.problems.sp3 as sp3

N = 8


@pytest.fixture(scope="module")
def small_and_large():
    return sp3.relax_states(7.0, N), sp3.relax_states(10.0, N)


def test_flower_wins_small_vortex_wins_large(small_and_large):
    small, large = small_and_large
    for r in (small, large):
        for state in sp3.STATES:
            assert bool(r[state].converged)
            assert sp3.classify(r[state].m) == state
        assert float(jnp.mean(r["flower"].m[2])) > 0.9
        assert abs(float(jnp.mean(r["vortex"].m[2]))) < 0.05
        assert sp3.circulation(r["vortex"].m, "x") > 0.7
    e_small, e_large = small["energies"], large["energies"]
    assert e_small["flower"]["total"] < e_small["vortex"]["total"] - 0.02
    assert e_large["vortex"]["total"] < e_large["flower"]["total"] - 0.02


def test_energy_split_matches_system_energy(small_and_large):
    """The split sums to System.energy plus the µMAG constant Ku L³, in units of Km L³."""
    for L, r in zip((7.0, 10.0), small_and_large, strict=True):
        sys = sp3.system(L, N)
        for state in sp3.STATES:
            e = r["energies"][state]
            assert e["total"] == pytest.approx(e["demag"] + e["exchange"] + e["anisotropy"])
            joules = float(sys.energy(r[state].m)) + sp3.KU * sp3.EDGE**3
            assert e["total"] * sp3.KM * sp3.EDGE**3 == pytest.approx(joules, rel=1e-12)
            assert all(v > 0 for v in e.values()), e
        # rough physics: the flower is mostly demag, the vortex mostly exchange
        f, v = r["energies"]["flower"], r["energies"]["vortex"]
        assert f["demag"] > 0.25 and f["exchange"] < 0.03 and f["anisotropy"] < 0.01
        assert v["demag"] < 0.15 and v["exchange"] > 0.13 and 0.03 < v["anisotropy"] < 0.08


def test_uniform_states_in_units_and_convention():
    """A uniform cube: demag 1/3 Km L³, no exchange; anisotropy 0 along the easy axis and
    Ku L³ = 0.1 Km L³ across it (µMAG convention)."""
    sys = sp3.system(8.0, 6)
    up = sp3.energies(sys, sp3.flower_start(6))
    side = sp3.energies(sys, sp3.flower_start(6, tilt=math.pi / 2))
    assert up["demag"] == pytest.approx(1 / 3, abs=1e-9)
    assert side["demag"] == pytest.approx(1 / 3, abs=1e-9)
    assert up["exchange"] == pytest.approx(0.0, abs=1e-12)
    assert up["anisotropy"] == pytest.approx(0.0, abs=1e-12)
    assert side["anisotropy"] == pytest.approx(0.1, rel=1e-12)


def test_exchange_length_and_scale_invariance():
    A = sp3.exchange_stiffness(8.5)
    assert sp3.EDGE / math.sqrt(A / sp3.KM) == pytest.approx(8.5, rel=1e-14)
    m = sp3.vortex_start(6)
    e1 = sp3.energies(sp3.system(8.5, 6), m)
    e2 = sp3.energies(sp3.system(8.5, 6, edge=13e-9), m)
    e3 = sp3.energies(sp3.system(9.5, 6), m)
    for k in e1:
        assert e2[k] == pytest.approx(e1[k], rel=1e-9), k
    assert e3["exchange"] == pytest.approx(e1["exchange"] * (8.5 / 9.5) ** 2, rel=1e-12)
    assert e3["demag"] == pytest.approx(e1["demag"], rel=1e-12)


def test_crossing_lies_between_8_and_9():
    r = sp3.crossing(6, xtol=1e-3)
    L_c = r["L_crit_over_lex"]
    assert 8.0 < L_c < 9.0
    ef, ev = r["energies"]["flower"], r["energies"]["vortex"]
    assert abs(ef["total"] - ev["total"]) < 1e-3
    xs = np.array([x for x, _ in r["evaluations"]])
    ds = np.array([d for _, d in r["evaluations"]])
    assert np.all(ds[xs < L_c - 1e-3] < 0) and np.all(ds[xs > L_c + 1e-3] > 0)
    # the warm-started states are the states a cold start finds at L_c
    cold = sp3.relax_states(L_c, 6)["energies"]
    for state in sp3.STATES:
        assert cold[state]["total"] == pytest.approx(r["energies"][state]["total"], abs=1e-9)


def test_collapse_is_detected():
    """A vortex with its core along the easy axis does not survive at 7 l_ex on 8³ cells:
    it relaxes into the flower, and relax_states says so."""
    with pytest.raises(sp3.StateCollapsed, match="vortex state .* relaxed into a flower"):
        sp3.relax_states(7.0, N, vortex_axis="z")
    r = sp3.relax_states(7.0, N, vortex_axis="z", check=False)
    assert sp3.classify(r["vortex"].m) == "flower"


@pytest.mark.parametrize("cells", [1, 0, -3])
def test_bad_cell_count(cells):
    with pytest.raises(ValueError, match="cells_per_edge"):
        sp3.system(8.0, cells)
    with pytest.raises(ValueError, match="cells_per_edge"):
        sp3.crossing(cells)


@pytest.mark.parametrize("cells", [2.5, True, "8"])
def test_cell_count_type(cells):
    with pytest.raises(TypeError, match="cells_per_edge"):
        sp3.relax_states(8.0, cells)


@pytest.mark.parametrize("L", [0.0, -1.0, float("nan"), float("inf")])
def test_bad_length(L):
    with pytest.raises(ValueError, match="L_over_lex"):
        sp3.system(L, 4)
    with pytest.raises(ValueError, match="L_over_lex"):
        sp3.relax_states(L, 4)
    with pytest.raises(ValueError, match="L_over_lex"):
        sp3.crossing(4, bracket=(L, 9.0))


def test_other_bad_input():
    with pytest.raises(ValueError, match="bracket"):
        sp3.crossing(4, bracket=(9.0, 8.0))
    with pytest.raises(ValueError, match="xtol"):
        sp3.crossing(4, xtol=0.0)
    with pytest.raises(ValueError, match="axis"):
        sp3.vortex_start(4, axis="w")
    with pytest.raises(ValueError, match="core_radius"):
        sp3.vortex_start(4, core_radius=0.0)
    with pytest.raises(ValueError, match="unknown states"):
        sp3.relax_states(8.0, 4, starts={"twisted": sp3.flower_start(4)})
    with pytest.raises(ValueError, match="shape"):
        sp3.relax_states(8.0, 4, starts={"flower": sp3.flower_start(5)})
