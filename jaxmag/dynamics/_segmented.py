"""Long simulations checkpointed with orbax: :func:`simulate_checkpointed` integrates
in segments and checkpoints after each (model checkpoints are in :mod:`jaxmag.io`).
The solver, controller and step-size state are carried across segments and through the
checkpoint, and every segment runs one compiled function, so a killed run restarted with
the same arguments ends bitwise equal to an uninterrupted one.

A checkpoint folder holds ``segment_NNNNNN/`` (orbax writes a temporary folder and
renames it) and ``checkpoint.json`` (segment index, run parameters, their hash and a
digest of the arrays), written atomically after the arrays, so it always names a whole
checkpoint. The latest two checkpoints are kept (the files: :mod:`._checkpoint_files`).

Ctrl-C stops a run at once; one whose ``KeyboardInterrupt`` was swallowed (it surfaced in
a garbage-collector callback, see :mod:`jaxmag.io._atomic`) is raised at the next
segment end, after that segment's checkpoint.
"""

import time
from pathlib import Path

import diffrax
import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import orbax.checkpoint as ocp

from jaxmag._system import System
from jaxmag._validate import check_int, check_real
from jaxmag.dynamics._checkpoint_files import (
    _ENTRY,
    _FORMAT,
    _details,
    _digest,
    _hash,
    _read_meta,
    _restore_or_previous,
    _write,
)
from jaxmag.dynamics._llg import TIME_UNIT, ScaledLLG
from jaxmag.dynamics._semi_implicit import factormax, with_linear_tolerance
from jaxmag.dynamics._simulate import (
    _check_times,
    _reached_t1,
    _snapshot_times,
    default_controller,
    default_solver,
    mean_m,
)
from jaxmag.dynamics._solver import ProjectedSolver, max_norm_deviation
from jaxmag.dynamics._times import save_times
from jaxmag.dynamics._trajectory import Trajectory
from jaxmag.io._atomic import kept_interrupts
from jaxmag.vectors import normalise

__all__ = ["simulate_checkpointed"]

_MAX_SEGMENTS = 1_000_000


class _CarryDt(diffrax.AbstractAdaptiveStepSizeController):
    """Wraps an adaptive controller and adds its latest proposed step to its state, so
    the step size carries into the next segment; the stepping is the inner one's. After
    an accepted step cut short by the segment end, the step proposed before the cut is
    kept if larger (a tiny last step would otherwise shrink the next first step)."""

    controller: diffrax.AbstractAdaptiveStepSizeController

    rtol = property(lambda self: self.controller.rtol)
    atol = property(lambda self: self.controller.atol)
    norm = property(lambda self: self.controller.norm)

    def wrap(self, direction):
        return _CarryDt(self.controller.wrap(direction))

    def init(self, terms, t0, t1, y0, dt0, args, func, error_order):
        tnext, state = self.controller.init(terms, t0, t1, y0, dt0, args, func, error_order)
        return tnext, (jax.tree.map(jnp.asarray, state), jnp.asarray(tnext - t0))

    def adapt_step_size(self, t0, t1, y0, y1, args, y_error, error_order, state):
        inner, dt_old = state
        keep, n0, n1, jump, inner, result = self.controller.adapt_step_size(
            t0, t1, y0, y1, args, y_error, error_order, inner
        )
        cut = keep & (t1 - t0 < 0.999 * dt_old)
        dt = jnp.where(cut, jnp.maximum(n1 - n0, dt_old), n1 - n0)
        return keep, n0, n1, jump, (inner, dt), result


def _observe(tau, y, args):
    return mean_m(args, normalise(y))


def _observe_energies(tau, y, args):
    m = normalise(y)
    return mean_m(args, m), args.energies(m, tau * TIME_UNIT)


def _pieces(solver, rtol, atol):
    return (
        diffrax.ODETerm(ScaledLLG()),
        ProjectedSolver(with_linear_tolerance(solver, rtol)),
        _CarryDt(default_controller(rtol, atol, factormax(solver))),
    )


@eqx.filter_jit
def _init(system, m0, ta, tb, solver, rtol, atol):
    """The carried state at the start: (m, solver state, controller state, made_jump)."""
    term, psolver, ctrl = _pieces(solver, rtol, atol)
    ta, tb, order = ta / TIME_UNIT, tb / TIME_UNIT, psolver.error_order(term)
    tnext, cstate = ctrl.init(term, ta, tb, m0, None, system, psolver.func, order)
    sstate = psolver.init(term, ta, jnp.minimum(tnext, tb), m0, system)
    return m0, sstate, cstate, jnp.asarray(False)


