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
            "jaxmag.simulate"
        )
    return bool(snapshots)
