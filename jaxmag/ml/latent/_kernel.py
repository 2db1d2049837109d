"""A latent-space time stepper from kernel methods (Exl, Mauser, Schrefl & Suess, CNSNS 84,
105205 (2020); Exl et al., J. Comput. Phys. 444, 110586 (2021)), in JAX.

Pieces, all jit-able and differentiable:

- **Nyström kernel PCA** (:class:`NystroemKPCA`): an RBF kernel
  ``k(x, y) = exp(-γ |x - y|²)`` on the flattened magnetisation, approximated on ``L``
  landmarks by the feature map ``φ(x) = K_LL^{-1/2} k_L(x)``; principal components of the
  centred features give the latent ``z ∈ R^d``. With every training point a landmark
  this is exact kernel PCA.
- **Kernel ridge regression** (:class:`NystroemKRR`) with its own RBF kernel and a
  Nyström subset of ``M`` centres, solving ``(K_nm^T K_nm + λ K_mm) A = K_nm^T Y``:
  the stepper maps ``(z_k, B)`` to ``z_{k+1} - z_k``, and the decoder maps ``z`` back to m,
  normalised cell by cell.

Choosing the hyper-parameters: ``gamma`` defaults to ``1 / median |x - y|²`` over
training pairs (scaled by ``width_scale``); ``d``, the number of landmarks and the ridge
``lam`` are picked by :func:`select`, which fits on part of the training trajectories and
scores the rollout error on the rest (held-out trajectories, never the test fields).
"""

import itertools

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float, PRNGKeyArray

from jaxmag._validate import check_int
from jaxmag.vectors import normalise

from ._base import FIELD_SCALE_MT, AbstractLatentStepper
from ._evaluate import rollout_errors


def sqdist(X: Float[Array, "n D"], Y: Float[Array, "m D"]) -> Float[Array, "n m"]:
    """Squared Euclidean distances, clamped at 0 against round-off."""
    d = jnp.sum(X**2, 1)[:, None] + jnp.sum(Y**2, 1)[None, :] - 2 * X @ Y.T
    return jnp.maximum(d, 0.0)


def rbf(X, Y, gamma) -> Float[Array, "n m"]:
    """``exp(-γ |x - y|²)`` for all pairs of rows."""
    return jnp.exp(-gamma * sqdist(X, Y))


def median_gamma(X, *, key: PRNGKeyArray, n_pairs: int = 4000) -> float:
    """``1 / median |x_i - x_j|²`` over random pairs of distinct rows."""
    X = jnp.asarray(X)
    i = jax.random.randint(key, (n_pairs,), 0, len(X))
    j = (i + 1 + jax.random.randint(jax.random.fold_in(key, 1), (n_pairs,), 0, len(X) - 1)) % len(X)
    med = float(jnp.median(jnp.sum((X[i] - X[j]) ** 2, 1)))
    if not med > 0:
        raise ValueError("all sampled training points coincide; cannot set a kernel width")
    return 1.0 / med


def _inv_sqrt(K, eps=1e-12):
    """``K^{-1/2}`` of a symmetric PSD matrix, eigenvalues clamped at ``eps · max``."""
    s, U = jnp.linalg.eigh(K)
    s = jnp.maximum(s, eps * s[-1])
    return (U / jnp.sqrt(s)) @ U.T


def _pick(key, n, k):
    if k > n:
        raise ValueError(f"{k} landmarks requested but only {n} training points")
    return jnp.sort(jax.random.permutation(key, n)[:k])


class NystroemKPCA(eqx.Module):
    """Low-rank kernel PCA: ``z = (K_LL^{-1/2} k_L(x) - mean) @ components``.

    Build with :meth:`fit`. Fields: ``landmarks (L, D)``, ``gamma``, ``whiten (L, L)``,
    ``mean (L,)``, ``components (L, d)``, ``explained (d,)`` (variance per component).
    """

    landmarks: Float[Array, "L D"]
    gamma: Float[Array, ""]
    whiten: Float[Array, "L L"]
    mean: Float[Array, " L"]
    components: Float[Array, "L d"]
    explained: Float[Array, " d"]

    @classmethod
    def fit(cls, X, d: int, n_landmarks: int, *, gamma=None, key: PRNGKeyArray, landmarks=None):
        """Fit on rows of ``X``: ``n_landmarks`` random rows as landmarks (``key``), or
        the given ``landmarks`` rows; the kernel width ``gamma`` (default
        :func:`median_gamma`); ``d`` components."""
        X = jnp.asarray(X)
        _check_dims(d, n_landmarks, len(X))
        k_land, k_gamma = jax.random.split(key)
        gamma = median_gamma(X, key=k_gamma) if gamma is None else float(gamma)
        if not gamma > 0:
            raise ValueError(f"gamma must be > 0, got {gamma}")
        if landmarks is None:
            L = X[_pick(k_land, len(X), n_landmarks)]
        else:
            L = jnp.asarray(landmarks, dtype=X.dtype)
            if L.shape != (n_landmarks, X.shape[1]):
                raise ValueError(f"landmarks must be ({n_landmarks}, {X.shape[1]}), got {L.shape}")
        W = _inv_sqrt(rbf(L, L, gamma))
        F = rbf(X, L, gamma) @ W
        mean = F.mean(0)
        _, s, Vt = jnp.linalg.svd(F - mean, full_matrices=False)
        return cls(L, jnp.asarray(gamma), W, mean, Vt[:d].T, s[:d] ** 2 / len(X))

    def features(self, X: Float[Array, "n D"]) -> Float[Array, "n L"]:
        return rbf(X, self.landmarks, self.gamma) @ self.whiten

    def encode(self, X: Float[Array, "n D"]) -> Float[Array, "n d"]:
        return (self.features(X) - self.mean) @ self.components


