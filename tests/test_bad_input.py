"""Bad input raises ``ValueError`` or ``TypeError`` naming the parameter, before any
compilation; a failed integration raises ``RuntimeError`` naming the time reached."""

import importlib
import re

import jax.numpy as jnp
import numpy as np
import pytest

import jaxmag as jm

MS = 8e5
NM = 1e-9
N = (4, 3, 2)
CELL = (2 * NM, 2 * NM, 3 * NM)

_simulate_module = importlib.import_module("jaxmag.dynamics._simulate")
_relax_module = importlib.import_module("jaxmag.statics._relax")


def _must_not_run(*args, **kwargs):
    raise AssertionError("validation should have failed before compiling the solver")


@pytest.fixture
def no_compile(monkeypatch):
    """Make the jitted cores of simulate / minimise / relax_llg fail if reached."""
    monkeypatch.setattr(_simulate_module, "_solve", _must_not_run)
    monkeypatch.setattr(_relax_module, "_bb_iterations", _must_not_run)
    monkeypatch.setattr(_relax_module, "_relax_llg", _must_not_run)


@pytest.fixture(scope="module")
def mesh():
    return jm.Mesh(N, CELL)


@pytest.fixture(scope="module")
def holed():
    """A system with one non-magnetic cell, at (1, 1, 0)."""
    mesh = jm.Mesh(N, CELL)
    mask = np.ones(N, bool)
    mask[1, 1, 0] = False
    return jm.make_system(mesh, jm.Material(MS, 1.3e-11, 0.5), mask=mask, demag=False)


def esc(s):
    return re.escape(s)


# --- Mesh -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell, name, what",
    [
        ((0.0, 1e-9, 1e-9), "dx", "positive"),
        ((1e-9, -1e-9, 1e-9), "dy", "positive"),
        ((1e-9, 1e-9, float("nan")), "dz", "finite"),
        ((float("inf"), 1e-9, 1e-9), "dx", "finite"),
        ((1e-9, -float("inf"), 1e-9), "dy", "finite"),
    ],
)
def test_mesh_bad_cell_size(cell, name, what):
    with pytest.raises(ValueError, match=f"{name} .*must be {what}"):
        jm.Mesh((2, 2, 2), cell)


@pytest.mark.parametrize(
    "cell, name",
    [((1e-200, 1e-9, 1e-9), "dx"), ((1e-9, 1e-300, 1e-9), "dy"), ((5e-9, 5e-9, 3.0), "dz")],
)
def test_mesh_cell_outside_the_physical_range(cell, name):
    """Finite but absurd cells ran and "succeeded", or failed after compiling."""
    with pytest.raises(ValueError, match=f"Mesh {name} = .* outside the physical range"):
        jm.Mesh((2, 2, 2), cell)
    jm.Mesh((2, 2, 2), (1e-12, 1e-12, 1.0))  # both ends of the range are accepted


@pytest.mark.parametrize(
    "n, name, exc",
    [
        ((0, 2, 2), "nx", ValueError),
        ((2, -3, 2), "ny", ValueError),
        ((2, 2, 0), "nz", ValueError),
        ((2, 2.5, 2), "ny", TypeError),
        ((2.0, 2, 2), "nx", TypeError),
        ((2, 2, True), "nz", TypeError),
        ((2, 2, "3"), "nz", TypeError),
    ],
)
def test_mesh_bad_cell_count(n, name, exc):
    with pytest.raises(exc, match=rf"\b{name}\b"):
        jm.Mesh(n, (1e-9, 1e-9, 1e-9))


def test_mesh_numpy_integers_are_fine():
    mesh = jm.Mesh(np.array([3, 2, 1]), np.array([1e-9, 2e-9, 3e-9]))
    assert mesh.n == (3, 2, 1) and mesh.cell_volume == pytest.approx(6e-27)


@pytest.mark.parametrize(
    "n, cell, name",
    [
        ((2, 2), (1e-9, 1e-9, 1e-9), "n"),
        ((2, 2, 2, 2), (1e-9, 1e-9, 1e-9), "n"),
        ((2, 2, 2), (1e-9, 1e-9), "cell"),
    ],
)
def test_mesh_wrong_number_of_entries(n, cell, name):
    with pytest.raises(ValueError, match=f"Mesh {name} must have 3 entries"):
        jm.Mesh(n, cell)


