"""Tensor helpers, the CNN surrogate's contracts, baselines and dataset files."""

import equinox as eqx
import jax
import numpy as np
import pytest

from jaxmag.ml.homogenisation import (
    PermeabilityCNN,
    effective_medium,
    effective_permeability,
    load_dataset,
    load_model,
    make_dataset,
    predict,
    r2_components,
    sample_cells,
    save_dataset,
    save_model,
    solve_batch,
    train_cnn,
    two_phase,
)
from jaxmag.ml.homogenisation._baselines import image_features
from jaxmag.ml.homogenisation._layers import PeriodicConv
from jaxmag.ml.homogenisation._microstructures import gaussian_random_field
from jaxmag.ml.homogenisation._tensors import d4_transform, expm_sym, logm_spd, to_components


def test_expm_logm_round_trip_and_isotropic_gradient():
    rng = np.random.default_rng(0)
    c = rng.normal(size=(20, 3))
    t = np.asarray(expm_sym(c))
    assert np.all(np.linalg.eigvalsh(t) > 0)
    np.testing.assert_allclose(logm_spd(t), c, atol=1e-10)
    g = jax.grad(lambda c: expm_sym(c)[0, 0])(np.array([0.3, 0.3, 0.0]))
    assert np.all(np.isfinite(np.asarray(g)))


@pytest.mark.parametrize("index", range(8))
def test_d4_transform_matches_the_solver(index):
    phase = gaussian_random_field(
        jax.random.PRNGKey(index), (16, 16), correlation_length=2.0, volume_fraction=0.4
    )
    mu = to_components(effective_permeability(two_phase(phase, 20.0), tol=1e-12))
    moved, comps = d4_transform(phase, mu, index)
    direct = to_components(effective_permeability(two_phase(moved, 20.0), tol=1e-12))
    np.testing.assert_allclose(np.asarray(direct), np.asarray(comps), rtol=1e-8, atol=1e-10)


def test_cnn_output_is_spd_and_checks_shape():
    model = PermeabilityCNN((32, 32), 4, 1, 4, key=jax.random.PRNGKey(0))
    call = eqx.filter_jit(lambda m, x, c: m(x, c))  # one compile, not one per eager op
    x = np.random.default_rng(1).random((5, 32, 32)) > 0.6
    out = np.asarray(call(model, x, np.full(5, 50.0)))
    assert out.shape == (5, 2, 2) and np.allclose(out, np.swapaxes(out, 1, 2))
    assert np.all(np.linalg.eigvalsh(out) > 0)
    np.testing.assert_allclose(np.asarray(call(model, x[0], 50.0)), out[0], rtol=1e-5)
    with pytest.raises(ValueError, match=r"expects a phase map of shape \(32, 32\)"):
        model(np.zeros((16, 16), bool), 10.0)  # eager: the check runs before any work


def test_cnn_weights_stay_float32_under_x64():
    assert jax.config.jax_enable_x64  # conftest turns it on
    model = PermeabilityCNN((32, 32), 4, 1, 4, key=jax.random.PRNGKey(0))
    dtypes = {leaf.dtype for leaf in jax.tree.leaves(eqx.filter(model, eqx.is_array))}
    assert dtypes == {np.dtype(np.float32)}


def test_cnn_trains_by_epochs_and_round_trips(tmp_path):
    rng = np.random.default_rng(4)
    x = rng.random((20, 16, 16)) > 0.6
    c = np.exp(rng.uniform(np.log(5.0), np.log(100.0), 20))
    mu = effective_medium(x, c, "maxwell_garnett")  # smooth targets off the Bruggeman base
    model = PermeabilityCNN((16, 16), 4, 1, 4, key=jax.random.PRNGKey(0))
    model, hist = train_cnn(model, x, c, mu, key=jax.random.PRNGKey(1), epochs=30,
                            batch_size=8, learning_rate=5e-3, verbose=False)  # fmt: skip
    assert hist["steps"] == len(hist["loss"]) == 60  # 20 // 8 = 2 steps per epoch
    assert np.all(np.isfinite(hist["loss"]))
    assert np.mean(hist["loss"][-6:]) < 0.5 * np.mean(hist["loss"][:6])
    folder = save_model(tmp_path / "cnn", model, metadata={"epochs": 30})
    back, metadata = load_model(folder)
    assert metadata == {"epochs": 30} and back.shape == (16, 16)
    np.testing.assert_array_equal(predict(back, x, c), predict(model, x, c))
    with pytest.raises(ValueError, match="need at least batch_size"):
        train_cnn(model, x[:4], c[:4], mu[:4], key=jax.random.PRNGKey(1), batch_size=8)
    with pytest.raises(TypeError, match="width"):
        PermeabilityCNN((16, 16), 4.0, 1, 4, key=jax.random.PRNGKey(0))


