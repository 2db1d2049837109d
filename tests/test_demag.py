"""Demagnetisation: the Newell tensor, its symmetries, the FFT convolution and the
demagnetising factors of rectangular prisms against Aharoni's closed form."""

import equinox as eqx
import jax.numpy as jnp
import numpy as np
import pytest

import jaxmag as jm
from jaxmag.energy import prism_demag_factors
from jaxmag.energy._demag import kernel_real_space, padded_shape
from jaxmag.energy._newell import NEAR, newell_cubature, newell_exact, newell_octant

MS = 8e5
NM = 1e-9

# (a, b) of the six stored components (xx, yy, zz, xy, xz, yz).
PAIRS = ((0, 0), (1, 1), (2, 2), (0, 1), (0, 2), (1, 2))


def aharoni(size):
    """``(Nxx, Nyy, Nzz)`` of a prism of edge lengths ``size`` (Aharoni's closed form)."""
    return prism_demag_factors(size)


def tensor(N6):
    """``(6, ...)`` stored components -> ``(3, 3, ...)`` symmetric tensor."""
    T = np.empty((3, 3, *N6.shape[1:]))
    for c, (a, b) in enumerate(PAIRS):
        T[a, b] = T[b, a] = N6[c]
    return T


@eqx.filter_jit
def _field(term, m):
    return term.field(m)


@eqx.filter_jit
def _field_and_autodiff(term, m):
    return term.field(m), jm.field_from_energy(term.energy, m, term.Ms, term.cell_volume)


def random_state(n, seed, holes=True):
    rng = np.random.default_rng(seed)
    m = rng.normal(size=(3, *n))
    m /= np.linalg.norm(m, axis=0)
    Ms = rng.uniform(0.3, 1.0, size=n) * MS
    if holes and np.prod(n) > 1:
        Ms[rng.uniform(size=n) < 0.3] = 0.0
        Ms.reshape(-1)[0] = MS  # at least one magnetic cell
    return m, Ms


# --- the reference itself -------------------------------------------------------------


@pytest.mark.parametrize("size", [(1, 1, 1), (1, 2, 3), (10, 0.5, 3), (100, 100, 1)])
def test_aharoni_reference_is_sane(size):
    N = aharoni(size)
    assert np.sum(N) == pytest.approx(1.0, abs=1e-13)
    if size[0] == size[1] == size[2]:
        np.testing.assert_allclose(N, 1 / 3, rtol=1e-13)
    # the longest edge has the smallest factor
    assert np.argmin(N) == np.argmax(size)


def test_aharoni_reference_limits():
    # thin film -> (0, 0, 1); long square rod -> (0, 1/2, 1/2)
    film = aharoni((1e4, 1e4, 1))
    assert film[2] > 0.999 and film[0] < 1e-3
    rod = aharoni((1e4, 1, 1))
    np.testing.assert_allclose(rod, [0, 0.5, 0.5], atol=1e-3)


# --- the self term ----------------------------------------------------------------------


@pytest.mark.parametrize("d", [1e-9, 3.7e-9])
def test_self_term_of_cube(d):
    N = newell_exact([[0], [0], [0]], (d, d, d)).reshape(6)
    np.testing.assert_allclose(N, [1 / 3, 1 / 3, 1 / 3, 0, 0, 0], rtol=0, atol=1e-12)


@pytest.mark.parametrize("cell", [(1, 2, 3), (5, 5, 1), (2.5, 2.5, 3), (0.5, 4, 1)])
def test_self_term_of_cuboid(cell):
    cell = tuple(c * NM for c in cell)
    N = newell_exact([[0], [0], [0]], cell).reshape(6)
    assert N[0] + N[1] + N[2] == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(N[3:], 0.0, atol=1e-12)
    # the self term of one cuboid is that cuboid's demagnetising factors
    np.testing.assert_allclose(N[:3], aharoni(cell), rtol=1e-10)


# --- symmetries of the tensor -----------------------------------------------------------


def test_trace_vanishes_away_from_the_self_term():
    # tr N(R) = overlap of the cells / V: 1 at R = 0, 0 for every other offset
    r = np.arange(-4, 5)
    N = newell_exact([r, r, r], (1 * NM, 2 * NM, 3 * NM))
    tr = N[0] + N[1] + N[2]
    assert tr[4, 4, 4] == pytest.approx(1.0, abs=1e-12)
    tr[4, 4, 4] = 0.0
    assert np.max(np.abs(tr)) < 1e-12
    assert np.max(np.abs(N[:, 4, 4, 5])) > 0.01  # the neighbours do carry a field
    # and in the far field (cubature), on a few scattered offsets
    R = np.array([[30, 1, 2], [-7, 25, 3], [11, -13, -17]]) * 2e-9
    Nf = newell_cubature(R, (2e-9, 2e-9, 2e-9))
    np.testing.assert_allclose(Nf[0] + Nf[1] + Nf[2], 0.0, atol=1e-10 * np.max(np.abs(Nf)))