# --- Material -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, name, what",
    [
        ({"Ms": -1.0}, "Ms (A/m)", "non-negative"),
        ({"Ms": float("nan")}, "Ms (A/m)", "finite"),
        ({"Ms": MS, "A": -1e-11}, "A (J/m)", "non-negative"),
        ({"Ms": MS, "A": float("inf")}, "A (J/m)", "finite"),
        ({"Ms": MS, "alpha": -0.1}, "alpha", "non-negative"),
        ({"Ms": MS, "alpha": float("nan")}, "alpha", "finite"),
        ({"Ms": MS, "Ku1": float("nan")}, "Ku1 (J/m³)", "finite"),
        ({"Ms": MS, "Kc1": float("inf")}, "Kc1 (J/m³)", "finite"),
    ],
)
def test_material_bad_scalar(kwargs, name, what):
    with pytest.raises(ValueError, match=esc(name) + f" must be {what}"):
        jm.Material(**kwargs)


@pytest.mark.parametrize(
    "param, bad, name, what",
    [
        ("Ms", -1.0, "Ms (A/m)", "non-negative"),
        ("Ms", np.nan, "Ms (A/m)", "finite"),
        ("A", -1e-11, "A (J/m)", "non-negative"),
        ("A", np.nan, "A (J/m)", "finite"),
        ("alpha", -0.01, "alpha", "non-negative"),
        ("alpha", np.inf, "alpha", "finite"),
    ],
)
def test_material_bad_array(param, bad, name, what):
    good = {"Ms": MS, "A": 1.3e-11, "alpha": 0.1}[param]
    a = np.full(N, good)
    a[2, 1, 1] = bad
    kwargs = {"Ms": MS, param: a}
    with pytest.raises(ValueError, match=esc(name) + f" must be {what}"):
        jm.Material(**kwargs)
    # also as a JAX array
    kwargs[param] = jnp.asarray(a)
    with pytest.raises(ValueError, match=esc(name)):
        jm.Material(**kwargs)


@pytest.mark.parametrize("value", ["800e3", None, True, 1 + 2j])
def test_material_non_real_ms(value):
    with pytest.raises(TypeError, match="Ms"):
        jm.Material(value)


@pytest.mark.parametrize("axis", ["anis_u", "anis_c1", "anis_c2"])
def test_zero_length_anisotropy_axis(axis):
    with pytest.raises(ValueError, match=f"{axis} must be a non-zero vector"):
        jm.Material(MS, **{axis: (0.0, 0.0, 0.0)})


def test_zero_length_anisotropy_axis_in_one_cell():
    u = np.zeros((3, *N))
    u[2] = 1.0
    u[:, 3, 2, 1] = 0.0
    with pytest.raises(ValueError, match="anis_u must be a non-zero vector"):
        jm.Material(MS, Ku1=1e5, anis_u=u)


def test_anisotropy_axis_bad_shape_or_value():
    with pytest.raises(ValueError, match="anis_u must have 3 components"):
        jm.Material(MS, anis_u=(1.0, 0.0))
    with pytest.raises(ValueError, match="anis_u"):
        jm.Material(MS, anis_u=(1.0, np.nan, 0.0))
    with pytest.raises(ValueError, match="orthogonal"):
        jm.Material(MS, anis_c1=(1.0, 0.0, 0.0), anis_c2=(1.0, 1.0, 0.0))


def test_per_cell_parameter_of_wrong_shape(mesh):
    with pytest.raises(ValueError, match="Ms has shape"):
        jm.Material(np.full((4, 3, 3), MS)).on(mesh)
    with pytest.raises(ValueError, match="Ku1 has shape"):
        jm.make_system(mesh, jm.Material(MS, Ku1=np.ones((3, 4, 2))))


def test_bad_regions(mesh):
    mats = [jm.Material(MS), jm.Material(MS)]
    with pytest.raises(ValueError, match="region"):
        jm.Material.from_regions(mesh, np.full(N, 2), mats)
    with pytest.raises(ValueError, match="region"):
        jm.Material.from_regions(mesh, np.full(N, -1), mats)
    with pytest.raises(TypeError, match="region"):
        jm.Material.from_regions(mesh, np.zeros(N), mats)
    with pytest.raises(ValueError, match="region has shape"):
        jm.Material.from_regions(mesh, np.zeros((4, 3), int), mats)
    with pytest.raises(ValueError, match="exchange_scaling"):
        jm.Material.from_regions(mesh, np.zeros(N, int), mats, exchange_scaling={(0, 1): np.nan})


# --- geometry -------------------------------------------------------------------------


