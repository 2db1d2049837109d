"""Latent steppers as used: ⟨m⟩(t) read off the latent state without decoding a snapshot
(against the decoder), batched rollouts of many fields (against one at a time), training
on the stepper's own rollouts, component standardisation, the chunked refit, and inverse
design through the surrogate (the found field hits its target)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxmag.ml import latent
from jaxmag.ml.latent._kernel import NystroemKRR

KEY = jax.random.PRNGKey(0)


def _waves(fields, T=30, shape=(12, 6)):
    """A precessing texture with a small out-of-plane part: φ = k x + ω(B) t, and
    m_z = 0.05 sin φ (what a thin film's shape anisotropy leaves)."""
    x = np.linspace(0, 1, shape[0])[:, None] * np.ones(shape)
    out = []
    for b in fields:
        w = 0.05 + 0.004 * np.hypot(*b)
        phi = 0.8 * x[None] + w * np.arange(T)[:, None, None] + 0.01 * b[1]
        mz = 0.05 * np.sin(phi)
        r = np.sqrt(1 - mz**2)
        out.append(np.stack([r * np.cos(phi), r * np.sin(phi), mz], 1))
    return np.asarray(out)


@pytest.fixture(scope="module")
def trained():
    rng = np.random.default_rng(2)
    f = np.stack([rng.uniform(-45, -15, 12), rng.uniform(-8, 8, 12)], 1)
    m = _waves(f)
    # no rollout rounds here: test_rollout_rounds_keep_the_best_round (slow) has them
    model = latent.fit_kernel_stepper(m, f, d=4, n_landmarks=200, lam=1e-8, rollout_rounds=0,
                                      standardise_components=True, key=KEY)  # fmt: skip
    return model, m, f


def test_average_is_the_decoders_cell_average(trained):
    model, m, _ = trained
    z = jax.vmap(model.encode)(jnp.asarray(m[0]))
    avg = jax.vmap(model.decode_average)(z)
    raw = model.decoder(z).reshape(len(z), 3, -1).mean(-1)  # before normalisation
    np.testing.assert_allclose(avg, raw, atol=1e-10)
    # and, on the training snapshots, close to the average of the decoded snapshots
    decoded = jax.vmap(model.decode)(z).mean((-2, -1))
    np.testing.assert_allclose(avg, decoded, atol=2e-3)
    np.testing.assert_allclose(avg, m[0].mean((-2, -1)), atol=2e-3)


def test_batched_average_rollouts_match_single_rollouts(trained):
    model, m, f = trained
    batched = latent.average_rollouts(model, jnp.asarray(m[0, 0]), jnp.asarray(f[:3]), 12)
    assert batched.shape == (3, 13, 3)
    for i in range(3):
        one = model.average_rollout(jnp.asarray(m[0, 0]), jnp.asarray(f[i]), 12)
        np.testing.assert_allclose(batched[i], one, atol=1e-12)
    err = latent.average_errors(model, m[:3].mean((-2, -1)), m[0, 0], f[:3])
    assert err["max_avg_err"].shape == (3,) and err["final_mx"].shape == (3,)
    np.testing.assert_allclose(err["m_avg_pred"][:, :13], batched, atol=1e-12)


def test_standardised_components_weigh_mz_up(trained):
    model, m, _ = trained
    std = m.std((0, 1, 3, 4))
    np.testing.assert_allclose(model.component_weights, std.max() / std, rtol=1e-12)
    assert float(model.component_weights[2]) > 5.0


def _latent_rms(model, m, f):
    z = jax.vmap(jax.vmap(model.encode))(jnp.asarray(m))
    zr = jax.vmap(model.latent_rollout, (0, 0, None))(z[:, 0], jnp.asarray(f), m.shape[1] - 1)
    return float(jnp.sqrt(jnp.mean((zr - z) ** 2)))


@pytest.mark.slow  # heavy; the fast suite's 10-minute budget
def test_rollout_rounds_keep_the_best_round():
    """Training on the stepper's own rollouts ("data as demonstrator") returns the round
    whose rollouts follow the encoded training trajectories best, so never a worse one
    than the one-step fit; here (as on the SP4 families) later rounds drift more, and the
    one-step fit is kept."""
    rng = np.random.default_rng(5)
    f = np.stack([rng.uniform(-45, -15, 10), rng.uniform(-8, 8, 10)], 1)
    m = _waves(f, T=40)
    kw = dict(d=3, n_landmarks=80, lam=1e-4, key=KEY)
    one_step = latent.fit_kernel_stepper(m, f, **kw)
    rounds = latent.fit_kernel_stepper(m, f, rollout_rounds=2, **kw)
    assert _latent_rms(rounds, m, f) <= _latent_rms(one_step, m, f) + 1e-12
    with pytest.raises(ValueError, match="rollout_rounds"):
        latent.fit_kernel_stepper(m, f, rollout_rounds=-1, **kw)
    with pytest.raises(ValueError, match="field_weight"):
        latent.fit_kernel_stepper(m, f, field_weight=0.0, **kw)


def test_chunked_refit_equals_one_chunk():
    rng = np.random.default_rng(1)
    U = rng.uniform(-2, 2, (300, 3))
    Y = np.sin(U[:, :2]) + 0.01 * rng.normal(size=(300, 2))
    krr = NystroemKRR.fit(U, Y, 60, 1e-6, key=KEY)
    np.testing.assert_allclose(krr.refit(U, Y, 1e-6, chunk=37).coef, krr.coef, rtol=1e-6,
                               atol=1e-8)  # fmt: skip
    with pytest.raises(ValueError, match="ridge"):
        krr.refit(U, Y, 0.0)
    with pytest.raises(ValueError, match="weights"):
        NystroemKRR.fit(U, Y, 60, 1e-6, weights=[1.0, -1.0, 1.0], key=KEY)


def test_design_field_hits_a_reachable_target(trained):
    model, m, f = trained
    m0 = jnp.asarray(m[0, 0])
    finals = latent.average_rollouts(model, m0, jnp.asarray(f), 10)[:, -1, 0]
    target = float(0.5 * (finals.min() + finals.max()))
    r = latent.design_field(model, m0, target, 10, b_range_mT=(15.0, 45.0),
                            angle_range_deg=(170.0, 190.0), starts=8, iters=150)  # fmt: skip
    assert 15.0 <= r["b_mT"] <= 45.0 and 170.0 <= r["angle_deg"] <= 190.0
    assert abs(r["predicted"] - target) < 1e-3, r
    check = model.average_rollout(m0, jnp.asarray(r["field_mT"]), 10)[-1, 0]
    assert float(check) == pytest.approx(r["predicted"], abs=1e-12)
    with pytest.raises(ValueError, match="target"):
        latent.design_field(model, m0, 2.0, 10)
    with pytest.raises(ValueError, match="step_index"):
        latent.design_field(model, m0, 0.5, 0)
    with pytest.raises(ValueError, match="b_range_mT"):
        latent.design_field(model, m0, 0.5, 5, b_range_mT=(12.0, 2.0))


def test_neural_average_head(tmp_path):
    model = latent.NeuralStepper((8, 8), 4, 16, key=KEY)
    z = model.encode(jnp.asarray(_waves([[-30.0, 0.0]], T=1, shape=(8, 8))[0, 0]))
    assert model.decode_average(z).shape == (3,) and model.decode_average(z).dtype == jnp.float32
    loaded, _ = latent.load_model(latent.save_model(tmp_path / "n", model))
    np.testing.assert_array_equal(loaded.decode_average(z), model.decode_average(z))
