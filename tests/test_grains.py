"""Grain maps, per-grain switching fields and the Stoner–Wohlfarth baseline."""

import jax
import numpy as np
import pytest

from jaxmag.constants import MU0
from jaxmag.ml.grains import (
    GrainMap,
    NdFeB,
    grain_material,
    grain_switching_fields,
    random_grain_map,
    sw_grain_fields,
)
from jaxmag.statics import anisotropy_field


def test_sw_grain_fields():
    """The baseline is the simulator's closed-form coercive field per grain: axes of
    either sign and any length, in T (tests/test_sp2.py checks the closed form)."""
    hk = anisotropy_field(NdFeB["Ku1"], NdFeB["Ms"])  # μ0 H_K of Nd2Fe14B ≈ 6.72 T
    np.testing.assert_allclose(MU0 * hk, 2 * 4.3e6 / 1.28e6, rtol=1e-12)
    axes = np.array([[0, 0, 1.0], [0, 0, -2.0], [1.0, 0, 1.0]])
    fields = sw_grain_fields(axes, [0, 0, 1], NdFeB["Ku1"], NdFeB["Ms"])
    np.testing.assert_allclose(fields, MU0 * hk * np.array([1, 1, 0.5]))


def test_random_grain_map():
    g = random_grain_map(jax.random.key(0), (24, 20), n_grains=10, spread=np.pi / 6)
    lab = np.asarray(g.labels)
    assert lab.shape == (24, 20) and set(np.unique(lab)) == set(range(g.n_grains))
    ax = np.asarray(g.axes)
    np.testing.assert_allclose(np.linalg.norm(ax, axis=1), 1.0)
    assert np.all(ax[:, 2] >= np.cos(np.pi / 6) - 1e-12)
    b = np.asarray(g.boundary)
    assert 0 < b.mean() < 0.6
    # a boundary cell has a 4-neighbour in another grain, an inner cell has none
    i, j = np.argwhere(b)[0]
    nb = [
        lab[x, y]
        for x, y in ((i - 1, j), (i + 1, j), (i, j - 1), (i, j + 1))
        if 0 <= x < 24 and 0 <= y < 20
    ]
    assert any(v != lab[i, j] for v in nb)
    mat = grain_material(g)
    Ku = np.asarray(mat.Ku1)[..., 0]
    np.testing.assert_allclose(Ku[b], 0.2 * NdFeB["Ku1"])
    np.testing.assert_allclose(Ku[~b], NdFeB["Ku1"])
    again = random_grain_map(jax.random.key(0), (24, 20), n_grains=10, spread=np.pi / 6)
    np.testing.assert_array_equal(again.labels, g.labels)


def test_grain_switching_fields_interpolate_the_sign_change():
    labels = np.array([[0, 0], [1, 1]])
    B = np.array([1.0, 0.0, -1.0, -2.0])
    m = np.zeros((4, 2, 2))
    m[:, 0] = np.array([1.0, 0.5, -0.5, -1.0])[:, None]  # grain 0: zero at B = -0.5
    m[:, 1] = np.array([1.0, 1.0, 1.0, 1.0])[:, None]  # grain 1 never reverses
    hs = grain_switching_fields(labels, B, m)
    np.testing.assert_allclose(hs[0], -0.5)
    assert np.isnan(hs[1])


@pytest.mark.parametrize(
    "labels, axes, match",
    [
        (np.zeros((4, 4), int), [[np.nan, 0, 1]], "not finite"),
        (np.zeros((4, 4), int), [[0, 0, 0]], "zero length"),
        (np.array([[0, 2], [2, 0]]), [[0, 0, 1]] * 3, "grains \\[1\\] have no cells"),
        (np.array([[0, 1], [1, 0]]), [[0, 0, 1]], "labels must lie"),
        (np.zeros((4, 4), int), [0, 0, 1], "shape \\(n_grains, 3\\)"),
        (np.zeros((4, 4)), [[0, 0, 1]], "integers"),
    ],
)
def test_bad_grain_maps(labels, axes, match):
    with pytest.raises(ValueError, match=match):
        GrainMap(labels, axes)


def test_bad_boundary_shape_and_material():
    with pytest.raises(ValueError, match="must match"):
        GrainMap(np.zeros((4, 4), int), [[0, 0, 1]], np.zeros((4, 3), bool))
    g = GrainMap(np.zeros((4, 4), int), [[0, 0, 1]])
    with pytest.raises(ValueError, match="boundary_Ku"):
        grain_material(g, boundary_Ku=1.5)
    with pytest.raises(ValueError, match="Ms"):
        grain_material(g, Ms=-1.0)


def test_grain_features_by_hand():
    from jaxmag.ml.grains import grain_features
    from jaxmag.ml.grains._features import FEATURES

    # grain 0: three cells at ψ = 0; grain 1: two at 45°; grain 2: one at 90°
    g = GrainMap(np.array([[0, 0, 1], [0, 2, 1]]), [[0, 0, 1], [1, 0, 1], [0, 1, 0]])
    f = grain_features(g)
    assert f.shape == (3, len(FEATURES))
    q = np.pi / 4
    np.testing.assert_allclose(f[:, 0], [0, q, 2 * q], atol=1e-7)
    np.testing.assert_array_equal(f[:, 1], [3, 2, 1])
    np.testing.assert_array_equal(f[:, 2], [2, 2, 2])
    np.testing.assert_allclose(f[:, 3], [1.5 * q, q, 0.5 * q], atol=1e-7)
    np.testing.assert_allclose(f[:, 4], [2 * q, 2 * q, q], atol=1e-7)
    one = grain_features(GrainMap(np.zeros((3, 3), int), [[0, 0, 1]]))
    np.testing.assert_allclose(one, [[0, 9, 0, 0, 0, 0]])


def test_curves_from_switching_maps():
    from jaxmag.ml.grains import reversed_fraction
    from jaxmag.ml.grains._curves import coercive_field, loop_l1_rel

    B = np.linspace(0.0, -4.0, 41)
    fmap = np.array([[-1.0, -2.0], [-3.0, np.nan]])  # one cell never reverses
    frac = reversed_fraction(fmap, B)
    np.testing.assert_allclose(frac[[0, 10, 20, 30, 40]], [0, 0.25, 0.5, 0.75, 0.75])
    np.testing.assert_allclose(coercive_field(B, frac), -2.0)
    # two step curves at -1 T and -3 T over a 4 T sweep: L1 = 2 T / 4 T
    a = reversed_fraction(np.full((2, 2), -1.0), B)
    b = reversed_fraction(np.full((2, 2), -3.0), B)
    np.testing.assert_allclose(loop_l1_rel(B, a, b), 0.5, atol=0.03)
    np.testing.assert_allclose(loop_l1_rel(B, a, a), 0.0)
    assert np.isnan(coercive_field(B, np.zeros_like(B)))


def test_forest_learns_an_angle_rule_and_sw_baseline_sign():
    from jaxmag.ml.grains import GrainForest, sw_baseline

    maps = [random_grain_map(jax.random.key(i), (16, 16), n_grains=8) for i in range(12)]
    # a synthetic rule: the SW field, halved on grains with many boundary cells
    rule = [sw_baseline(g) * (1 - 0.5 * (np.asarray(g.boundary).mean() > 0.4)) for g in maps]
    forest = GrainForest(n_estimators=50).fit(maps[:10], rule[:10])
    for g, r in zip(maps[10:], rule[10:], strict=True):
        assert np.mean(np.abs(forest.predict(g) - r)) < 0.15 * np.mean(np.abs(r))
    assert np.all(sw_baseline(maps[0]) < 0)
