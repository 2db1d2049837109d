"""Random periodic two-phase microstructures: fractions, geometry, periodicity, keys.

Compilation dominates the run time, so the tests share a few batch sizes: each generator
is compiled once unbatched and once per batch size below.
"""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxmag.ml.homogenisation import sample_dataset_maps
from jaxmag.ml.homogenisation._microstructures import (
    gaussian_random_field,
    laminate,
    layers,
    voronoi,
    voronoi_labels,
    wavevectors,
)
from jaxmag.ml.homogenisation._microstructures_inclusions import (
    inclusion_count,
    inclusions,
    place_inclusions,
)
from jaxmag.ml.homogenisation._microstructures_mix import KINDS, PARAMS

S2 = (48, 48)
S3 = (16, 16, 16)
N_INCL = 64  # max_count in the tests


KEYS = jax.random.split(jax.random.key(0), 96)  # split once: each new split size compiles


def _keys(n, seed=0):
    return KEYS[32 * seed : 32 * seed + n]


def _full(x, n):
    return jnp.broadcast_to(jnp.asarray(x, dtype=float), (n,))


def grf_batch(keys, ell, vf, shape=S2):
    n = len(keys)
    f = jax.vmap(
        lambda k, e, v: gaussian_random_field(k, shape, correlation_length=e, volume_fraction=v)
    )
    return np.asarray(f(keys, _full(ell, n), _full(vf, n)))


def incl_batch(keys, vf, radius, aspect=1.0, angle=None, shape=S2):
    """Batches of 32; ``angle=None`` draws each inclusion's angle."""
    n = len(keys)
    assert n == 32

    def f(k, v, r, a, th):
        th = None if angle is None else th
        return inclusions(
            k, shape, volume_fraction=v, radius=r, aspect_ratio=a, angle=th, max_count=N_INCL
        )

    th = 0.0 if angle is None else angle
    args = (_full(vf, n), _full(radius, n), _full(aspect, n), _full(th, n))
    return np.asarray(jax.vmap(f)(keys, *args))


def _s2(maps, lag, axis):
    """Two-point probability P(x and x + lag e_axis both phase 1), over a batch."""
    return np.mean(maps & np.roll(maps, lag, axis=axis + 1))


def _seam_and_bulk(maps, axis):
    """Rate of phase (label) changes across the periodic seam, and between neighbours."""
    a = np.moveaxis(np.asarray(maps), axis + 1, 1)
    return np.mean(a[:, -1] != a[:, 0]), np.mean(a[:, 1:] != a[:, :-1])


# --- Gaussian random field ------------------------------------------------------------


def test_grf_fraction_is_exact_and_vmaps_over_parameters():
    vfs = jnp.array([0.05, 0.1, 0.2, 0.3, 0.37, 0.45, 0.5, 0.6])
    maps = grf_batch(_keys(8), jnp.linspace(1.5, 6.0, 8), vfs)
    assert maps.dtype == bool and maps.shape == (8, *S2)
    np.testing.assert_allclose(maps.mean(axis=(1, 2)), vfs, rtol=0, atol=0.5 / 48**2 + 1e-12)
    maps3 = grf_batch(_keys(4), 2.0, vfs[::2], shape=S3)
    np.testing.assert_allclose(maps3.mean(axis=(1, 2, 3)), vfs[::2], rtol=0, atol=0.5 / 16**3)


def test_grf_correlation_length_sets_the_two_point_function():
    short, long = grf_batch(_keys(8), 1.5, 0.3), grf_batch(_keys(8), 5.0, 0.3)
    for axis in (0, 1):
        # S2 falls from φ at lag 0 to φ² far away; more slowly for the longer length.
        assert _s2(long, 4, axis) > _s2(short, 4, axis) + 0.05
        assert abs(_s2(short, 12, axis) - 0.3**2) < 0.02


def test_grf_is_periodic():
    maps = grf_batch(_keys(8, seed=1), 4.0, 0.4)
    for axis in (0, 1):
        seam, bulk = _seam_and_bulk(maps, axis)
        assert seam < 1.6 * bulk + 0.01
    # Control: a crop is not periodic, and the statistic sees it.
    seam, bulk = _seam_and_bulk(maps[:, :40, :40], 0)
    assert seam > 2.5 * bulk
    seam, bulk = _seam_and_bulk(grf_batch(_keys(4), 2.0, 0.4, shape=S3), 2)
    assert seam < 1.6 * bulk + 0.01


