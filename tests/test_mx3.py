"""`jaxmag mx3`: the mumax3 language, its errors, and the physics it maps onto, checked
with scripts written for this project against analytic results."""

import math

import numpy as np
import pytest

from jaxmag.constants import MU0
from jaxmag.io import ovf, read_table
from jaxmag.mx3 import Mx3Error, parse, run, run_source


def _run(src, tmp_path, **kw):
    lines = []
    world = run_source(src, tmp_path / "out", file=tmp_path / "s.mx3", log=lines.append, **kw)
    return world, lines


# --- the language ---------------------------------------------------------------------


def test_go_semicolons_comments_and_case(tmp_path):
    src = """
    /* a block
       comment */
    x := 1 // a line comment
    Y := 2; z := x +
        Y
    PRINT(sprintf("%d %.2f %v", z, 1.5, vector(1, 2, 3)))
    for i := 0; i < 3; i++ { x += i }
    k := 0
    for k < 4 { k++ }
    if x == 4 && !(k != 4) { print("yes") } else if x > 0 { print("no") } else {
        print("never")
    }
    print(1e-9, 800e3, 7 % 4, -2.5e-5, true)
    """
    _, lines = _run(src, tmp_path)
    assert lines == ["3 1.50 (1,2,3)", "yes", "1e-09 800000 3 -2.5e-05 true"]


def test_syntax_error_names_the_line(tmp_path):
    with pytest.raises(Mx3Error, match=r"s\.mx3:3: syntax error"):
        run_source("x := 1\n\nx := (1 + \n", tmp_path / "o", file=tmp_path / "s.mx3")
    with pytest.raises(Mx3Error, match=r":2: syntax error"):
        parse("a := 1\nb := )\n", file="s.mx3")


@pytest.mark.parametrize(
    "src,line,msg",
    [
        ("SetGridSize(4, 4, 1)\nSetCellSize(1e-9, 1e-9, 1e-9)\nMsat = 8e5\nrun(1e-12)\nfoo(1)",
         5, "undefined: foo"),
        ("SetGridSize(4, 4, 1)\nrun(1e-12)\nSetCellSize(1e-9, 1e-9)", 3,
         "SetCellSize: expected 3 arguments, got 2"),
        ("SetGridSize(4, 4, 1)\nrun(1e-12)\nE_total = 3", 3, "read-only"),
        ("SetGridSize(4, 4, 1)\nrun(1e-12)\nx := ext_bubblepos", 3,
         "not supported by jaxmag"),
    ],
)  # fmt: skip
def test_bad_scripts_fail_before_anything_runs(tmp_path, src, line, msg):
    """The error comes from the check before the run: the run(1e-12) above it, which
    would fail without a cell size, never executes, and nothing is written."""
    with pytest.raises(Mx3Error, match=rf"s\.mx3:{line}: .*{msg}"):
        run_source(src, tmp_path / "out", file=tmp_path / "s.mx3")
    assert not (tmp_path / "out").exists()


def test_expect_fails_as_mumax3_fails(tmp_path):
    src = 'expect("a", 1.0, 1.05, 0.1)\nexpectv("v", vector(1,2,3), vector(1,2,3), 0)'
    _, lines = _run(src, tmp_path)
    assert lines == ["a : 1 OK", "v[0] : 1 OK", "v[1] : 2 OK", "v[2] : 3 OK"]
    for src in ('expect("a", 1, 1, -1)', 'expect("a", 0/0, 0/0, 1)', 'expect("a", 1, 2, 0.5)'):
        with pytest.raises(Mx3Error, match="expectation failed"):
            _run(src, tmp_path)


# --- physics ----------------------------------------------------------------------------

_MACROSPIN = """
SetGridSize(1, 1, 1)
SetCellSize(2e-9, 2e-9, 2e-9)
Msat = 800e3
Aex = 0
alpha = 0
EnableDemag = false
B_ext = vector(0, 0, 0.1)
m = uniform(1, 0, 0)
MaxErr = 1e-8
TableAutoSave(10e-12)
run(100e-12)
// precession about z at ω = γ B (mumax3's GammaLL = 1.7595e11 rad/(T s))
w := 1.7595e11 * 0.1
expect("mx", m.average()[0], cos(w*t), 1e-6)
expect("my", m.average()[1], sin(w*t), 1e-6)
save(m)
saveas(m, "final")
"""


