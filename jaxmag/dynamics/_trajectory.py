"""``Trajectory``: the one result of every run that integrates in time."""

import diffrax
import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float


class Trajectory(eqx.Module):
    """The result of every time integration: :func:`~jaxmag.simulate` (adaptive),
    :func:`~jaxmag.simulate_fixed` (fixed steps), :func:`~jaxmag.simulate_checkpointed`
    (segmented, resumable) and :func:`~jaxmag.simulate_thermal` (stochastic LLG).

    Every run fills:

    - `ts`: save times in s, ``(T,)``: ``t0 + k * save_every`` (or the `ts` asked for).
    - `m_avg`: ⟨m⟩ over magnetic cells at each save time (dimensionless), ``(T, 3)``.
    - `m_final`: the state at `t_final`, ``(3, nx, ny, nz)``: unit length to round-off
      (`final_norm_dev` says how close), except in an unprojected thermal run.
    - `t_final`: the time in s that the integration reached (``t1`` on success).
    - `stats`: a dict of the work done: ``num_steps``, ``num_accepted_steps`` and
      ``num_rejected_steps`` over the whole run; :func:`~jaxmag.simulate` adds
      ``max_steps`` and ``rhs_evals`` (right-hand-side evaluations), the checkpointed run
      ``n_segments`` (segments in the run).

    Fields that a run does not fill are ``None``:

    - `snapshots`: the normalised field m at `snapshot_ts`, ``(S, 3, nx, ny, nz)``, if
      asked for (the `snapshots` keyword of every run).
    - `snapshot_ts`: the times in s of `snapshots`, ``(S,)``.
    - `energies`: dict of the energy of each term in J at the save times, each ``(T,)``
      (:func:`~jaxmag.simulate` and the thermal run, with ``save_energies=True``).
    - `norm_dev`: max ``| |m| - 1 |`` over magnetic cells at each save time, ``(T,)``: of
      the saved (normalised, densely interpolated) output in :func:`~jaxmag.simulate`,
      of the solver's own state on step points in the fixed-step and thermal runs.
    - `final_norm_dev`: the same for the solver's final state, as the (projected) step
      left it, with no renormalisation: the check on the projection itself.
    - `result`: diffrax's result code (success, or the reason of failure) of the
      diffrax runs; ``None`` for the fixed-step run (a ``lax.scan`` that cannot fail
      other than by a non-finite state, which raises).
    - `resumed_from`: (checkpointed run) the segments already done in the checkpoint this
      call resumed from (it ran ``resumed_from, ..., n_segments - 1``); ``None`` for a
      fresh run.
    - `key`: the PRNG key of the run: the key of the thermal field (thermal run), or the
      key stored in the checkpoint and passed through (checkpointed run).
    """

    ts: Float[Array, " T"]
    m_avg: Float[Array, "T 3"]
    m_final: Float[Array, "3 nx ny nz"]
    t_final: Float[Array, ""]
    stats: dict
    snapshots: Float[Array, "S 3 nx ny nz"] | None = None
    snapshot_ts: Float[Array, " S"] | None = None
    energies: dict | None = None
    norm_dev: Float[Array, " T"] | None = None
    final_norm_dev: Float[Array, ""] | None = None
    result: diffrax.RESULTS | None = None
    resumed_from: int | None = None
    key: jax.Array | None = None

    @property
    def max_norm_dev(self):
        """Max ``| |m| - 1 |`` over every saved time and the final state (of those of
        `norm_dev` and `final_norm_dev` that the run filled; ``None`` if neither)."""
        devs = [jnp.max(d) for d in (self.norm_dev, self.final_norm_dev) if d is not None]
        return None if not devs else jnp.max(jnp.stack(devs))