# --- inclusions -----------------------------------------------------------------------


def test_disk_area_is_pi_r_squared():
    r = 6.0
    centres = np.random.default_rng(1).uniform(0, 48, (40, 1, 2))
    maps = jax.vmap(lambda c: place_inclusions(S2, c, radius=r))(centres)
    areas = np.asarray(maps.sum(axis=(1, 2)))
    assert np.all(np.abs(areas / (np.pi * r**2) - 1) < 0.08)
    assert abs(areas.mean() / (np.pi * r**2) - 1) < 0.015  # exact in expectation


def test_sphere_volume():
    centres = np.random.default_rng(2).uniform(0, 16, (8, 1, 3))
    maps = jax.vmap(lambda c: place_inclusions(S3, c, radius=4.0))(centres)
    vol = np.asarray(maps.sum(axis=(1, 2, 3))).mean()
    assert abs(vol / (4 / 3 * np.pi * 4.0**3) - 1) < 0.03


def test_ellipse_axes_follow_angle():
    c = jnp.array([[24.3, 24.6]])
    m0 = np.asarray(place_inclusions(S2, c, radius=4.0, aspect_ratio=4.0, angle=0.0))
    m90 = np.asarray(place_inclusions(S2, c, radius=4.0, aspect_ratio=4.0, angle=np.pi / 2))
    assert abs(m0.sum() / (np.pi * 16) - 1) < 0.1  # area π r² whatever the aspect
    ext = m0.any(axis=1).sum(), m0.any(axis=0).sum()  # extents along axis 0 and axis 1
    assert ext[0] in (15, 16, 17) and ext[1] in (3, 4, 5)  # 2 r √4 and 2 r / √4
    assert m90.any(axis=0).sum() == ext[0] and m90.any(axis=1).sum() == ext[1]


def test_inclusion_wraps_around_the_border():
    inner = np.asarray(place_inclusions(S2, jnp.array([[24.3, 24.6]]), radius=5.0))
    corner = np.asarray(place_inclusions(S2, jnp.array([[0.3, 0.6]]), radius=5.0))
    np.testing.assert_array_equal(corner, np.roll(inner, (-24, -24), axis=(0, 1)))
    assert corner[0].any() and corner[-1].any() and corner[:, 0].any() and corner[:, -1].any()


def test_inclusion_count_formula():
    n = inclusion_count(S2, volume_fraction=0.3, radius=4.0)
    p = np.pi * 16 / 48**2
    np.testing.assert_allclose(1 - (1 - p) ** n, 0.3, rtol=1e-12)
    np.testing.assert_allclose(n, -np.log(0.7) / p, rtol=p)  # the Boolean model, a ≪ A


@pytest.mark.parametrize(("shape", "radius"), [(S2, 4.0), (S3, 2.5)])
def test_inclusions_mean_fraction_matches_boolean_model(shape, radius):
    vf = 0.3
    maps = np.concatenate([incl_batch(_keys(32, s), vf, radius, shape=shape) for s in (0, 2)])
    fr = maps.mean(axis=tuple(range(1, len(shape) + 1)))
    assert fr.std() > 0.005  # the realised fraction is random ...
    assert abs(fr.mean() - vf) < 0.015  # ... with the Boolean-model mean
    # A count ignoring overlaps (n = φ A / a) would fall short by about 0.04.


def test_aligned_ellipses_are_anisotropic():
    keys = _keys(32)
    angles = jnp.repeat(jnp.array([0.0, np.pi / 2]), 16)
    aligned = incl_batch(keys, 0.3, 3.0, aspect=4.0, angle=angles)
    along0, along1 = aligned[:16], aligned[16:]
    random = incl_batch(keys, 0.3, 3.0, aspect=4.0)
    assert _s2(along0, 4, 0) > 1.3 * _s2(along0, 4, 1)
    assert _s2(along1, 4, 1) > 1.3 * _s2(along1, 4, 0)
    assert 0.85 < _s2(random, 4, 0) / _s2(random, 4, 1) < 1.18


