"""A fixed-step path beside the adaptive one: ``lax.scan`` over one projected step.

For batched runs (every batch member takes the same steps, so ``vmap`` wastes nothing)
and for training data and training through the solver (``checkpoint=True`` keeps the
memory of reverse mode to one state per save).
"""

import diffrax
import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from jaxmag._system import System
from jaxmag._validate import check_int, check_real, is_concrete
from jaxmag.dynamics._llg import TIME_UNIT, ScaledLLG
from jaxmag.dynamics._simulate import check_finite, mean_m
from jaxmag.dynamics._solver import ProjectedSolver, max_norm_deviation
from jaxmag.dynamics._trajectory import Trajectory, snapshot_flag
from jaxmag.vectors import normalise


def simulate_fixed(
    system: System,
    m0,
    dt: float,
    n_steps: int,
    *,
    save_every: float | None = None,
    solver: diffrax.AbstractSolver | None = None,
    precession: bool = True,
    snapshots: bool = False,
    checkpoint: bool = False,
) -> Trajectory:
    """Integrate ``n_steps`` steps of size ``dt`` (s) from t = 0, saving every
    ``save_every`` (s).

    **Arguments:**

    - `system`, `m0`: as in :func:`jaxmag.simulate`.
    - `dt`: the step in s. Stability needs ``dt`` below ~2/(γ H_max) with ``H_max`` the
      largest field (exchange: ``8 A / (μ0 Ms d²)`` per dimension). With little damping
      that is not enough for Heun, which amplifies pure precession by ~(ω dt)⁴/8 per step:
      keep ``γ H_max dt`` below ~0.2 there (or use a 3rd/4th-order solver, whose
      stability regions include part of the imaginary axis).
    - `n_steps`: number of steps (the run ends at ``t1 = n_steps * dt``).
    - `save_every`: save interval in s, a whole number of steps `dt` that divides the
      run (default `dt`: every step). The saves are at ``k * save_every``, t = 0 included.
    - `solver`: any explicit diffrax solver (default ``Heun``, 2nd order), wrapped in
      :class:`ProjectedSolver`.
    - `precession`: ``False`` for damping-only dynamics.
    - `snapshots`: also keep the full field m at the save times (``True``/``False``).
    - `checkpoint`: rematerialise the steps between saves in reverse mode
      (``jax.checkpoint``): memory of one state per save instead of one per step.

    Returns a :class:`~jaxmag.Trajectory` (no `energies`, no `result`). Raises
    ``RuntimeError`` if the state becomes non-finite.
    """
    m0 = system.check_magnetisation(m0)
    check_real("dt (s)", dt, positive=True)
    n_steps = check_int("n_steps", n_steps)
    every = _steps_per_save(dt, save_every)
    if n_steps % every:
        raise ValueError(
            f"n_steps ({n_steps}) must be a multiple of the steps per save "
            f"(save_every / dt = {every})"
        )
    snapshots = snapshot_flag(snapshots, "simulate_fixed")
    solver = diffrax.Heun() if solver is None else solver
    if not isinstance(solver, diffrax.AbstractSolver):
        raise TypeError(f"solver must be a diffrax solver, got {solver!r}")
    out = _run(
        system,
        m0,
        jnp.asarray(dt / TIME_UNIT, dtype=float),
        n_steps // every,
        every,
        ProjectedSolver(solver),
        precession,
        snapshots,
        checkpoint,
    )
    hint = f" (step {dt:g} s too large, or a non-finite field)" if is_concrete(dt) else ""
    return check_finite(out, out.ts[-1], "fixed-step LLG", hint)


def _steps_per_save(dt, save_every) -> int:
    """``save_every / dt`` (a positive whole number, checked); 1 if `save_every` is None."""
    if save_every is None:
        return 1
    check_real("save_every (s)", save_every, positive=True)
    if not (is_concrete(dt) and is_concrete(save_every)):
        raise ValueError("save_every (s) and dt (s) must be concrete numbers, not traced")
    k = int(round(float(save_every) / float(dt)))
    if k < 1 or not np.isclose(k * float(dt), float(save_every), rtol=1e-9, atol=0.0):
        raise ValueError(
            f"save_every = {save_every!r} s must be a whole number of steps dt = {dt!r} s"
        )
    return k


@eqx.filter_jit
def _run(system, m0, dtau, n_saves, every, psolver, precession, snapshots, checkpoint):
    u = TIME_UNIT
    term = diffrax.ODETerm(ScaledLLG(precession))
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
        dev = max_norm_deviation(y, system.magnetic)
        y = normalise(y)
        return mean_m(system, y), dev, (y if snapshots else None)

    _, ys = jax.lax.scan(block, (jnp.zeros((), dtau.dtype), m0, state0), None, length=n_saves)
    ms = jnp.concatenate([m0[None], ys])
    m_avg, norm_dev, snaps = jax.vmap(observe)(ms)
    ts = jnp.arange(n_saves + 1) * (every * dtau * u)
    n = n_saves * every
    return Trajectory(
        ts=ts,
        m_avg=m_avg,
        m_final=normalise(ms[-1]),
        t_final=ts[-1],
        stats={"num_steps": n, "num_accepted_steps": n, "num_rejected_steps": 0},
        snapshots=snaps,
        snapshot_ts=ts if snapshots else None,
        norm_dev=norm_dev,
        final_norm_dev=max_norm_deviation(ms[-1], system.magnetic),
    )