def test_geometry_without_magnetic_cell(mesh):
    mat = jm.Material(MS, 1.3e-11)
    empty = np.zeros(N, bool)
    with pytest.raises(ValueError, match="no magnetic cell"):
        mat.on(mesh, empty)
    with pytest.raises(ValueError, match="no magnetic cell"):
        jm.make_system(mesh, mat, mask=empty)
    # a shape that misses the mesh altogether
    far = jm.shapes.disk(mesh, 1 * NM, center=(100 * NM, 0.0, 0.0))
    with pytest.raises(ValueError, match="no magnetic cell"):
        jm.make_system(mesh, mat, mask=far)
    # Ms = 0 everywhere is the same thing
    with pytest.raises(ValueError, match="no magnetic cell"):
        jm.make_system(mesh, jm.Material(0.0, 1.3e-11))


@pytest.mark.parametrize("shape", [(4, 3), (4, 3, 3), (2, 3, 4)])
def test_mask_of_wrong_shape(mesh, shape):
    mask = np.ones(shape, bool)
    with pytest.raises(ValueError, match="mask has shape"):
        jm.Material(MS).on(mesh, mask)
    with pytest.raises(ValueError, match="mask has shape"):
        jm.make_system(mesh, jm.Material(MS), mask=mask)


@pytest.mark.parametrize("mask", [np.ones(N), np.ones(N, int), np.full(N, 0.5)])
def test_non_boolean_mask(mesh, mask):
    with pytest.raises(TypeError, match="mask must be boolean"):
        jm.make_system(mesh, jm.Material(MS), mask=mask)
    with pytest.raises(TypeError, match="mask must be a boolean"):
        jm.shapes.from_array(mesh, mask)


def test_bad_shape_parameters(mesh):
    with pytest.raises(ValueError, match="radius"):
        jm.shapes.disk(mesh, -1e-9)
    with pytest.raises(ValueError, match="size"):
        jm.shapes.cuboid(mesh, (1e-9, 0.0, 1e-9))
    with pytest.raises(ValueError, match="center"):
        jm.shapes.cuboid(mesh, (1e-9, 1e-9, 1e-9), center=(0.0, 0.0))


# --- magnetisation ----------------------------------------------------------------------


def _bad_magnetisations():
    nan = np.ones((3, *N))
    nan[1, 2, 1, 0] = np.nan
    inf = np.ones((3, *N))
    inf[0, 0, 0, 1] = np.inf
    zero = np.ones((3, *N))
    zero[:, 3, 2, 1] = 0.0
    return [
        pytest.param(np.ones((3, 4, 3)), "shape", id="shape-missing-axis"),
        pytest.param(np.ones((3, 3, 4, 2)), "shape", id="shape-transposed"),
        pytest.param(np.ones((2, *N)), "shape", id="shape-2-components"),
        pytest.param((1.0, 0.0), "shape", id="shape-2-vector"),
        pytest.param(nan, "NaN", id="nan"),
        pytest.param(inf, "inf", id="inf"),
        pytest.param((np.nan, 0.0, 1.0), "NaN", id="nan-uniform"),
        pytest.param(zero, r"zero length in magnetic cell \(3, 2, 1\)", id="zero-cell"),
        pytest.param((0.0, 0.0, 0.0), "zero length", id="zero-uniform"),
    ]


@pytest.mark.parametrize("m, msg", _bad_magnetisations())
def test_check_magnetisation_rejects(holed, m, msg):
    with pytest.raises(ValueError, match="magnetisation m.*" + msg):
        holed.check_magnetisation(m)


@pytest.mark.parametrize("m, msg", _bad_magnetisations())
def test_simulate_rejects_bad_m0(holed, no_compile, m, msg):
    with pytest.raises(ValueError, match="magnetisation m.*" + msg):
        jm.simulate(holed, m, 1e-12)


@pytest.mark.parametrize("m, msg", _bad_magnetisations())
def test_minimize_rejects_bad_m0(holed, no_compile, m, msg):
    with pytest.raises(ValueError, match="magnetisation m.*" + msg):
        jm.minimise(holed, m)
    with pytest.raises(ValueError, match="magnetisation m.*" + msg):
        jm.relax_llg(holed, m)


