"""The grain CNN: inputs, symmetries, shape errors, a fit on a known map, checkpoints,
and the curve scores."""

import jax
import numpy as np
import pytest

from jaxmag.ml.grains import (
    GrainMap,
    dataset_inputs,
    dataset_targets,
    grain_field_map,
    grain_fields,
    grain_weights,
    load_model,
    per_grain,
    predict_maps,
    random_grain_map,
    save_model,
    train_grain_cnn,
)
from jaxmag.ml.grains._cnn import GrainCNN, grain_inputs
from jaxmag.ml.grains._evaluate import film_scores
from jaxmag.ml.grains._training import _augment
from jaxmag.ml.imaging import load_model as unet_load_model


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
        predict_maps(model, np.zeros((1, 4, 6, 8)), np.zeros((1, 6, 8), int))
    with pytest.raises(ValueError, match=r"\(n, 4, nx, ny\)"):
        predict_maps(model, np.zeros((4, 8, 8)), np.zeros((4, 8), int))
    with pytest.raises(ValueError, match="labels have shape"):
        predict_maps(model, np.zeros((1, 4, 8, 8)), np.zeros((1, 8, 4), int))
    with pytest.raises(ValueError, match="non-negative integers"):
        predict_maps(model, np.zeros((1, 4, 8, 8)), np.full((1, 8, 8), 0.5))
    lab = np.zeros((2, 8, 8), int)
    with pytest.raises(ValueError, match="targets have shape"):
        train_grain_cnn(np.zeros((2, 4, 8, 8)), np.zeros((2, 8, 4)), lab, key=jax.random.key(0))
    with pytest.raises(ValueError, match=r"need \(2, 2, 8, 8\)"):  # one map, not two
        train_grain_cnn(np.zeros((2, 4, 8, 8)), np.zeros((2, 8, 8)), lab, key=jax.random.key(0))
    with pytest.raises(ValueError, match="no finite"):
        nan = np.full((2, 2, 8, 8), np.nan)
        train_grain_cnn(np.zeros((2, 4, 8, 8)), nan, lab, key=jax.random.key(0))


@pytest.mark.slow  # heavy: moved out of the fast suite (its 10-minute budget)
def test_fits_a_known_map_and_round_trips(tmp_path):
    """Targets: a Stoner–Wohlfarth-like cell field −6.7 T · u_z² minus 1 T on boundary
    cells, and as grain map the mean of that over each grain; the network must beat the
    mean by far on both maps of held-out films, NaN cells being ignored."""
    films = _films(40, seed=10)
    data = _stack(films)
    x = dataset_inputs(data)
    cell = -6.7 * x[:, 2] ** 2 - 1.0 * x[:, 3]
    grain = np.stack(
        [
            per_grain(c, g.labels, statistic=np.mean)[np.asarray(g.labels)]
            for c, g in zip(cell, films, strict=True)
        ]
    )
    y = np.stack([cell, grain], 1)
    y_nan = y.copy()
    y_nan[:, :, 0, 0] = np.nan
    model, hist = train_grain_cnn(
        x[:32],
        y_nan[:32],
        data["labels"][:32],
        key=jax.random.key(1),
        steps=300,
        learning_rate=1e-2,
        base=8,
        depth=2,
        batch_size=8,
    )
    pred = predict_maps(model, x[32:], data["labels"][32:])
    assert pred.shape == (8, 2, 8, 8)
    # the grain map is one value per grain, whatever the grains are called
    for p, lab in zip(pred, data["labels"][32:], strict=True):
        for g in np.unique(lab):
            assert np.ptp(p[1][lab == g]) == 0
    relabelled = (data["labels"][32:] + 3) % 7
    np.testing.assert_allclose(predict_maps(model, x[32:], relabelled), pred, rtol=1e-5)
    for c in range(2):
        sse = np.sum((pred[:, c] - y[32:, c]) ** 2)
        sst = np.sum((y[32:, c] - y[32:, c].mean()) ** 2)
        assert 1 - sse / sst > 0.85, (c, 1 - sse / sst)
    assert np.mean(hist["loss"][-20:]) < 0.2 * np.mean(hist["loss"][:20])
    save_model(tmp_path / "cnn", model, metadata={"note": "test"})
    back, metadata = load_model(tmp_path / "cnn")
    np.testing.assert_array_equal(predict_maps(back, x[32:], data["labels"][32:]), pred)
    assert metadata == {"note": "test"}
    with pytest.raises(ValueError, match="not a U-Net"):
        unet_load_model(tmp_path / "cnn")


