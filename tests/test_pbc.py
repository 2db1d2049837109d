"""Periodic boundaries: the demagnetising field summed over images (``pbc = P``) and
over the infinite lattice (``pbc = math.inf``), against tiled open meshes, analytic
demagnetising factors of films, rods and bulk, spin spirals with analytic or
semi-analytic energies; exchange and DMI wrapping around."""

import itertools
import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxmag as jm
import jaxmag.energy._demag as demag_mod
from jaxmag.constants import MU0
from jaxmag.energy._demag import kernel_real_space, kernel_transform
from jaxmag.energy._newell import (
    FAR,
    MID,
    NEAR,
    POINTS,
    newell_any,
    newell_cubature,
    newell_exact,
    newell_far,
    newell_points,
    newell_tent_gauss,
)

NM = 1e-9
MS = 8e5
INF = math.inf


@eqx.filter_jit
def _field(term, m):
    return term.field(m)


@eqx.filter_jit
def _fields(term, ms):
    return jax.vmap(term.field)(ms)


def random_state(n, seed, holes=True):
    rng = np.random.default_rng(seed)
    m = rng.normal(size=(3, *n))
    m /= np.linalg.norm(m, axis=0)
    Ms = rng.uniform(0.3, 1.0, size=n) * MS
    if holes:
        Ms[rng.uniform(size=n) < 0.3] = 0.0
        Ms.reshape(-1)[0] = MS
    return m, Ms


def demag_factors(mesh):
    """``(Nxx, Nyy, Nzz)`` of the uniformly magnetised mesh: ``-<H_a>/M``."""
    demag = jm.Demag(mesh, jm.Material(MS))
    ms = jnp.stack([jnp.zeros((3, *mesh.n)).at[a].set(1.0) for a in range(3)])
    H = np.asarray(_fields(demag, ms))
    N = np.array([-H[a, a].mean() / MS for a in range(3)])
    off = [H[a, b].mean() / MS for a in range(3) for b in range(3) if a != b]
    return N, np.max(np.abs(off))


# --- the far-field forms the image sums use ---------------------------------------------


@pytest.mark.parametrize("cell", [(1, 1, 1), (5, 5, 1), (1, 2, 3)])
def test_far_field_forms_match_converged_cubature(cell):
    cell = tuple(c * NM for c in cell)
    rng = np.random.default_rng(0)
    tol = {NEAR: 2e-11, MID: 1e-9, FAR: 1e-9, 2 * FAR: 1e-10}
    for dist, t in tol.items():
        u = rng.normal(size=(100, 3))
        u /= np.linalg.norm(u, axis=1)[:, None]
        R = np.round(u * dist * max(cell) / np.asarray(cell)) * np.asarray(cell)
        ref = newell_cubature(R, cell, nodes=10)
        scale = np.max(np.abs(ref), axis=0)
        assert np.max(np.abs(newell_far(R, cell) - ref) / scale) < t, dist
    # the 64-point tent rule is far better than the 216-point default at the switch
    R = np.round(u * NEAR * max(cell) / np.asarray(cell)) * np.asarray(cell)
    ref = newell_cubature(R, cell, nodes=10)
    err_tg = np.max(np.abs(newell_tent_gauss(R, cell, 4) - ref))
    err_gl = np.max(np.abs(newell_cubature(R, cell) - ref))
    assert err_tg < 0.05 * err_gl


def test_pointwise_exact_form_matches_the_grid_form():
    cell = (1 * NM, 2 * NM, 1.5 * NM)
    r = np.arange(-5, 6)
    ref = newell_exact([r, r, r], cell).reshape(6, -1)
    g = np.meshgrid(*(r * d for d in cell), indexing="ij")
    R = np.stack([x.reshape(-1) for x in g], axis=1)
    np.testing.assert_allclose(newell_points(R, cell), ref, rtol=0, atol=1e-13)
    np.testing.assert_allclose(newell_any(R, cell), ref, rtol=0, atol=1e-13)
    # from POINTS to NEAR (times max(d)) the 216-point tent rule takes over, at round-off
    rng = np.random.default_rng(1)
    u = rng.normal(size=(200, 3))
    R = u / np.linalg.norm(u, axis=1)[:, None] * rng.uniform(POINTS, NEAR, (200, 1)) * 2 * NM
    ref = newell_cubature(R, cell, nodes=16)
    scale = np.max(np.abs(ref), axis=0)
    assert np.max(np.abs(newell_any(R, cell) - ref) / scale) < 1e-12


