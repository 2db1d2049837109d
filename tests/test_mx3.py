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


# --- mumax3's kernel, NoDemagSpins, custom terms, drivers -------------------------------

# mumax3's own values for B_demag of a uniform 3 × 4 × 2 magnet (1 × 2 × 3 nm cells,
# Msat = 1/μ0) in its regression script test/demagSmall3D.mx3 (mumax/3 on GitHub); they
# carry mumax3's quadrature error: Nxx + Nyy + Nzz = 0.99945 instead of 1.
_SMALL3D = """
SetGridSize(3, 4, 2)
SetCellSize(1e-9, 2e-9, 3e-9)
Msat = 1/mu0
m = uniform(1, 0, 0)
print(B_demag.average()[0])
m = uniform(0, 1, 0)
print(B_demag.average()[1])
m = uniform(0, 0, 1)
print(B_demag.average()[2])
"""
_MUMAX3_SMALL3D = (-0.52710835138, -0.20121671756, -0.27112555503)


def test_mumax3_kernel_reproduces_mumax3s_numbers(tmp_path):
    _, lines = _run(_SMALL3D, tmp_path, demag_kernel="mumax3")
    np.testing.assert_allclose([float(v) for v in lines], _MUMAX3_SMALL3D, rtol=0, atol=1e-6)
    _, exact = _run(_SMALL3D, tmp_path / "b")
    exact = [float(v) for v in exact]
    assert sum(exact) == pytest.approx(-1.0, abs=1e-8)  # trace 1 (jaxmag: to 5e-10)
    assert abs(exact[0] - _MUMAX3_SMALL3D[0]) > 1e-4


def test_nodemagspins_removes_a_region_from_the_demag_field(tmp_path):
    src = """
    SetGridSize(16, 8, 1)
    SetCellSize(4e-9, 4e-9, 3e-9)
    Msat = 800e3
    m = uniform(1, 1, 1)
    DefRegion(1, XRange(0, inf))
    NoDemagSpins.SetRegion(1, 1)
    save(B_demag)
    """
    world, _ = _run(src, tmp_path)
    B = ovf.read(tmp_path / "out" / "B_demag000000.ovf").values
    right = world.regions == 1
    assert np.all(B[:, right] == 0)
    # the left half feels only its own cells: as if the right half were empty
    import jaxmag as jm

    mesh = jm.Mesh((16, 8, 1), (4e-9, 4e-9, 3e-9))
    mat = jm.Material(np.where(right, 0.0, 800e3))
    m = np.broadcast_to((np.ones(3) / np.sqrt(3)).reshape(3, 1, 1, 1), (3, 16, 8, 1))
    ref = np.asarray(jm.Demag(mesh, mat).field(m)) * MU0
    np.testing.assert_allclose(B[:, ~right], ref[:, ~right], rtol=2e-7, atol=1e-9)


_CUSTOM_EXCHANGE = """
SetGridSize(12, 10, 3)
c := 2e-9
SetCellSize(c, 1.5*c, 2.5*c)
Msat = 800e3
EnableDemag = false
m = twodomain(1, 2, 3, -1, -3, 5, 3, -1, 2)
A := 13e-12
px := Const(2*A/(c*c*Msat.Average()))
py := Const(2*A/(2.25*c*c*Msat.Average()))
pz := Const(2*A/(6.25*c*c*Msat.Average()))
l := Mul(px, Mul(Add(Mul(Const(-1), m), Shifted(m, 1, 0, 0)), Shifted(Const(1), 1, 0, 0)))
r := Mul(px, Mul(Add(Mul(Const(-1), m), Shifted(m, -1, 0, 0)), Shifted(Const(1), -1, 0, 0)))
f := Mul(py, Mul(Add(Mul(Const(-1), m), Shifted(m, 0, 1, 0)), Shifted(Const(1), 0, 1, 0)))
b := Mul(py, Mul(Add(Mul(Const(-1), m), Shifted(m, 0, -1, 0)), Shifted(Const(1), 0, -1, 0)))
u := Mul(pz, Mul(Add(Mul(Const(-1), m), Shifted(m, 0, 0, 1)), Shifted(Const(1), 0, 0, 1)))
d := Mul(pz, Mul(Add(Mul(Const(-1), m), Shifted(m, 0, 0, -1)), Shifted(Const(1), 0, 0, -1)))
AddFieldTerm(Add(l, Add(r, Add(f, Add(b, Add(u, d))))))
AddEdensTerm(Mul(Const(-0.5), Dot(B_custom_placeholder, M_full)))
"""


def test_custom_exchange_field_equals_the_builtin_one(tmp_path):
    """A 6-neighbour exchange field written with Shifted/Add/Mul (as mumax3's
    custom_exchange.mx3 does) equals jaxmag's Exchange field, and the custom energy
    -1/2 M·B equals the exchange energy."""
    src = _CUSTOM_EXCHANGE.replace(
        "AddEdensTerm(Mul(Const(-0.5), Dot(B_custom_placeholder, M_full)))",
        "Bc := Add(l, Add(r, Add(f, Add(b, Add(u, d)))))\n"
        "AddEdensTerm(Mul(Const(-0.5), Dot(Bc, M_full)))\n"
        "print(E_custom)\nsave(B_custom)\nAex = A\nRemoveCustomFields()\n"
        "RemoveCustomEnergies()\nprint(E_exch)\nsave(B_exch)\nprint(E_custom)",
    )
    _, lines = _run(
        src,
        tmp_path,
    )
    assert float(lines[0]) == pytest.approx(float(lines[1]), rel=1e-12)
    assert float(lines[1]) > 0 and float(lines[2]) == 0
    custom = ovf.read(tmp_path / "out" / "B_custom000000.ovf").values
    builtin = ovf.read(tmp_path / "out" / "B_exch000000.ovf").values
    assert np.abs(builtin).max() > 1e-3  # T: a wall's exchange field
    np.testing.assert_allclose(custom, builtin, rtol=0, atol=1e-6 * np.abs(builtin).max())