class NystroemKRR(eqx.Module):
    """Kernel ridge regression ``y(u) = k_M(u / scale) @ coef`` with an RBF kernel on
    standardised inputs and ``M`` Nyström centres. Build with :meth:`fit`."""

    centres: Float[Array, "M p"]
    gamma: Float[Array, ""]
    shift: Float[Array, " p"]
    scale: Float[Array, " p"]
    coef: Float[Array, "M q"]

    @classmethod
    def fit(
        cls,
        U,
        Y,
        n_centres: int,
        lam: float,
        *,
        gamma=None,
        gamma_scale: float = 1.0,
        key: PRNGKeyArray,
    ):
        """Fit ``U (n, p) → Y (n, q)``; ``lam`` is the ridge (> 0), relative to the mean
        diagonal of ``K_nm^T K_nm``; ``gamma`` defaults to the median heuristic on the
        standardised inputs."""
        U, Y = jnp.asarray(U), jnp.asarray(Y)
        if not lam > 0:
            raise ValueError(f"the ridge lam must be > 0, got {lam}")
        n_centres = min(n_centres, len(U))
        shift, scale = U.mean(0), U.std(0) + 1e-12 * (1 + jnp.abs(U).max())
        Us = (U - shift) / scale
        k_c, k_g = jax.random.split(key)
        gamma = median_gamma(Us, key=k_g) * gamma_scale if gamma is None else float(gamma)
        C = Us[_pick(k_c, len(U), n_centres)]
        Knm, Kmm = rbf(Us, C, gamma), rbf(C, C, gamma)
        G = Knm.T @ Knm
        reg = lam * jnp.trace(G) / n_centres
        # min |K_nm A - Y|² + reg tr(A^T K_mm A) as one least-squares problem with the
        # rows [K_nm; sqrt(reg) K_mm^{1/2}]: nearby centres make K_mm near-singular, and
        # this keeps the condition number of K_nm (the normal equations would square it).
        w, V = jnp.linalg.eigh(Kmm)
        half = (V * jnp.sqrt(jnp.maximum(w, 0.0))) @ V.T
        A = jnp.concatenate([Knm, jnp.sqrt(reg) * half])
        rhs = jnp.concatenate([Y, jnp.zeros((n_centres, Y.shape[1]), Y.dtype)])
        coef = jnp.linalg.lstsq(A, rhs)[0]
        return cls(C, jnp.asarray(gamma), shift, scale, coef)

    def __call__(self, U: Float[Array, "n p"]) -> Float[Array, "n q"]:
        return rbf((U - self.shift) / self.scale, self.centres, self.gamma) @ self.coef


def _check_dims(d, n_landmarks, n):
    check_int("d", d, minimum=1)
    check_int("n_landmarks", n_landmarks, minimum=1)
    if n < 2:
        raise ValueError(f"need at least 2 training snapshots, got {n}")
    if d > n_landmarks:
        raise ValueError(f"d = {d} cannot exceed the number of landmarks ({n_landmarks})")


class KernelStepper(AbstractLatentStepper):
    """Encoder (Nyström KPCA), latent stepper and decoder (both Nyström KRR).

    Build with :func:`fit_kernel_stepper`. ``rollout(m0, field_mT, n_steps)`` predicts
    ``n_steps`` snapshot intervals from ``m0`` in a constant in-plane field (mT) without
    evaluating any micromagnetic field.

    **Fields:** `kpca` (the encoder), `stepper` (``(z, B / 45 mT) -> z_next - z``),
    `decoder` (``z -> m`` before normalisation) and `shape`, the grid ``(nx, ny)``.
    """

    kpca: NystroemKPCA
    stepper: NystroemKRR
    decoder: NystroemKRR
    shape: tuple[int, int] = eqx.field(static=True)

    def encode(self, m: Float[Array, "3 nx ny"]) -> Float[Array, " d"]:
        return self.kpca.encode(m.reshape(1, -1))[0]

    def decode(self, z: Float[Array, " d"]) -> Float[Array, "3 nx ny"]:
        return normalise(self.decoder(z[None])[0].reshape(3, *self.shape))

    def step(self, z: Float[Array, " d"], field_mT: Float[Array, " 2"]) -> Float[Array, " d"]:
        u = jnp.concatenate([z, jnp.asarray(field_mT) / FIELD_SCALE_MT])
        return z + self.stepper(u[None])[0]