def test_parity_of_components():
    # diagonal components are even in every offset; Nab is odd in a and b, even in the third
    r = np.arange(-4, 5)
    N = newell_exact([r, r, r], (1 * NM, 2 * NM, 3 * NM))
    flips = {0: N[:, ::-1], 1: N[:, :, ::-1], 2: N[:, :, :, ::-1]}
    for ax, F in flips.items():
        for c, (a, b) in enumerate(PAIRS):
            sign = -1.0 if (a != b and ax in (a, b)) else 1.0
            np.testing.assert_allclose(F[c], sign * N[c], rtol=0, atol=1e-14)
    # the odd components are not trivially zero
    assert np.max(np.abs(N[3:])) > 0.01


def test_permutation_symmetry_for_square_cells():
    # dx = dy: swapping x and y maps Nxx -> Nyy, Nxz -> Nyz, Nxy -> Nxy
    r = np.arange(0, 6)
    N = newell_exact([r, r, r], (2 * NM, 2 * NM, 3 * NM))

    def T(a):
        return np.transpose(a, (1, 0, 2))

    np.testing.assert_allclose(N[0], T(N[1]), rtol=0, atol=1e-13)
    np.testing.assert_allclose(N[2], T(N[2]), rtol=0, atol=1e-13)
    np.testing.assert_allclose(N[3], T(N[3]), rtol=0, atol=1e-13)
    np.testing.assert_allclose(N[4], T(N[5]), rtol=0, atol=1e-13)
    # cubes: also x <-> z
    N = newell_exact([r, r, r], (2 * NM, 2 * NM, 2 * NM))

    def P(a):
        return np.transpose(a, (2, 1, 0))

    np.testing.assert_allclose(N[0], P(N[2]), rtol=0, atol=1e-13)
    np.testing.assert_allclose(N[3], P(N[5]), rtol=0, atol=1e-13)
    np.testing.assert_allclose(N[4], P(N[4]), rtol=0, atol=1e-13)


# --- near field (exact) against far field (cubature) ------------------------------------

DIRECTIONS = [
    (1, 0, 0),
    (0, 1, 0),
    (0, 0, 1),
    (1, 1, 0),
    (1, 1, 1),
    (3, 1, 2),
    (1, 2, -3),
    (-2, 1, 1),
    (5, -3, 1),
]


def _offsets_near_switch(cell):
    dmax = max(cell)
    for u in DIRECTIONS:
        u = np.asarray(u, float) / np.linalg.norm(u)
        for scale in (0.9, 1.0, 1.1):
            yield np.round(scale * NEAR * dmax * u / np.asarray(cell)).astype(int)


@pytest.mark.parametrize(
    "cell, tol",
    [
        ((1, 1, 1), 3e-7),
        ((2.5, 2.5, 3), 3e-7),
        # the exact form loses digits as (|R|^2 / (dx dy dz)^(2/3))^3, so cells of higher
        # aspect ratio (compared at the same |R| / max(d)) agree less closely
        ((1, 2, 3), 3e-6),
        ((5, 5, 1), 5e-6),
    ],
)
def test_exact_and_cubature_agree_where_they_meet(cell, tol):
    cell = tuple(c * NM for c in cell)
    for off in _offsets_near_switch(cell):
        exact = newell_exact([[o] for o in off], cell).reshape(6)
        cub = newell_cubature((off * np.asarray(cell))[None], cell).reshape(6)
        scale = np.max(np.abs(exact))
        assert np.max(np.abs(exact - cub)) < tol * scale, (off, exact, cub)


@pytest.mark.parametrize("cell", [(1, 1, 1), (2.5, 2.5, 3), (1, 2, 3), (5, 5, 1)])
def test_cubature_is_converged_at_the_switch(cell):
    # 3 Gauss nodes per half-tent (the default) against 8
    cell = tuple(c * NM for c in cell)
    R = np.array([off * np.asarray(cell) for off in _offsets_near_switch(cell)])
    lo = newell_cubature(R, cell)
    hi = newell_cubature(R, cell, nodes=8)
    scale = np.max(np.abs(hi), axis=0)
    assert np.max(np.abs(lo - hi) / scale) < 1e-8