def test_macrospin_precesses_at_gamma_B(tmp_path):
    world, lines = _run(_MACROSPIN, tmp_path)
    assert lines[0].startswith("mx :") and lines[1].startswith("my :")
    tab = read_table(tmp_path / "out" / "table.txt")
    assert list(tab["units"]) == ["t", "mx", "my", "mz"]
    np.testing.assert_allclose(tab["t"], np.arange(11) * 10e-12, atol=1e-24)
    w = 1.7595e11 * 0.1
    np.testing.assert_allclose(tab["mx"], np.cos(w * tab["t"]), atol=1e-6)
    np.testing.assert_allclose(tab["my"], np.sin(w * tab["t"]), atol=1e-6)
    for name in ("m000000.ovf", "final.ovf"):
        f = ovf.read(tmp_path / "out" / name)
        np.testing.assert_allclose(f.values[:, 0, 0, 0], world.m[:, 0, 0, 0], atol=1e-7)
    assert world.system().gamma == pytest.approx(1.7595e11 * MU0)


def test_time_dependent_field_is_evaluated_in_the_solve(tmp_path):
    """B_ext(t) = B0 sin(ω t) ẑ on a damped-free macrospin along x: the precession angle is
    ∫ γ B dt = γ B0 (1 - cos ω t) / ω."""
    src = """
    SetGridSize(1, 1, 1)
    SetCellSize(2e-9, 2e-9, 2e-9)
    Msat = 800e3
    EnableDemag = false
    f := 2e9
    B_ext = vector(0, 0, 0.2*sin(2*pi*f*t))
    f = 0  // a later change of f does not change the field (mumax3's closure rule)
    m = uniform(1, 0, 0)
    MaxErr = 1e-9
    TableAdd(B_ext)
    TableAutoSave(20e-12)
    run(200e-12)
    """
    _, _ = _run(src, tmp_path)
    tab = read_table(tmp_path / "out" / "table.txt")
    t = tab["t"]
    np.testing.assert_allclose(tab["B_extz"], 0.2 * np.sin(2 * np.pi * 2e9 * t), atol=1e-12)
    w = 2 * np.pi * 2e9
    phi = 1.7595e11 * 0.2 * (1 - np.cos(w * t)) / w
    np.testing.assert_allclose(tab["mx"], np.cos(phi), atol=2e-6)
    np.testing.assert_allclose(tab["my"], np.sin(phi), atol=2e-6)


def test_regions_geometry_and_averages(tmp_path):
    src = """
    SetGridSize(16, 16, 1)
    SetCellSize(1e-9, 1e-9, 1e-9)
    SetGeom(Circle(16e-9))
    DefRegion(1, XRange(-inf, 0))
    m = Uniform(0, 1, 0)
    Msat = 8e5
    alpha.SetRegion(1, 3)
    expectv("m", m.average(), vector(0, 1, 0), 1e-12)
    expect("alpha", alpha.average(), 1.5, 1e-12)
    expect("alpha1", alpha.region(1).average(), 3, 0)
    print(m.region(1).average()[1])
    """
    world, lines = _run(src, tmp_path)
    (x, y, _z), _ = world.coords()
    inside = x**2 + y**2 <= 8e-9**2
    np.testing.assert_array_equal(world.magnetic(), inside)
    # m.region(1) averages over the region's cells (x < 0), in the geometry or not
    frac = (inside & (x < 0)).sum() / (x < 0).sum()
    assert 0.5 < frac < 1
    assert math.isclose(float(lines[-1]), frac, rel_tol=1e-12)


def test_mumax3_pbc_window_matches_a_direct_sum():
    """Mesh(pbc_images="mumax3") sums every source within P n - 1 cells along a periodic
    axis, mumax3's SetPBC: the kernel equals a direct sum of the Newell tensor."""
    from jaxmag.energy._demag import kernel_real_space
    from jaxmag.energy._newell import newell_any

    n, cell, P = (8, 4, 1), (2e-9, 3e-9, 1e-9), 2
    K = kernel_real_space(n, cell, (P, 0, 0), images="mumax3")
    ref = np.zeros((6, 8))
    for d in range(-(P * 8 - 1), P * 8):
        ref[:, d % 8] += newell_any(np.array([[d * cell[0], cell[1], 0.0]]), cell)[:, 0]
    np.testing.assert_allclose(K[:, :, 1, 0], ref, rtol=0, atol=1e-11 * np.abs(ref).max())
    centred = kernel_real_space(n, cell, (P, 0, 0))
    assert np.abs(K - centred).max() > 1e-5 * np.abs(K).max()  # a different window


def test_run_writes_beside_the_script(tmp_path):
    p = tmp_path / "film.mx3"
    p.write_text("SetGridSize(2, 2, 1)\nSetCellSize(1e-9, 1e-9, 1e-9)\nMsat = 1e6\nTableSave()\n")
    run(p, log=lambda s: None)
    assert (tmp_path / "film.out" / "table.txt").read_text().startswith("# t (s)\tmx ()\t")