def fit_kernel_stepper(
    m,
    fields_mT,
    *,
    d: int = 8,
    n_landmarks: int = 1000,
    lam: float = 1e-6,
    width_scale: float = 1.0,
    n_centres: int | None = None,
    krr_gamma_scale: float = 1.0,
    key: PRNGKeyArray,
) -> KernelStepper:
    """Fit the stepper on trajectories ``m (F, T, 3, nx, ny)`` in fields ``(F, 2)`` mT.

    - `d`: latent dimension; `n_landmarks`: Nyström landmarks of the KPCA.
    - `lam`: ridge of both regressions (relative, see :meth:`NystroemKRR.fit`).
    - `width_scale`: multiplies the median-heuristic ``gamma`` of the KPCA kernel.
    - `krr_gamma_scale`: multiplies the median-heuristic ``gamma`` of both regressions
      (their inputs are standardised; the median heuristic alone over-smooths).
    - `n_centres`: Nyström centres of the regressions (default ``n_landmarks``).
    """
    m = jnp.asarray(m)
    fields_mT = jnp.asarray(fields_mT, dtype=m.dtype)
    if m.ndim != 5 or m.shape[2] != 3 or m.shape[0] == 0:
        raise ValueError(f"m must be (F, T, 3, nx, ny) with F >= 1, got {m.shape}")
    if fields_mT.shape != (m.shape[0], 2):
        raise ValueError(f"fields must be ({m.shape[0]}, 2), got {fields_mT.shape}")
    if m.shape[1] < 2:
        raise ValueError("each trajectory needs at least 2 snapshots")
    if not bool(jnp.all(jnp.isfinite(m))):
        raise ValueError("m contains NaN or inf")
    if not width_scale > 0:
        raise ValueError(f"width_scale must be > 0, got {width_scale}")
    F, T = m.shape[:2]
    X = m.reshape(F * T, -1)
    _check_dims(d, n_landmarks, len(X))
    k1, k2, k3, k4 = jax.random.split(key, 4)
    g = median_gamma(X, key=k4) * width_scale
    kpca = NystroemKPCA.fit(X, d, n_landmarks, gamma=g, key=k1)
    Z = kpca.encode(X).reshape(F, T, d)
    b = jnp.broadcast_to(fields_mT[:, None, :] / FIELD_SCALE_MT, (F, T - 1, 2))
    U = jnp.concatenate([Z[:, :-1], b], -1).reshape(-1, d + 2)
    dZ = (Z[:, 1:] - Z[:, :-1]).reshape(-1, d)
    nc = n_landmarks if n_centres is None else n_centres
    if not krr_gamma_scale > 0:
        raise ValueError(f"krr_gamma_scale must be > 0, got {krr_gamma_scale}")
    stepper = NystroemKRR.fit(U, dZ, nc, lam, key=k2, gamma_scale=krr_gamma_scale)
    decoder = NystroemKRR.fit(Z.reshape(-1, d), X, nc, lam, key=k3, gamma_scale=krr_gamma_scale)
    return KernelStepper(kpca, stepper, decoder, tuple(m.shape[3:]))


def select(
    m,
    fields_mT,
    *,
    ds=(2, 4, 8),
    landmarks=(500, 1000),
    lams=(1e-8, 1e-6, 1e-4),
    n_val: int | None = None,
    key: PRNGKeyArray,
    verbose: bool = False,
) -> list[dict]:
    """Hyper-parameter choice by validation on held-out *training* trajectories: the
    last ``n_val`` trajectories (default a quarter) are held out, every combination is
    fitted on the rest and scored by the worst max |Δ⟨m_i⟩| of its rollouts. Returns
    one dict per combination, best first."""
    F = len(m)
    n_val = check_int("n_val", max(1, F // 4) if n_val is None else n_val, maximum=F - 1)
    results = []
    for d, L, lam in itertools.product(ds, landmarks, lams):
        if d > L:
            continue
        model = fit_kernel_stepper(m[:-n_val], fields_mT[:-n_val], d=d, n_landmarks=L,
                                   lam=lam, key=key)  # fmt: skip
        err = rollout_errors(model, m[-n_val:], fields_mT[-n_val:])
        r = {"d": d, "landmarks": L, "lam": lam,
             "val_max_avg_err": float(jnp.max(err["max_avg_err"])),
             "val_rel_l2": float(jnp.mean(err["rel_l2"]))}  # fmt: skip
        results.append(r)
        if verbose:
            print(f"  d={d} L={L} lam={lam:g}: val max|Δ<m>| {r['val_max_avg_err']:.4f}",
                  flush=True)  # fmt: skip
    return sorted(results, key=lambda r: r["val_max_avg_err"])
