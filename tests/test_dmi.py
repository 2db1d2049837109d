"""DMI terms: autodiff fields, spin spirals, the DMI standard problem's 1D wire, the maps
between the kinds, periodic wrapping, bad input and JAX transforms."""

import functools
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxmag as jm
from jaxmag.energy import DMI_KINDS, AbstractDMI, make_dmi
from jaxmag.io import read_csv

DATA = Path(__file__).parent / "data"
KINDS = [jm.InterfacialDMI, jm.BulkDMI, jm.D2dDMI]
# the DMI standard problem (Cortés-Ortuño et al., New J. Phys. 20, 113015 (2018))
A, D, KU, MS = 13e-12, 3e-3, 0.4e6, 0.86e6
EDGE_SIN_THETA = 0.657794


def _random_m(shape, seed=0):
    return jm.normalise(jnp.asarray(np.random.default_rng(seed).normal(size=(3, *shape))))


# compiled once per shape (op by op, each small test would compile dozens of programs)
energy = eqx.filter_jit(lambda term, m: term.energy(m))
field = eqx.filter_jit(lambda term, m: term.field(m))
autodiff_field = eqx.filter_jit(lambda term, m, Ms, V: jm.field_from_energy(term.energy, m, Ms, V))


def _rel_err(a, b):
    return float(jnp.max(jnp.abs(a - b)) / jnp.max(jnp.abs(b)))


