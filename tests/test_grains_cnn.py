"""The grain CNN: inputs, symmetries, shape errors, a fit on a known map, checkpoints,
and the curve scores."""

import jax
import numpy as np
import pytest

from jaxmag.grains import GrainMap, random_grain_map
from jaxmag.grains.cnn import (
    GrainCNN,
    _augment,
    dataset_inputs,
    grain_inputs,
    load_grain_cnn,
    per_grain,
    predict_maps,
    save_grain_cnn,
    train_grain_cnn,
)
from jaxmag.grains.evaluate import film_scores, grain_field_map


def _films(n, shape=(8, 8), seed=0):
    return [random_grain_map(jax.random.key(seed + i), shape, n_grains=4) for i in range(n)]


def _stack(films):
    G = max(g.n_grains for g in films)
    axes = np.full((len(films), G, 3), np.nan)
    for i, g in enumerate(films):
        axes[i, : g.n_grains] = np.asarray(g.axes)
    return {
        "labels": np.stack([np.asarray(g.labels) for g in films]),
        "axes": axes,
        "boundary": np.stack([np.asarray(g.boundary) for g in films]),
    }


def test_inputs_match_per_film_and_mirror_with_the_axes():
    films = _films(3)
    x = dataset_inputs(_stack(films))
    assert x.shape == (3, 4, 8, 8) and x.dtype == np.float32
    for i, g in enumerate(films):
        np.testing.assert_array_equal(x[i], grain_inputs(g))
    # the augmentation's x-mirror is the input of the mirrored film
    g = films[0]
    ax = np.asarray(g.axes) * [-1.0, 1.0, 1.0]
    mirrored = GrainMap(np.asarray(g.labels)[::-1], ax)
    y = np.arange(64.0).reshape(1, 8, 8)
    for seed in range(20):  # find a draw that mirrors x only
        key = jax.random.key(seed)
        u = np.asarray(jax.random.uniform(key, (3,)))
        if u[0] < 0.5 and u[1] >= 0.5 and u[2] >= 0.5:
            xa, ya = _augment(key, x[0], y)
            np.testing.assert_allclose(xa, grain_inputs(mirrored))
            np.testing.assert_array_equal(ya[0], y[0, ::-1])
            break
    else:
        pytest.fail("no pure x-mirror among the draws")
    # a transpose swaps u_x and u_y
    t = GrainMap(np.asarray(g.labels).T, np.asarray(g.axes)[:, [1, 0, 2]])
    for seed in range(40):
        key = jax.random.key(seed)
        u = np.asarray(jax.random.uniform(key, (3,)))
        if u[0] >= 0.5 and u[1] >= 0.5 and u[2] < 0.5:
            np.testing.assert_allclose(_augment(key, x[0], y)[0], grain_inputs(t))
            break


def test_wrong_shapes_say_what_is_expected():
    model = GrainCNN(4, 2, key=jax.random.key(0))
    with pytest.raises(ValueError, match=r"\(4, H, W\)"):
        model.check_input((3, 8, 8))
    with pytest.raises(ValueError, match="multiples"):
        predict_maps(model, np.zeros((1, 4, 6, 8)))
    with pytest.raises(ValueError, match=r"\(n, 4, nx, ny\)"):
        predict_maps(model, np.zeros((4, 8, 8)))
    with pytest.raises(ValueError, match="targets have shape"):
        train_grain_cnn(np.zeros((2, 4, 8, 8)), np.zeros((2, 8, 4)), key=jax.random.key(0))
    with pytest.raises(ValueError, match="no finite"):
        train_grain_cnn(np.zeros((2, 4, 8, 8)), np.full((2, 8, 8), np.nan), key=jax.random.key(0))


def test_fits_a_known_map_and_round_trips(tmp_path):
    """Target: a Stoner–Wohlfarth-like field −6.7 T · u_z² minus 1 T on boundary cells;
    the network must beat the mean by far on held-out films, NaN cells being ignored."""
    films = _films(40, seed=10)
    x = dataset_inputs(_stack(films))
    y = -6.7 * x[:, 2] ** 2 - 1.0 * x[:, 3]
    y_nan = y.copy()
    y_nan[:, 0, 0] = np.nan
    model, hist = train_grain_cnn(
        x[:32],
        y_nan[:32],
        key=jax.random.key(1),
        steps=300,
        learning_rate=1e-2,
        base=8,
        depth=2,
        batch_size=8,
    )
    pred = predict_maps(model, x[32:])
    sse = np.sum((pred - y[32:]) ** 2)
    sst = np.sum((y[32:] - y[32:].mean()) ** 2)
    assert 1 - sse / sst > 0.9, 1 - sse / sst
    assert np.mean(hist["loss"][-20:]) < 0.2 * np.mean(hist["loss"][:20])
    save_grain_cnn(tmp_path / "cnn", model, note="test")
    back, config = load_grain_cnn(tmp_path / "cnn")
    np.testing.assert_array_equal(predict_maps(back, x[32:]), pred)
    assert config["note"] == "test"


def test_unstandardised_unet_sees_absolute_values():
    from jaxmag.imaging import UNet

    x = np.asarray(jax.random.normal(jax.random.key(0), (4, 8, 8)))
    plain = UNet(4, 4, 2, key=jax.random.key(1))
    raw = UNet(4, 4, 2, standardise=False, key=jax.random.key(1))
    np.testing.assert_allclose(plain(x + 3.0), plain(x), atol=1e-4)
    assert np.abs(np.asarray(raw(x + 3.0)) - np.asarray(raw(x))).max() > 1e-2
    assert raw.bottleneck(x).shape == (16,)


def test_per_grain_median_and_film_scores():
    labels = np.array([[0, 0, 1, 1]] * 4)
    cell = np.array([[-1.0, -2.0, -3.0, -5.0]] * 4)
    np.testing.assert_allclose(per_grain(cell, labels), [-1.5, -4.0])
    B = np.linspace(0, -6, 61)
    true = np.array([-2.0, -4.0])
    sim = (grain_field_map(labels, true)[None] >= B[:, None, None]).mean((1, 2))
    perfect = film_scores(B, labels, sim, true, true)
    assert perfect["loop_l1_rel"] == 0 and perfect["hc_rel_err"] == 0
    assert perfect["grain_hs_mae"] == 0
    off = film_scores(B, labels, sim, true, true - 0.6)
    assert abs(off["loop_l1_rel"] - 0.1) < 1e-9 and abs(off["grain_hs_mae"] - 0.6) < 1e-12
    # a per-cell map gives its own curve
    cellwise = film_scores(B, labels, sim, true, true, pred_map=grain_field_map(labels, true))
    assert cellwise["loop_l1_rel"] == 0
    with pytest.raises(ValueError, match="differ in shape"):
        film_scores(B, labels, sim, true, true[:1])
