"""Temperature: the stochastic Landau–Lifshitz–Gilbert equation (Brown's thermal field).

**The thermal field.** Brown (Phys. Rev. 130, 1677 (1963)) adds to the effective field of
each cell a Gaussian random field ``H_th``, white in time and uncorrelated between cells
and components, ``<H_th,i(t) H_th,j(t')> = D² δ_ij δ(t - t')``. The fluctuation–
dissipation theorem fixes its strength so that the Boltzmann distribution
``∝ exp(-E / k_B T)`` is stationary. jaxmag integrates the Landau–Lifshitz form

    ``dm/dt = -γ/(1+α²) [m × H + α m × (m × H)]``,

which is the Gilbert equation ``dm/dt = -γ m × H + α m × dm/dt`` solved for ``dm/dt``,
with the *same* ``γ`` (m/(A s)). Adding ``H_th`` to ``H`` in the Gilbert equation (as
Brown and García-Palacios & Lázaro, PRB 58, 14937 (1998), eqs. (2.5)–(2.8), do) puts it
into both terms of the LL form, with the Gilbert result

    ``D² = 2 α k_B T / (γ μ0 Ms V)``   (A²/m² · s),

``V`` the cell (particle) volume, ``Ms`` and ``α`` per cell. (In García-Palacios &
Lázaro's notation ``D = λ k_B T / (γ m)`` with ``<H H> = 2 D δ``, ``m = μ0 Ms V`` the
moment in their field units, ``λ = α``.) The reduced form of :mod:`jaxmag.macrospin`,
``<h h> = (α/Δ) δ(s)``, is the same formula. The Boltzmann tests of
``tests/test_thermal.py`` check it (Langevin function, ``exp(σ m_z²)``, equipartition).

**The SDE.** ``dm = f(m) dt + g(m) ∘ dW`` in the Stratonovich sense, where ``f`` is the
deterministic LLG (:func:`jaxmag.llg.llg_rhs`) and ``g(m) dW = -γ/(1+α²) [m × D dW
+ α m × (m × D dW)]`` the LL operator applied to the thermal field. It is built from
diffrax terms, ``MultiTerm(ODETerm(f), ControlTerm(g, brownian))``. The noise is
multiplicative and non-commutative: strong order 1/2 and weak order 1 at best.

**Which solvers.** The Itô and Stratonovich readings differ by the noise-induced drift
``½ Σ (g·∇)g``, which for this ``g`` is purely radial (``∝ -m``, it keeps ``|m| = 1``
in the Stratonovich calculus). Projecting onto ``|m| = 1`` after each step
(:class:`~jaxmag.ProjectedSolver`) removes radial errors, so every *Stratonovich*
solver of diffrax converges, under projection, to the Stratonovich solution:
``Heun`` (2 drift evaluations per step, weak order 1, tested: slope ≥ 1),
``EulerHeun`` (1 drift evaluation per step: the cheap choice when the demag FFT
dominates; tested pathwise), ``Midpoint``, and ``SPaRK`` (uses space–time Lévy area;
adaptive; tested pathwise, fixed and adaptive). ``ReversibleHeun`` is refused (its cached
vector field cannot hold the matrix-free diffusion operator in diffrax 0.7).
An Itô solver (``Euler`` = Euler–Maruyama) converges to the Itô solution,
whose tangential drift differs, so it is refused here; an unprojected Euler–Maruyama
run drifts off the sphere and has the wrong equilibrium (tested).

**Brownian paths.** Keys are explicit. ``VirtualBrownianTree`` (the default of
:func:`simulate_thermal`) gives a path that is a function of the key alone, so the same
key gives the same path at any step size, fixed or adaptive (its resolution is a
power-of-two fraction of the run). ``UnsafeBrownianPath`` draws each increment from
``(key, t0, t1)``: exactly repeatable at a fixed step, fast, but not consistent across
step sizes, and unusable with adaptive steps.

**Macrospins.** :func:`macrospin_sde` integrates a batch of independent particles with
the state ``(3, B)`` (components first) in a ``lax.scan`` of fixed steps; its default
``"heun"`` is a hand-written projected Heun step, identical to ``ProjectedSolver(Heun())``
on the same ``UnsafeBrownianPath`` increments (tested). Both reach ~1.3–1.4e7
replica·steps/s on 2 CPU cores in float64 (B = 1e4 … 1e5, 1000 steps); the hand-written
step draws its noise in blocks of steps (``brownian="block"``), which keeps the random
number generation out of the fused step.
"""