def test_octant_assembly():
    # exact near, cubature far, switching at |R| = NEAR * max(d)
    n, cell = (50, 6, 2), (1 * NM, 1.5 * NM, 2 * NM)
    oct_ = newell_octant(n, cell)
    assert oct_.shape == (6, *n)
    grid = np.meshgrid(*(np.arange(k) * d for k, d in zip(n, cell, strict=True)), indexing="ij")
    R = np.stack([g.reshape(-1) for g in grid], axis=1)
    far = np.linalg.norm(R, axis=1) >= NEAR * max(cell)
    assert 0 < far.sum() < len(far)
    exact = newell_exact([np.arange(k) for k in n], cell).reshape(6, -1)
    ref = newell_cubature(R, cell, nodes=8)
    flat = oct_.reshape(6, -1)
    np.testing.assert_allclose(flat[:, ~far], exact[:, ~far], rtol=0, atol=1e-14)
    scale = np.max(np.abs(ref[:, far]), axis=0)
    assert np.max(np.abs(flat[:, far] - ref[:, far]) / scale) < 1e-8


# --- the padded real-space kernel ---------------------------------------------------------


@pytest.mark.parametrize("n", [(3, 4, 2), (4, 3, 1), (1, 1, 5), (1, 1, 1)])
def test_kernel_real_space_matches_exact_tensor(n):
    cell = (1 * NM, 2 * NM, 1.5 * NM)
    K = kernel_real_space(n, cell)
    P = padded_shape(n)
    assert K.shape == (6, *P)
    assert P == tuple(2 * k if k > 1 else 1 for k in n)
    full = newell_exact([np.arange(-(k - 1), k) for k in n], cell)  # offsets -(k-1)..k-1
    for q in np.ndindex(*P):
        off = [qi if qi < k else qi - p for qi, k, p in zip(q, n, P, strict=True)]
        if any(abs(o) >= k for o, k in zip(off, n, strict=True)):
            np.testing.assert_array_equal(K[(slice(None), *q)], 0.0)
        else:
            idx = tuple(o + k - 1 for o, k in zip(off, n, strict=True))
            np.testing.assert_allclose(
                K[(slice(None), *q)], full[(slice(None), *idx)], rtol=0, atol=1e-14
            )


# --- the convolution ------------------------------------------------------------------


@pytest.mark.parametrize("n", [(4, 3, 2), (5, 1, 1), (1, 4, 3), (3, 3, 1)])
def test_fft_field_equals_direct_sum(n):
    # H_i = -sum_j N(r_i - r_j) M_j, summed directly with the exact tensor; also in holes
    cell = (1 * NM, 2 * NM, 1.5 * NM)
    mesh = jm.Mesh(n, cell)
    m, Ms = random_state(n, seed=1)
    H = np.asarray(_field(jm.Demag(mesh, jm.Material(Ms)), jnp.asarray(m)))
    T = tensor(newell_exact([np.arange(-(k - 1), k) for k in n], cell))
    M = Ms * m
    ref = np.zeros_like(M)
    for i in np.ndindex(*n):
        for j in np.ndindex(*n):
            idx = tuple(a - b + k - 1 for a, b, k in zip(i, j, n, strict=True))
            ref[(slice(None), *i)] -= T[(slice(None), slice(None), *idx)] @ M[(slice(None), *j)]
    np.testing.assert_allclose(H, ref, rtol=0, atol=1e-12 * np.max(np.abs(ref)))


@pytest.mark.parametrize(
    "n, cell, tol",
    [
        ((6, 6, 6), (1, 1, 1), 1e-11),
        ((20, 4, 4), (1, 1, 1), 1e-11),
        ((13, 5, 3), (2, 3, 1.5), 1e-11),
        # 40 x 40 cells of 2 nm: offsets beyond 20 cells use the cubature
        ((40, 40, 1), (2, 2, 1), 1e-9),
    ],
)
def test_prism_demag_factors_match_aharoni(n, cell, tol):
    # the Newell tensor is exact for uniform magnetisation, so the cell-averaged field of
    # the discretised prism is that of the continuous prism
    cell = tuple(c * NM for c in cell)
    mesh = jm.Mesh(n, cell)
    demag = jm.Demag(mesh, jm.Material(MS))
    ref = aharoni(mesh.size)
    for a in range(3):
        m = jnp.zeros((3, *n)).at[a].set(1.0)
        Hmean = np.asarray(jnp.mean(_field(demag, m), axis=(1, 2, 3)))
        assert -Hmean[a] / MS == pytest.approx(ref[a], rel=tol)
        off = [b for b in range(3) if b != a]
        np.testing.assert_allclose(Hmean[off], 0.0, atol=1e-12 * MS)