def test_baselines_and_r2():
    x = np.random.default_rng(2).random((6, 16, 16)) > 0.5
    em = effective_medium(x, np.full(6, 10.0), "bruggeman")
    assert em.shape == (6, 2, 2) and np.all(em[:, 0, 1] == 0)
    assert image_features(x, np.full(6, 10.0)).shape == (6, 22)
    t = np.random.default_rng(3).normal(size=(30, 2, 2))
    assert r2_components(t, t) == {"xx": 1.0, "yy": 1.0, "xy": 1.0}
    assert r2_components(t, t * 0)["xx"] < 0.1


@pytest.mark.parametrize("batch_size", [None, 2])
def test_solve_batch_keeps_the_input_order(batch_size):
    x = np.random.default_rng(5).random((3, 8, 8)) > 0.5
    c = np.array([300.0, 10.0, 50.0])  # unsorted: the batches go in order of contrast
    mu = solve_batch(x, c, batch_size=batch_size, verbose=False)
    one = [np.asarray(effective_permeability(two_phase(x[i], c[i]))) for i in range(3)]
    np.testing.assert_allclose(mu, np.stack(one), rtol=1e-6)


def test_make_dataset_solves_the_cells_sample_cells_draws():
    """The same key gives the same maps and contrasts (log-uniform in the range), and
    each label is the solver's ``μ_eff`` of its own cell."""
    key = jax.random.key(3)
    cells = sample_cells(key, 3, (8, 8), contrast_range=(5.0, 50.0))
    data = make_dataset(key, 3, (8, 8), contrast_range=(5.0, 50.0), verbose=False)
    assert set(cells) == set(data) - {"mu_eff"}
    for k, v in cells.items():
        np.testing.assert_array_equal(data[k], v, err_msg=k)
    assert np.all((cells["contrast"] >= 5.0) & (cells["contrast"] <= 50.0))
    assert len(np.unique(cells["contrast"])) == 3
    one = effective_permeability(two_phase(cells["maps"][1], cells["contrast"][1]))
    np.testing.assert_allclose(data["mu_eff"][1], np.asarray(one), rtol=1e-6)
    with pytest.raises(ValueError, match="contrast_range"):
        sample_cells(key, 3, (8, 8), contrast_range=(50.0, 5.0))


def test_dataset_round_trip_and_corrupt_file(tmp_path):
    x = np.random.default_rng(4).random((3, 8, 8)) > 0.5
    mu = solve_batch(x, np.array([10.0, 20.0, 30.0]), batch_size=2, verbose=False)
    data = {
        "maps": x,
        "contrast": np.array([10.0, 20.0, 30.0]),
        "mu_eff": mu,
        "kind": np.zeros(3, int),
        "volume_fraction": x.mean((1, 2)),
    }
    path = save_dataset(tmp_path / "d.npz", data, seed=4)
    back, meta = load_dataset(path)
    assert meta == {"seed": 4} and np.array_equal(back["mu_eff"], mu)
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="bad.npz"):
        load_dataset(tmp_path / "bad.npz")
    with pytest.raises(ValueError, match="lacks"):
        save_dataset(tmp_path / "e.npz", {"maps": x})


@pytest.mark.parametrize("side", [4, 12])
def test_periodic_conv_matches_a_direct_sum(side):
    conv = PeriodicConv(3, 5, key=jax.random.PRNGKey(3))
    x = np.random.default_rng(4).standard_normal((2, side, side, 3)).astype(np.float32)
    w = np.asarray(conv.weight)
    ref = sum(np.roll(x, (1 - i, 1 - j), (1, 2)) @ w[i, j] for i in range(3) for j in range(3))
    np.testing.assert_allclose(np.asarray(conv(x)), ref + np.asarray(conv.bias), atol=1e-5)