def test_steps_and_runwhile(tmp_path):
    src = (
        _MACROSPIN.split("TableAutoSave")[0]
        + """
    steps(10)
    print(t > 0, step)
    RunWhile(m.comp(1).average() < 0.5)
    print(m.comp(1).average())
    """
    )
    world, lines = _run(src, tmp_path)
    assert lines[0] == "true 10"
    my = float(lines[1])
    assert 0.5 <= my < 0.6  # stopped at the first step past 0.5


def test_rkky_coupling_by_negative_exchange_scaling(tmp_path):
    """ext_ScaleExchange(0, 1, s) with s < 0 couples two layers antiparallel: turning one
    layer by 90° changes the energy by RKKY N² c² (RKKY = 2 s A / c), as in mumax3's
    rkky.mx3, here without demag so the figure is exact."""
    src = """
    SetGridSize(10, 10, 2)
    c := 1e-9
    SetCellSize(c, c, c)
    DefRegion(0, Layer(0))
    DefRegion(1, Layer(1))
    Msat = 1e6
    Aex = 10e-12
    EnableDemag = false
    RKKY := -1e-3
    ext_ScaleExchange(0, 1, RKKY * c / (2 * Aex.Average()))
    m = uniform(1, 0, 0)
    E0 := E_total.Get()
    m.SetRegion(0, uniform(0, 1, 0))
    expect("dE", E_total.Get() - E0, RKKY * 100 * c * c, 1e-30)
    """
    _run(src, tmp_path)


def test_higher_order_cubic_anisotropy_energy():
    import jaxmag as jm

    th, ph = np.deg2rad(23), np.deg2rad(11)
    m = np.array([np.sin(ph) * np.cos(th), np.sin(ph) * np.sin(th), np.cos(ph)])
    a = m**2
    mesh = jm.Mesh((1, 1, 1), (1e-9, 1e-9, 1e-9))
    for K, want in (
        ((1e6, 0, 0), 1e6 * (a[0] * a[1] + a[1] * a[2] + a[2] * a[0])),
        ((0, 1e6, 0), 1e6 * a[0] * a[1] * a[2]),
        ((0, 0, 1e6), 1e6 * ((a[0] * a[1]) ** 2 + (a[1] * a[2]) ** 2 + (a[2] * a[0]) ** 2)),
    ):
        mat = jm.Material(1e6, Kc1=K[0], Kc2=K[1], Kc3=K[2])
        e = float(jm.CubicAnisotropy(mesh, mat).energy(m.reshape(3, 1, 1, 1))) / 1e-27
        assert e == pytest.approx(want, rel=1e-12)


def test_crop_slice_spinangle_and_corepos(tmp_path):
    src = """
    SetGridSize(20, 10, 2)
    SetCellSize(1e-9, 2e-9, 1e-9)
    DefRegion(1, XRange(0, inf))
    m.SetRegion(0, uniform(1, 0, 0))
    m.SetRegion(1, uniform(0, 1, 0))
    expectv("left", CropX(m, 0, 10).average(), vector(1, 0, 0), 0)
    expectv("right", CropRegion(m, 1).average(), vector(0, 1, 0), 0)
    expect("layer", CropLayer(m.comp(1), 1).average(), 0.5, 1e-15)
    Msat = 8e5
    Aex = 1e-11
    expect("angle", MaxAngle, pi/2, 1e-12)
    ext_ScaleExchange(0, 1, 0)
    expect("uncoupled", MaxAngle, 0, 0)
    s := NewSlice(3, 20, 10, 2)
    s.Set(2, 3, 4, 1, 7.5)
    expect("slice", s.Get(2, 3, 4, 1), 7.5, 0)
    m = Vortex(1, -1).Transl(3e-9, 4e-9, 0)
    p := ext_corepos.get()
    expect("x", p[0], 3e-9, 0.1e-9)
    expect("y", p[1], 4e-9, 0.2e-9)
    expect("pol", p[2], -1, 0.5)
    """
    _run(src, tmp_path)


def test_cli_exit_status_and_message(tmp_path, capsys):
    from jaxmag.cli import main

    good = tmp_path / "good.mx3"
    good.write_text('expect("one", 1, 1, 0)\n')
    assert main(["mx3", str(good), "--quiet", "--no-cache"]) == 0
    bad = tmp_path / "bad.mx3"
    bad.write_text('x := 2\nexpect("two", x, 3, 0.5)\n')
    assert main(["mx3", str(bad), "--no-cache"]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:2: expectation failed: two: have: 2 want: 3 ± 0.5" in err
    assert (tmp_path / "good.out").is_dir() is False  # nothing to write, nothing written
