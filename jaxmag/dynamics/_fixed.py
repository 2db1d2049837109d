"""A fixed-step path beside the adaptive one: ``lax.scan`` over one projected step.

For batched runs (every batch member takes the same steps, so ``vmap`` wastes nothing)
and for training data and training through the solver (``checkpoint=True`` keeps the
memory of reverse mode to one state per save).
"""

import diffrax
import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from jaxmag._system import System
from jaxmag._validate import check_real, is_concrete
from jaxmag.dynamics._llg import TIME_UNIT, scaled_rhs
from jaxmag.dynamics._simulate import check_finite, mean_m
from jaxmag.dynamics._solver import ProjectedSolver
from jaxmag.vectors import normalise


class FixedTrajectory(eqx.Module):
    """``ts`` (s, ``(S,)``), ``m_avg`` (``(S, 3)``), ``snapshots`` (``(S, 3, nx, ny, nz)``
    or None) at the save times, and ``m_final``."""

    ts: Float[Array, " S"]
    m_avg: Float[Array, "S 3"]
    snapshots: Float[Array, "S 3 nx ny nz"] | None
    m_final: Float[Array, "3 nx ny nz"]


def simulate_fixed(
    system: System,
    m0,
    dt: float,
    n_steps: int,
    *,
    save_every_n: int = 1,
    solver: diffrax.AbstractSolver | None = None,
    precession: bool = True,
    save_snapshots: bool = False,
    checkpoint: bool = False,
) -> FixedTrajectory:
    """Integrate ``n_steps`` steps of size ``dt`` (s), saving every ``save_every_n`` steps.

    **Arguments:**

    - `system`, `m0`: as in :func:`jaxmag.simulate`.
    - `dt`: the step in s. Stability needs ``dt`` below ~2/(γ H_max) with ``H_max`` the
      largest field (exchange: ``8 A / (μ0 Ms d²)`` per dimension). With little damping
      that is not enough for Heun, which amplifies pure precession by ~(ω dt)⁴/8 per step:
      keep ``γ H_max dt`` below ~0.2 there (or use a 3rd/4th-order solver, whose
      stability regions include part of the imaginary axis).
    - `n_steps`: number of steps, a multiple of `save_every_n`.
    - `solver`: any explicit diffrax solver (default ``Heun``, 2nd order), wrapped in
      :class:`ProjectedSolver`.
    - `precession`: ``False`` for damping-only dynamics.
    - `save_snapshots`: also keep the full m at the save times.
    - `checkpoint`: rematerialise the steps between saves in reverse mode
      (``jax.checkpoint``): memory of one state per save instead of one per step.

    The saves include t = 0. Raises ``RuntimeError`` if the state becomes non-finite.
    """
    m0 = system.check_magnetisation(m0)
    check_real("dt (s)", dt, positive=True)
    for name, v in (("n_steps", n_steps), ("save_every_n", save_every_n)):
        if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")
    if n_steps % save_every_n:
        raise ValueError(f"n_steps ({n_steps}) must be a multiple of save_every_n ({save_every_n})")
    solver = diffrax.Heun() if solver is None else solver
    if not isinstance(solver, diffrax.AbstractSolver):
        raise TypeError(f"solver must be a diffrax solver, got {solver!r}")
    out = _run(
        system,
        m0,
        jnp.asarray(dt / TIME_UNIT, dtype=float),
        n_steps // save_every_n,
        save_every_n,
        ProjectedSolver(solver),
        precession,
        save_snapshots,
        checkpoint,
    )
    hint = f" (step {dt:g} s too large, or a non-finite field)" if is_concrete(dt) else ""
    return check_finite(out, out.ts[-1], "fixed-step LLG", hint)


@eqx.filter_jit
def _run(system, m0, dtau, n_saves, every, psolver, precession, save_snapshots, checkpoint):
    u = TIME_UNIT
    term = diffrax.ODETerm(lambda tau, y, args: scaled_rhs(tau, y, args, precession))
    state0 = psolver.init(term, 0.0, dtau, m0, system)

    def step(carry, _):
        tau, y, state = carry
        y1, _, _, state, _ = psolver.step(term, tau, tau + dtau, y, system, state, False)
        return (tau + dtau, y1, state), None

    def block(carry, _):
        carry, _ = jax.lax.scan(step, carry, None, length=every)
        return carry, carry[1]

    if checkpoint:
        block = jax.checkpoint(block)

    def observe(y):
        y = normalise(y)
        return mean_m(system, y), (y if save_snapshots else None)

    _, ys = jax.lax.scan(block, (jnp.zeros((), dtau.dtype), m0, state0), None, length=n_saves)
    ms = jnp.concatenate([m0[None], ys])
    m_avg, snaps = jax.vmap(observe)(ms)
    ts = jnp.arange(n_saves + 1) * (every * dtau * u)
    return FixedTrajectory(ts=ts, m_avg=m_avg, snapshots=snaps, m_final=normalise(ms[-1]))