@pytest.mark.parametrize("cls", KINDS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("pbc", [(0, 0, 0), (1, 0, 1), (1, 1, 1)], ids=str)
def test_field_is_autodiff_of_energy(cls, pbc):
    mesh = jm.Mesh((5, 4, 3), (1e-9, 2e-9, 1.5e-9), pbc=pbc)
    rng = np.random.default_rng(1)
    Ms = rng.uniform(5e5, 9e5, mesh.shape)
    Ms[2, 1, 1] = 0.0  # a hole
    Ms[4, 3, :] = 0.0
    Dc = rng.uniform(0.5e-3, 3e-3, mesh.shape)
    Dc[0, 0, 0] = -1e-3  # opposite sign: no DMI across its faces
    Dc[1, 2, 0] = 0.0
    mat = jm.Material(Ms=Ms, A=1e-11)
    term = cls(mesh, mat, Dc)
    m = _random_m(mesh.shape)  # non-zero in the holes too: they must not count
    H = field(term, m)
    Ha = autodiff_field(term, m, mat.Ms, mesh.cell_volume)
    assert float(jnp.max(jnp.abs(Ha))) > 1e3
    assert _rel_err(H, Ha) < 1e-12
    assert float(jnp.max(jnp.abs(H[:, 2, 1, 1]))) == 0.0
    # the energy does not see the holes' m
    m2 = m.at[:, 2, 1, 1].set(jnp.array([0.0, 0.0, 1.0]))
    np.testing.assert_allclose(energy(term, m2), energy(term, m), rtol=1e-14)


# Spirals of the handedness each kind favours, from the continuum energy densities:
# (kind, axis) -> (component of sin(kx), component of cos(kx)); each has w = -D k.
SPIRALS = {
    ("InterfacialDMI", 0): (0, 2),  # Néel cycloid (sin kx, 0, cos kx)
    ("InterfacialDMI", 1): (1, 2),  # (0, sin ky, cos ky)
    ("BulkDMI", 0): (2, 1),  # Bloch helix (0, cos kx, sin kx)
    ("BulkDMI", 1): (0, 2),  # (sin ky, 0, cos ky)
    ("BulkDMI", 2): (1, 0),  # (cos kz, sin kz, 0)
    ("D2dDMI", 0): (1, 2),  # (0, sin kx, cos kx): a helix of the bulk's opposite hand
    ("D2dDMI", 1): (0, 2),  # (sin ky, 0, cos ky): the bulk's hand
}


def _spiral(mesh, axis, comps, k):
    x = mesh.coordinates()[axis]
    m = np.zeros((3, *mesh.shape))
    m[comps[0]] = np.sin(k * x)
    m[comps[1]] = np.cos(k * x)
    return jnp.asarray(m)


@pytest.mark.parametrize("kind_axis", list(SPIRALS), ids=lambda ka: f"{ka[0]}-{'xyz'[ka[1]]}")
def test_spin_spiral_energy(kind_axis):
    name, axis = kind_axis
    cls = getattr(jm, name)
    n, p, d = 16, 3, 0.7e-9
    cells = [1, 1, 1]  # one cell across: no open faces, whose DMI would cant the spiral
    cells[axis] = n
    pbc = [0, 0, 0]
    pbc[axis] = 1
    mesh = jm.Mesh(tuple(cells), (d, d, d), pbc=tuple(pbc))
    mat = jm.Material(Ms=MS, A=A)
    term = cls(mesh, mat, D)
    k = 2 * np.pi * p / (n * d)  # commensurate with the periodic mesh
    volume = mesh.ncells * mesh.cell_volume
    w = -D * np.sin(k * d) / d  # the discrete (central-difference) energy density
    np.testing.assert_allclose(
        energy(term, _spiral(mesh, axis, SPIRALS[kind_axis], k)) / volume, w, rtol=1e-12
    )
    np.testing.assert_allclose(
        energy(term, _spiral(mesh, axis, SPIRALS[kind_axis], -k)) / volume, -w, rtol=1e-12
    )
    assert abs(w / (-D * k) - 1) < (k * d) ** 2 / 6 * 1.01  # continuum: -D k
    # the field of a spiral at the energy's extremum is along m (no torque)
    m = _spiral(mesh, axis, SPIRALS[kind_axis], k)
    H = field(term, m)
    torque = jnp.cross(m, H, axis=0)
    assert float(jnp.max(jnp.abs(torque))) < 1e-9 * float(jnp.max(jnp.abs(H)))


def test_interfacial_and_bulk_ignore_each_others_spirals():
    mesh = jm.Mesh((12, 1, 1), (1e-9,) * 3, pbc=(1, 0, 0))
    mat = jm.Material(Ms=MS, A=A)
    k = 2 * np.pi * 2 / 12e-9
    cycloid = _spiral(mesh, 0, SPIRALS[("InterfacialDMI", 0)], k)
    helix = _spiral(mesh, 0, SPIRALS[("BulkDMI", 0)], k)
    assert abs(float(energy(jm.BulkDMI(mesh, mat, D), cycloid))) < 1e-35
    assert abs(float(energy(jm.InterfacialDMI(mesh, mat, D), helix))) < 1e-35
    assert float(energy(jm.InterfacialDMI(mesh, mat, D), cycloid)) < 0


@functools.lru_cache
def _relaxed_wire(cell_nm: float, kind: str = "interfacial"):
    """The DMI standard problem's 1D wire (100 nm, periodic across y), relaxed from +z."""
    n = int(round(100 / cell_nm))
    mesh = jm.Mesh((n, 1, 1), (cell_nm * 1e-9, 1e-9, 1e-9), pbc=(0, 1, 0))
    mat = jm.Material(Ms=MS, A=A, Ku1=KU)
    system = jm.make_system(mesh, mat, demag=False, extra_terms=(make_dmi(kind, mesh, mat, D),))
    res = jm.minimise(system, (0.0, 0.0, 1.0), tol=1e-10)
    assert bool(res.converged)
    return mesh, np.asarray(res.m)[:, :, 0, 0]


def test_wire_matches_published_cells():
    mesh, m = _relaxed_wire(1.0)
    ref = read_csv(DATA / "dmi_1d_interfacial_cells.csv")
    np.testing.assert_allclose(mesh.coordinates()[0][:, 0, 0] * 1e9, ref["x_nm"], atol=1e-9)
    assert m[0, 0] < 0 < m[0, -1]  # the sign convention: mx < 0 at the left end
    assert np.max(np.abs(m[1])) < 1e-12
    for code in ("fidimag", "oommf", "mumax3_pbcy"):
        for i, c in enumerate("xyz"):
            col = f"m{c}_{code}"
            if col in ref:
                assert np.max(np.abs(m[i] - ref[col])) <= 1e-4, col
    # OOMMF wrote its cells to 9 digits: the same discretisation to round-off
    assert np.max(np.abs(m[0] - ref["mx_oommf"])) < 1e-7


@pytest.mark.slow  # heavy: moved out of the fast suite (its 10-minute budget)
def test_wire_edge_angle_converges_to_continuum():
    err_cell, err_surface = [], []
    for cell_nm in (1.0, 0.5, 0.25):
        _, m = _relaxed_wire(cell_nm)
        err_cell.append(abs(-m[0, 0] - EDGE_SIN_THETA))
        # the surface value, extrapolated from the first two cell centres
        err_surface.append(abs(-(1.5 * m[0, 0] - 0.5 * m[0, 1]) - EDGE_SIN_THETA))
    assert err_cell[0] > err_cell[1] > err_cell[2]
    assert err_surface[0] > err_surface[1] > err_surface[2]
    # the cell centre sits dx/2 inside the surface: first order; extrapolated: second
    for a, b in zip(err_cell, err_cell[1:], strict=False):
        assert 1.8 < a / b < 2.2
    for a, b in zip(err_surface, err_surface[1:], strict=False):
        assert a / b > 3.5
    assert err_surface[-1] < 3e-4


def test_wire_ode_profile():
    mesh, m = _relaxed_wire(0.25)
    ode = read_csv(DATA / "dmi_1d_interfacial_ODE.csv")
    x = mesh.coordinates()[0][:, 0, 0] * 1e9
    inner = (ode["x_nm"] > x[0]) & (ode["x_nm"] < x[-1])
    mx = np.interp(ode["x_nm"][inner], x, m[0])
    assert np.max(np.abs(mx - ode["mx_ode"][inner])) < 2e-3


# Spin maps between the kinds (exact for the discrete energies when there are no z
# faces): with E_K'(m) = E_K(M m) for an orthogonal M, H_K'(m) = M^T H_K(M m).
R_BULK = np.array([[0.0, 1, 0], [-1, 0, 0], [0, 0, 1]])  # (mx, my, mz) -> (my, -mx, mz)
SWAP = np.array([[0.0, 1, 0], [1, 0, 0], [0, 0, 1]])  # (mx, my, mz) -> (my, mx, mz)
MIRROR_Y = np.diag([1.0, -1, 1])


def _apply(M, m):
    return jnp.einsum("ij,j...->i...", jnp.asarray(M), m)


@pytest.mark.parametrize(
    "src, dst, M",
    [
        (jm.InterfacialDMI, jm.BulkDMI, R_BULK),
        (jm.InterfacialDMI, jm.D2dDMI, SWAP),
        (jm.BulkDMI, jm.D2dDMI, MIRROR_Y),
    ],
    ids=["interfacial-bulk", "interfacial-d2d", "bulk-d2d"],
)
def test_spin_maps_between_kinds(src, dst, M):
    mesh = jm.Mesh((6, 5, 1), (1e-9, 1.5e-9, 2e-9), pbc=(0, 1, 0))
    rng = np.random.default_rng(2)
    Ms = np.full(mesh.shape, MS)
    Ms[2, 2, 0] = 0.0
    mat = jm.Material(Ms=Ms, A=A)
    Dc = rng.uniform(1e-3, 3e-3, mesh.shape)
    a, b = src(mesh, mat, Dc), dst(mesh, mat, Dc)
    m = _random_m(mesh.shape, seed=3)
    Mm = _apply(M, m)
    e = float(energy(a, m))
    assert abs(e) > 0
    np.testing.assert_allclose(energy(b, Mm), e, rtol=1e-12)
    np.testing.assert_allclose(_apply(M.T, field(b, Mm)), field(a, m), rtol=0, atol=1e-10)
    # and the maps are not trivial: the unmapped state has another energy
    assert abs(float(energy(b, m)) - e) > 1e-3 * abs(e)


def _rotate90(m, scalar=False):
    """Turn a state by +90° about z, in space and in spin space (square mesh)."""
    if scalar:
        return jnp.rot90(m, 1, axes=(0, 1))
    m = jnp.rot90(m, 1, axes=(1, 2))
    return jnp.stack([-m[1], m[0], m[2]])


@pytest.mark.parametrize("cls, sign", [(jm.InterfacialDMI, 1), (jm.BulkDMI, 1), (jm.D2dDMI, -1)])
def test_rotation_by_90_degrees(cls, sign):
    """Cnv and T/O are isotropic in the plane; D2d changes sign under a 90° turn."""
    mesh = jm.Mesh((6, 6, 1), (1e-9, 1e-9, 2e-9))
    rng = np.random.default_rng(4)
    Ms = np.full(mesh.shape, MS)
    Ms[1, 3, 0] = 0.0
    Dc = rng.uniform(1e-3, 3e-3, mesh.shape)
    m = _random_m(mesh.shape, seed=5)
    term = cls(mesh, jm.Material(Ms=Ms, A=A), Dc)
    rot = cls(mesh, jm.Material(Ms=_rotate90(Ms, True), A=A), _rotate90(Dc, True))
    np.testing.assert_allclose(energy(rot, _rotate90(m)), sign * energy(term, m), rtol=1e-12)
    H = sign * _rotate90(field(term, m))  # to round-off of the field's scale (~1e6 A/m)
    np.testing.assert_allclose(field(rot, _rotate90(m)), H, rtol=0, atol=1e-15 * np.abs(H).max())


@pytest.mark.parametrize("cls", KINDS, ids=lambda c: c.__name__)
def test_wraps_on_periodic_axes(cls):
    m = _random_m((7, 3, 2), seed=6)
    mat = jm.Material(Ms=MS, A=A)
    cell = (1e-9, 1.2e-9, 0.9e-9)
    open_ = cls(jm.Mesh((7, 3, 2), cell), mat, D)
    per = cls(jm.Mesh((7, 3, 2), cell, pbc=(1, 0, 0)), mat, D)
    # the wrap-around face (last x cell, first x cell), from the continuum form per kind
    mi, mj = np.asarray(m[:, -1]), np.asarray(m[:, 0])
    c = np.cross(mi, mj, axis=0)
    d_x = {"InterfacialDMI": (1, -1), "BulkDMI": (0, -1), "D2dDMI": (0, 1)}[cls.__name__]
    wrap = np.prod(cell) * D / cell[0] * d_x[1] * c[d_x[0]].sum()
    np.testing.assert_allclose(energy(per, m) - energy(open_, m), wrap, rtol=1e-10)
    # translation invariance along the periodic axis only
    rolled = jnp.roll(m, 2, axis=1)
    np.testing.assert_allclose(energy(per, rolled), energy(per, m), rtol=1e-12)
    np.testing.assert_allclose(field(per, rolled), jnp.roll(field(per, m), 2, axis=1), atol=1e-9)
    assert abs(float(energy(open_, rolled) - energy(open_, m))) > 1e-3 * abs(
        float(energy(open_, m))
    )


def test_thin_film_has_no_z_faces():
    mesh = jm.Mesh((4, 4, 1), (1e-9, 1e-9, 1e-9))
    mat = jm.Material(Ms=MS, A=A)
    m = _random_m(mesh.shape, seed=7)
    bulk = jm.BulkDMI(mesh, mat, D)
    assert bulk.coef[2] is None and bulk.coef[0] is not None
    # periodic z with nz = 1: the wrap face joins a cell to itself and adds nothing
    per_z = jm.BulkDMI(jm.Mesh((4, 4, 1), (1e-9,) * 3, pbc=(0, 0, 1)), mat, D)
    np.testing.assert_allclose(energy(per_z, m), energy(bulk, m), rtol=1e-13)
    np.testing.assert_allclose(field(per_z, m), field(bulk, m), atol=1e-9)


def test_in_system():
    mesh = jm.Mesh((4, 3, 1), (1e-9,) * 3)
    mat = jm.Material(Ms=MS, A=A)
    dmi = jm.InterfacialDMI(mesh, mat, D)
    system = jm.make_system(mesh, mat, demag=False, extra_terms=(dmi,))
    assert [t.name for t in system.terms] == ["exchange", "dmi"]
    assert DMI_KINDS["bulk"] is jm.BulkDMI and isinstance(make_dmi("d2d", mesh, mat, D), jm.D2dDMI)
    assert jm.energy.InterfacialDMI is jm.InterfacialDMI


def test_bad_input():
    mesh = jm.Mesh((4, 3, 2), (1e-9,) * 3)
    mat = jm.Material(Ms=MS, A=A)
    with pytest.raises(ValueError, match="finite"):
        jm.InterfacialDMI(mesh, mat, float("nan"))
    with pytest.raises(ValueError, match="finite"):
        jm.BulkDMI(mesh, mat, np.full(mesh.shape, np.inf))
    with pytest.raises(ValueError, match="shape"):
        jm.D2dDMI(mesh, mat, np.ones((4, 3)))
    with pytest.raises(ValueError, match="shape"):
        jm.InterfacialDMI(mesh, mat, np.ones((3,)))
    with pytest.raises(TypeError):
        jm.InterfacialDMI(mesh, mat, True)
    with pytest.raises(TypeError):
        jm.InterfacialDMI(mesh, mat, "3e-3")
    with pytest.raises(TypeError, match="Mesh"):
        jm.InterfacialDMI((4, 3, 2), mat, D)
    with pytest.raises(ValueError, match="shape"):
        jm.InterfacialDMI(mesh, jm.Material(Ms=np.ones((2, 2, 2)), A=A), D)
    with pytest.raises(ValueError, match="unknown DMI kind"):
        make_dmi("cnv", mesh, mat, D)
    with pytest.raises(TypeError):
        AbstractDMI(mesh, mat, D)


def test_jit_vmap_grad():
    mesh = jm.Mesh((5, 4, 1), (1e-9, 1e-9, 2e-9), pbc=(1, 0, 0))
    Ms = np.full(mesh.shape, MS)
    Ms[2, 2, 0] = 0.0
    mat = jm.Material(Ms=Ms, A=A)
    m = _random_m(mesh.shape, seed=9)

    def e_of_D(Dv):
        return jm.InterfacialDMI(mesh, mat, Dv).energy(m)

    e = float(e_of_D(D))  # eager
    e_jit = jax.jit(e_of_D)
    np.testing.assert_allclose(e_jit(D), e, rtol=1e-14)
    Ds = jnp.array([1e-3, -2e-3, 3e-3])
    np.testing.assert_allclose(jax.vmap(e_of_D)(Ds), Ds / D * e, rtol=1e-12)
    np.testing.assert_allclose(jax.grad(e_of_D)(D), e / D, rtol=1e-12)  # linear in D
    fields = jax.jit(jax.vmap(lambda Dv: jm.BulkDMI(mesh, mat, Dv).field(m)))(Ds)
    np.testing.assert_allclose(fields[1], field(jm.BulkDMI(mesh, mat, Ds[1]), m), atol=1e-9)
    # per-cell D: the harmonic face mean is non-linear; central finite differences
    rng = np.random.default_rng(10)
    D0 = jnp.asarray(rng.uniform(1e-3, 3e-3, mesh.shape))
    v = jnp.asarray(rng.normal(size=mesh.shape))
    g = jax.jit(jax.grad(e_of_D))(D0)
    h = 1e-7
    fd = (e_jit(D0 + h * v) - e_jit(D0 - h * v)) / (2 * h)
    np.testing.assert_allclose(jnp.sum(g * v), fd, rtol=1e-7)
    assert float(jnp.abs(g[2, 2, 0])) == 0.0  # the hole's D does not count
