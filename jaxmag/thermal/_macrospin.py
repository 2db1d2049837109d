"""Batches of independent thermal macrospins: fixed-step projected Heun in a ``lax.scan``
(see :mod:`jaxmag.thermal`)."""

import inspect

import diffrax
import equinox as eqx
import jax
import jax.numpy as jnp
import lineax as lx
import numpy as np
from jaxtyping import Array, Float, PRNGKeyArray

from jaxmag._validate import check_int, check_real, is_concrete
from jaxmag.constants import GAMMA_LL, MU0
from jaxmag.dynamics._llg import TIME_UNIT
from jaxmag.dynamics._solver import ProjectedSolver
from jaxmag.thermal._field import (
    _ITO_MSG,
    _levy,
    check_solver,
    check_temperature,
    ll_operator,
    thermal_field_strength,
)
from jaxmag.vectors import dot, normalise


def _macro_field(m, Hk, u, H):
    """Anisotropy ``(2K/(μ0 Ms)) (m·u) u`` plus the applied field, A/m; ``m`` ``(3, B)``."""
    return Hk * dot(m, u) * u + H


NOISE_CHUNK_BYTES: int = 2**26
"""The fast macrospin path draws its Gaussian increments in chunks of at most this
many bytes (one ``jax.random.normal`` call per chunk of steps)."""


def _chunk(per_save, B):
    """``(c, n_full, rem)``: a save block of ``per_save`` steps as ``n_full`` noise
    chunks of ``c`` steps and one of ``rem``. ``c`` is the largest divisor of
    ``per_save`` within the byte budget (``rem = 0``) unless that is under half the
    budget (a prime ``per_save``, say); then ``c`` is the budget and ``rem`` the rest."""
    cap = min(per_save, max(1, NOISE_CHUNK_BYTES // (3 * B * 8)))
    c = max(d for d in range(1, cap + 1) if per_save % d == 0)
    if 2 * c < cap:
        c = cap
    return c, per_save // c, per_save % c


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
            mn = normalise(m)
            k1 = ll_operator(mn, X(mn, dW, h), alpha, gamma)
            if solver == "euler":
                m1 = m + k1
            else:
                mt = normalise(m + k1)
                k2 = ll_operator(mt, X(mt, dW, h), alpha, gamma)
                m1 = m + 0.5 * (k1 + k2)
            return normalise(m1) if projected else m1

        if coupled:  # fine steps ds and coarse steps 2 ds on one Brownian path

            def step(m, dW, _step=step):
                fine = _step(_step(m[0], dW[0]), dW[1])
                return jnp.stack([fine, _step(m[1], dW[0] + dW[1], 2 * ds)])

        if brownian == "block":
            B = m0.shape[-1]
            # in coupled mode the unit is a pair of fine steps
            c, n_full, rem = _chunk(per_save // 2, 2 * B) if coupled else _chunk(per_save, B)
            n_chunks = n_full + (rem > 0)
            unit_shape = (2, 3, B) if coupled else (3, B)

            def draw_and_step(m, index, size):
                kk = jax.random.fold_in(key, index)
                dW = jnp.sqrt(ds) * jax.random.normal(kk, (size, *unit_shape), m0.dtype)
                return jax.lax.scan(lambda m, w: (step(m, w), None), m, dW)[0]

            def advance(m, k):  # save block k
                def chunk(m, j):
                    return draw_and_step(m, k * n_chunks + j, c), None

                m = jax.lax.scan(chunk, m, jnp.arange(n_full))[0]
                return draw_and_step(m, k * n_chunks + n_full, rem) if rem else m

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
            m = normalise(m)
            return unit * ll_operator(m, _macro_field(m, Hk, u, H), alpha, gamma)

        def diffusion(t, m, args):
            m = normalise(m)
            return lx.FunctionLinearOperator(
                lambda dW: ll_operator(m, sq * dW, alpha, gamma),
                jax.ShapeDtypeStruct(m.shape, m.dtype),
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
    n_steps, n_saves = check_int("n_steps", n_steps), check_int("n_saves", n_saves, minimum=2)
    if n_steps % (n_saves - 1):
        raise ValueError(f"n_saves - 1 must divide n_steps={n_steps}, got n_saves={n_saves}")
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
    ds = jnp.asarray(t1 / n_steps / TIME_UNIT, dtype=float)  # traced: no recompile per t1
    return (
        normalise(m0), key, ds, D, Hk, u, H, alpha, gamma, n_steps, n_saves, solver,
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


_SDE_SIGNATURE = inspect.signature(macrospin_sde)


def macrospin_sde_coupled(
    key: PRNGKeyArray,
    m0: Float[Array, "3 B"],
    t1: float,
    *,
    n_steps: int,
    n_saves: int = 2,
    **particle,
):
    """Projected Heun at steps ``t1/n_steps`` and ``2 t1/n_steps`` on one Brownian path.

    The coarse run takes each pair of the fine run's Brownian increments as one
    increment (the coupling of multilevel Monte Carlo). Both runs have the weak error
    ``c h + O(h²)`` of Heun, so the Talay–Tubaro extrapolation ``2 E[f(fine)] -
    E[f(coarse)]`` cancels the ``O(h)`` term. Where the two paths stay close (strong
    damping: at α = 1, 98 % of uniaxial replicas end in the same well at σ = 3–8), its
    statistical error is barely larger than that of the fine run alone; fast
    precession (α = 0.1) decorrelates their phases, and the extrapolation then costs
    about twice the fine run's standard error. The extrapolation is only valid while
    the coarse step is in the ``O(h)`` regime (see ``benchmarks/thermal.py``).

    Arguments as :func:`macrospin_sde` (hand-written projected Heun, ``"block"`` noise);
    `n_steps` (fine steps) must be a multiple of ``2 (n_saves - 1)``. `particle` is the
    particle and field keywords of :func:`macrospin_sde`, with its defaults: `Ms`, `V`,
    `alpha`, `T` (required), `K`, `easy_axis`, `H`, `gamma`.

    Returns ``(ts, m_fine, m_coarse)``: ``ts`` ``(n_saves,)`` in s, each ``m``
    ``(n_saves, 3, B)``.
    """
    fixed = sorted(set(particle) & {"solver", "projected", "allow_ito", "brownian"})
    if fixed:
        raise TypeError(
            f"macrospin_sde_coupled() got an unexpected keyword argument {fixed[0]!r} (it "
            "always runs the hand-written projected Heun with 'block' noise)"
        )
    # macrospin_sde's signature is the one list of the particle keywords and defaults
    kw = _SDE_SIGNATURE.bind(key, m0, t1, n_steps=n_steps, n_saves=n_saves, **particle)
    kw.apply_defaults()
    kw = {k: v for k, v in kw.arguments.items() if k != "projected"}
    n_steps, n_saves = check_int("n_steps", n_steps), check_int("n_saves", n_saves, minimum=2)
    if n_steps % (2 * (n_saves - 1)):
        raise ValueError(
            f"n_steps={n_steps} must be a multiple of 2 (n_saves - 1) = "
            f"{2 * (n_saves - 1)} (every coarse step spans two fine steps)"
        )
    m0, *rest = _macrospin_inputs(**kw)
    m = _macrospin_run(jnp.stack([m0, m0]), *rest, coupled=True)
    return jnp.linspace(0.0, t1, n_saves), m[:, 0], m[:, 1]
