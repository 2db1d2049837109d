"""PINNs: residuals against hand-computed cases, the manufactured forcing against
autodiff, hard constraints, the energy functional against jaxmag's FD energy, the
reference solver, training, orbax round trips and bad input."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxmag import thermal as ms
from jaxmag.ml import pinn as fm
from jaxmag.ml.pinn import (
    MacrospinPINN,
    Net,
    film1d,
    film1d_residual,
    macrospin_residual,
    manufactured_forcing,
    manufactured_solution,
    static,
    task_start,
    train,
)
from jaxmag.ml.pinn import _io as pio
from jaxmag.ml.pinn import macrospin_case as mc

KEY = jax.random.PRNGKey(0)
DOM = mc.Domain(t_max=5.0, h=(0.0, 0.4), psi_deg=(0.0, 90.0), alpha=(0.05, 0.5))


def test_macrospin_residual_hand_computed():
    # m = (cos ωt, sin ωt, 0) in h ẑ (ψ = 180°), no anisotropy. By hand:
    # r = (h/(1+α²) - ω)(sin ωt, -cos ωt, 0) - α h/(1+α²) ẑ
    w, h, a, t = 0.7, 0.3, 0.2, 1.3

    def model(t, p):
        return jnp.stack([jnp.cos(w * t), jnp.sin(w * t), 0.0 * t])

    r = macrospin_residual(model, t, jnp.array([h, 180.0, a]), k_easy=0.0)
    g = h / (1 + a**2)
    expect = [(g - w) * np.sin(w * t), -(g - w) * np.cos(w * t), -a * g]
    np.testing.assert_allclose(r, expect, atol=1e-14)


def test_film1d_residual_hand_computed():
    # static m = (sin θ, 0, cos θ) with θ = c x²: by hand m × m_xx = θ'' ŷ and
    # m × (m × m_xx) = θ'' (-cos θ, 0, sin θ), so r = 2c (-α cos θ, 1, α sin θ)
    c, a, x = 0.8, 0.3, 0.6

    def model(x, t):
        th = c * x**2
        return jnp.stack([jnp.sin(th), 0.0 * th, jnp.cos(th)])

    r = film1d_residual(model, x, 0.4, a, lambda x, t: 0.0)
    th = c * x**2
    np.testing.assert_allclose(r, 2 * c * np.array([-a * np.cos(th), 1, a * np.sin(th)]),
                               atol=1e-14)  # fmt: skip


def test_manufactured_forcing_against_autodiff_and_residual():
    rng = np.random.default_rng(0)
    a = 0.37

    def g(x, t):
        return manufactured_forcing(x, t, a)

    for x, t in rng.uniform(0.2, 0.9, (10, 2)):
        m = manufactured_solution(x, t)
        dt = jax.jacfwd(manufactured_solution, 1)(x, t)
        dxx = jax.jacfwd(jax.jacfwd(manufactured_solution, 0), 0)(x, t)
        mxl = jnp.cross(m, dxx)
        np.testing.assert_allclose(manufactured_forcing(x, t, a),
                                   dt + mxl + a * jnp.cross(m, mxl), atol=1e-13)  # fmt: skip
        # the exact solution leaves no residual; a wrong damping does
        assert np.abs(film1d_residual(manufactured_solution, x, t, a, g)).max() < 1e-13
        assert np.abs(film1d_residual(manufactured_solution, x, t, a + 0.1, g)).max() > 1e-4
    # Neumann: the exact solution has zero slope at both ends
    for x in (0.0, 1.0):
        assert np.abs(jax.jacfwd(manufactured_solution, 0)(x, 0.7)).max() < 1e-15


@pytest.mark.parametrize("kind", ["tanh", "fourier", "siren"])
def test_hard_constraints_and_unit_length(kind):
    m1 = mc.make_model(DOM, key=KEY, width=16, depth=2, kind=kind)
    t, p = mc.sample(DOM, KEY, 64)
    m = jax.vmap(m1)(t, p)
    assert np.abs(jnp.linalg.norm(m, axis=-1) - 1).max() < 1e-14
    np.testing.assert_array_equal(m1(0.0, p[0]), task_start())
    f1 = film1d.make_model(1.0, key=KEY, width=16, depth=2, kind=kind)
    np.testing.assert_allclose(f1(0.3, 0.0), [0, 0, 1], atol=1e-15)
    for x in (0.0, 1.0):  # Neumann by construction
        slope = jax.jacfwd(f1, 0)(x, 0.6)
        assert np.abs(slope).max() < 1e-12
    assert np.abs(jax.jacfwd(f1, 0)(0.5, 0.6)).max() > 1e-6


def test_reference_against_the_switching_solver():
    p = jnp.array([[0.3, 30.0, 0.1], [1.2, 10.0, 0.3]])
    ts = jnp.linspace(0.0, 5.0, 6)
    ref = mc.reference(p, ts)
    end = ms.simulate_pulses(p[:, 0], p[:, 1], p[:, 2], jnp.full(2, 5.0), n_steps=4000)
    np.testing.assert_allclose(ref[:, -1], end, atol=1e-9)
    assert np.abs(jnp.linalg.norm(ref, axis=-1) - 1).max() < 1e-12


@pytest.mark.slow  # heavy: moved out of the fast suite (its 10-minute budget)
def test_static_functional_equals_fd_energy_for_a_uniform_state():
    system = static.problem((10, 5, 1))
    model = static.make_model(system, key=KEY, width=8, depth=1)
    last = (model.net.weights[-1], model.net.biases[-1])
    uniform = eqx.tree_at(lambda m: (m.net.weights[-1], m.net.biases[-1]), model,
                          jax.tree.map(jnp.zeros_like, last))  # fmt: skip
    pts = static.sample(system.mesh, KEY)
    m = static.sampled(uniform, system.mesh)
    np.testing.assert_allclose(m[:, 0, 0, 0], model.guess, atol=1e-15)
    # no gradient: the autodiff exchange is 0 like the FD one, the rest is jaxmag's
    np.testing.assert_allclose(static.pinn_energy(uniform, system, pts), system.energy(m),
                               rtol=1e-12)  # fmt: skip
    # and for a non-uniform state the two exchange energies agree to discretisation
    e_pinn = static.pinn_energy(model, system, static.centres(system.mesh))
    e_fd = system.energy(static.sampled(model, system.mesh))
    assert abs(e_pinn - e_fd) < 0.05 * abs(e_fd)


@pytest.mark.slow  # heavy; the fast suite's 10-minute budget
def test_training_reduces_the_error():
    untrained = film1d.make_model(1.0, key=KEY, width=16, depth=2)
    e0 = film1d.errors(untrained, n=21)["rel_l2"]
    model, hist = train(lambda m, b: film1d.loss(m, b, 0.1), untrained,
                        lambda k: film1d.sample(k, 256, 1.0), key=KEY, adam_steps=400,
                        lbfgs_steps=200, chunk=100)  # fmt: skip
    e1 = film1d.errors(model, n=21)
    assert e1["rel_l2"] < 0.2 * e0 and e1["rel_l2"] < 0.05, (e0, e1)
    assert e1["max_norm_dev"] < 1e-12
    assert hist["phase"][-1] == "lbfgs" and min(hist["loss"]) < hist["loss"][0]


def test_save_load_round_trip(tmp_path):
    system = static.problem((10, 5, 1))
    models = {
        "m": mc.make_model(DOM, key=KEY, width=8, depth=2, kind="fourier"),
        "f": film1d.make_model(2.0, key=KEY, width=8, depth=2, n_modes=5),
        "s": static.make_model(system, key=KEY, width=8, depth=2, kind="siren"),
    }
    args = {"m": (1.2, jnp.array([0.2, 40.0, 0.1])), "f": (0.3, 1.1),
            "s": (jnp.array([3e-8, 1e-8]),)}  # fmt: skip
    for name, model in models.items():
        pio.save_model(tmp_path / name, model, metadata={"note": name})
        back, metadata = pio.load_model(tmp_path / name)
        assert metadata == {"note": name}
        np.testing.assert_array_equal(back(*args[name]), model(*args[name]))
    (tmp_path / "m" / "config.json").write_text("{not json")
    with pytest.raises(ValueError, match="corrupt"):
        pio.load_model(tmp_path / "m")
    with pytest.raises(ValueError, match="not a jaxmag model folder"):
        pio.load_model(tmp_path / "nothing")


# fast companion: test_pinn.py::test_training_reduces_the_error (the same train path); the failure
# map's cells are that run repeated
@pytest.mark.slow
def test_failure_map_reports_every_cell(tmp_path):
    res = fm.failure_map([1.0], [0.1, 2.0], t_max=2.0, key=KEY, net_kw=dict(width=8, depth=1),
                         train_kw=dict(adam_steps=100, lbfgs_steps=0, chunk=100))  # fmt: skip
    assert [r["h"] for r in res["rows"]] == [0.1, 2.0]
    assert res["rel_l2"].shape == (1, 2) and np.all(res["rel_l2"] > 0)
    assert [r["switches"] for r in res["rows"]] == [False, True]
    fm.plot_failure_map(tmp_path / "map.png", res)
    assert (tmp_path / "map.png").read_bytes()[:4] == b"\x89PNG"


def test_bad_input(tmp_path):
    with pytest.raises(ValueError, match="hi > lo"):
        Net([0.0], [0.0], key=KEY)
    with pytest.raises(ValueError, match="kind"):
        Net([0.0], [1.0], kind="relu", key=KEY)
    with pytest.raises(ValueError, match="width"):
        Net([0.0], [1.0], width=0, key=KEY)
    with pytest.raises(ValueError, match="alpha"):
        mc.Domain(t_max=1.0, h=(0, 1), psi_deg=(0, 1), alpha=(-0.1, 0.5))
    with pytest.raises(ValueError, match="t_max"):
        mc.Domain(t_max=0.0, h=(0, 1), psi_deg=(0, 1), alpha=(0.1, 0.5))
    with pytest.raises(ValueError, match="hi >= lo"):
        mc.Domain(t_max=1.0, h=(1, 0), psi_deg=(0, 1), alpha=(0.1, 0.5))
    with pytest.raises(ValueError, match="t_max"):
        film1d.make_model(-1.0, key=KEY)
    with pytest.raises(ValueError, match="n_modes"):
        film1d.make_model(1.0, n_modes=0, key=KEY)
    with pytest.raises(ValueError, match="one cell thick"):
        static.problem((10, 5, 2))
    with pytest.raises(ValueError, match="empty"):
        fm.failure_map([], [1.0], key=KEY)
    model = mc.make_model(DOM, key=KEY, width=4, depth=1)
    with pytest.raises(ValueError, match="adam_steps"):
        train(mc.loss, model, lambda k: mc.sample(DOM, k, 8), key=KEY, adam_steps=-1)
    with pytest.raises(ValueError, match="lr"):
        train(mc.loss, model, lambda k: mc.sample(DOM, k, 8), key=KEY, lr=0.0)
    with pytest.raises(TypeError, match="not a jaxmag PINN"):
        pio.save_model(tmp_path / "net", model.net)
    assert not (tmp_path / "net").exists()
    assert isinstance(model, MacrospinPINN)


def test_point_errors_recombine_to_the_grid_error():
    """Summed over the points, the per-point errors give ``errors``' rel. L2; a subset's
    figure (a bootstrap resample, a bin of h) is then the same formula on it."""
    model = mc.make_model(DOM, key=KEY, width=8, depth=2)
    grid = mc.test_grid(DOM, n_params=6, n_t=11)
    err, ref = mc.point_errors(model, DOM, *grid)
    assert err.shape == ref.shape == (6,) and np.all(err > 0) and np.all(ref > 0)
    whole = mc.errors(model, DOM, *grid)["rel_l2"]
    np.testing.assert_allclose(np.sqrt(err.sum() / ref.sum()), whole, rtol=1e-12)
    assert np.sqrt(err.max() / ref[err.argmax()]) >= whole