def test_zero_vector_in_a_non_magnetic_cell_is_fine(holed):
    m = np.zeros((3, *N))
    m[2] = 2.0  # not normalised: check_magnetisation normalises
    m[:, 1, 1, 0] = 0.0  # the hole
    out = np.asarray(holed.check_magnetisation(m))
    assert out.shape == (3, *N)
    np.testing.assert_array_equal(out[:, 1, 1, 0], 0.0)
    mag = np.asarray(holed.magnetic)
    np.testing.assert_allclose(out[2][mag], 1.0, rtol=1e-15)
    # a uniform (3,) vector is broadcast and zeroed in the hole
    out = np.asarray(holed.check_magnetisation((0.0, 3.0, 4.0)))
    np.testing.assert_allclose(out[:, 0, 0, 0], [0.0, 0.6, 0.8], rtol=1e-15)
    np.testing.assert_array_equal(out[:, 1, 1, 0], 0.0)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_huge_magnetisation_normalises_without_overflow(holed, dtype):
    """|m|² of m = 1e200 (1e20 in float32) overflows: m / inf gave |m| = 0 silently."""
    big = 1e200 if dtype == "float64" else 1e20
    m = np.zeros((3, *N), dtype)
    m[0], m[2] = big, -big
    out = np.asarray(holed.check_magnetisation(m))
    mag = np.asarray(holed.magnetic)
    np.testing.assert_allclose(out[0][mag], 2**-0.5, rtol=1e-6)
    np.testing.assert_allclose(out[2][mag], -(2**-0.5), rtol=1e-6)
    np.testing.assert_array_equal(out[:, ~mag], 0.0)


def test_norm_deviation_sees_a_vanished_magnetisation(holed):
    m = np.array(holed.check_magnetisation((0.0, 0.0, 1.0)))
    mag = np.asarray(holed.magnetic)
    assert float(jm.max_norm_deviation(m, mag)) == 0.0  # the hole is not counted
    m[:, 0, 0, 0] = 0.0  # a magnetic cell whose m vanished
    assert float(jm.max_norm_deviation(m)) == 0.0  # without the mask: taken for a hole
    assert float(jm.max_norm_deviation(m, mag)) == 1.0


@pytest.mark.parametrize(
    "material, H, what",
    [
        (dict(Ms=1e200, A=1.3e-11, alpha=0.5), None, "Ms|demag energy"),
        (dict(Ms=1e150, A=1.3e-11, alpha=0.5), (0.0, 0.0, 1e200), "Zeeman"),
        (dict(Ms=8e5, A=1e290, alpha=0.5), None, "exchange"),
        (dict(Ms=8e5, A=1.3e-11, alpha=0.5, Ku1=1e306), None, "anisotropy field"),
    ],
)
def test_parameters_whose_fields_overflow_are_refused(mesh, material, H, what):
    with pytest.raises(ValueError, match=f"({what}).*beyond what float64 holds"):
        jm.make_system(mesh, jm.Material(**material), H=H)


# --- applied field ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "H",
    [(1e5, 0.0), (1e5, 0.0, 0.0, 0.0), np.ones((3, 4, 3)), np.ones((3, 4, 3, 3)), np.ones((2, *N))],
)
def test_zeeman_field_of_wrong_shape(mesh, H):
    mat = jm.Material(MS).on(mesh)
    with pytest.raises(ValueError, match=esc("H (A/m) has shape")):
        jm.Zeeman(mesh, mat, H)
    with pytest.raises(ValueError, match=esc("H (A/m) has shape")):
        jm.make_system(mesh, jm.Material(MS), H=H)


def test_zeeman_field_not_finite(mesh):
    mat = jm.Material(MS).on(mesh)
    H = np.zeros((3, *N))
    H[0, 1, 2, 0] = np.nan
    with pytest.raises(ValueError, match=esc("H (A/m) must be finite")):
        jm.Zeeman(mesh, mat, H)
    with pytest.raises(ValueError, match=esc("H (A/m) must be finite")):
        jm.make_system(mesh, jm.Material(MS), H=(0.0, np.inf, 0.0))


def test_zeeman_bad_time_function(mesh):
    mat = jm.Material(MS).on(mesh)
    with pytest.raises(TypeError, match="time_fn must be callable"):
        jm.Zeeman(mesh, mat, (0.0, 0.0, 1e5), time_fn=2.0)
    with pytest.raises(ValueError, match=esc("time_fn(0)")):
        jm.Zeeman(mesh, mat, (0.0, 0.0, 1e5), time_fn=lambda t: jnp.log(t))
    # a direction per time must keep the cell axes: (3,) would broadcast against x only
    with pytest.raises(ValueError, match=esc("time_fn(0) has shape (3,)")):
        jm.Zeeman(mesh, mat, (0.0, 0.0, 1e5), time_fn=lambda t: jnp.array([1.0, 0.0, t]))
    ok = jm.Zeeman(mesh, mat, (1e5, 1e5, 1e5), time_fn=lambda t: jnp.ones((3, 1, 1, 1)))
    assert ok.applied(0.0).shape == (3, *N)