import diffrax
import equinox as eqx
import jax
import jax.numpy as jnp
import lineax as lx
import numpy as np
from jaxtyping import Array, Float, PRNGKeyArray

from ._validate import check_real, is_concrete
from .constants import GAMMA_LL, K_B, MU0
from .llg import TIME_UNIT, scaled_rhs
from .simulate import mean_m
from .solver import ProjectedSolver, max_norm_deviation
from .system import System
from .vectors import cross, dot, normalize

__all__ = [
    "ThermalTrajectory",
    "check_solver",
    "check_temperature",
    "macrospin_sde",
    "macrospin_sde_coupled",
    "simulate_thermal",
    "thermal_field_strength",
]


def thermal_field_strength(alpha, Ms, V, T, gamma: float = GAMMA_LL):
    """Brown's ``D = sqrt(2 α k_B T / (γ μ0 Ms V))`` in A/m · s^½, with
    ``<H_th,i(t) H_th,j(t')> = D² δ_ij δ(t - t')`` (see the module docstring).

    **Arguments:** `alpha` damping; `Ms` saturation magnetisation (A/m, 0 gives D = 0);
    `V` cell volume (m³); `T` temperature (K); `gamma` in m/(A s). Arrays broadcast.
    """
    alpha, Ms, T = (jnp.asarray(x, dtype=float) for x in (alpha, Ms, T))
    denom = gamma * MU0 * Ms * V
    nz = denom > 0
    D2 = jnp.where(nz, 2 * alpha * K_B * T / jnp.where(nz, denom, 1.0), 0.0)
    pos = D2 > 0  # NaN-free gradient of sqrt at 0
    return jnp.where(pos, jnp.sqrt(jnp.where(pos, D2, 1.0)), 0.0)


def check_temperature(T, shape=None, times=None):
    """Validate a temperature in K (scalar, array of ``shape`` or callable ``T(t)``,
    ``t`` in s, checked at ``times``): finite and >= 0. Traced values pass."""
    if callable(T):
        if times is None:
            return T
        vals = [T(float(t)) for t in times]
        for v in vals:
            if shape is not None and np.shape(v) not in ((), shape):
                raise ValueError(f"T(t) has shape {np.shape(v)}, expected () or {shape}")
            if is_concrete(v):
                check_real("temperature T(t) (K)", np.asarray(v, dtype=float), nonneg=True)
        return T
    if isinstance(T, bool | np.bool_) or T is None:
        raise TypeError(f"temperature T must be a number, array or callable, got {T!r}")
    if shape is not None and np.shape(T) not in ((), shape):
        raise ValueError(f"temperature T has shape {np.shape(T)}, expected () or {shape}")
    if is_concrete(T):
        check_real("temperature T (K)", T, nonneg=True)
    return T


_ITO_MSG = (
    "is an Itô solver: it converges to the Itô solution of the stochastic LLG, not the "
    "Stratonovich one that Brown's thermal field defines. Use Heun, EulerHeun, "
    "Midpoint or SPaRK"
)


def check_solver(solver, adaptive: bool = False) -> diffrax.AbstractSolver:
    """Check that a diffrax solver suits the thermal SDE: Stratonovich, and with an
    error estimate if `adaptive`. Returns it unwrapped."""
    if isinstance(solver, ProjectedSolver):
        solver = solver.solver
    if not isinstance(solver, diffrax.AbstractSolver):
        raise TypeError(f"solver must be a diffrax solver, got {solver!r}")
    if isinstance(solver, diffrax.AbstractItoSolver) and not isinstance(
        solver, diffrax.AbstractStratonovichSolver
    ):
        raise ValueError(f"{type(solver).__name__} {_ITO_MSG}")
    if not isinstance(solver, diffrax.AbstractStratonovichSolver):
        raise ValueError(
            f"{type(solver).__name__} is not a Stratonovich SDE solver of diffrax; use Heun, "
            "EulerHeun, Midpoint or SPaRK"
        )
    if isinstance(solver, diffrax.ReversibleHeun):
        raise ValueError(
            "ReversibleHeun is not supported: its cached vector field cannot hold the "
            "matrix-free thermal diffusion operator; use Heun, EulerHeun, Midpoint or SPaRK"
        )
    if adaptive and not isinstance(solver, diffrax.AbstractAdaptiveSolver):
        raise ValueError(
            f"{type(solver).__name__} has no error estimate, so it cannot take adaptive "
            "steps; use Heun or SPaRK, or fixed steps (dt)"
        )
    return solver