def snapshot_flag(snapshots, entry: str) -> bool:
    """Check the `snapshots` keyword of a run that keeps snapshots at its save times only:
    ``True`` or ``False``."""
    if not isinstance(snapshots, bool | np.bool_):
        raise TypeError(
            f"{entry}: snapshots must be True (the field m at every save time) or False, "
            f"got {type(snapshots).__name__}; snapshots at times of their own need "
            "jaxmag.simulate or jaxmag.simulate_checkpointed"
        )
    return bool(snapshots)


class IntegrationError(RuntimeError):
    """A run that failed part-way (steps exhausted, the step size collapsed, or a
    non-finite field); the message names the time reached and the reason.

    What the run had done is kept:

    - `t_reached`: the time in s the integration reached.
    - `trajectory`: the :class:`Trajectory` up to the failure: the saves (``ts``,
      ``m_avg``, ``energies``, ``norm_dev``, ``snapshots``) up to `t_reached` whose
      values are finite; its ``m_final`` and ``t_final`` are `m_last` and `t_last`.
    - `m_last`, `t_last`: the last finite state ``(3, nx, ny, nz)`` and its time in s:
      the state at `t_reached` if it is finite, else the last finite snapshot (``None``
      if there is none: ask for ``snapshots`` to keep states).

    Under an eager ``jax.grad`` the values are tracers: then only `t_reached` is kept
    (`trajectory`, `m_last` and `t_last` are ``None``).
    """

    def __init__(self, message: str, trajectory: Trajectory):
        super().__init__(message)
        self.t_reached = float(trajectory.t_final)
        self.trajectory = self.m_last = self.t_last = None
        arrays = [x for x in jax.tree.leaves(trajectory) if isinstance(x, jax.Array)]
        if all(not isinstance(x, jax.core.Tracer) for x in arrays):  # not under grad
            self.trajectory = saved_part(trajectory)
            self.m_last = self.trajectory.m_final
            self.t_last = None if self.m_last is None else float(self.trajectory.t_final)


def saved_part(traj: Trajectory) -> Trajectory:
    """``traj`` cut at the first save that lies beyond `t_final` or holds a non-finite
    value (diffrax leaves unreached saves as ``inf``); see :class:`IntegrationError`."""
    t_end = float(traj.t_final)
    ts, m_avg = np.asarray(traj.ts), np.asarray(traj.m_avg)
    good = np.isfinite(ts) & (ts <= t_end) & np.all(np.isfinite(m_avg), axis=1)
    for name in ("norm_dev",):
        if getattr(traj, name) is not None:
            good &= np.isfinite(np.asarray(getattr(traj, name)))
    if traj.energies:
        good &= np.all([np.isfinite(np.asarray(v)) for v in traj.energies.values()], axis=0)
    n = int(np.argmin(good)) if not np.all(good) else good.size
    snaps, snap_ts = traj.snapshots, traj.snapshot_ts
    if snaps is not None:
        st, sv = np.asarray(snap_ts), np.asarray(snaps)
        ok = np.isfinite(st) & (st <= t_end) & np.all(np.isfinite(sv), axis=(1, 2, 3, 4))
        k = int(np.argmin(ok)) if not np.all(ok) else ok.size
        snaps, snap_ts = snaps[:k], snap_ts[:k]
    m_last, t_last = traj.m_final, traj.t_final
    if not np.all(np.isfinite(np.asarray(m_last))):
        has = snaps is not None and len(snaps) > 0
        m_last, t_last = (snaps[-1], snap_ts[-1]) if has else (None, None)
    return Trajectory(
        ts=traj.ts[:n],
        m_avg=traj.m_avg[:n],
        m_final=m_last,
        t_final=t_last,
        stats=traj.stats,
        snapshots=snaps,
        snapshot_ts=snap_ts,
        energies=None if traj.energies is None else {k: v[:n] for k, v in traj.energies.items()},
        norm_dev=None if traj.norm_dev is None else traj.norm_dev[:n],
        final_norm_dev=traj.final_norm_dev,
        result=traj.result,
        resumed_from=traj.resumed_from,
        key=traj.key,
    )
