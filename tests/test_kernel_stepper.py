"""The kernel latent stepper: Nyström KPCA and KRR against scikit-learn, a learnable
synthetic dynamics, gradients against finite differences, and bad hyper-parameters."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from sklearn.decomposition import PCA, KernelPCA
from sklearn.kernel_approximation import Nystroem
from sklearn.kernel_ridge import KernelRidge

from jaxmag.ml import latent as ks

KEY = jax.random.PRNGKey(0)


def _match_up_to_sign(a, b, atol):
    a, b = np.asarray(a), np.asarray(b)
    for j in range(a.shape[1]):
        s = np.sign(np.dot(a[:, j], b[:, j]))
        np.testing.assert_allclose(a[:, j], s * b[:, j], atol=atol)


@pytest.fixture(scope="module")
def cloud():
    rng = np.random.default_rng(0)
    t = rng.uniform(0, 2 * np.pi, 150)
    # a noisy curve in 20 dimensions: strongly non-linear, a few dominant components
    base = np.stack([np.cos(t), np.sin(t), np.cos(2 * t), np.sin(3 * t)], 1)
    return base @ rng.normal(size=(4, 20)) + 0.05 * rng.normal(size=(150, 20))


def test_all_landmarks_is_exact_kernel_pca(cloud):
    gamma = 0.02
    ours = ks.NystroemKPCA.fit(cloud, 3, len(cloud), gamma=gamma, key=KEY).encode(cloud)
    ref = KernelPCA(3, kernel="rbf", gamma=gamma).fit_transform(cloud)
    _match_up_to_sign(ours, ref, atol=1e-6)


def test_nystroem_features_and_pca_match_sklearn(cloud):
    gamma = 0.02
    ny = Nystroem(gamma=gamma, n_components=40, random_state=0).fit(cloud)
    kp = ks.NystroemKPCA.fit(cloud, 4, 40, gamma=gamma, key=KEY, landmarks=ny.components_)
    feats = ny.transform(cloud)
    np.testing.assert_allclose(kp.features(jnp.asarray(cloud)), feats, atol=1e-6)
    _match_up_to_sign(kp.encode(cloud), PCA(4).fit_transform(feats), atol=1e-6)
    assert np.all(np.diff(np.asarray(kp.explained)) <= 0)


def test_krr_with_all_centres_is_kernel_ridge():
    rng = np.random.default_rng(1)
    U = rng.uniform(-2, 2, (120, 2))
    Y = np.sin(U[:, :1]) * np.cos(U[:, 1:]) + 0.01 * rng.normal(size=(120, 1))
    krr = ks.NystroemKRR.fit(U, Y, len(U), 1e-4, gamma=0.7, key=KEY)
    Us = (U - U.mean(0)) / U.std(0)
    K = np.exp(-0.7 * ((Us[:, None] - Us[None]) ** 2).sum(-1))
    alpha = 1e-4 * np.trace(K.T @ K) / len(U)
    ref = KernelRidge(alpha=alpha, kernel="rbf", gamma=0.7).fit(Us, Y)
    V = rng.uniform(-2, 2, (50, 2))
    np.testing.assert_allclose(
        krr(jnp.asarray(V)), ref.predict((V - U.mean(0)) / U.std(0)), atol=1e-6
    )


def _waves(fields, T=40, shape=(12, 6)):
    """A precessing texture: m = (cos φ, sin φ, 0) with φ = k x + ω(B) t."""
    x = np.linspace(0, 1, shape[0])[:, None] * np.ones(shape)
    out = []
    for b in fields:
        w = 0.05 + 0.004 * np.hypot(*b)
        phi = 0.8 * x[None] + w * np.arange(T)[:, None, None] + 0.01 * b[1]
        out.append(np.stack([np.cos(phi), np.sin(phi), np.zeros_like(phi)], 1))
    return np.asarray(out)


# fast companion: test_save_load_round_trip_and_the_common_interface,
# test_krr_with_all_centres_is_kernel_ridge
@pytest.mark.slow
def test_learns_a_field_dependent_dynamics():
    rng = np.random.default_rng(2)
    train_f = np.stack([rng.uniform(-45, -15, 24), rng.uniform(-8, 8, 24)], 1)
    test_f = np.array([[-24.6, 4.3], [-35.5, -6.3]])
    model = ks.fit_kernel_stepper(_waves(train_f), train_f, d=4, n_landmarks=200, lam=1e-8, key=KEY)
    err = ks.rollout_errors(model, _waves(test_f), test_f)
    assert float(jnp.max(err["max_avg_err"])) < 0.03, err["max_avg_err"]
    pred = model.rollout(jnp.asarray(_waves(test_f)[0, 0]), jnp.asarray(test_f[0]), 5)
    np.testing.assert_allclose(jnp.linalg.norm(pred, axis=1), 1.0, atol=1e-12)
    # a field-blind model (all training fields equal) is clearly worse
    blind = ks.fit_kernel_stepper(
        _waves(train_f), np.zeros_like(train_f), d=4, n_landmarks=200, lam=1e-8, key=KEY
    )
    worse = ks.rollout_errors(blind, _waves(test_f), np.zeros_like(test_f))
    assert float(jnp.max(worse["max_avg_err"])) > 3 * float(jnp.max(err["max_avg_err"]))


def test_rollout_gradient_matches_finite_differences():
    rng = np.random.default_rng(3)
    train_f = np.stack([rng.uniform(-45, -15, 8), rng.uniform(-8, 8, 8)], 1)
    model = ks.fit_kernel_stepper(_waves(train_f, T=20), train_f, d=3, n_landmarks=100, key=KEY)
    m0 = jnp.asarray(_waves(train_f[:1], T=1)[0, 0])

    @jax.jit
    def loss(b):
        return jnp.mean(model.rollout(m0, b, 10)[-1, 0])

    b = jnp.array([-30.0, 2.0])
    g = jax.grad(loss)(b)
    h = 1e-3
    fd = [(loss(b.at[i].add(h)) - loss(b.at[i].add(-h))) / (2 * h) for i in range(2)]
    np.testing.assert_allclose(g, fd, rtol=1e-5, atol=1e-9)
    assert float(jnp.max(jnp.abs(g))) > 0


def test_bad_hyper_parameters():
    m = _waves(np.array([[-30.0, 0.0], [-20.0, 1.0]]), T=5)
    f = np.array([[-30.0, 0.0], [-20.0, 1.0]])
    with pytest.raises(ValueError, match="cannot exceed the number of landmarks"):
        ks.fit_kernel_stepper(m, f, d=8, n_landmarks=4, key=KEY)
    with pytest.raises(ValueError, match="d must be a positive integer"):
        ks.fit_kernel_stepper(m, f, d=0, n_landmarks=4, key=KEY)
    with pytest.raises(ValueError, match="landmarks requested"):
        ks.fit_kernel_stepper(m, f, d=2, n_landmarks=50, key=KEY)
    with pytest.raises(ValueError, match="F >= 1"):
        ks.fit_kernel_stepper(m[:0], f[:0], d=2, n_landmarks=4, key=KEY)
    with pytest.raises(ValueError, match="fields must be"):
        ks.fit_kernel_stepper(m, f[:1], d=2, n_landmarks=4, key=KEY)
    with pytest.raises(ValueError, match="ridge"):
        ks.fit_kernel_stepper(m, f, d=2, n_landmarks=4, lam=0.0, key=KEY)
    with pytest.raises(ValueError, match="width_scale"):
        ks.fit_kernel_stepper(m, f, d=2, n_landmarks=4, width_scale=-1.0, key=KEY)
    with pytest.raises(ValueError, match="NaN"):
        ks.fit_kernel_stepper(np.where(m > 0.9, np.nan, m), f, d=2, n_landmarks=4, key=KEY)


@pytest.mark.slow  # heavy: moved out of the fast suite (its 10-minute budget)
def test_save_load_round_trip_and_the_common_interface(tmp_path):
    f = np.array([[-30.0, 0.0], [-20.0, 1.0], [-40.0, -2.0]])
    model = ks.fit_kernel_stepper(_waves(f, T=8), f, d=3, n_landmarks=20, key=KEY)
    assert isinstance(model, ks.AbstractLatentStepper) and model.shape == (12, 6)
    m0, b = jnp.asarray(_waves(f[:1], T=1)[0, 0]), jnp.asarray(f[0])
    z = model.latent_rollout(model.encode(m0), b, 4)
    assert z.shape == (5, 3)
    np.testing.assert_allclose(jax.vmap(model.decode)(z), model.rollout(m0, b, 4), atol=1e-9)
    with pytest.raises(ValueError, match="n_steps must be a non-negative integer"):
        model.rollout(m0, b, -1)

    folder = ks.save_model(tmp_path / "kernel", model, metadata={"lam": 1e-6})
    loaded, metadata = ks.load_model(folder)
    assert isinstance(loaded, ks.KernelStepper) and metadata == {"lam": 1e-6}
    assert jax.tree.structure(loaded) == jax.tree.structure(model)
    for a, c in zip(jax.tree.leaves(loaded), jax.tree.leaves(model), strict=True):
        assert a.dtype == c.dtype
        np.testing.assert_array_equal(a, c)
    np.testing.assert_array_equal(loaded.rollout(m0, b, 4), model.rollout(m0, b, 4))
