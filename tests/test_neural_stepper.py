"""The latent neural stepper: shapes, unit-length output, training, gradients, save/load
and input checks, on small synthetic rotating-magnetisation data."""

import json

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxmag.ml.latent import (
    AbstractLatentStepper,
    NeuralStepper,
    load_model,
    rollout_error,
    save_model,
    train_neural_stepper,
)

SHAPE = (16, 8)


def rotating_data(n_traj=6, n_time=16, shape=SHAPE, seed=0):
    """In-plane m = (cos φ, sin φ, 0), φ = φ0 + ω(B) t + k x: a spin wave whose phase
    advances per snapshot at a rate set by the field ``(Bx, By)`` (mT, |B| in 15–45)."""
    rng = np.random.default_rng(seed)
    b = rng.uniform(15.0, 45.0, n_traj)
    ang = np.deg2rad(rng.uniform(160.0, 200.0, n_traj))
    fields = np.stack([b * np.cos(ang), b * np.sin(ang)], axis=1)
    omega = -0.25 * fields[:, 0] / 45.0  # rad per snapshot, 0.08 .. 0.25
    t = np.arange(n_time)[None, :, None, None]
    x = np.arange(shape[0])[None, None, :, None] * np.ones(shape)
    phi = omega[:, None, None, None] * t + 2 * np.pi * x / shape[0]
    m = np.stack([np.cos(phi), np.sin(phi), np.zeros_like(phi)], axis=2)
    return m.astype(np.float32), fields


def _all(model, m0, field, n_steps):
    """Every public map at once, jitted (eager layer calls compile op by op: slow)."""
    z = model.encode(m0)
    return z, model.step(z, field), model.decode(z), model.rollout(m0, field, n_steps)


def test_shapes_unit_length_and_dtype():
    model = NeuralStepper(SHAPE, 4, 16, key=jax.random.PRNGKey(0))
    assert isinstance(model, AbstractLatentStepper)
    assert {x.dtype for x in jax.tree.leaves(eqx.filter(model, eqx.is_array))} == {
        np.dtype("float32")
    }
    m, fields = rotating_data(n_traj=1, n_time=2)
    z, z1, dec, out = eqx.filter_jit(_all)(model, m[0, 0], fields[0], 5)
    assert z.shape == z1.shape == (4,) and z.dtype == z1.dtype == jnp.float32
    assert dec.shape == (3, *SHAPE)
    assert out.shape == (6, 3, *SHAPE) and out.dtype == jnp.float32
    np.testing.assert_allclose(np.linalg.norm(np.asarray(out, float), axis=1), 1.0, atol=1e-6)
    np.testing.assert_allclose(out[0], dec, rtol=1e-5, atol=1e-6)

    odd = NeuralStepper((25, 9), 4, 16, key=jax.random.PRNGKey(1))
    m0 = rotating_data(n_traj=1, n_time=1, shape=(25, 9))[0][0, 0]
    z, _, dec, out = eqx.filter_jit(_all)(odd, m0, fields[0], 2)
    assert z.shape == (4,) and dec.shape == (3, 25, 9) and out.shape == (3, 3, 25, 9)
    np.testing.assert_allclose(np.linalg.norm(np.asarray(out, float), axis=1), 1.0, atol=1e-6)


@pytest.mark.slow  # heavy; the fast suite's 10-minute budget
def test_training_reduces_rollout_error():
    m, fields = rotating_data()
    val_m, val_fields = rotating_data(n_traj=2, seed=1)
    init = NeuralStepper(SHAPE, 4, 16, key=jax.random.PRNGKey(2))
    before = rollout_error(init, m, fields)
    model, hist = train_neural_stepper(
        m,
        fields,
        key=jax.random.PRNGKey(3),
        init=init,
        rollout=6,
        epochs=30,
        lr=3e-3,
        batch=12,
        val_m=val_m,
        val_fields=val_fields,
    )
    after = rollout_error(model, m, fields)
    assert after < 0.2 * before, (before, after, hist["loss"][-5:])
    assert len(hist["val"]) == len(hist["val_step"]) == hist["epochs"]
    assert len(hist["loss"]) == hist["steps"] and hist["val_step"][-1] == hist["steps"]
    assert min(hist["val"]) == pytest.approx(rollout_error(model, val_m, val_fields), rel=1e-5)
    assert {x.dtype for x in jax.tree.leaves(eqx.filter(model, eqx.is_array))} == {
        np.dtype("float32")
    }