# --- Voronoi ------------------------------------------------------------------------


def test_voronoi_grains_and_fraction():
    for seed, vf in [(0, 0.3), (1, 0.55), (2, 0.12)]:
        key = KEYS[seed]
        labels = np.asarray(voronoi_labels(key, S2, n_grains=12))
        phase = np.asarray(voronoi(key, S2, n_grains=12, volume_fraction=vf))
        found = np.unique(labels)
        assert found.min() >= 0 and found.max() < 12 and len(found) >= 6
        for g in found:  # every grain is wholly one phase
            assert len(np.unique(phase[labels == g])) == 1
        half_grain = np.bincount(labels.ravel()).max() / 2 / labels.size
        assert abs(phase.mean() - vf) <= half_grain + 1e-12


def test_voronoi_and_inclusions_never_give_one_phase():
    # A few large grains or one large inclusion against a small target fraction: the
    # nearest prefix (or the rounded count) would be empty; both phases must be present.
    # The 4000-cell 128² dataset of seed 0 had four such empty cells before this rule.
    keys = _keys(32, 1)
    vor = jax.vmap(lambda k: voronoi(k, S2, n_grains=3, volume_fraction=0.05))(keys)
    inc = jax.vmap(
        lambda k: inclusions(k, S2, volume_fraction=0.05, radius=14.0, max_count=N_INCL)
    )(keys)
    for maps in (np.asarray(vor), np.asarray(inc)):
        f = maps.mean(axis=(1, 2))
        assert np.all((f > 0) & (f < 1)), f


def test_voronoi_is_periodic():
    labels = np.asarray(jax.vmap(lambda k: voronoi_labels(k, S2, n_grains=12))(_keys(6)))
    for axis in (0, 1):
        seam, bulk = _seam_and_bulk(labels, axis)
        assert 0 < seam < 1.6 * bulk + 0.01  # boundaries cross the seam, no more than inside
    seam, bulk = _seam_and_bulk(labels[:, :40, :40], 0)  # control: a crop is not periodic
    assert seam > 2.5 * bulk


# --- laminates ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shape", "k"), [((48, 32), (1, 2)), ((48, 32), (3, -1)), ((8, 12, 6), (1, -2, 1))]
)
def test_layers_are_exactly_periodic(shape, k):
    m = layers(shape, jnp.array(k), volume_fraction=0.35, offset=0.21)
    big = tuple(2 * n for n in shape)
    doubled = layers(big, 2 * jnp.array(k), volume_fraction=0.35, offset=0.21)
    np.testing.assert_array_equal(doubled, np.tile(m, (2,) * len(shape)))
    assert 0 < m.mean() < 1