# --- P images against an open mesh tiled 2P + 1 times -------------------------------------


def tiled_reference(n, cell, pbc, M):
    """The field of the periodic magnetisation ``M`` (A/m) from an open mesh tiled
    ``2P + 1`` times along each axis with ``pbc = P`` (infinite axes stay infinite), read
    at the centre of the window: destination ``i`` sees the sources at minimum-image
    offsets and ``P`` periods more each side. For even ``n`` the source half a period
    away is on either side; the two windows are averaged."""
    fin = [a for a in range(3) if 0 < pbc[a] < INF]
    big = list(n)
    for a in fin:
        big[a] = n[a] * (2 * pbc[a] + 1)
    ref_pbc = tuple(0 if a in fin else pbc[a] for a in range(3))
    demag = jm.Demag(jm.Mesh(tuple(big), cell, ref_pbc), jm.Material(1.0))
    reps = [1, *(2 * pbc[a] + 1 if a in fin else 1 for a in range(3))]
    tiled = np.tile(M, reps)
    choices = []
    for a in fin:
        c0 = pbc[a] * n[a] + (n[a] - 1) // 2
        choices.append([(c0, 1.0)] if n[a] % 2 else [(c0, 0.5), (c0 + 1, 0.5)])
    jobs = []
    for i in itertools.product(*(range(n[a]) for a in fin)):
        for combo in itertools.product(*choices):
            shift = [c - ia for (c, _), ia in zip(combo, i, strict=True)]
            rolled = np.roll(tiled, shift, axis=[a + 1 for a in fin])
            jobs.append((i, combo, rolled))
    H_all = np.asarray(_fields(demag, jnp.asarray(np.stack([j[2] for j in jobs]))))
    H = np.zeros_like(M)
    for (i, combo, _), Hbig in zip(jobs, H_all, strict=True):
        dst = [slice(None)] * 4
        src = [slice(None)] * 4
        w = 1.0
        for a, ia, (c, wc) in zip(fin, i, combo, strict=True):
            dst[a + 1] = ia
            src[a + 1] = c
            w *= wc
        H[tuple(dst)] += w * Hbig[tuple(src)]
    return H


@pytest.mark.parametrize(
    "n, cell, pbc",
    [
        ((5, 3, 2), (1, 2, 1.5), (1, 0, 0)),
        ((5, 3, 2), (1, 2, 1.5), (2, 0, 0)),
        ((5, 3, 2), (2, 1, 1.5), (1, 2, 0)),
        ((4, 3, 2), (1, 2, 1.5), (2, 0, 0)),  # even n: the half-period offset
        ((4, 4, 1), (2, 1.5, 3), (1, 1, 0)),
        ((3, 3, 3), (1, 1.5, 2), (1, 1, 1)),
        ((3, 4, 2), (1, 1.5, 2), (0, 1, 2)),
        ((4, 3, 3), (1, 1, 1.5), (INF, INF, 1)),  # finite images beside infinite axes
        ((3, 4, 3), (1, 2, 1.5), (INF, 1, 0)),
    ],
)
def test_images_equal_the_tiled_open_mesh(n, cell, pbc):
    cell = tuple(c * NM for c in cell)
    m, Ms = random_state(n, seed=sum(n) + sum(p for p in pbc if p < INF))
    M = Ms * m
    H = np.asarray(_field(jm.Demag(jm.Mesh(n, cell, pbc), jm.Material(1.0)), jnp.asarray(M)))
    ref = tiled_reference(n, cell, pbc, M)
    scale = np.max(np.abs(ref))
    np.testing.assert_allclose(H, ref, rtol=0, atol=1e-12 * scale)
    # and the images matter: the open mesh's field is far off
    H0 = np.asarray(_field(jm.Demag(jm.Mesh(n, cell), jm.Material(1.0)), jnp.asarray(M)))
    assert np.max(np.abs(H0 - ref)) > 1e-3 * scale


