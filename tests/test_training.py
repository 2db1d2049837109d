"""The one training loop of jaxmag.ml: keys, batches, chunks, validation and stopping."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxmag.ml import fit, make_optimiser

X = jax.random.normal(jax.random.key(0), (50, 3), jnp.float32)
Y = X @ jnp.array([1.0, -2.0, 0.5], jnp.float32) + 0.3
MODEL = eqx.nn.Linear(3, "scalar", key=jax.random.key(1), dtype=jnp.float32)


def _mse(model, batch, key):
    x, y = batch
    return jnp.mean((jax.vmap(model)(x) - y) ** 2)


def _rows(model, batch, key):
    """A loss that reports the rows of its batch through a zero-weight term."""
    return jnp.sum(batch[0]) * 0.0 + jnp.sum(model.weight) * 0.0


@pytest.mark.parametrize("sampling", ["random", "epoch"])
def test_chunks_do_not_change_the_run(sampling):
    kw = dict(key=jax.random.key(2), steps=23, batch_size=8, sampling=sampling, learning_rate=0.05)
    runs = [fit(MODEL, _mse, (X, Y), chunk=c, **kw) for c in (1, 5, 23)]
    for model, hist in runs[1:]:
        np.testing.assert_array_equal(model.weight, runs[0][0].weight)
        np.testing.assert_allclose(hist["loss"], runs[0][1]["loss"], rtol=1e-6)
    model, hist = runs[0]
    assert model.weight.dtype == jnp.float32 and hist["steps"] == 23 and hist["stopped"] is None
    assert np.mean(hist["loss"][-5:]) < 0.5 * np.mean(hist["loss"][:5])
    other, _ = fit(MODEL, _mse, (X, Y), chunk=5, **(kw | {"key": jax.random.key(3)}))
    assert not np.array_equal(other.weight, model.weight)


def test_an_epoch_visits_every_row_once():
    seen = []

    def loss(model, batch, key):
        jax.debug.callback(lambda i: seen.append(np.asarray(i)), batch, ordered=True)
        return jnp.sum(model.weight) * 0.0

    idx = jnp.arange(50)
    fit(MODEL, loss, idx, key=jax.random.key(0), steps=12, batch_size=8, sampling="epoch", chunk=4)
    jax.effects_barrier()
    rows = np.stack(seen)
    assert rows.shape == (12, 8)
    for epoch in (rows[:6], rows[6:]):  # 50 // 8 = 6 steps, 48 distinct rows
        assert len(np.unique(epoch)) == 48
    assert not np.array_equal(rows[:6], rows[6:])


def test_validation_keeps_the_best_model_and_stops_early():
    vals = iter([3.0, 2.0, 2.5, 1.0, 1.5, 1.2, 1.1, 0.1])
    hist_models = []

    def validate(model):
        hist_models.append(model)
        return next(vals)

    model, hist = fit(MODEL, _mse, (X, Y), key=jax.random.key(0), steps=40, batch_size=10,
                      chunk=5, validate=validate, patience=3)  # fmt: skip
    assert hist["val"] == [3.0, 2.0, 2.5, 1.0, 1.5, 1.2, 1.1]
    assert hist["val_step"] == [5, 10, 15, 20, 25, 30, 35]
    assert hist["stopped"] == "patience" and hist["steps"] == 35 and hist["best_step"] == 20
    assert model is hist_models[3]
    _, hist = fit(MODEL, _mse, (X, Y), key=jax.random.key(0), steps=10, chunk=5,
                  validate=lambda m: float("nan"))  # fmt: skip
    assert hist["stopped"] == "non-finite" and hist["steps"] == 5 and hist["best_step"] is None
    _, hist = fit(MODEL, _mse, (X, Y), key=jax.random.key(0), steps=10, chunk=2,
                  validate=lambda m: 1.0, max_seconds=1e-9)  # fmt: skip
    assert hist["stopped"] == "max_seconds" and hist["steps"] == 2 and hist["val_step"] == [2]


def test_sampled_and_full_batches(capsys):
    def sample(key):
        x = jax.random.normal(key, (16, 3), jnp.float32)
        return x, x @ jnp.array([1.0, -2.0, 0.5], jnp.float32)

    model, hist = fit(MODEL, _mse, sample, key=jax.random.key(0), steps=60, chunk=20,
                      learning_rate=0.05, verbose=True, print_every=20, label="toy")  # fmt: skip
    assert hist["loss"][-1] < 0.1 * hist["loss"][0]
    out = capsys.readouterr().out
    assert out.count("toy step") == 3 and "toy step 60/60" in out
    full, hist = fit(MODEL, _rows, (X, Y), key=jax.random.key(0), steps=2)
    assert hist["best_step"] == 2 and hist["compile_seconds"] <= hist["seconds"]


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="steps"):
        fit(MODEL, _mse, (X, Y), key=jax.random.key(0), steps=0)
    with pytest.raises(TypeError, match="batch_size"):
        fit(MODEL, _mse, (X, Y), key=jax.random.key(0), steps=1, batch_size=2.5)
    with pytest.raises(ValueError, match="leading axis"):
        fit(MODEL, _mse, (X, Y[:10]), key=jax.random.key(0), steps=1)
    with pytest.raises(ValueError, match="sampling"):
        fit(MODEL, _mse, (X, Y), key=jax.random.key(0), steps=1, batch_size=4, sampling="x")
    with pytest.raises(ValueError, match="multiple of chunk"):
        fit(MODEL, _mse, (X, Y), key=jax.random.key(0), steps=4, chunk=2, validate_every=3)
    with pytest.raises(ValueError, match="learning_rate"):
        fit(MODEL, _mse, (X, Y), key=jax.random.key(0), steps=1, learning_rate=0.0)


def test_the_schedule_warms_up_then_decays():
    opt = make_optimiser(1.0, 100, warmup=10, end_fraction=0.1)
    params = {"w": jnp.zeros(())}
    state = opt.init(params)
    rates = []
    for _ in range(101):
        upd, state = opt.update({"w": jnp.ones(())}, state, params)
        rates.append(-float(upd["w"]))  # Adam's first normalised step is 1
    assert rates[0] == 0.0 and rates[10] == pytest.approx(1.0, rel=1e-3)
    assert rates[100] == pytest.approx(0.1, rel=1e-3) and np.all(np.diff(rates[10:]) <= 1e-7)
    assert make_optimiser(1.0, 1).init(params) is not None  # the warm-up fits in one step


def test_a_schedule_reproduces_a_hand_written_loop():
    """Explicit rows and loss keys: fit runs the same steps as a plain optax loop fed the
    same batches (to float32 rounding), whatever the chunk; the loss sees the schedule's
    loss keys."""
    rows = np.asarray(jax.random.randint(jax.random.key(7), (12, 8), 0, 50))
    weights = np.linspace(0.5, 2.0, 12).astype(np.float32)

    def loss(model, batch, w):
        return w * _mse(model, batch, None)

    def schedule(start, length):
        return rows[start : start + length], weights[start : start + length]

    opt = make_optimiser(0.05, 12, warmup=0)
    params, static = eqx.partition(MODEL, eqx.is_inexact_array)
    state = opt.init(params)
    step = jax.jit(jax.value_and_grad(lambda p, b, w: loss(eqx.combine(p, static), b, w)))
    for i in range(12):
        _, g = step(params, (X[rows[i]], Y[rows[i]]), weights[i])
        upd, state = opt.update(g, state, params)
        params = eqx.apply_updates(params, upd)
    for c in (1, 4):
        model, _ = fit(MODEL, loss, (X, Y), key=jax.random.key(0), steps=12, batch_size=8,
                       learning_rate=0.05, warmup=0, schedule=schedule, chunk=c)  # fmt: skip
        np.testing.assert_allclose(model.weight, params.weight, rtol=1e-6, atol=0)
        np.testing.assert_allclose(model.bias, params.bias, rtol=1e-6, atol=0)
    with pytest.raises(ValueError, match="schedule"):
        fit(MODEL, loss, (X, Y), key=jax.random.key(0), steps=12, batch_size=4,
            schedule=schedule)  # fmt: skip


def test_split_chain_and_epoch_schedule():
    from jaxmag.ml._training import epoch_schedule, split_chain

    key, expected = jax.random.PRNGKey(3), []
    for _ in range(4):
        key, a, b = jax.random.split(key, 3)
        expected.append((a, b))
    np.testing.assert_array_equal(split_chain(jax.random.PRNGKey(3), 4, 3), np.array(expected))
    drawn = []

    def draw(epoch):
        drawn.append(epoch)
        return np.arange(6).reshape(3, 2) + 10 * epoch, np.arange(3) + 100 * epoch

    rows, keys = epoch_schedule(draw, 3)(2, 3)  # steps 2, 3, 4: epochs 0, 1, 1
    np.testing.assert_array_equal(rows, [[4, 5], [10, 11], [12, 13]])
    np.testing.assert_array_equal(keys, [2, 100, 101])
    assert drawn == [0, 1]


def test_the_switching_mlp_keeps_its_runs_from_before_the_shared_loop():
    """The validation losses of a small run, as the hand-written loop of commit 001d3f7
    (before :func:`fit`) gave them: the schedule keeps the old batch order."""
    from jaxmag.ml.switching import train_mlp

    rng = np.random.default_rng(0)
    x, xv = rng.normal(size=(700, 4)), rng.normal(size=(200, 4))
    y, yv = (x[:, 0] + 0.3 * x[:, 1] > 0) * 1.0, (xv[:, 0] + 0.3 * xv[:, 1] > 0) * 1.0
    _, hist = train_mlp(x, y, xv, yv, key=jax.random.PRNGKey(3), width=16, depth=2,
                        batch=128, max_epochs=20, patience=5)  # fmt: skip
    old = [0.6821950292151854, 0.6618038875480747, 0.639432634486229, 0.6139289492037969,
           0.5850675629713594]  # fmt: skip
    np.testing.assert_allclose(hist["val"][:5], old, rtol=1e-12)