@eqx.filter_jit
def _segment(system, carry, ta, tb, ts, snap_ts, solver, rtol, atol, max_steps, energies):
    """One segment ``[ta, tb]`` (s) with save times ``ts`` and snapshot times ``snap_ts``
    (s, or ``None``); compiled once per run."""
    term, psolver, ctrl = _pieces(solver, rtol, atol)
    y, sstate, cstate, jump = carry
    observe = _observe_energies if energies else _observe
    subs = [diffrax.SubSaveAt(ts=ts / TIME_UNIT, fn=observe), diffrax.SubSaveAt(t1=True)]
    snapshots = snap_ts is not None
    if snapshots:
        subs.append(diffrax.SubSaveAt(ts=snap_ts / TIME_UNIT, fn=lambda tau, y, args: normalise(y)))
    saveat = diffrax.SaveAt(subs=subs, solver_state=True, controller_state=True, made_jump=True)
    sol = diffrax.diffeqsolve(
        term, psolver, ta / TIME_UNIT, tb / TIME_UNIT, cstate[1], y, system, saveat=saveat,
        stepsize_controller=ctrl, max_steps=max_steps, throw=False,
        solver_state=sstate, controller_state=cstate, made_jump=jump,
    )  # fmt: skip
    carry = (sol.ys[1][-1], sol.solver_state, sol.controller_state, jnp.asarray(sol.made_jump))
    steps = jnp.stack([sol.stats["num_accepted_steps"], sol.stats["num_rejected_steps"]])
    ok = _reached_t1(sol.result, sol.ts[1][-1], tb / TIME_UNIT) == diffrax.RESULTS.successful
    obs = (sol.ys[0], sol.ys[2] if snapshots else None)
    return carry, obs, ok, steps, sol.ts[1][-1] * TIME_UNIT


def _key_parts(key):
    """(data, impl) of a typed key, a raw uint32 key (impl "raw"), or None (a dummy)."""
    if key is None:
        return np.zeros(2, np.uint32), None
    if jax.dtypes.issubdtype(key.dtype, jax.dtypes.prng_key):
        return np.asarray(jax.random.key_data(key)), str(jax.random.key_impl(key))
    return np.asarray(key), "raw"


def _schedule(t0, t1, every, save_every):
    """Segment bounds (s), save times (s), and per segment the indices of its save times
    and those times padded with its end to one length (so all segments share shapes)."""
    k = max(1, int(np.ceil((t1 - t0) / every * (1 - 1e-9))))
    bounds = np.minimum(t0 + every * np.arange(k + 1), t1)
    bounds[-1] = t1
    ts = save_times(t0, t1, save_every)
    return bounds, ts, *_split(bounds, ts)


def _split(bounds, ts):
    """Per segment of ``bounds``, the indices of the times ``ts`` (s) in it and those times
    padded with the segment's end to one length."""
    k = len(bounds) - 1
    seg = np.clip(np.searchsorted(bounds, ts, side="left") - 1, 0, k - 1)
    idx = [np.nonzero(seg == i)[0] for i in range(k)]
    w = max(1, max(len(i) for i in idx))
    pads = [np.append(ts[i], np.full(w - len(i), bounds[j + 1])) for j, i in enumerate(idx)]
    return idx, pads


def _validate(system, t0, t1, checkpoint_every, save_every, solver, rtol, atol, max_steps, key):
    if not isinstance(system, System):
        raise TypeError(f"system must be a jaxmag System, got {type(system).__name__}")
    _check_times(t0, t1, None)
    check_real("checkpoint_every (s)", checkpoint_every, positive=True)
    check_real("save_every (s)", save_every, positive=True)
    span = float(t1) - float(t0)
    for name, v in (("checkpoint_every", checkpoint_every), ("save_every", save_every)):
        if float(v) > span * (1 + 1e-9):
            raise ValueError(f"{name} = {v!r} s exceeds the run length t1 - t0 = {span!r} s")
    if span / float(checkpoint_every) > _MAX_SEGMENTS:
        raise ValueError(
            f"checkpoint_every = {checkpoint_every!r} s makes over {_MAX_SEGMENTS} segments"
        )
    check_real("rtol", rtol, positive=True)
    check_real("atol", atol, positive=True)
    if not isinstance(solver, diffrax.AbstractSolver):
        raise TypeError(f"solver must be a diffrax solver, got {solver!r}")
    check_int("max_steps", max_steps)
    if key is not None and not isinstance(key, jax.Array | np.ndarray):
        raise TypeError(f"key must be a JAX PRNG key or None, got {type(key).__name__}")


