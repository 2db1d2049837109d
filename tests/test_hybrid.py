"""The learned coarse-grid correction (jaxmag.ml.hybrid): its invariances, that it is an
energy term like any other (|m| = 1, energy decrease under damping), restriction,
training through the solver and model files (its gradient against finite differences:
the benchmark's quick run, test_benchmarks.py)."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxmag as jm
from jaxmag.constants import MU0
from jaxmag.energy import field_from_energy
from jaxmag.ml import hybrid
from jaxmag.ml._io import save_tagged
from jaxmag.problems import sp4

# a tiny film: 10 × 4 fine cells of 5 nm, coarse 5 × 2 cells of 10 nm
TINY = hybrid.Geometry("tiny", (50e-9, 20e-9, 3e-9), (10, 4, 1), factor=(2, 2, 1))


def _random_net(width=6, depth=2, seed=0, scale=0.3):
    """A network whose last layer is not zero (an untrained one gives no correction)."""
    net = hybrid.CorrectionNet(width, depth, key=jax.random.key(seed))
    w = scale * jax.random.normal(jax.random.key(seed + 1), net.weights[-1].shape)
    return eqx.tree_at(lambda n: n.weights[-1], net, w)


def _term(shape, net, mask=None, cell=(10e-9, 10e-9, 3e-9)):
    mesh = jm.Mesh(shape, cell)
    mat = jm.Material(Ms=8e5, A=1.3e-11, alpha=0.02).on(mesh, mask)
    return hybrid.LearnedCorrection(mesh, mat, net)


def _compiled(term):
    """The term's field and energy, each one compiled program (op by op, the network's
    layers compile dozens of small programs)."""
    return eqx.filter_jit(term.field), eqx.filter_jit(term.energy)


def _unit(key, shape):
    m = jax.random.normal(key, (3, *shape))
    return m / jnp.linalg.norm(m, axis=0)


def test_untrained_correction_is_zero():
    term = _term((12, 8, 1), hybrid.CorrectionNet(key=jax.random.key(0)))
    m = _unit(jax.random.key(1), (12, 8, 1))
    field, energy = _compiled(term)
    assert float(jnp.max(jnp.abs(field(m)))) == 0.0
    assert float(energy(m)) == 0.0


@pytest.mark.slow  # heavy; the fast suite's 10-minute budget
def test_uniform_state_gets_no_field_beyond_the_edges_reach():
    """For a uniform m, the field vanishes in every cell farther than the network's reach
    from an edge, for any weights and any direction of m; near the edges it need not."""
    net = _random_net(depth=2)
    n, r = 24, net.reach
    term = _term((n, n, 1), net)
    for v in ((1.0, 0.0, 0.0), (0.3, -0.5, 0.8)):
        m = jnp.broadcast_to(jnp.asarray(v) / np.linalg.norm(v), (n, n, 1, 3)).transpose(3, 0, 1, 2)
        H = np.asarray(term.field(m))
        scale = np.abs(H).max()
        assert scale > 1.0  # A/m: the edges do get a field, so the zero below means something
        assert np.abs(H[:, r:-r, r:-r]).max() < 1e-12 * scale


def test_field_is_the_energy_gradient_and_zero_outside_the_magnet():
    mesh_shape = (10, 6, 1)
    mask = np.zeros(mesh_shape, bool)
    mask[2:9, 1:5] = True
    term = _term(mesh_shape, _random_net(), mask)
    m = _unit(jax.random.key(2), mesh_shape)
    field, energy = _compiled(term)
    H = field(m)
    ref = eqx.filter_jit(field_from_energy)(term.energy, m, term.Ms, term.cell_volume)
    np.testing.assert_allclose(np.asarray(H), np.asarray(ref), rtol=1e-12, atol=0)
    assert np.all(np.asarray(H)[:, ~mask] == 0) and np.abs(np.asarray(H)[:, mask]).max() > 0
    # H = -1/(μ0 Ms V) dE/dm, checked by a finite difference of the energy
    e = jnp.zeros_like(m).at[0, 4, 3, 0].set(1e-6)
    fd = (energy(m + e) - energy(m - e)) / 2e-6
    assert float(H[0, 4, 3, 0]) == pytest.approx(-float(fd) / (MU0 * 8e5 * term.cell_volume),
                                                 rel=1e-6)  # fmt: skip


@pytest.mark.slow  # heavy; the fast suite's 10-minute budget
def test_translation_equivariance():
    """Shifting the magnet and its magnetisation on the grid shifts the field."""
    shape = (16, 12, 1)
    mask = np.zeros(shape, bool)
    mask[2:9, 2:7] = True
    m = _unit(jax.random.key(3), shape)
    net = _random_net()
    H0 = np.asarray(_term(shape, net, mask).field(m))
    shift = (5, 3)
    H1 = np.asarray(
        _term(shape, net, np.roll(mask, shift, (0, 1))).field(jnp.roll(m, shift, (1, 2)))
    )
    np.testing.assert_allclose(np.roll(H0, shift, (1, 2)), H1, rtol=1e-12, atol=1e-9)


def test_restrict_averages_blocks_and_renormalises():
    rng = np.random.default_rng(0)
    m = rng.normal(size=(2, 3, 10, 4, 1))
    m /= np.linalg.norm(m, axis=1, keepdims=True)
    r = hybrid.restrict(m, TINY)
    assert r.shape == (2, 3, 5, 2, 1)
    block = m[1, :, 2:4, 0:2, 0].mean(axis=(1, 2))
    np.testing.assert_allclose(r[1, :, 1, 0, 0], block / np.linalg.norm(block), rtol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(r, axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(hybrid.restrict(jnp.asarray(m), TINY)), r, rtol=1e-12)
    with pytest.raises(ValueError, match="expected"):
        hybrid.restrict(m[..., :3, :, :], TINY)


def test_ellipse_geometry_masks():
    fine, coarse = hybrid.ELLIPSE.mask(), hybrid.ELLIPSE.mask(coarse=True)
    assert fine.shape == (200, 50, 1) and coarse.shape == (40, 10, 1)
    assert abs(fine.mean() - np.pi / 4) < 0.02 and abs(coarse.mean() - np.pi / 4) < 0.06
    assert not fine[0, 0, 0] and fine[100, 25, 0] and not coarse[0, 0, 0] and coarse[20, 5, 0]


@pytest.mark.parametrize(
    "kw, match",
    [
        (dict(size=(50e-9, 20e-9, 3e-9), cells=(10, 4, 1), factor=(3, 2, 1)), "divide"),
        (dict(size=(50e-9, 0.0, 3e-9), cells=(10, 4, 1)), "positive"),
        (dict(size=(50e-9, 20e-9, 3e-9), cells=(10, 4, 1), shape="disc"), "shape"),
    ],
)
def test_bad_geometry_is_refused(kw, match):
    with pytest.raises(ValueError, match=match):
        hybrid.Geometry("bad", **kw)


def test_bad_network_arguments_are_refused():
    with pytest.raises(ValueError, match="width"):
        hybrid.CorrectionNet(0, key=jax.random.key(0))
    with pytest.raises(TypeError, match="CorrectionNet"):
        hybrid.LearnedCorrection(jm.Mesh((2, 2, 1), (1e-9,) * 3), jm.Material(Ms=1.0), "net")


@pytest.fixture(scope="module")
def tiny_data():
    """Two fine trajectories (5 saves of 10 ps) on TINY and their restriction."""
    fields = np.array([[-24.6, 4.3], [6.0, 5.0]])
    m0 = TINY.s_state()
    runs = []
    for b in fields:
        s = TINY.system(field_mT=(*b, 0.0))
        runs.append(jm.simulate(s, m0, 4e-11, ts=np.arange(5) * 1e-11, snapshots=True,
                                save_energies=False).snapshots)  # fmt: skip
    fine = np.stack([np.asarray(r) for r in runs])
    return fields, fine, hybrid.restrict(fine, TINY)


@pytest.mark.slow  # heavy: moved out of the fast suite (its 10-minute budget)
def test_corrected_run_keeps_unit_length_and_loses_energy_under_damping(tiny_data):
    fields, _, coarse = tiny_data
    model = hybrid.CoarseModel(TINY, _random_net(scale=3.0))
    s = model.system(fields[0])
    tr = jm.simulate(s, coarse[0, 0], 2e-10, save_every=1e-11, precession=False)
    e = np.asarray(sum(tr.energies.values()))
    assert np.all(np.diff(e) <= 1e-12 * np.abs(e).max()) and e[-1] < e[0]
    assert "learned" in tr.energies and abs(float(tr.energies["learned"][0])) > 0
    assert float(tr.final_norm_dev) < 1e-12 and float(np.max(tr.norm_dev)) < 1e-12


# The rollout gradient against finite differences (hybrid.gradient_check, < 1e-4) is
# checked once, in the slow set, on the benchmark's quick run (test_benchmarks.py,
# _hybrid_sp4): the same function and criterion as a test here would repeat (64 s).


@pytest.mark.slow  # heavy: moved out of the fast suite (its 10-minute budget)
def test_batched_rollouts_equal_single_ones(tiny_data):
    fields, _, coarse = tiny_data
    model = hybrid.CoarseModel(TINY, _random_net())
    avg = hybrid.average_rollouts(model, jnp.asarray(coarse[0, 0]), fields, 4, 1e-11)
    one = hybrid.rollout(model, jnp.asarray(coarse[0, 0]), fields[1], 4, 1e-11)
    np.testing.assert_allclose(avg[1], hybrid.mean_m(np.asarray(one), TINY.mask(coarse=True)),
                               rtol=1e-10, atol=1e-12)  # fmt: skip


@pytest.mark.slow
def test_training_through_the_solver_lowers_the_loss(tiny_data):
    """A few Adam steps on the restricted fine windows lower the rollout loss below the
    uncorrected coarse grid's."""
    fields, _, coarse = tiny_data
    model = hybrid.CoarseModel(TINY, hybrid.CorrectionNet(6, 1, key=jax.random.key(0)))

    rows = hybrid.windows_of(coarse, fields, 4, starts=[0])
    loss_fn = hybrid.WindowLoss(model, 1e-11, 1e-5, 10.0)

    def loss(net):
        return float(eqx.filter_jit(loss_fn)(net, rows))

    before = loss(model.correction.net)
    net, hist = hybrid.train_correction(model, coarse, fields, 1e-11, key=jax.random.key(1),
                                        steps=30, batch=1, window=4, lr=1e-2,
                                        progress=False)  # fmt: skip
    assert hist["steps"] == 30 and loss(net) < 0.7 * before


