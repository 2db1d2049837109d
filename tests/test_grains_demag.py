"""Direct demagnetisation curves of grain films: one-cell films are Stoner–Wohlfarth
particles (a cube's demagnetising tensor is isotropic), so each switches on the astroid."""

import jax
import numpy as np
import pytest

from jaxmag.ml.grains import (
    GrainMap,
    NdFeB,
    demagnetisation_curves,
    random_grain_map,
    sw_grain_fields,
)

B = np.linspace(0.0, -7.0, 351)  # 20 mT steps


def test_one_cell_films_switch_on_the_astroid_in_one_batch_with_padding():
    psis = np.radians([10.0, 30.0, 60.0])
    axes = np.stack([np.sin(psis), 0 * psis, np.cos(psis)], axis=1)
    films = [GrainMap(np.zeros((1, 1), int), a[None]) for a in axes]
    curves = demagnetisation_curves(films, B, batch=2, progress=False, tol=1e-8)
    assert curves.converged.all() and curves.m_par.shape == (3, B.size)
    got = -np.concatenate(curves.grain_fields)
    ref = sw_grain_fields(axes, [0, 0, 1], NdFeB["Ku1"], NdFeB["Ms"])
    np.testing.assert_allclose(got, ref, atol=0.03)  # within ~1.5 steps of 20 mT
    # at zero field each cell lies along its easy axis (the sign that is nearer +z)
    np.testing.assert_allclose(curves.m_par[:, 0], np.cos(psis), atol=1e-4)


def test_polycrystal_curve_decreases_and_reverses():
    g = random_grain_map(jax.random.key(0), (8, 8), n_grains=3)
    curves = demagnetisation_curves([g], B[::5], progress=False)
    m = curves.m_par[0]
    assert m[0] > 0.5 and m[-1] < -0.5
    assert np.all(np.diff(m) < 1e-3)  # a descending branch does not climb back
    hs = curves.grain_fields[0]
    assert hs.shape == (g.n_grains,) and np.all(np.isfinite(hs)) and np.all(hs < 0)


def test_bad_input():
    g = GrainMap(np.zeros((2, 2), int), [[0, 0, 1.0]])
    h = GrainMap(np.zeros((3, 2), int), [[0, 0, 1.0]])
    with pytest.raises(ValueError, match="one grid shape"):
        demagnetisation_curves([g, h], B)
    with pytest.raises(ValueError, match="empty"):
        demagnetisation_curves([], B)
    with pytest.raises(ValueError, match="B_values"):
        demagnetisation_curves([g], [0.0])
    with pytest.raises(ValueError, match="cell"):
        demagnetisation_curves([g], B, cell=0.0)


def test_grain_dataset_roundtrip_and_field_map(tmp_path):
    from jaxmag.ml.grains import (
        grain_map,
        load_grain_dataset,
        make_grain_dataset,
        save_grain_dataset,
    )

    data = make_grain_dataset(
        jax.random.key(3), 2, (8, 8), B[::10], n_grains=(2, 3), progress=False
    )
    assert data["labels"].shape == (2, 8, 8) and data["m_par"].shape == (2, B[::10].size)
    for i in range(2):
        g = grain_map(data, i)
        np.testing.assert_array_equal(
            data["field_map"][i], data["grain_fields"][i][np.asarray(g.labels)]
        )
    # the reversed fraction of the per-cell switching fields is the simulated curve
    from jaxmag.ml.grains import reversed_fraction

    frac = reversed_fraction(data["cell_fields"], data["B"])
    assert np.abs(frac - data["reversed"]).max() <= 1 / 64 + 1e-12
    assert data["reversed"][:, 0].max() == 0 and data["reversed"][:, -1].min() > 0.5
    path = save_grain_dataset(tmp_path / "g.npz", data, seed=3)
    back, recipe = load_grain_dataset(path)
    assert recipe == {"seed": 3}
    np.testing.assert_array_equal(back["field_map"], data["field_map"])
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="bad.npz"):
        load_grain_dataset(tmp_path / "bad.npz")