def test_unstandardised_unet_sees_absolute_values():
    from jaxmag.ml.imaging import UNet

    x = np.asarray(jax.random.normal(jax.random.key(0), (4, 8, 8)))
    plain = UNet(4, 4, 2, key=jax.random.key(1))
    raw = UNet(4, 4, 2, standardise=False, key=jax.random.key(1))
    np.testing.assert_allclose(plain(x + 3.0), plain(x), atol=1e-4)
    assert np.abs(np.asarray(raw(x + 3.0)) - np.asarray(raw(x))).max() > 1e-2
    assert raw.bottleneck(x).shape == (16,)
    levels = raw.level_features(x)
    assert levels.shape == (4 + 8 + 16,)
    np.testing.assert_allclose(levels[-16:], raw.bottleneck(x), rtol=1e-6)
    two = UNet(4, 4, 2, out_channels=2, key=jax.random.key(1))
    assert two(x).shape == (2, 8, 8)


def test_targets_put_each_grains_field_on_its_cells():
    films = _films(2)
    data = _stack(films)
    data["cell_fields"] = np.arange(2 * 64.0).reshape(2, 8, 8)
    data["grain_fields"] = np.array([[-1.0, -2.0, -3.0, np.nan], [-4.0, -5.0, -6.0, -7.0]])
    y = dataset_targets(data)
    assert y.shape == (2, 2, 8, 8) and y.dtype == np.float32
    np.testing.assert_array_equal(y[:, 0], data["cell_fields"])
    for i, g in enumerate(films):
        lab = np.asarray(g.labels)
        np.testing.assert_array_equal(y[i, 1], data["grain_fields"][i][lab])
        np.testing.assert_allclose(
            grain_fields(y[i, 1], lab), data["grain_fields"][i][: lab.max() + 1]
        )


def test_per_grain_median_and_film_scores():
    labels = np.array([[0, 0, 1, 1]] * 4)
    cell = np.array([[-1.0, -2.0, -3.0, -5.0]] * 4)
    cell[0, 0] = -10.0
    np.testing.assert_allclose(per_grain(cell, labels), [-2.0, -4.0])  # the median
    np.testing.assert_allclose(grain_fields(cell, labels), [-21.0 / 8, -4.0])  # the mean
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


def test_grain_weights_count_every_grain_once():
    labels = np.stack([np.asarray(g.labels) for g in _films(3)])
    w = grain_weights(labels)
    assert w.shape == (3, 2, 8, 8)
    np.testing.assert_array_equal(w[:, 0], 1.0)
    for film, wg in zip(labels, w[:, 1], strict=True):
        per = np.array([wg[film == g].sum() for g in np.unique(film)])
        np.testing.assert_allclose(per, film.size / len(per), rtol=1e-6)
    with pytest.raises(ValueError, match="weights have shape"):
        train_grain_cnn(
            np.zeros((2, 4, 8, 8)),
            np.zeros((2, 2, 8, 8)),
            labels[:2],
            weights=w[:1],
            key=jax.random.key(0),
        )
    with pytest.raises(ValueError, match="weights"):
        bad = -np.ones((2, 2, 8, 8))
        train_grain_cnn(
            np.zeros((2, 4, 8, 8)),
            np.zeros((2, 2, 8, 8)),
            labels[:2],
            weights=bad,
            key=jax.random.key(0),
        )


def test_trust_callables_keep_weights_with_the_maps():
    from jaxmag.ml.grains import cnn_inputs, cnn_targets, fit_cnn, score_cnn

    films = _films(12, seed=3)
    data = _stack(films)
    x = dataset_inputs(data)
    data["cell_fields"] = -6.7 * x[:, 2] ** 2 - 1.0 * x[:, 3]
    data["grain_fields"] = -6.7 * data["axes"][..., 2] ** 2
    y = cnn_targets(data)
    xl = cnn_inputs(data)
    assert y.shape == (12, 3, 8, 8) and xl.shape == (12, 5, 8, 8)
    np.testing.assert_array_equal(xl[:, 4], data["labels"])  # labels are an input
    np.testing.assert_array_equal(xl[:, :4], x)
    np.testing.assert_array_equal(y[:, 2], grain_weights(data["labels"])[:, 1])
    params = {"steps": 150, "base": 8, "depth": 2, "learning_rate": 1e-2, "batch_size": 8}
    model = fit_cnn(xl[:9], y[:9], params, jax.random.key(0))
    assert score_cnn(model, xl[9:], y[9:]) > 0.5
    with pytest.raises(ValueError, match="cnn_targets"):
        score_cnn(model, xl[9:], y[9:, :2])
    with pytest.raises(ValueError, match="cnn_inputs"):
        score_cnn(model, x[9:], y[9:])
    # predictions carry the domain flag; in-plane axes and no boundary lie far outside
    from jaxmag.ml.grains import flagged_grain_cnn

    fp = flagged_grain_cnn(model, x[:9], k=3)
    got = fp(x[9:], data["labels"][9:])
    np.testing.assert_array_equal(got.prediction, predict_maps(model, x[9:], data["labels"][9:]))
    odd = x[9:].copy()
    odd[:, :3] = np.array([1.0, 0.0, 0.0])[None, :, None, None]
    odd[:, 3] = 0.0
    assert not fp(odd, data["labels"][9:]).in_domain.any()