def _levy(solver):
    lev = getattr(solver, "minimal_levy_area", diffrax.BrownianIncrement)
    if isinstance(lev, type) and issubclass(lev, diffrax.AbstractSpaceTimeLevyArea):
        return diffrax.SpaceTimeLevyArea
    return diffrax.BrownianIncrement


def _ll(m, X, alpha, gamma):
    """The LL operator ``-γ/(1+α²) [m × X + α m × (m × X)]``."""
    mxX = cross(m, X)
    return -gamma / (1 + alpha**2) * (mxX + alpha * cross(m, mxX))


# ------------------------------------------------------------------------------------
# Macrospins
# ------------------------------------------------------------------------------------


def _macro_field(m, Hk, u, H):
    """Anisotropy ``(2K/(μ0 Ms)) (m·u) u`` plus the applied field, A/m; ``m`` ``(3, B)``."""
    return Hk * dot(m, u) * u + H


NOISE_CHUNK_BYTES: int = 2**26
"""The fast macrospin path draws its Gaussian increments in chunks of at most this
many bytes (one ``jax.random.normal`` call per chunk of steps)."""


def _chunk(per_save, B):
    """Steps per noise chunk: the largest divisor of ``per_save`` within the budget."""
    cap = max(1, NOISE_CHUNK_BYTES // (3 * B * 8))
    return max(c for c in range(1, min(per_save, cap) + 1) if per_save % c == 0)


@eqx.filter_jit
def _macrospin_run(
    m0, key, ds, D, Hk, u, H, alpha, gamma, n_steps, n_saves, solver, brownian,
    projected=True, coupled=False,
):  # fmt: skip
    """Time in ps, ``τ = t / TIME_UNIT``: ``dm = LL(m, u H dτ + D sqrt(u) dW_τ)``."""
    unit = TIME_UNIT
    bm = diffrax.UnsafeBrownianPath(shape=m0.shape, key=key, levy_area=_levy(solver))
    per_save = n_steps // (n_saves - 1)
    sq = jnp.sqrt(unit) * D

    if isinstance(solver, str):  # hand-written "heun" / "euler"

        def X(m, dW, h):
            return unit * _macro_field(m, Hk, u, H) * h + sq * dW

        def step(m, dW, h=ds):
            mn = normalize(m)
            k1 = _ll(mn, X(mn, dW, h), alpha, gamma)
            if solver == "euler":
                m1 = m + k1
            else:
                mt = normalize(m + k1)
                k2 = _ll(mt, X(mt, dW, h), alpha, gamma)
                m1 = m + 0.5 * (k1 + k2)
            return normalize(m1) if projected else m1

        if coupled:  # fine steps ds and coarse steps 2 ds on one Brownian path

            def step(m, dW, _step=step):
                fine = _step(_step(m[0], dW[0]), dW[1])
                return jnp.stack([fine, _step(m[1], dW[0] + dW[1], 2 * ds)])

        if brownian == "block":
            B = m0.shape[-1]
            c = 2 * _chunk(per_save // 2, 2 * B) if coupled else _chunk(per_save, B)
            n_chunks = per_save // c
            shape = (c // 2, 2, 3, B) if coupled else (c, 3, B)

            def advance(m, k):  # save block k
                def chunk(m, j):
                    kk = jax.random.fold_in(key, k * n_chunks + j)
                    dW = jnp.sqrt(ds) * jax.random.normal(kk, shape, m0.dtype)
                    m, _ = jax.lax.scan(lambda m, w: (step(m, w), None), m, dW)
                    return m, None

                return jax.lax.scan(chunk, m, jnp.arange(n_chunks))[0]

        else:

            def advance(m, k):
                def inner(m, j):
                    i = k * per_save + j
                    return step(m, bm.evaluate(i * ds, (i + 1) * ds)), None

                return jax.lax.scan(inner, m, jnp.arange(per_save))[0]

        state0 = m0

        def get_m(state):
            return state
    else:

        def drift(t, m, args):
            m = normalize(m)
            return unit * _ll(m, _macro_field(m, Hk, u, H), alpha, gamma)

        def diffusion(t, m, args):
            m = normalize(m)
            return lx.FunctionLinearOperator(
                lambda dW: _ll(m, sq * dW, alpha, gamma), jax.ShapeDtypeStruct(m.shape, m.dtype)
            )

        term = diffrax.MultiTerm(diffrax.ODETerm(drift), diffrax.ControlTerm(diffusion, bm))
        slv = ProjectedSolver(solver) if projected else solver
        state0 = (m0, slv.init(term, 0.0, ds, m0, None))

        def advance(state, k):
            def inner(carry, j):
                i = k * per_save + j
                m, st = carry
                m1, _, _, st, _ = slv.step(term, i * ds, (i + 1) * ds, m, None, st, False)
                return (m1, st), None

            return jax.lax.scan(inner, state, jnp.arange(per_save))[0]

        def get_m(state):
            return state[0]

    def save_block(state, k):
        state = advance(state, k)
        return state, get_m(state)

    _, ms = jax.lax.scan(save_block, state0, jnp.arange(n_saves - 1))
    return jnp.concatenate([m0[None], ms], axis=0)


_MACRO_SOLVERS = ("heun", "euler")


def _macrospin_inputs(
    key, m0, t1, n_steps, n_saves, Ms, V, alpha, T, K, easy_axis, H, gamma, solver,
    allow_ito, brownian,
):  # fmt: skip
    """Validate the inputs of :func:`macrospin_sde`; the arguments of `_macrospin_run`."""
    if key is None:
        raise ValueError("a thermal run needs an explicit PRNG key (key=jax.random.key(...))")
    m0 = jnp.asarray(m0, dtype=float)
    if m0.ndim != 2 or m0.shape[0] != 3:
        raise ValueError(f"m0 must have shape (3, B), got {m0.shape}")
    B = m0.shape[1]
    if is_concrete(m0):
        a = np.asarray(m0)
        if not np.all(np.isfinite(a)) or np.any(np.sum(a * a, axis=0) == 0):
            raise ValueError("m0 must be finite and non-zero in every column")
    for name, v in (("n_steps", n_steps), ("n_saves", n_saves)):
        if isinstance(v, bool) or not isinstance(v, int | np.integer):
            raise TypeError(f"{name} must be an integer, got {v!r}")
    if n_steps <= 0:
        raise ValueError(f"n_steps must be > 0 (the step t1/n_steps must be > 0), got {n_steps}")
    if n_saves < 2 or n_steps % (n_saves - 1):
        raise ValueError(f"n_saves must be >= 2 and n_saves - 1 divide n_steps={n_steps}")
    check_real("t1 (s)", t1, positive=True)
    check_real("gamma (m/(A s))", gamma, positive=True)
    shapes = ((), (B,))
    for name, v, kw in (
        ("Ms (A/m)", Ms, {"positive": True}),
        ("V (m³)", V, {"positive": True}),
        ("alpha", alpha, {"positive": True}),
        ("K (J/m³)", K, {}),
    ):
        check_real(name, v, **kw)
        if np.shape(v) not in shapes:
            raise ValueError(f"{name} must be a scalar or ({B},), got shape {np.shape(v)}")
    check_temperature(T, (B,))
    if brownian not in ("block", "unsafe"):
        raise ValueError(f"brownian must be 'block' or 'unsafe', got {brownian!r}")
    if isinstance(solver, str):
        if solver not in _MACRO_SOLVERS:
            raise ValueError(f"solver must be 'heun', 'euler' or a diffrax solver, got {solver!r}")
        if solver == "euler" and not allow_ito:
            raise ValueError(f"Euler–Maruyama ('euler') {_ITO_MSG}")
    else:
        solver = check_solver(solver)
        brownian = "unsafe"
    u = jnp.asarray(easy_axis, dtype=float)
    if u.shape != (3,) or (is_concrete(u) and not float(jnp.linalg.norm(u)) > 0):
        raise ValueError(f"easy_axis must be a non-zero (3,) vector, got {easy_axis!r}")
    u = (u / jnp.linalg.norm(u))[:, None]
    H = jnp.asarray(H, dtype=float)
    if H.shape == (3,):
        H = H[:, None]
    if H.shape not in ((3, 1), (3, B)):
        raise ValueError(f"H must have shape (3,) or (3, {B}), got {H.shape}")
    check_real("H (A/m)", H)
    Ms, V, alpha, T, K = (jnp.asarray(x, dtype=float) for x in (Ms, V, alpha, T, K))
    D = thermal_field_strength(alpha, Ms, V, T, gamma)
    Hk = 2 * K / (MU0 * Ms)
    ds = t1 / n_steps / TIME_UNIT
    return (
        normalize(m0), key, ds, D, Hk, u, H, alpha, gamma, n_steps, n_saves, solver,
        brownian,
    )  # fmt: skip


def macrospin_sde(
    key: PRNGKeyArray,
    m0: Float[Array, "3 B"],
    t1: float,
    *,
    n_steps: int,
    n_saves: int = 2,
    Ms,
    V,
    alpha,
    T,
    K=0.0,
    easy_axis=(0.0, 0.0, 1.0),
    H=(0.0, 0.0, 0.0),
    gamma: float = GAMMA_LL,
    solver="heun",
    projected: bool = True,
    allow_ito: bool = False,
    brownian: str = "block",
):
    """A batch of independent thermal macrospins (stochastic LLG, Stratonovich), fixed steps.

    **Arguments:**

    - `key`: PRNG key of the thermal field (required). The whole batch draws one
      Brownian path of shape ``(3, B)`` from it (see `brownian`): runs are exactly
      repeatable from the key and the inputs.
    - `m0`: start, shape ``(3, B)`` (normalised here).
    - `t1`: duration in s, > 0.
    - `n_steps`: fixed steps (step ``t1 / n_steps``), a multiple of ``n_saves - 1``.
    - `n_saves`: saves at ``t1 k / (n_saves - 1)``, ``k = 0 … n_saves - 1`` (>= 2).
    - `Ms` (A/m, > 0), `V` (m³, > 0), `alpha` (> 0), `T` (K, >= 0), `K` (J/m³, uniaxial
      energy density ``-K (m·u)²``): scalars or ``(B,)``.
    - `easy_axis`: ``u``, ``(3,)``, normalised here.
    - `H`: applied field in A/m, ``(3,)`` or ``(3, B)``; Zeeman energy ``-μ0 Ms V m·H``.
    - `gamma`: m/(A s).
    - `solver`: ``"heun"`` (default: hand-written projected Heun, weak order 1), or a
      diffrax Stratonovich solver (``diffrax.Heun()``, ``EulerHeun()``, ...) stepped
      through :class:`~jaxmag.ProjectedSolver`; ``"euler"`` (Euler–Maruyama, Itô) only
      with ``allow_ito=True``, for demonstrating that it is wrong.
    - `projected`: normalise after every step (``False`` only for demonstrations).
    - `allow_ito`: permit ``solver="euler"``.
    - `brownian`: the noise of the hand-written steps. ``"block"`` (default, fast):
      Gaussian increments drawn in chunks of steps, chunk ``j`` from
      ``fold_in(key, j)`` (the chunk length depends on ``B`` and the steps per save, see
      :data:`NOISE_CHUNK_BYTES`); ``"unsafe"``: the increments of
      ``diffrax.UnsafeBrownianPath(key)``, exactly those the diffrax solvers see (so
      ``"heun"`` then equals ``ProjectedSolver(diffrax.Heun())``, tested). Diffrax
      solvers always use ``"unsafe"``.

    Returns ``(ts, m)``: ``ts`` ``(n_saves,)`` in s, ``m`` ``(n_saves, 3, B)``.
    """
    args = _macrospin_inputs(
        key, m0, t1, n_steps, n_saves, Ms, V, alpha, T, K, easy_axis, H, gamma, solver,
        allow_ito, brownian,
    )  # fmt: skip
    m = _macrospin_run(*args, projected=projected)
    return jnp.linspace(0.0, t1, n_saves), m


def macrospin_sde_coupled(
    key: PRNGKeyArray,
    m0: Float[Array, "3 B"],
    t1: float,
    *,
    n_steps: int,
    n_saves: int = 2,
    Ms,
    V,
    alpha,
    T,
    K=0.0,
    easy_axis=(0.0, 0.0, 1.0),
    H=(0.0, 0.0, 0.0),
    gamma: float = GAMMA_LL,
):
    """Projected Heun at steps ``t1/n_steps`` and ``2 t1/n_steps`` on one Brownian path.

    The coarse run takes each pair of the fine run's Brownian increments as one
    increment (the coupling of multilevel Monte Carlo). Both runs have the weak error
    ``c h + O(h²)`` of Heun, so the Talay–Tubaro extrapolation ``2 E[f(fine)] -
    E[f(coarse)]`` cancels the ``O(h)`` term; because the two paths stay close, its
    statistical error is barely larger than that of the fine run alone.

    Arguments as :func:`macrospin_sde` (hand-written projected Heun, ``"block"`` noise);
    `n_steps` (fine steps) must be a multiple of ``2 (n_saves - 1)``.

    Returns ``(ts, m_fine, m_coarse)``: ``ts`` ``(n_saves,)`` in s, each ``m``
    ``(n_saves, 3, B)``.
    """
    if isinstance(n_steps, int | np.integer) and not isinstance(n_steps, bool):
        if isinstance(n_saves, int | np.integer) and n_saves >= 2:
            if n_steps % (2 * (n_saves - 1)):
                raise ValueError(
                    f"n_steps={n_steps} must be a multiple of 2 (n_saves - 1) = "
                    f"{2 * (n_saves - 1)} (every coarse step spans two fine steps)"
                )
    m0, *rest = _macrospin_inputs(
        key, m0, t1, n_steps, n_saves, Ms, V, alpha, T, K, easy_axis, H, gamma, "heun",
        False, "block",
    )  # fmt: skip
    m = _macrospin_run(jnp.stack([m0, m0]), *rest, coupled=True)
    return jnp.linspace(0.0, t1, n_saves), m[:, 0], m[:, 1]


# ------------------------------------------------------------------------------------
# The grid
# ------------------------------------------------------------------------------------


class ThermalTrajectory(eqx.Module):
    """The result of :func:`simulate_thermal`.

    - `ts`: save times in s, ``(n,)``.
    - `m_avg`: ⟨m⟩ over magnetic cells, ``(n, 3)``.
    - `m_final`: the state at the end, ``(3, nx, ny, nz)``.
    - `energies`: dict of energy per term in J, each ``(n,)``, or ``None``.
    - `norm_dev`: max ``| |m| - 1 |`` of the solver state at each save (the saved state
      is taken on step points, so this checks the projection itself), ``(n,)``.
    - `stats`: ``num_steps``, ``num_accepted_steps``, ``num_rejected_steps``.
    - `snapshots`: the normalised field m at every save time, ``(n, 3, nx, ny, nz)``,
      if asked for (``snapshots=True``), else ``None``.
    """

    ts: Float[Array, " n"]
    m_avg: Float[Array, "n 3"]
    m_final: Float[Array, "3 nx ny nz"]
    energies: dict | None
    norm_dev: Float[Array, " n"]
    stats: dict
    snapshots: Float[Array, "n 3 nx ny nz"] | None = None


def _pow2_tol(span, dt):
    """The Brownian tree's resolution: ``span / 2^k`` <= ``dt / 4`` (nested grids, so runs
    at step sizes that differ by powers of two see the same dyadic points)."""
    k = int(np.ceil(np.log2(max(span / dt, 1.0)))) + 2
    return span / 2.0**k


def simulate_thermal(
    system: System,
    m0,
    t1: float,
    *,
    key: PRNGKeyArray | None,
    T,
    dt: float | None = None,
    solver: diffrax.AbstractSolver | None = None,
    save_every: float | None = None,
    ts=None,
    adaptive: bool = False,
    rtol: float = 1e-3,
    atol: float = 1e-3,
    projected: bool = True,
    max_steps: int = 1_000_000,
    brownian: str = "virtual",
    brownian_tol: float | None = None,
    save_energies: bool = True,
    snapshots: bool = False,
) -> ThermalTrajectory:
    """The stochastic LLG (Brown's thermal field, Stratonovich) for a grid ``system``.

    **Arguments:**

    - `system`: the :class:`~jaxmag.System` (drift: :func:`jaxmag.llg.llg_rhs`, including
      its spin torques).
    - `m0`: start, ``(3, nx, ny, nz)`` or ``(3,)``.
    - `t1`: duration in s (from 0).
    - `key`: PRNG key of the thermal field (required).
    - `T`: temperature in K, >= 0: a scalar, per cell ``(nx, ny, nz)``, or a callable
      ``T(t)`` (t in s) returning either.
    - `dt`: the fixed step in s, > 0 (required unless `adaptive`; the first step then).
    - `solver`: a diffrax Stratonovich solver (default ``Heun``); see the module docstring.
    - `save_every` (s) or `ts` (s): save times (default 100 saves); with fixed steps
      they are rounded to the step grid.
    - `adaptive`: diffrax's ``PIDController`` (`rtol`, `atol`) with a
      ``VirtualBrownianTree``; steps land on the save times.
    - `projected`: normalise after every step (``ProjectedSolver``).
    - `max_steps`: a bound on the steps.
    - `brownian`: ``"virtual"`` (``VirtualBrownianTree``: same key ⇒ same path at any
      step) or ``"unsafe"`` (``UnsafeBrownianPath``: faster, fixed steps only).
    - `brownian_tol`: resolution of the tree in s (default: ``t1/2^k`` <= ``dt/4``; for
      adaptive runs ``t1/2^20``). Equal tolerances are needed for equal paths.
    - `save_energies`: save ``system.energies`` at the save times.
    - `snapshots`: also keep the whole field m at the save times.
    """
    if key is None:
        raise ValueError("a thermal run needs an explicit PRNG key (key=jax.random.key(...))")
    m0 = system.check_magnetisation(m0)
    check_real("t1 (s)", t1, positive=True)
    if brownian not in ("virtual", "unsafe"):
        raise ValueError(f"brownian must be 'virtual' or 'unsafe', got {brownian!r}")
    if adaptive and brownian == "unsafe":
        raise ValueError(
            "adaptive steps need a VirtualBrownianTree (brownian='virtual'): an "
            "UnsafeBrownianPath cannot be evaluated consistently over rejected steps"
        )
    if dt is None:
        if not adaptive:
            raise ValueError("fixed steps need a step size dt (s), or set adaptive=True")
    else:
        check_real("dt (s)", dt, positive=True)
        if float(dt) >= float(t1) * (1 + 1e-12) and not adaptive:
            raise ValueError(f"dt={dt!r} s must be smaller than t1={t1!r} s")
    check_real("rtol", rtol, positive=True)
    check_real("atol", atol, positive=True)
    solver = check_solver(diffrax.Heun() if solver is None else solver, adaptive)
    if ts is None:
        if save_every is None:
            save_every = t1 / 100
        check_real("save_every (s)", save_every, positive=True)
        n = int(np.floor(t1 / save_every * (1 + 1e-9))) + 1
        ts = save_every * np.arange(n)
    ts = np.asarray(ts, dtype=float)
    check_real("save times ts (s)", ts)
    if ts.ndim != 1 or ts.size == 0 or np.any(np.diff(ts) < 0):
        raise ValueError("save times ts must be a non-empty non-decreasing 1D array")
    if ts[0] < 0 or ts[-1] > t1 * (1 + 1e-12):
        raise ValueError("save times ts must lie within [0, t1]")
    n_steps = None
    if not adaptive:
        n_steps = int(round(t1 / dt))
        if n_steps < 1 or not np.isclose(n_steps * dt, t1, rtol=1e-9, atol=0.0):
            raise ValueError(f"t1={t1!r} s must be a whole number of steps dt={dt!r} s")
        ts = np.round(ts / dt) * dt
    shape = system.mesh.shape
    check_temperature(T, shape, None if not callable(T) else np.linspace(0, t1, 17))
    if brownian_tol is None:
        brownian_tol = t1 / 2.0**20 if adaptive else _pow2_tol(t1, dt)
    check_real("brownian_tol (s)", brownian_tol, positive=True)
    if T is not None and not callable(T):
        T = jnp.asarray(T, dtype=float)
    out = _thermal_solve(
        system,
        m0,
        jnp.asarray(t1, dtype=float),
        jnp.asarray(ts),
        key,
        T,
        None if dt is None else jnp.asarray(dt, dtype=float),
        solver,
        adaptive,
        jnp.asarray(rtol, dtype=float),
        jnp.asarray(atol, dtype=float),
        projected,
        max_steps,
        brownian,
        float(brownian_tol),
        save_energies,
        n_steps,
        snapshots,
    )
    return out


@eqx.filter_jit
def _thermal_solve(
    system,
    m0,
    t1,
    ts,
    key,
    T,
    dt,
    solver,
    adaptive,
    rtol,
    atol,
    projected,
    max_steps,
    brownian,
    btol,
    save_energies,
    n_steps,
    snapshots,
):
    u = TIME_UNIT
    mat = system.material
    V = system.mesh.cell_volume
    alpha = mat.alpha
    mag = system.magnetic

    def strength(tau):
        Tt = T(tau * u) if callable(T) else T
        return jnp.where(mag, thermal_field_strength(alpha, mat.Ms, V, Tt, system.gamma), 0.0)

    def drift(tau, y, args):
        return scaled_rhs(tau, y, args)

    def diffusion(tau, y, args):
        m = jnp.where(mag, normalize(y), 0.0)
        sq = jnp.sqrt(u) * strength(tau)
        return lx.FunctionLinearOperator(
            lambda dW: _ll(m, sq * dW, alpha, args.gamma), jax.ShapeDtypeStruct(y.shape, y.dtype)
        )

    levy = _levy(solver)
    if brownian == "virtual":
        # always with space-time Lévy area, so that one key gives one path for every solver
        levy = diffrax.SpaceTimeLevyArea
        bm = diffrax.VirtualBrownianTree(
            0.0, t1 / u, tol=btol / u, shape=m0.shape, key=key, levy_area=levy
        )
    else:
        bm = diffrax.UnsafeBrownianPath(shape=m0.shape, key=key, levy_area=levy)
    terms = diffrax.MultiTerm(diffrax.ODETerm(drift), diffrax.ControlTerm(diffusion, bm))

    def observe(tau, y, args):
        out = {"m_avg": mean_m(args, normalize(y)), "norm_dev": max_norm_deviation(y)}
        if save_energies:
            out["energies"] = args.energies(normalize(y), tau * u)
        if snapshots:
            out["snapshots"] = normalize(y)
        return out

    tsu = jnp.clip(ts / u, 0.0, t1 / u)
    saveat = diffrax.SaveAt(
        subs=[
            diffrax.SubSaveAt(ts=tsu, fn=observe),
            diffrax.SubSaveAt(t1=True, fn=lambda tau, y, args: y),
        ]
    )
    if adaptive:
        controller = diffrax.PIDController(rtol=rtol, atol=atol, step_ts=tsu)
        dt0 = None if dt is None else dt / u
    else:
        controller = diffrax.StepTo(ts=jnp.linspace(0.0, t1 / u, n_steps + 1))
        dt0 = None
    sol = diffrax.diffeqsolve(
        terms,
        ProjectedSolver(solver) if projected else solver,
        0.0,
        t1 / u,
        dt0,
        m0,
        args=system,
        saveat=saveat,
        stepsize_controller=controller,
        max_steps=max_steps,
        # an UnsafeBrownianPath supports forward-mode differentiation only
        adjoint=diffrax.ForwardMode()
        if brownian == "unsafe"
        else diffrax.RecursiveCheckpointAdjoint(),
    )
    obs, yfin = sol.ys
    stats = {k: sol.stats[k] for k in ("num_steps", "num_accepted_steps", "num_rejected_steps")}
    return ThermalTrajectory(
        ts=ts,
        m_avg=obs["m_avg"],
        m_final=yfin[-1],
        energies=obs.get("energies"),
        norm_dev=obs["norm_dev"],
        stats=stats,
        snapshots=obs.get("snapshots"),
    )