def test_model_file_round_trip(tmp_path):
    net = _random_net()
    hybrid.save_model(tmp_path / "net", net, metadata={"cell_m": 1.25e-8})
    back, meta = hybrid.load_model(tmp_path / "net")
    assert meta == {"cell_m": 1.25e-8}
    for a, b in zip(jax.tree.leaves(net), jax.tree.leaves(back), strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    save_tagged(tmp_path / "other", net, kind="something else", structure={}, metadata=None)
    with pytest.raises(ValueError, match="not a hybrid correction network"):
        hybrid.load_model(tmp_path / "other")


def test_sp4_geometry_is_the_standard_problem():
    g = hybrid.SP4_FILM
    assert g.cells == sp4.CELLS and g.coarse_cells == (40, 10, 1)
    assert g.mesh(coarse=True).cell == pytest.approx((12.5e-9, 12.5e-9, 3e-9))


@pytest.mark.slow  # heavy; the fast suite's 10-minute budget
def test_pretrained_network_is_shipped_for_the_sp4_coarse_grid():
    net, meta = hybrid.load_pretrained()
    assert meta["coarse_cell_m"] == pytest.approx(list(hybrid.SP4_FILM.mesh(coarse=True).cell))
    model = hybrid.CoarseModel(hybrid.SP4_FILM, net)
    m = _unit(jax.random.key(5), hybrid.SP4_FILM.coarse_cells)
    H = np.asarray(model.correction.field(m))
    assert np.all(np.isfinite(H)) and np.abs(H).max() > 0