def test_periodic_field_is_translation_covariant():
    # shifting m around a periodic axis shifts H (circular convolution), also for even n
    n, cell = (6, 4, 2), (1 * NM, 2 * NM, 1.5 * NM)
    for pbc, shift, axes in [((2, 0, 0), 3, 1), ((INF, 3, 0), (2, 1), (1, 2))]:
        m, Ms = random_state(n, seed=7)
        demag = jm.Demag(jm.Mesh(n, cell, pbc), jm.Material(1.0))
        M = jnp.asarray(Ms * m)
        H = np.asarray(_field(demag, M))
        Hs = np.asarray(_field(demag, jnp.roll(M, shift, axis=axes)))
        np.testing.assert_allclose(Hs, np.roll(H, shift, axis=axes), rtol=0, atol=1e-12 * MS)
        # rolling along an open axis is not a symmetry: the check can fail
        Ho = np.asarray(_field(demag, jnp.roll(M, 1, axis=3)))
        assert np.max(np.abs(Ho - np.roll(H, 1, axis=3))) > 1e-3 * MS


# --- films, rods and bulk: demagnetising factors ----------------------------------------


def test_film_approaches_nzz_one_as_one_over_p():
    # The images beyond a square of half-width A = (P + 1/2) L, seen as a continuum of
    # dipoles, leave out Nzz = sqrt(2) t / (pi A) (Nxx = Nyy = half of it each).
    n, cell = (16, 16, 1), (2 * NM, 2 * NM, 1 * NM)
    L, t = 16 * 2 * NM, 1 * NM
    for P in (1, 2, 4, 8, 16):
        N, off = demag_factors(jm.Mesh(n, cell, (P, P, 0)))
        miss = (1 - N[2]) * math.pi * (P + 0.5) * L / (math.sqrt(2) * t)
        assert miss == pytest.approx(1.0, abs=2e-3 / P), P
        np.testing.assert_allclose(N[:2], (1 - N[2]) / 2, rtol=0, atol=1e-11)
        assert off < 1e-12


@pytest.mark.parametrize(
    "n, cell",
    [
        ((16, 16, 1), (2, 2, 1)),
        ((12, 6, 3), (1, 2, 1.5)),
        ((8, 8, 2), (5, 5, 1)),
        ((1, 1, 1), (2, 3, 1)),
    ],
)
def test_infinite_film_has_nzz_one(n, cell):
    N, off = demag_factors(jm.Mesh(n, tuple(c * NM for c in cell), (INF, INF, 0)))
    np.testing.assert_allclose(N, [0, 0, 1], rtol=0, atol=1e-10)
    assert off < 1e-12


def prism_nx(a, b):
    """Demagnetising factor along x of an infinitely long rectangular prism with edges
    ``a`` (x) and ``b`` (y): the ``c -> inf`` limit of Aharoni's eq. (1)."""
    return (
        2 * np.arctan(b / a)
        + b / (2 * a) * np.log(1 + a * a / (b * b))
        - a / (2 * b) * np.log(1 + b * b / (a * a))
    ) / np.pi


def test_prism_reference_is_the_long_limit_of_aharoni():
    from test_demag import aharoni

    a, b = 8.0, 6.0
    # Aharoni's prism approaches the infinite one as 1/c: extrapolate from two lengths
    n1, n2 = aharoni((a, b, 1e4))[0], aharoni((a, b, 1e5))[0]
    assert n2 + (n2 - n1) / 9 == pytest.approx(prism_nx(a, b), abs=1e-8)
    assert prism_nx(1.0, 1.0) == pytest.approx(0.5, abs=1e-15)
    assert prism_nx(a, b) + prism_nx(b, a) == pytest.approx(1.0, abs=1e-15)