@pytest.mark.parametrize("k", [(1, 0), (1, 1), (2, -3), (3, 1)])
def test_layers_constant_along_the_layers_and_quantised(k):
    nx, ny = shape = (48, 32)
    p, q = k
    m = np.asarray(layers(shape, jnp.array(k), volume_fraction=0.3, offset=0.1))
    # (a, b) = (q nx, −p ny) / gcd(nx, ny) lies along the layers: p a/nx + q b/ny = 0.
    g = math.gcd(nx, ny)
    np.testing.assert_array_equal(np.roll(m, (q * nx // g, -p * ny // g), axis=(0, 1)), m)
    assert not np.array_equal(np.roll(m, 1, axis=0), m) or not np.array_equal(np.roll(m, 1, 1), m)
    period = math.lcm(nx, ny)
    levels = period // math.gcd(period, p * period // nx, q * period // ny)
    assert abs(m.mean() - 0.3) <= 1 / levels + 1e-12


def test_laminate_random_orientation():
    table = wavevectors(2, 3)
    assert len(table) == 24 and not np.any(np.all(-table[:, None] == table[None], axis=-1))
    maps = np.asarray(jax.vmap(lambda k: laminate(k, S2, volume_fraction=0.4))(_keys(12)))
    assert len({m.tobytes() for m in maps}) == 12
    # The coarsest layering on 48² with |k| <= 3 has 48/3 = 16 levels.
    assert np.all(np.abs(maps.mean(axis=(1, 2)) - 0.4) <= 1 / 16 + 1e-12)


# --- vmap, jit ----------------------------------------------------------------------


def test_vmap_matches_a_loop():
    keys = _keys(8)
    grf = grf_batch(keys, 3.0, 0.3)
    vor = np.asarray(jax.vmap(lambda k: voronoi_labels(k, S2, n_grains=12))(keys[:6]))
    for i in range(3):
        g = gaussian_random_field(keys[i], S2, correlation_length=3.0, volume_fraction=0.3)
        np.testing.assert_array_equal(grf[i], g)
        np.testing.assert_array_equal(vor[i], voronoi_labels(keys[i], S2, n_grains=12))
    assert not np.array_equal(grf[0], grf[1])


def _all_four(key, vf, length):
    k = jax.random.split(key, 4)
    return (
        gaussian_random_field(k[0], S2, correlation_length=length, volume_fraction=vf),
        inclusions(k[1], S2, volume_fraction=vf, radius=length, angle=vf, max_count=N_INCL),
        voronoi(k[2], S2, n_grains=12, volume_fraction=vf),
        laminate(k[3], S2, volume_fraction=vf),
    )


def test_public_functions_trace_with_traced_parameters():
    # Validation lets tracers through; shapes and dtypes are static.
    out = jax.eval_shape(jax.jit(_all_four), jax.random.key(4), 0.3, 3.0)
    assert all(o.shape == S2 and o.dtype == jnp.bool_ for o in out)


def test_jit_matches_eager():
    key = jax.random.key(4)
    f = jax.jit(
        lambda k, v: gaussian_random_field(k, S2, correlation_length=3.0, volume_fraction=v)
    )
    eager = gaussian_random_field(key, S2, correlation_length=3.0, volume_fraction=0.3)
    np.testing.assert_array_equal(f(key, 0.3), eager)
    np.testing.assert_array_equal(f(key, 0.3), f(key, 0.3))


# --- the mixture --------------------------------------------------------------------


@pytest.fixture(scope="module")
def mixture():
    return sample_dataset_maps(jax.random.key(7), 12, (32, 32))


def test_mixture_is_reproducible(mixture):
    maps, params = mixture
    again, params2 = sample_dataset_maps(jax.random.key(7), 12, (32, 32))
    np.testing.assert_array_equal(maps, again)
    for p in PARAMS:
        np.testing.assert_array_equal(params[p], params2[p])
    # Sample i depends on fold_in(key, i) only, not on n.
    head, params3 = sample_dataset_maps(jax.random.key(7), 9, (32, 32))
    np.testing.assert_array_equal(head, maps[:9])
    np.testing.assert_array_equal(params3["volume_fraction"], params["volume_fraction"][:9])
    other, _ = sample_dataset_maps(jax.random.key(8), 12, (32, 32))
    assert not np.array_equal(other, maps)


def test_mixture_records_its_parameters(mixture):
    maps, params = mixture
    n = 12
    assert maps.shape == (n, 32, 32) and maps.dtype == bool
    assert tuple(params) == PARAMS and all(len(v) == n for v in params.values())
    np.testing.assert_array_equal(params["volume_fraction"], maps.mean(axis=(1, 2)))
    assert np.all((params["volume_fraction"] > 0) & (params["volume_fraction"] < 1))
    target = params["volume_fraction_target"]
    assert np.all((target >= 0.05) & (target <= 0.6))
    kind = params["kind"]
    assert set(kind) <= set(range(len(KINDS))) and len(set(kind)) >= 3
    owners = {
        "correlation_length": "gaussian_random_field",
        "radius": "inclusions",
        "aspect_ratio": "inclusions",
        "n_inclusions": "inclusions",
        "n_grains": "voronoi",
        "offset": "laminate",
    }
    for name, owner in owners.items():
        np.testing.assert_array_equal(np.isfinite(params[name]), kind == KINDS.index(owner))
    lam = kind == KINDS.index("laminate")
    np.testing.assert_array_equal(np.isfinite(params["wavevector"]).all(axis=1), lam)
    assert np.all(np.abs(params["wavevector"][lam]) <= 3)
    grf = kind == KINDS.index("gaussian_random_field")
    np.testing.assert_allclose(params["volume_fraction"][grf], target[grf], atol=0.5 / 32**2)
    ell = params["correlation_length"][grf]
    assert np.all((ell >= 1.0) & (ell <= 4.0))  # 2–8 px at 64², scaled to 32²
    vor = kind == KINDS.index("voronoi")
    assert np.all(np.abs(params["volume_fraction"][vor] - target[vor]) < 0.15)
    assert np.all((params["n_grains"][vor] >= 8) & (params["n_grains"][vor] <= 40))


def test_mixture_kinds_subset_and_3d():
    maps, params = sample_dataset_maps(
        jax.random.key(0), 12, S3, kinds=("inclusions",), length_scale=0.5
    )
    assert maps.shape == (12, *S3)
    np.testing.assert_array_equal(params["kind"], KINDS.index("inclusions"))
    np.testing.assert_array_equal(params["aspect_ratio"], 1.0)  # spheres
    assert np.all(np.isnan(params["angle"]))
    assert np.all(params["n_inclusions"] >= 1)
    assert np.all((params["radius"] >= 1.5) & (params["radius"] <= 5.0))  # 3–10 px × 0.5
    np.testing.assert_array_equal(params["volume_fraction"], maps.mean(axis=(1, 2, 3)))


# --- bad input ----------------------------------------------------------------------

K = jax.random.key(0)


def _grf(shape=S2, ell=2.0, vf=0.3):
    return gaussian_random_field(K, shape, correlation_length=ell, volume_fraction=vf)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: _grf(shape=(32,)), "2D"),
        (lambda: _grf(shape=(32, 16, 8, 4)), "2D"),
        (lambda: _grf(shape=(32, 0)), "shape"),
        (lambda: _grf(shape=(32, float("nan"))), "shape"),
        (lambda: _grf(ell=0.0), "correlation_length"),
        (lambda: _grf(ell=float("nan")), "correlation_length"),
        (lambda: _grf(vf=1.0), "volume_fraction"),
        (lambda: _grf(vf=float("nan")), "volume_fraction"),
        (lambda: _grf(vf=np.array([0.2, 0.3])), "volume_fraction must be a scalar"),
        (lambda: inclusions(K, S2, volume_fraction=0.0, radius=3.0), "volume_fraction"),
        (lambda: inclusions(K, S2, volume_fraction=0.3, radius=-1.0), "radius"),
        (lambda: inclusions(K, S2, volume_fraction=0.3, radius=3.0, aspect_ratio=0.5), "aspect"),
        (lambda: inclusions(K, S3, volume_fraction=0.3, radius=3.0, aspect_ratio=2.0), "aspect"),
        (lambda: inclusions(K, S2, volume_fraction=0.3, radius=30.0), "radius"),
        (lambda: inclusions(K, S2, volume_fraction=0.6, radius=2.0, max_count=10), "max_count"),
        (lambda: place_inclusions(S2, jnp.zeros((3, 3)), radius=2.0), "centres"),
        (lambda: voronoi(K, S2, n_grains=0, volume_fraction=0.3), "n_grains"),
        (lambda: voronoi(K, S2, n_grains=1, volume_fraction=0.3), "n_grains"),
        (lambda: voronoi(K, S2, n_grains=8, volume_fraction=1.5), "volume_fraction"),
        (lambda: laminate(K, S2, volume_fraction=-0.1), "volume_fraction"),
        (lambda: laminate(K, (6, 48), volume_fraction=0.3, max_index=3), "max_index"),
        (lambda: layers(S2, jnp.array([0, 0]), volume_fraction=0.3), "wavevector"),
        (lambda: layers(S2, jnp.array([1.0, 0.0]), volume_fraction=0.3), "wavevector"),
        (lambda: sample_dataset_maps(K, 0, S2), "n must"),
        (lambda: sample_dataset_maps(K, 4, S2, kinds=("foam",)), "kinds"),
        (lambda: sample_dataset_maps(K, 4, S2, length_scale=2.0), "length_scale"),
    ],
)
def test_bad_input_raises(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_non_integer_counts_raise_type_errors():
    with pytest.raises(TypeError, match="n_grains"):
        voronoi(K, S2, n_grains=4.5, volume_fraction=0.3)