def test_cube_in_a_larger_mesh_is_one_third():
    # a 4x4x4 cube in a 7x6x5 mesh (the rest is vacuum): N = 1/3 over the cube's cells
    n = (7, 6, 5)
    mesh = jm.Mesh(n, (2 * NM, 2 * NM, 2 * NM))
    mask = np.zeros(n, bool)
    mask[1:5, 2:6, 0:4] = True
    demag = jm.Demag(mesh, jm.Material(MS).on(mesh, mask))
    m = jnp.zeros((3, *n)).at[2].set(1.0) * mask
    H = np.asarray(_field(demag, m))
    Hin = H[:, mask].mean(axis=1)
    np.testing.assert_allclose(-Hin / MS, [0, 0, 1 / 3], atol=1e-12)


# --- symmetry of the field ----------------------------------------------------------------


@pytest.mark.parametrize("axis", [0, 1, 2])
def test_mirrored_state_gives_mirrored_field(axis):
    n, cell = (5, 4, 3), (1 * NM, 2 * NM, 1.5 * NM)
    mesh = jm.Mesh(n, cell)
    m, Ms = random_state(n, seed=2)
    P = np.ones((3, 1, 1, 1))
    P[axis] = -1.0  # a polar vector's component normal to the mirror changes sign

    def mirror(v):
        return P * np.flip(v, axis=axis + 1)

    H = np.asarray(_field(jm.Demag(mesh, jm.Material(Ms)), jnp.asarray(m)))
    Ms_r = np.flip(Ms, axis=axis)
    H_r = np.asarray(_field(jm.Demag(mesh, jm.Material(Ms_r)), jnp.asarray(mirror(m))))
    np.testing.assert_allclose(H_r, mirror(H), rtol=0, atol=1e-12 * np.max(np.abs(H)))
    # the input really is not symmetric, so this is not trivially true
    assert np.max(np.abs(H_r - H)) > 1e-3 * np.max(np.abs(H))


def test_transposed_state_gives_transposed_field():
    # dx = dy: exchanging x and y (positions and components)
    n, cell = (5, 4, 3), (2 * NM, 2 * NM, 1 * NM)
    m, Ms = random_state(n, seed=3)

    def swap(v):
        return np.transpose(v[[1, 0, 2]], (0, 2, 1, 3))

    H = np.asarray(_field(jm.Demag(jm.Mesh(n, cell), jm.Material(Ms)), jnp.asarray(m)))
    mesh_t = jm.Mesh((n[1], n[0], n[2]), cell)
    H_t = np.asarray(
        _field(jm.Demag(mesh_t, jm.Material(Ms.transpose(1, 0, 2))), jnp.asarray(swap(m)))
    )
    np.testing.assert_allclose(H_t, swap(H), rtol=0, atol=1e-12 * np.max(np.abs(H)))


# --- hand-written field against autodiff ---------------------------------------------------


@pytest.mark.parametrize(
    "n, cell",
    [
        ((6, 5, 1), (2, 2, 3)),
        ((5, 4, 3), (1, 2, 1.5)),
        ((7, 1, 1), (1, 1, 1)),
        ((1, 1, 6), (2, 1, 1)),
        ((1, 1, 1), (1, 2, 3)),
    ],
)
@pytest.mark.parametrize("holes", [False, True])
def test_field_equals_autodiff_field(n, cell, holes):
    mesh = jm.Mesh(n, tuple(c * NM for c in cell))
    m, Ms = random_state(n, seed=4, holes=holes)
    demag = jm.Demag(mesh, jm.Material(Ms))
    H, Had = (np.asarray(x) for x in _field_and_autodiff(demag, jnp.asarray(m)))
    mag = Ms > 0
    scale = np.max(np.abs(H[:, mag]))
    assert scale > 0.01 * MS
    np.testing.assert_allclose(H[:, mag], Had[:, mag], rtol=0, atol=1e-12 * scale)
    # in a hole the energy does not depend on m: the autodiff field is 0 there, while the
    # hand-written one is the stray field (harmless: the torque m x H vanishes with m = 0)
    np.testing.assert_array_equal(Had[:, ~mag], 0.0)


def test_field_equals_autodiff_field_with_shape_mask():
    n = (8, 8, 2)
    mesh = jm.Mesh(n, (2 * NM, 2 * NM, 3 * NM))
    mask = jm.shapes.disk(mesh, 7 * NM)
    assert 0 < mask.sum() < mask.size
    m, _ = random_state(n, seed=5, holes=False)
    demag = jm.Demag(mesh, jm.Material(MS).on(mesh, mask))
    H, Had = (np.asarray(x) for x in _field_and_autodiff(demag, jnp.asarray(m)))
    scale = np.max(np.abs(H[:, mask]))
    np.testing.assert_allclose(H[:, mask], Had[:, mask], rtol=0, atol=1e-12 * scale)