def simulate_checkpointed(
    system: System,
    m0,
    t1: float,
    *,
    checkpoint_dir,
    checkpoint_every: float,
    save_every: float,
    t0: float = 0.0,
    solver: diffrax.AbstractSolver | None = None,
    rtol: float = 1e-5,
    atol: float = 1e-5,
    key: jax.Array | None = None,
    progress: bool = False,
    max_steps: int = 1_000_000,
    snapshots=False,
    save_energies: bool = False,
) -> Trajectory:
    """Integrate the LLG equation over ``[t0, t1]`` in segments, checkpointing after each.

    If `checkpoint_dir` holds a checkpoint of the same run (mesh, material, energy terms,
    `m0`, times, tolerances, solver, dtype and key), the run resumes from it, bitwise
    equal to an uninterrupted run (same machine and versions). A checkpoint of another
    run, or a damaged one, raises ``ValueError`` saying so. Delete the folder to restart.

    **Arguments:**

    - `system`: the :class:`System`.
    - `m0`: initial magnetisation, ``(3, nx, ny, nz)`` or ``(3,)``; normalised.
    - `t1`, `t0`: end and start time in s.
    - `checkpoint_dir`: the folder of the checkpoints (created if needed).
    - `checkpoint_every`: simulated time in s between checkpoints (the segment length;
      the last segment may be shorter).
    - `save_every`: save interval in s: ⟨m⟩ (and the snapshots) at ``t0 + k * save_every``
      up to `t1`.
    - `solver`: a diffrax solver, wrapped in :class:`ProjectedSolver` (default
      :func:`~jaxmag.dynamics.default_solver`, as :func:`~jaxmag.simulate`).
    - `rtol`, `atol`: tolerances of the step-size controller (as in :func:`simulate`).
    - `key`: a PRNG key, stored in the checkpoint and passed through (may be ``None``).
    - `progress`: print one line per segment (simulated time in s, wall time in s).
    - `max_steps`: the most steps per segment.
    - `snapshots`: also keep the full field m: ``True`` at the save times, or an array
      of times in s of its own within ``[t0, t1]``; ``False`` for none. They are part of
      the checkpoint.
    - `save_energies`: also save the energy of each term (J) at the save times, as
      :func:`~jaxmag.simulate` does (part of the checkpoint).

    Returns a :class:`~jaxmag.Trajectory` with `resumed_from`, `key` and
    ``stats["n_segments"]`` (`energies` if asked for; no `norm_dev`). Raises
    ``RuntimeError`` if a segment fails; the checkpoint before it is kept.
    """
    solver = default_solver(rtol) if solver is None else solver
    _validate(system, t0, t1, checkpoint_every, save_every, solver, rtol, atol, max_steps, key)
    if not isinstance(save_energies, bool | np.bool_):
        raise TypeError(f"save_energies must be True or False, got {save_energies!r}")
    folder = Path(checkpoint_dir).absolute()
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"checkpoint_dir {folder} exists and is not a folder")
    m0 = system.check_magnetisation(m0)
    t0, t1, every, save_every = float(t0), float(t1), float(checkpoint_every), float(save_every)
    bounds, ts, idx, pads = _schedule(t0, t1, every, save_every)
    n_seg = len(bounds) - 1
    snap_ts = _snapshot_times(snapshots, ts)
    snap_param = snap_ts is not None  # True: at the save times
    if snap_ts is not None and snap_ts is not ts:
        snap_ts = _check_times(t0, t1, np.asarray(snap_ts, dtype=float), "snapshot times")
        snap_param = _digest(snap_ts)
    sidx, spads = _split(bounds, snap_ts) if snap_ts is not None else ([None] * n_seg,) * 2
    names = list(jax.eval_shape(lambda m: system.energies(m, t0), m0)) if save_energies else []
    key_data, key_impl = _key_parts(key)
    params = {
        "mesh": {"n": list(system.mesh.n), "cell": list(system.mesh.cell)},
        "material": _digest(system.material),
        "terms": [type(t).__name__ for t in system.terms],
        "system": _digest((system.terms, system.gamma)),
        "m0": _digest(m0),
        "dtype": str(m0.dtype),
        **{"t0": t0, "t1": t1, "checkpoint_every": every, "save_every": save_every},
        **{"rtol": float(rtol), "atol": float(atol), "solver": type(solver).__name__},
        "key": None if key is None else _digest((key_data, key_impl)),
        # absent when off: older checkpoints resume
        **({"snapshots": snap_param} if snap_param else {}),
        **({"energies": names} if save_energies else {}),
    }
    base = {"format": _FORMAT, "n_segments": n_seg, "params": params, "params_hash": _hash(params)}
    details = _details(system)
    base["details"] = details
    rt, at = np.asarray(rtol, dtype=float), np.asarray(atol, dtype=float)
    shapes = eqx.filter_eval_shape(_init, system, m0, bounds[0], bounds[1], solver, rt, at)
    leaves, treedef = jax.tree.flatten(shapes)
    state = {
        "carry": {f"{i:04d}": np.zeros(x.shape, x.dtype) for i, x in enumerate(leaves)},
        "table": np.full((len(ts), 3), np.nan, m0.dtype),
        "key": key_data,
        "steps": np.zeros(2, np.int64),
    }
    if snap_ts is not None:
        state["snapshots"] = np.full((len(snap_ts), *m0.shape), np.nan, m0.dtype)
    if save_energies:
        state["energies"] = np.full((len(ts), len(names)), np.nan, m0.dtype)
    # a Ctrl-C whose KeyboardInterrupt was swallowed stops the run at the next segment end
    with ocp.StandardCheckpointer() as ckptr, kept_interrupts() as interrupts:
        meta = _read_meta(folder, params, details)
        start, last = 0, None
        if meta is None:
            carry = jax.device_get(_init(system, m0, bounds[0], bounds[1], solver, rt, at))
        else:
            state, start = _restore_or_previous(ckptr, folder, meta, state, bounds)
            carry = jax.tree.unflatten(treedef, [state["carry"][k] for k in sorted(state["carry"])])
            fell_back = start != meta["segment"]
            last = meta["previous"] if fell_back else {k: meta.get(k) for k in _ENTRY}
        for k in range(start, n_seg):
            interrupts.check()
            wall = time.perf_counter()
            seg = (*bounds[k : k + 2], pads[k], spads[k], solver, rt, at, max_steps)
            seg = (*seg, bool(save_energies))
            carry, (obs, snaps), ok, steps, t_end = jax.device_get(_segment(system, carry, *seg))
            if not ok or not np.all(np.isfinite(carry[0])):
                raise RuntimeError(
                    f"LLG integration failed in segment {k} at t = {float(t_end):.6g} s of "
                    f"[{bounds[k]:.6g}, {bounds[k + 1]:.6g}] s (steps exhausted, the step "
                    "size collapsed or the field is not finite); earlier checkpoints are kept"
                )
            n_k = len(idx[k])
            if save_energies:
                obs, energies = obs
                state["energies"][idx[k]] = np.stack([energies[n] for n in names], 1)[:n_k]
            state["table"][idx[k]] = obs[:n_k]
            if snap_ts is not None:
                state["snapshots"][sidx[k]] = snaps[: len(sidx[k])]
            state["steps"] = state["steps"] + steps
            state["carry"] = {f"{i:04d}": x for i, x in enumerate(jax.tree.leaves(carry))}
            last = _write(ckptr, folder, k + 1, state, base, last)
            if progress:
                print(
                    f"segment {k + 1}/{n_seg}: t = {bounds[k + 1]:.6g} s of {t1:.6g} s, "
                    f"wall {time.perf_counter() - wall:.3g} s",
                    flush=True,
                )
    key_out = None if key_impl is None else jnp.asarray(state["key"])
    if key_impl not in (None, "raw"):
        key_out = jax.random.wrap_key_data(key_out, impl=key_impl)
    acc, rej = (int(s) for s in state["steps"])
    m_final = jnp.asarray(carry[0])
    return Trajectory(
        ts=jnp.asarray(ts),
        m_avg=jnp.asarray(state["table"]),
        m_final=m_final,
        t_final=jnp.asarray(bounds[-1]),
        stats={
            **{"num_steps": acc + rej, "num_accepted_steps": acc, "num_rejected_steps": rej},
            "n_segments": n_seg,
        },
        energies={n: jnp.asarray(state["energies"][:, j]) for j, n in enumerate(names)}
        if save_energies
        else None,
        snapshots=None if snap_ts is None else jnp.asarray(state["snapshots"]),
        snapshot_ts=None if snap_ts is None else jnp.asarray(snap_ts),
        final_norm_dev=max_norm_deviation(m_final, system.magnetic),
        result=diffrax.RESULTS.successful,
        resumed_from=start if meta is not None else None,
        key=key_out,
    )