# --- simulate -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, exc, msg",
    [
        ({"t1": 0.0}, ValueError, "t1 must be later than t0"),
        ({"t1": 1e-12, "t0": 2e-12}, ValueError, "t1 must be later than t0"),
        ({"t1": 1e-12, "t0": 1e-12}, ValueError, "t1 must be later than t0"),
        ({"t1": -1e-12}, ValueError, "t1 must be later than t0"),
        ({"t1": float("nan")}, ValueError, esc("t1 (s) must be finite")),
        ({"t1": None}, TypeError, "t1"),
        ({"t1": 1e-12, "save_every": -1e-13}, ValueError, "save_every"),
        ({"t1": 1e-12, "save_every": 0.0}, ValueError, "save_every"),
        ({"t1": 1e-12, "rtol": -1e-6}, ValueError, "rtol must be positive"),
        ({"t1": 1e-12, "rtol": 0.0}, ValueError, "rtol must be positive"),
        ({"t1": 1e-12, "atol": float("nan")}, ValueError, "atol"),
        ({"t1": 1e-12, "dt0": -1e-15}, ValueError, "dt0"),
        ({"t1": 1e-12, "ts": [0.0, 2e-12]}, ValueError, "save times"),
        ({"t1": 1e-12, "ts": [5e-13, 1e-13]}, ValueError, "save times"),
        ({"t1": 1e-12, "solver": "dopri5"}, TypeError, "solver"),
        ({"t1": 1e-12, "save_every": 2e-12}, ValueError, "save_every .* exceeds the run"),
        ({"t1": 1e-12, "max_steps": 0}, ValueError, "max_steps must be a positive integer"),
        ({"t1": 1e-12, "max_steps": -1}, ValueError, "max_steps must be a positive integer"),
        ({"t1": 1e-12, "max_steps": 2.5}, TypeError, "max_steps must be an integer"),
    ],
)
def test_simulate_bad_arguments(holed, no_compile, kwargs, exc, msg):
    t1 = kwargs.pop("t1")
    with pytest.raises(exc, match=msg):
        jm.simulate(holed, (0.0, 0.0, 1.0), t1, **kwargs)


def test_minimize_bad_arguments(holed, no_compile):
    with pytest.raises(ValueError, match="tol must be positive"):
        jm.minimise(holed, (0.0, 0.0, 1.0), tol=-1e-7)
    with pytest.raises(ValueError, match="tau0"):
        jm.minimise(holed, (0.0, 0.0, 1.0), tau0=0.0)


def test_failed_integration_names_the_time_reached(holed):
    # precession in a 0.1 T field needs far more than 3 steps to reach 1 ns
    system = jm.make_system(
        holed.mesh,
        jm.Material(MS, 1.3e-11, 0.02),
        mask=np.asarray(holed.magnetic),
        H=(0.0, 0.0, 8e4),
        demag=False,
    )
    with pytest.raises(RuntimeError, match=r"t = [0-9.e+-]+ s of \[0, 1e-09\] s") as info:
        jm.simulate(system, (1.0, 0.0, 0.0), 1e-9, max_steps=3)
    reached = float(re.search(r"t = (\S+) s", str(info.value)).group(1))
    assert 0.0 < reached < 1e-9
    assert "maximum number of steps (3)" in str(info.value)
    # what the run did is kept: the saves up to the failure and the last state
    err = info.value
    assert isinstance(err, jm.dynamics.IntegrationError)
    assert err.t_reached == pytest.approx(reached, rel=1e-5) and err.t_last == err.t_reached
    part = err.trajectory
    assert part.ts.shape[0] >= 1 and float(part.ts[-1]) <= err.t_reached
    assert np.all(np.isfinite(np.asarray(part.m_avg))) and part.m_avg.shape[0] == part.ts.shape[0]
    m = np.asarray(err.m_last)
    np.testing.assert_allclose(np.linalg.norm(m, axis=0)[np.asarray(holed.magnetic)], 1.0)
    assert not np.allclose(m[:, 0, 0, 0], (1.0, 0.0, 0.0))  # it moved: the state reached
