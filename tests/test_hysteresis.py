"""Hysteresis loops: Stoner–Wohlfarth coercivity, one compilation per sweep, bad input,
plots, and the ``jaxmag hysteresis`` command."""

import argparse
import logging
from types import SimpleNamespace

import jax
import numpy as np
import pytest

import jaxmag as jm
from jaxmag.constants import MU0
from jaxmag.io import read_csv
from jaxmag.plot import plot_hysteresis, plot_magnetisation_map
from jaxmag.statics import Loop, coercivity, hysteresis, loop_fields

PNG = b"\x89PNG\r\n\x1a\n"
MS, K = 8e5, 5e5  # A/m, J/m³
B_K = 2 * K / MS  # μ0 H_K = 2K/Ms in T (1.25 T)
STEPS = 1200  # per branch over ±1.2 B_K: ΔB = 0.002 B_K
DB = 2 * 1.2 * B_K / STEPS


def _particle(axis=(0.0, 0.0, 1.0)):
    """A 2 nm cube, one cell: a Stoner–Wohlfarth particle (no exchange, no demag)."""
    mesh = jm.Mesh((1, 1, 1), (2e-9, 2e-9, 2e-9))
    return jm.make_system(mesh, jm.Material(Ms=MS, Ku1=K, anis_u=axis), exchange=False, demag=False)


def _direction(psi_deg):
    """A field direction at ψ to the easy axis z, in the x-z plane."""
    p = np.radians(psi_deg)
    return np.array([np.sin(p), 0.0, np.cos(p)])


def _sw_coercivity(psi_deg):
    """Stoner–Wohlfarth coercive field / H_K: the astroid's switching field up to 45°,
    where ⟨m⟩·ĥ jumps through zero; beyond, ⟨m⟩·ĥ reaches zero before switching, with
    m ⟂ H, at h = sin(2ψ)/2."""
    p = np.radians(psi_deg)
    if psi_deg <= 45:
        return (np.cos(p) ** (2 / 3) + np.sin(p) ** (2 / 3)) ** -1.5
    return np.sin(2 * p) / 2


_LOOPS = {}


def _sw_loop(psi_deg, kick=1e-3):
    key = (psi_deg, kick)
    if key not in _LOOPS:
        d = _direction(psi_deg)
        _LOOPS[key] = hysteresis(_particle(), d, d, loop_fields(1.2 * B_K, STEPS), kick=kick)
    return _LOOPS[key]