@pytest.mark.parametrize(
    "n, cell", [((8, 8, 16), (1, 1, 1)), ((8, 8, 1), (1, 1, 1)), ((8, 4, 5), (1, 1.5, 2))]
)
def test_infinite_rod(n, cell):
    cell = tuple(c * NM for c in cell)
    N, off = demag_factors(jm.Mesh(n, cell, (0, 0, INF)))
    Lx, Ly = n[0] * cell[0], n[1] * cell[1]
    np.testing.assert_allclose(N, [prism_nx(Lx, Ly), prism_nx(Ly, Lx), 0], rtol=0, atol=1e-10)
    assert off < 1e-12


def test_rod_with_images_approaches_the_infinite_rod_as_one_over_p_squared():
    # the images beyond |z| > A = (P + 1/2) Lz as a line of dipoles: Nzz = Lx Ly / (2 pi A^2)
    n, cell = (4, 4, 8), (1 * NM, 1 * NM, 1 * NM)
    for P in (4, 8, 16):
        N, _ = demag_factors(jm.Mesh(n, cell, (0, 0, P)))
        A = (P + 0.5) * 8 * NM
        assert N[2] == pytest.approx(16 * NM**2 / (2 * math.pi * A**2), rel=3e-2 / P)


@pytest.mark.parametrize(
    "n, cell, pbc",
    [
        ((16, 16, 1), (2, 2, 1), (INF, INF, 0)),
        ((6, 6, 4), (1, 1, 2), (0, 0, INF)),
        ((5, 4, 2), (1, 2, 1.5), (INF, 2, 0)),
        ((8, 2, 1), (2, 1, 2), (INF, INF, INF)),
    ],
)
def test_infinite_kernel_does_not_depend_on_the_window(n, cell, pbc):
    # the explicit sum's window (start, width in periods) moves the split between the
    # lattice sum and the continuum integral; the kernel must not notice
    cell = tuple(c * NM for c in cell)
    a = kernel_real_space(n, cell, pbc)
    b = kernel_real_space(n, cell, pbc, window=(3.5, 2.25))
    scale = np.max(np.abs(a))
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-10 * scale)
    # a window too narrow for the Poisson summation is visibly off: the check can fail
    c = kernel_real_space(n, cell, pbc, window=(1.0, 0.5))
    assert np.max(np.abs(c - a)) > 1e-8 * scale


# --- spin spirals ------------------------------------------------------------------------


def spiral(n, axis, periods, plane):
    """A spiral along ``axis`` with ``periods`` turns in the box, m rotating in the plane of
    the two components ``plane``; cell centres at ``(i + 1/2) d``."""
    x = (np.arange(n[axis]) + 0.5) / n[axis]
    shape = [1, 1, 1]
    shape[axis] = -1
    th = np.broadcast_to((2 * np.pi * periods * x).reshape(shape), n)
    m = np.zeros((3, *n))
    m[plane[0]] = np.cos(th)
    m[plane[1]] = np.sin(th)
    return jnp.asarray(m)


def energy_density(term, m, mesh):
    return float(term.energy(m)) / (mesh.ncells * mesh.cell_volume)


def test_bulk_cycloid_and_helix():
    # infinite bulk, m varying along x only: layers of cells. The charged component
    # m_x = cos(kx) has H_x = -M_x exactly (cell averages, zero mean), the others none:
    # a cycloid (m in the xz plane) has mu0 Ms^2 / 4, a helix (yz plane) nothing.
    n = (8, 2, 1)
    mesh = jm.Mesh(n, (2 * NM, 1 * NM, 2 * NM), (INF, INF, INF))
    demag = jm.Demag(mesh, jm.Material(MS))
    # no macroscopic field: a uniform state has none
    N, _ = demag_factors(mesh)
    np.testing.assert_allclose(N, 0.0, atol=1e-14)
    e = energy_density(demag, spiral(n, 0, 1, (0, 2)), mesh)
    assert e == pytest.approx(MU0 * MS**2 / 4, rel=1e-10)
    assert abs(energy_density(demag, spiral(n, 0, 1, (1, 2)), mesh)) < 1e-10 * MU0 * MS**2