def test_rollout_gradients_finite_and_nonzero():
    m, fields = rotating_data(n_traj=1, n_time=5)
    model = NeuralStepper(SHAPE, 4, 16, key=jax.random.PRNGKey(4))

    def loss(model):
        return jnp.mean((model.rollout(m[0, 0], fields[0], 4) - m[0]) ** 2)

    g = eqx.filter_jit(eqx.filter_grad(loss))(model)
    for part in (g.convs, g.enc_out, g.dec_in, g.upconvs, g.stepper):
        leaves = jax.tree.leaves(part)
        assert all(bool(jnp.all(jnp.isfinite(x))) for x in leaves)
        assert any(bool(jnp.any(x != 0)) for x in leaves)


def test_save_load_round_trip(tmp_path):
    model = NeuralStepper((12, 9), 4, 16, key=jax.random.PRNGKey(5))
    folder = save_model(tmp_path / "stepper", model, metadata={"note": "test"})
    loaded, metadata = load_model(folder)
    assert isinstance(loaded, NeuralStepper) and metadata == {"note": "test"}
    assert loaded.shape == (12, 9) and loaded.d == 4 and loaded.width == 16
    m0 = np.asarray(rotating_data(n_traj=1, n_time=1, shape=(12, 9))[0][0, 0])
    field = np.array([-30.0, 5.0])
    run = eqx.filter_jit(lambda mdl: mdl.rollout(m0, field, 3))
    np.testing.assert_array_equal(run(loaded), run(model))

    path = folder / "config.json"
    config = json.loads(path.read_text())
    path.write_text(json.dumps({**config, "kind": "jaxmag.ml.switching.SwitchingMLP"}))
    with pytest.raises(ValueError, match="not a latent stepper"):
        load_model(folder)
    with pytest.raises(ValueError, match="not a jaxmag model folder"):
        load_model(tmp_path / "missing")
    with pytest.raises(TypeError, match="metadata must be a dict"):
        save_model(tmp_path / "other", model, metadata=["note"])


def test_bad_input():
    key = jax.random.PRNGKey(0)
    with pytest.raises(ValueError, match="d must be a positive integer"):
        NeuralStepper(SHAPE, 0, 8, key=key)
    with pytest.raises(ValueError, match="width must be a positive integer"):
        NeuralStepper(SHAPE, 4, 0, key=key)
    with pytest.raises(ValueError, match=r"shape\[1\] must be an integer >= 4"):
        NeuralStepper((16, 3), 4, 8, key=key)
    with pytest.raises(TypeError, match="must be an integer"):
        NeuralStepper((16.0, 8), 4, 8, key=key)
    with pytest.raises(ValueError, match="pair"):
        NeuralStepper((16, 8, 1), 4, 8, key=key)

    m, fields = rotating_data(n_traj=3, n_time=6)
    with pytest.raises(ValueError, match="empty"):
        train_neural_stepper(m[:0], fields[:0], key=key)
    with pytest.raises(ValueError, match=r"fields must have shape \(F, 2\) = \(3, 2\)"):
        train_neural_stepper(m, fields[:2], key=key)
    bad = m.copy()
    bad[1, 2, 0, 3, 4] = np.nan
    with pytest.raises(ValueError, match=r"NaN/inf values \(first at index \(1, 2, 0, 3, 4\)\)"):
        train_neural_stepper(bad, fields, key=key)
    with pytest.raises(ValueError, match="d must be a positive integer"):
        train_neural_stepper(m, fields, d=0, key=key)
    with pytest.raises(ValueError, match="width must be a positive integer"):
        train_neural_stepper(m, fields, width=0, key=key)
    with pytest.raises(ValueError, match="rollout=10 needs at least 11"):
        train_neural_stepper(m, fields, key=key)
    with pytest.raises(ValueError, match="shape \\(F, T, 3, nx, ny\\)"):
        train_neural_stepper(m[:, :, :2], fields, key=key)
    with pytest.raises(ValueError, match="both val_m and val_fields"):
        train_neural_stepper(m, fields, rollout=2, val_m=m, key=key)