@pytest.mark.parametrize("psi", [0, 30, 45, 60])
def test_stoner_wohlfarth_coercivity(psi):
    """On a field grid of ΔB = 0.002 B_K, the zero of m_par lies in the step that holds
    the analytic coercive field, and linear interpolation keeps it there: |error| < ΔB
    (0.2 % of H_K). At 0° the state is m = −ĥ exactly and switches at the first step
    past H_K (measured: error ΔB/2, the midpoint of the jump from +1 to −1)."""
    loop = _sw_loop(psi)
    assert np.all(loop.converged) and np.all(loop.max_torque < 1e-7)
    np.testing.assert_allclose(np.linalg.norm(loop.m_avg, axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(loop.m_par, loop.m_avg @ _direction(psi), atol=1e-12)
    c = coercivity(loop)
    want = _sw_coercivity(psi) * B_K
    assert abs(c["Bc"] - want) < DB, (c, want)
    assert abs(c["B_down"] + want) < DB and abs(c["B_up"] - want) < DB
    assert abs(c["B_shift"]) < DB
    assert c["H_c"] == pytest.approx(c["Bc"] / MU0)
    # remanence on the descending branch: m along the easy axis, m_par = cos ψ
    i0 = np.argmin(np.abs(loop.B[: STEPS + 1]))
    assert loop.m_par[i0] == pytest.approx(np.cos(np.radians(psi)), abs=1e-6)


def test_45_degree_loop_is_not_the_easy_axis_loop():
    """Wrong physics would fail: at 45° the coercive field is H_K/2, not H_K (and the
    easy-axis loop's is not H_K/2)."""
    c45, c0 = coercivity(_sw_loop(45)), coercivity(_sw_loop(0))
    assert abs(c45["Bc"] - B_K) > 200 * DB
    assert abs(c0["Bc"] - B_K / 2) > 200 * DB
    assert c0["Bc"] / c45["Bc"] == pytest.approx(2.0, abs=2 * DB / B_K * 2)


def test_no_kick_no_easy_axis_switching():
    """Why the kick exists: m exactly antiparallel to an easy-axis field feels no
    torque, so without the kick the minimiser never leaves the unstable state."""
    loop = _sw_loop(0, kick=0.0)
    assert np.all(loop.m_par > 0.999)
    assert np.isnan(coercivity(loop)["Bc"])
    # nor does a tilted start: the first step relaxes the tilt below tol (~5e-10 rad),
    # and past H_K the torque of what is left, ~(H/H_K - 1) θ, is below tol as well
    tilt = (np.sin(1e-3), 0.0, np.cos(1e-3))
    loop = hysteresis(_particle(), tilt, (0, 0, 1), loop_fields(1.2 * B_K, STEPS), kick=0.0)
    assert np.all(loop.m_par > 0.999) and abs(loop.m_avg[0, 0]) < 1e-8


def test_one_compilation_for_many_sweeps(caplog):
    """The field is traced: a second sweep of another length, direction and field
    range on the same system compiles nothing."""
    system = _particle()

    def compiles():
        return sum("Compiling jit(_sweep)" in r.getMessage() for r in caplog.records)

    with caplog.at_level(logging.WARNING, logger="jax"), jax.log_compiles():
        hysteresis(system, (0, 0, 1), (0, 0, 1), loop_fields(2.0, 30))
        first = compiles()
        hysteresis(system, (1, 0, 0), (1, 1, 1), loop_fields(0.5, 77), chunk=50)
        assert compiles() == first <= 1


def test_progress(capsys):
    hysteresis(_particle(), (0, 0, 1), (0, 0, 1), loop_fields(2.0, 10), chunk=5, progress=True)
    lines = [x for x in capsys.readouterr().out.splitlines() if x.startswith("hysteresis:")]
    assert len(lines) == 5 and "step 21/21" in lines[-1]


@pytest.mark.parametrize(
    "kwargs, err, match",
    [
        ({"direction": (0, 0, 0)}, ValueError, "non-zero"),
        ({"direction": (1, 0)}, ValueError, "direction must have shape"),
        ({"direction": (np.nan, 0, 1)}, ValueError, "direction must be finite"),
        ({"B_values": []}, ValueError, "non-empty"),
        ({"B_values": [[0.1, 0.2]]}, ValueError, "1D"),
        ({"B_values": [0.1, np.inf]}, ValueError, "B_values .* must be finite"),
        ({"B_values": ["a"]}, TypeError, "real-valued"),
        ({"m0": (0, 0, 0)}, ValueError, "zero length"),
        ({"m0": np.ones((3, 2, 1, 1))}, ValueError, "shape"),
        ({"kick": -1e-3}, ValueError, "kick"),
        ({"kick": 0.5}, ValueError, "kick must be <= 0.1"),
        ({"chunk": 0}, ValueError, "chunk"),
        ({"max_iter": 2.5}, TypeError, "max_iter"),
        ({"tol": 0.0}, ValueError, "tol must be positive"),
        ({"system": lambda H: None}, TypeError, "jaxmag System"),
    ],
)
def test_bad_input(kwargs, err, match):
    args = {"system": _particle(), "m0": (0, 0, 1), "direction": (0, 0, 1), "B_values": [1.0]}
    args.update(kwargs)
    with pytest.raises(err, match=match):
        hysteresis(
            args.pop("system"), args.pop("m0"), args.pop("direction"), args.pop("B_values"), **args
        )


def test_loop_fields_and_coercivity_of_a_known_loop():
    B = loop_fields(1.0, 4)
    np.testing.assert_allclose(B, [1, 0.5, 0, -0.5, -1, -0.5, 0, 0.5, 1])
    with pytest.raises(ValueError, match="steps"):
        loop_fields(1.0, 0)
    with pytest.raises(ValueError, match="B_max"):
        loop_fields(-1.0, 3)
    # a shifted square-ish loop: m_par = +1 down to −0.2 T, −1 up to +0.4 T
    m = np.where(np.arange(9) < 4, 1.0, -1.0)
    m[[6, 7, 8]] = [-1.0, 0.5, 1.0]
    c = coercivity(SimpleNamespace(B=B, m_par=m))
    assert c["B_down"] == pytest.approx(-0.75) and c["B_up"] == pytest.approx(1 / 3)
    assert c["Bc"] == pytest.approx((1 / 3 + 0.75) / 2)
    assert c["B_shift"] == pytest.approx((1 / 3 - 0.75) / 2)
    assert np.isnan(coercivity(SimpleNamespace(B=B, m_par=np.ones(9)))["Bc"])
    with pytest.raises(ValueError, match="equal length"):
        coercivity(SimpleNamespace(B=B, m_par=m[:5]))


def _is_png(path, shape_min=(100, 100)):
    data = path.read_bytes()
    assert data[:8] == PNG
    import matplotlib.image

    img = matplotlib.image.imread(path)
    assert img.shape[0] >= shape_min[0] and img.shape[1] >= shape_min[1]
    return img


def test_plot_hysteresis(tmp_path):
    out = plot_hysteresis(tmp_path / "a" / "loop.png", _sw_loop(30), title="SW 30°")
    assert out == tmp_path / "a" / "loop.png"
    _is_png(out)
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["loop.png"]  # no temp left
    with pytest.raises(ValueError, match="equal length"):
        plot_hysteresis(tmp_path / "b.png", SimpleNamespace(B=[0.0, 1.0], m_par=[1.0]))
    with pytest.raises(ValueError, match="finite"):
        plot_hysteresis(tmp_path / "b.png", SimpleNamespace(B=[0.0, 1.0], m_par=[1.0, np.nan]))
    assert not (tmp_path / "b.png").exists()


def _vortex(nx=24, ny=16, nz=2):
    x, y = np.meshgrid(np.arange(nx) - (nx - 1) / 2, np.arange(ny) - (ny - 1) / 2, indexing="ij")
    r = np.hypot(x, y)
    mz = np.exp(-(r**2) / 4)
    t = np.sqrt(1 - mz**2) / np.maximum(r, 1e-12)
    m = np.stack([-y * t, x * t, mz])[..., None].repeat(nz, axis=-1)
    m[:, 0, 0, :] = 0.0  # a non-magnetic cell
    return m


def test_plot_magnetisation_map(tmp_path):
    m = _vortex()
    a = _is_png(plot_magnetisation_map(tmp_path / "m.png", m, cell=(2e-9, 2e-9, 1e-9)))
    b = _is_png(plot_magnetisation_map(tmp_path / "c.png", m, layer=1, arrows=4, shade=False))
    assert a.std() > 0.05 and b.std() > 0.05  # not a blank image
    # an OVF-like object: .values and .cell, duck-typed; a trailing-component layout too
    field = SimpleNamespace(values=np.moveaxis(m, 0, -1), cell=(1e-9, 1e-9, 1e-9))
    _is_png(plot_magnetisation_map(tmp_path / "o.png", field, title="from OVF"))


@pytest.mark.parametrize(
    "m, kwargs, match",
    [
        (np.zeros((3, 4, 4)), {}, "shape"),
        (np.zeros((2, 4, 4, 1)), {}, "shape"),
        (np.full((3, 4, 4, 1), np.nan), {}, "NaN"),
        (np.ones((3, 4, 4, 1)), {"layer": 1}, "layer"),
        (np.ones((3, 4, 4, 1)), {"arrows": 0}, "arrows"),
        (np.ones((3, 4, 4, 1)), {"cell": (1e-9, 0.0, 1e-9)}, "cell"),
        (np.ones((3, 4, 4, 1)), {"cell": (1e-9, 1e-9)}, "cell"),
    ],
)
def test_plot_magnetisation_map_bad_input(tmp_path, m, kwargs, match):
    with pytest.raises(ValueError, match=match):
        plot_magnetisation_map(tmp_path / "x.png", m, **kwargs)
    assert not (tmp_path / "x.png").exists()


def _cli(argv):
    from jaxmag.cli import _hysteresis as cli_hysteresis

    p = argparse.ArgumentParser()
    cli_hysteresis.add_parser(p.add_subparsers(dest="command", required=True))
    args = p.parse_args(argv)
    return cli_hysteresis.run(args)


def test_cli_writes_loop(tmp_path, capsys):
    """A 2×2×1 film, uniform easy axis along the field, no demag: coherent rotation, so
    the CLI's loop (mT in, T out) must switch at B_K = 2 Ku/Ms within a field step."""
    out = tmp_path / "o"
    argv = ["hysteresis", "--size", "8e-9,8e-9,2e-9", "--cells", "2,2,1", "--Ms", str(MS)]
    argv += ["--Ku", str(K), "--axis", "0,0,1", "--direction", "0,0,2", "--Bmax", "1500"]
    argv += ["--steps", "30", "--no-demag", "--out", str(out)]
    assert _cli(argv) == 0
    table = read_csv(out / "loop.csv")
    assert list(table) == ["B_T", "mx", "my", "mz", "m_par"]
    assert len(table["B_T"]) == 61 and table["B_T"][0] == pytest.approx(1.5)
    np.testing.assert_allclose(table["m_par"], table["mz"], atol=1e-12)
    assert (out / "loop.png").read_bytes()[:8] == PNG
    c = coercivity(SimpleNamespace(B=table["B_T"], m_par=table["m_par"]))
    assert abs(c["Bc"] - B_K) < 0.1  # ΔB = 0.1 T
    printed = capsys.readouterr().out
    assert "coercive field: μ0Hc =" in printed and "loop.csv" in printed


def test_cli_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="--steps"):
        _cli(["hysteresis", "--steps", "0", "--out", str(tmp_path / "o")])
    with pytest.raises(ValueError, match="--direction"):
        _cli(["hysteresis", "--direction", "0,0,0", "--out", str(tmp_path / "o")])
    with pytest.raises(SystemExit):
        _cli(["hysteresis", "--cells", "2,2"])
    assert not (tmp_path / "o").exists()


def test_loop_is_a_module():
    loop = _sw_loop(45)
    assert isinstance(loop, Loop) and loop.m.shape == (3, 1, 1, 1)
    np.testing.assert_allclose(loop.H, loop.B / MU0)