def film_helix_energy(k, dx, t, terms=10**6):
    """Semi-analytic demag energy density (J/m³) of the discretised helix
    ``m = (0, cos kx, sin kx)`` (piecewise constant in cells of width ``dx``) in an
    infinite film of thickness ``t``: Parseval over the Fourier components
    ``κ_p = k + 2πp/dx`` of the cell-wise magnetisation, amplitude ``sinc(κ_p dx/2)``,
    with the thickness-averaged film factor ``N_zz(κ) = (1 - exp(-κt))/(κt)`` (1 for a
    uniform film, 0 for short waves). The terms fall as ``1/p³``: truncated at
    ``|p| <= terms`` the sum is off by ~``1/terms²``."""
    p = np.arange(-terms, terms + 1)
    kp = k + 2 * np.pi * p / dx
    s = np.sinc(kp * dx / 2 / np.pi) ** 2
    g = -np.expm1(-np.abs(kp) * t) / (np.abs(kp) * t)
    return MU0 * MS**2 / 4 * np.sum(s * g)


@pytest.mark.parametrize(
    "n, cell, periods", [((16, 1, 1), (2, 2, 3), 1), ((12, 2, 2), (1, 3, 2), 2)]
)
def test_film_spirals_match_semi_analytic_energies(n, cell, periods):
    cell = tuple(c * NM for c in cell)
    mesh = jm.Mesh(n, cell, (INF, INF, 0))
    demag = jm.Demag(mesh, jm.Material(MS))
    k = 2 * np.pi * periods / (n[0] * cell[0])
    t = n[2] * cell[2]
    helix = energy_density(demag, spiral(n, 0, periods, (1, 2)), mesh)
    ref = film_helix_energy(k, cell[0], t)
    assert helix == pytest.approx(ref, rel=1e-9)
    assert 0.05 * MU0 * MS**2 < ref < 0.45 * MU0 * MS**2  # neither limit: a real test
    # the cycloid (m in the xz plane): the film factors of m_x (1 - g) and m_z (g) add to 1
    cycloid = energy_density(demag, spiral(n, 0, periods, (0, 2)), mesh)
    assert cycloid == pytest.approx(MU0 * MS**2 / 4, rel=1e-9)


def test_exchange_and_dmi_wrap_around_for_a_commensurate_spiral():
    n, cell = (3, 12, 2), (1 * NM, 2 * NM, 1.5 * NM)
    A, D = 1.3e-11, 3e-3
    for pbc, periodic in [((0, 2, 0), True), ((INF, INF, 0), True), ((0, 0, 0), False)]:
        mesh = jm.Mesh(n, cell, pbc)
        mat = jm.Material(MS, A)
        m = spiral(n, 1, 2, (1, 2))  # along y, m in the yz plane
        dy = cell[1]
        k = 2 * np.pi * 2 / (n[1] * dy)
        faces = n[1] if periodic else n[1] - 1
        frac = faces / n[1]
        V = mesh.ncells * mesh.cell_volume
        E = float(jm.Exchange(mesh, mat).energy(m))
        assert E == pytest.approx(A * (2 * np.sin(k * dy / 2) / dy) ** 2 * V * frac, rel=1e-12)
        # interfacial DMI, d_y = +x: E = V sum_faces (D/dy) x.(m_i x m_j) = D V sin(k dy)/dy
        E = float(jm.InterfacialDMI(mesh, mat, D).energy(m))
        assert E == pytest.approx(D * np.sin(k * dy) / dy * V * frac, rel=1e-12)


