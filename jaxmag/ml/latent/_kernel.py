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
        weights=None,
        key: PRNGKeyArray,
    ):
        """Fit ``U (n, p) → Y (n, q)``; ``lam`` is the ridge (> 0), relative to the mean
        diagonal of ``K_nm^T K_nm``; ``gamma`` defaults to the median heuristic on the
        standardised inputs; ``weights (p,)`` multiply the standardised inputs (a larger
        weight makes the kernel narrower along that input)."""
        U, Y = jnp.asarray(U), jnp.asarray(Y)
        if not lam > 0:
            raise ValueError(f"the ridge lam must be > 0, got {lam}")
        n_centres = min(n_centres, len(U))
        w = jnp.ones(U.shape[1], U.dtype) if weights is None else jnp.asarray(weights, U.dtype)
        if w.shape != (U.shape[1],) or not bool(jnp.all(w > 0)):
            raise ValueError(f"weights must be {U.shape[1]} positive numbers, got {weights}")
        shift = U.mean(0)
        scale = (U.std(0) + 1e-12 * (1 + jnp.abs(U).max())) / w
        Us = (U - shift) / scale
        k_c, k_g = jax.random.split(key)
        gamma = median_gamma(Us, key=k_g) * gamma_scale if gamma is None else float(gamma)
        C = Us[_pick(k_c, len(U), n_centres)]
        return cls(C, jnp.asarray(gamma), shift, scale, jnp.zeros((n_centres, Y.shape[1]), U.dtype)
                   ).refit(U, Y, lam)  # fmt: skip

    def refit(self, U, Y, lam: float, *, chunk: int = 8192) -> "NystroemKRR":
        """The same centres, input scaling and width, with coefficients fitted to
        ``U (n, p) → Y (n, q)`` with ridge ``lam`` (relative to the mean diagonal of
        ``K_nm^T K_nm``)."""
        U, Y = jnp.asarray(U), jnp.asarray(Y)
        if not lam > 0:
            raise ValueError(f"the ridge lam must be > 0, got {lam}")
        M = len(self.centres)
        # min |K_nm A - Y|² + reg tr(A^T K_mm A) as one least-squares problem with the
        # rows [K_nm; sqrt(reg) K_mm^{1/2}]: nearby centres make K_mm near-singular, and
        # this keeps the condition number of K_nm (the normal equations would square it).
        # Many rows are reduced ``chunk`` at a time to the triangular factor of K_nm
        # (a tall-skinny QR), so K_nm is never formed whole.
        R = jnp.zeros((0, M), U.dtype)
        QtY = jnp.zeros((0, Y.shape[1]), U.dtype)
        trace = 0.0
        for lo in range(0, len(U), chunk):
            K = rbf((U[lo : lo + chunk] - self.shift) / self.scale, self.centres, self.gamma)
            trace = trace + jnp.sum(K**2)
            q, R = jnp.linalg.qr(jnp.concatenate([R, K]))
            QtY = q.T @ jnp.concatenate([QtY, Y[lo : lo + chunk]])
        reg = lam * trace / M
        w, V = jnp.linalg.eigh(rbf(self.centres, self.centres, self.gamma))
        half = (V * jnp.sqrt(jnp.maximum(w, 0.0))) @ V.T
        A = jnp.concatenate([R, jnp.sqrt(reg) * half])
        rhs = jnp.concatenate([QtY, jnp.zeros((M, Y.shape[1]), Y.dtype)])
        return eqx.tree_at(lambda k: k.coef, self, jnp.linalg.lstsq(A, rhs)[0])

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
    evaluating any micromagnetic field; ``average_rollout`` predicts ⟨m⟩ alone, without
    decoding a field.

    **Fields:** `kpca` (the encoder), `stepper` (``(z, B / 45 mT) -> z_next - z``),
    `decoder` (``z -> m`` before normalisation), `average` (``z -> ⟨m⟩``: the decoder's
    coefficients averaged over the cells, so the same regression fitted to the average
    of the training snapshots), `component_weights` (what ``m_x, m_y, m_z`` are
    multiplied by before the KPCA) and `shape`, the grid ``(nx, ny)``.
    """

    kpca: NystroemKPCA
    stepper: NystroemKRR
    decoder: NystroemKRR
    average: NystroemKRR
    component_weights: Float[Array, " 3"]
    shape: tuple[int, int] = eqx.field(static=True)

    def encode(self, m: Float[Array, "3 nx ny"]) -> Float[Array, " d"]:
        return self.kpca.encode((m * self.component_weights[:, None, None]).reshape(1, -1))[0]

    def decode(self, z: Float[Array, " d"]) -> Float[Array, "3 nx ny"]:
        return normalise(self.decoder(z[None])[0].reshape(3, *self.shape))

    def decode_average(self, z: Float[Array, " d"]) -> Float[Array, " 3"]:
        """⟨m⟩ of latent ``z``: the cell average of the decoder's output before each
        cell is normalised (a linear functional of it), ``M (d + 3)`` operations."""
        return self.average(z[None])[0]

    def step(self, z: Float[Array, " d"], field_mT: Float[Array, " 2"]) -> Float[Array, " d"]:
        u = jnp.concatenate([z, jnp.asarray(field_mT) / FIELD_SCALE_MT])
        return z + self.stepper(u[None])[0]


@eqx.filter_jit
def _latent_rollouts(stepper: NystroemKRR, z0, b, n_steps: int):
    """Latent rollouts of the bare stepper regression ``(F, n_steps + 1, d)`` from
    ``z0 (F, d)`` under scaled fields ``b (F, 2)``."""

    def one(z0, b):
        def body(z, _):
            z = z + stepper(jnp.concatenate([z, b])[None])[0]
            return z, z

        return jnp.concatenate([z0[None], jax.lax.scan(body, z0, length=n_steps)[1]])

    return jax.vmap(one)(z0, b)


def fit_kernel_stepper(
    m,
    fields_mT,
    *,
    d: int = 8,
    n_landmarks: int = 1000,
    lam: float = 1e-6,
    decoder_lam: float | None = None,
    width_scale: float = 1.0,
    n_centres: int | None = None,
    krr_gamma_scale: float = 1.0,
    field_weight: float = 1.0,
    standardise_components: bool = False,
    rollout_rounds: int = 0,
    key: PRNGKeyArray,
    verbose: bool = False,
) -> KernelStepper:
    """Fit the stepper on trajectories ``m (F, T, 3, nx, ny)`` in fields ``(F, 2)`` mT.

    - `d`: latent dimension; `n_landmarks`: Nyström landmarks of the KPCA.
    - `lam`: ridge of the stepper's regression (relative, see :meth:`NystroemKRR.fit`);
      `decoder_lam` that of the decoder (default ``lam``). A stronger ridge makes the
      stepper smoother and its rollouts steadier; the decoder is not iterated and
      wants a weak one.
    - `width_scale`: multiplies the median-heuristic ``gamma`` of the KPCA kernel.
    - `krr_gamma_scale`: multiplies the median-heuristic ``gamma`` of both regressions
      (their inputs are standardised; the median heuristic alone over-smooths).
    - `field_weight`: weight of the two (standardised) field inputs of the stepper
      against the ``d`` latent ones; above 1 the stepper resolves finer differences of
      field.
    - `n_centres`: Nyström centres of the regressions (default ``n_landmarks``).
    - `standardise_components`: divide ``m_x, m_y, m_z`` by their standard deviations
      over the training snapshots before the KPCA. A thin film's ⟨m_z⟩ is tiny (shape
      anisotropy) but it is the momentum of the in-plane precession: with all three
      components weighted alike the leading components hold the in-plane texture
      only, the latent state is no longer Markovian, and the one-step map ``z_k ->
      z_{k+1}`` is not a function of ``(z_k, B)``.
    - `rollout_rounds`: rounds of training on the stepper's own rollouts ("data as
      demonstrator", Venkatraman, Hebert & Bagnell, AAAI 2015). The one-step fit sees
      only encoded training states, so a rollout that strays off them meets inputs it
      was never fitted on and drifts. Each round rolls the current stepper out from
      every training trajectory's first snapshot under its field, adds each predicted
      state ``z'_k`` with the target ``z_{k+1} - z'_k`` (back to the encoded training
      trajectory), and refits the coefficients on all pairs so far (same centres, input
      scaling and width). 0 is the one-step fit of Exl et al.
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
    for name, v in (("width_scale", width_scale), ("krr_gamma_scale", krr_gamma_scale),
                    ("field_weight", field_weight)):  # fmt: skip
        if not v > 0:
            raise ValueError(f"{name} must be > 0, got {v}")
    rollout_rounds = check_int("rollout_rounds", rollout_rounds, minimum=0)
    F, T = m.shape[:2]
    X = m.reshape(F * T, -1)
    _check_dims(d, n_landmarks, len(X))
    k1, k2, k3, k4 = jax.random.split(key, 4)
    cw = jnp.ones(3, m.dtype)
    if standardise_components:
        std = jnp.std(m, axis=(0, 1, 3, 4))
        cw = jnp.where(std > 0, jnp.max(std) / jnp.where(std > 0, std, 1.0), 1.0)
    Xw = (m * cw[:, None, None]).reshape(F * T, -1)
    g = median_gamma(Xw, key=k4) * width_scale
    kpca = NystroemKPCA.fit(Xw, d, n_landmarks, gamma=g, key=k1)
    Z = kpca.encode(Xw).reshape(F, T, d)
    del Xw
    b = fields_mT / FIELD_SCALE_MT
    bT = jnp.broadcast_to(b[:, None, :], (F, T - 1, 2))
    U = jnp.concatenate([Z[:, :-1], bT], -1).reshape(-1, d + 2)
    dZ = (Z[:, 1:] - Z[:, :-1]).reshape(-1, d)
    nc = n_landmarks if n_centres is None else n_centres
    weights = jnp.concatenate([jnp.ones(d), jnp.full(2, field_weight)])
    stepper = NystroemKRR.fit(U, dZ, nc, lam, key=k2, gamma_scale=krr_gamma_scale,
                              weights=weights)  # fmt: skip
    best, best_err = stepper, jnp.inf
    # the one-step fit alone needs no rollout (unless its error is to be printed)
    for r in range(rollout_rounds + 1 if rollout_rounds or verbose else 0):
        zr = _latent_rollouts(stepper, Z[:, 0], b, T - 2)[:, 1:]  # z'_1 .. z'_{T-2}
        err = float(jnp.sqrt(jnp.mean((zr - Z[:, 1:-1]) ** 2)))
        if verbose:
            print(f"  rollout round {r}: latent RMS error of the rollouts {err:.3g}", flush=True)
        if err < best_err:
            best, best_err = stepper, err
        if r == rollout_rounds:
            break
        ok = jnp.all(jnp.isfinite(zr), axis=-1).reshape(-1)
        Ur = jnp.concatenate([zr, bT[:, 1:]], -1).reshape(-1, d + 2)[ok]
        U = jnp.concatenate([U, Ur])
        dZ = jnp.concatenate([dZ, (Z[:, 2:] - zr).reshape(-1, d)[ok]])
        # new centres drawn from all pairs so far, so the corrections off the training
        # states can be represented where the rollouts went
        kr = jax.random.fold_in(k2, r + 1)
        C = (U[_pick(kr, len(U), len(stepper.centres))] - stepper.shift) / stepper.scale
        stepper = eqx.tree_at(lambda k: k.centres, stepper, C).refit(U, dZ, lam)
    stepper = best
    dlam = lam if decoder_lam is None else decoder_lam
    decoder = NystroemKRR.fit(Z.reshape(-1, d), X, nc, dlam, key=k3, gamma_scale=krr_gamma_scale)
    average = eqx.tree_at(
        lambda k: k.coef, decoder, decoder.coef.reshape(len(decoder.coef), 3, -1).mean(-1)
    )
    return KernelStepper(kpca, stepper, decoder, average, cw, tuple(m.shape[3:]))


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