# --- autodiff, jit, vmap, grad; the open mesh unchanged ------------------------------------


@pytest.mark.parametrize(
    "n, cell, pbc",
    [
        ((5, 4, 3), (1, 2, 1.5), (2, 0, 1)),
        ((5, 4, 3), (1, 2, 1.5), (INF, INF, 0)),
        ((5, 4, 3), (1, 2, 1.5), (0, 0, INF)),
        ((8, 2, 1), (2, 1, 2), (INF, INF, INF)),
    ],
)
def test_field_equals_autodiff_field(n, cell, pbc):
    mesh = jm.Mesh(n, tuple(c * NM for c in cell), pbc)
    m, Ms = random_state(n, seed=11)
    demag = jm.Demag(mesh, jm.Material(Ms))

    @eqx.filter_jit
    def both(term, m):
        return term.field(m), jm.field_from_energy(term.energy, m, term.Ms, term.cell_volume)

    H, Had = (np.asarray(x) for x in both(demag, jnp.asarray(m)))
    mag = Ms > 0
    scale = np.max(np.abs(H[:, mag]))
    np.testing.assert_allclose(H[:, mag], Had[:, mag], rtol=0, atol=1e-12 * scale)


def test_vmap_and_grad_through_a_periodic_system():
    n = (6, 6, 1)
    mesh = jm.Mesh(n, (2 * NM, 2 * NM, 1 * NM), (INF, INF, 0))
    demag = jm.Demag(mesh, jm.Material(MS))
    ms = jnp.stack([jnp.asarray(random_state(n, seed=s, holes=False)[0]) for s in range(3)])
    Hb = np.asarray(_fields(demag, ms))
    for i in range(3):
        np.testing.assert_allclose(Hb[i], np.asarray(_field(demag, ms[i])), atol=1e-9)

    # d E / d Ms by autodiff against a central difference
    def energy(scale):
        d = jm.Demag(mesh, jm.Material(MS * scale))
        return d.energy(ms[0])

    g = float(jax.grad(energy)(1.0))
    h = 1e-4
    fd = (float(energy(1.0 + h)) - float(energy(1.0 - h))) / (2 * h)
    assert g == pytest.approx(fd, rel=1e-8)
    assert g == pytest.approx(2 * float(energy(1.0)), rel=1e-10)  # E is quadratic in Ms


def test_open_mesh_kernel_is_unchanged():
    n, cell = (5, 3, 2), (1 * NM, 2 * NM, 1.5 * NM)
    a = kernel_real_space(n, cell)
    b = kernel_real_space(n, cell, (0, 0, 0))
    np.testing.assert_array_equal(a, b)
    assert a.shape == (6, 10, 6, 4)
    np.testing.assert_array_equal(kernel_transform(n, cell), kernel_transform(n, cell, (0, 0, 0)))
    k = kernel_real_space(n, cell, (INF, 0, 2))
    assert k.shape == (6, 5, 6, 2)  # periodic axes are not padded


def test_too_many_images_is_refused():
    mesh = jm.Mesh((64, 64, 1), (2 * NM, 2 * NM, 1 * NM), (10**4, 10**4, 0))
    with pytest.raises(ValueError, match="math.inf"):
        jm.Demag(mesh, jm.Material(MS))


def test_kernel_is_cached_per_mesh(monkeypatch):
    calls = []
    real = demag_mod.kernel_real_space

    def counting(*args, **kw):
        calls.append(args)
        return real(*args, **kw)

    monkeypatch.setattr(demag_mod, "kernel_real_space", counting)
    demag_mod.kernel_transform.cache_clear()
    mesh = jm.Mesh((4, 4, 1), (2 * NM, 2 * NM, 1 * NM), (INF, INF, 0))
    jm.Demag(mesh, jm.Material(MS))
    jm.Demag(mesh, jm.Material(0.5 * MS))
    assert len(calls) == 1
