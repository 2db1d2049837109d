"""``simulate``: integrate the LLG equation with diffrax and save observables."""

import diffrax
import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from jaxmag._system import System
from jaxmag._validate import check_int, check_real, is_concrete
from jaxmag.dynamics._adjoint_step import use_adjoint_step
from jaxmag.dynamics._host_checked import checked_on_host as _checked_on_host
from jaxmag.dynamics._host_checked import host_checked_errors as _host_checked_errors
from jaxmag.dynamics._llg import TIME_UNIT, ScaledLLG
from jaxmag.dynamics._memory import check_run_fits, estimate_memory
from jaxmag.dynamics._progress import LineProgressMeter
from jaxmag.dynamics._rk import RK4FSAL
from jaxmag.dynamics._semi_implicit import factormax, with_linear_tolerance
from jaxmag.dynamics._solver import ProjectedSolver, max_norm_deviation
from jaxmag.dynamics._times import clip_times, count_times, save_times
from jaxmag.dynamics._trajectory import IntegrationError, Trajectory
from jaxmag.vectors import max_abs, normalise

DT_MIN: float = 1e-20
"""Smallest step in s; an integration whose step falls below it fails (a step that
small only comes from a NaN field or a runaway)."""


def default_controller(rtol, atol, factormax: float = 10.0) -> diffrax.PIDController:
    """diffrax's ``PIDController`` on the max norm over cells, with PI coefficients
    (0.3, 0.3). Micromagnetic steps are often limited by the stability of the exchange
    modes; the proportional term damps the step-size oscillation there (on SP4 it cuts
    rejected steps from ~10% to ~1%). A step below :data:`DT_MIN` fails the run.
    `factormax` caps the growth of the step per step (diffrax's default 10;
    :class:`~jaxmag.SemiImplicitBDF2` gets its :data:`FACTOR_MAX`, 2)."""
    return diffrax.PIDController(
        rtol=rtol,
        atol=atol,
        pcoeff=0.3,
        icoeff=0.3,
        norm=max_abs,
        dtmin=DT_MIN / TIME_UNIT,
        force_dtmin=False,
        factormax=factormax,
    )


RK4_RTOL_MIN: float = 1e-6
"""The default solver is :class:`~jaxmag.RK4FSAL` at ``rtol >= RK4_RTOL_MIN`` and
``diffrax.Dopri5`` at tighter tolerances (see :func:`default_solver`)."""


def default_solver(rtol) -> diffrax.AbstractSolver:
    """:class:`~jaxmag.RK4FSAL` where steps are set by stability, ``Dopri5`` where they
    are set by accuracy. On µMAG SP4 (100 × 25 × 1, 0.1 ns) the evaluations were, RK4FSAL
    vs Dopri5: 309 vs 517 at rtol 1e-5, 365 vs 523 at 1e-6, 613 vs 517 at 1e-7 and
    1057 vs 703 at 1e-8; so RK4FSAL from ``rtol >= 1e-6`` (:data:`RK4_RTOL_MIN`) and
    whenever ``rtol`` is traced."""
    if is_concrete(rtol) and float(rtol) < RK4_RTOL_MIN:
        return diffrax.Dopri5()
    return RK4FSAL()


def mean_m(system: System, m: Float[Array, "3 nx ny nz"]) -> Float[Array, " 3"]:
    """⟨m⟩: the mean over magnetic cells (each cell counts once)."""
    mag = system.magnetic
    return jnp.sum(jnp.where(mag, m, 0.0), axis=(1, 2, 3)) / jnp.sum(mag)


def _stages(solver) -> int:
    """Vector-field evaluations per step of an explicit RK solver (FSAL counted once)."""
    tab = getattr(solver, "tableau", None)
    if tab is None:
        return 1
    return len(tab.c) + 1 - (1 if tab.fsal else 0)


def _check_times(t0, t1, ts, name: str = "save times"):
    """Check the run's ends and the times `ts` (s) in it; returns `ts`, with times a
    rounding error outside ``[t0, t1]`` moved onto the end (:func:`clip_times`)."""
    check_real("t0 (s)", t0)
    check_real("t1 (s)", t1)
    if is_concrete(t1) and is_concrete(t0) and not float(t1) > float(t0):
        raise ValueError(f"t1 must be later than t0, got t0={t0!r}, t1={t1!r}")
    if ts is not None and is_concrete(ts):
        a = np.asarray(ts, dtype=float)
        if a.ndim != 1 or a.size == 0:
            raise ValueError(f"{name} must be a non-empty 1D array, got shape {a.shape}")
        check_real(f"{name} (s)", a)
        if np.any(np.diff(a) < 0):
            raise ValueError(f"{name} must be non-decreasing")
        if is_concrete(t0) and is_concrete(t1):
            return clip_times(a, t0, t1, name=name)
    return ts


def simulate(
    system: System,
    m0,
    t1: float,
    *,
    t0: float = 0.0,
    save_every: float | None = None,
    ts=None,
    snapshots=False,
    solver: diffrax.AbstractSolver | None = None,
    rtol: float = 1e-5,
    atol: float = 1e-5,
    dt0: float | None = None,
    max_steps: int = 1_000_000,
    precession: bool = True,
    save_energies: bool = True,
    adjoint: diffrax.AbstractAdjoint | None = None,
    stepsize_controller: diffrax.AbstractStepSizeController | None = None,
    progress: bool = False,
) -> Trajectory:
    """Integrate the LLG equation from ``m0`` over ``[t0, t1]``.

    **Arguments:**

    - `system`: the :class:`System`.
    - `m0`: initial magnetisation, ``(3, nx, ny, nz)`` or ``(3,)`` (uniform); normalised.
    - `t1`, `t0`: end and start time in s.
    - `save_every`: save interval in s, at most ``t1 - t0``: saves at
      ``t0 + k * save_every`` up to `t1` (default: 100 saves over the run; a time a
      rounding error past `t1` is `t1`, see :func:`~jaxmag.dynamics.save_times`); or
      give `ts`, an explicit non-decreasing array of save times in s within
      ``[t0, t1]``.
    - `snapshots`: keep the full field m: ``True`` at every save time, or an array of
      times in s of its own (dense output, within ``[t0, t1]``); ``False`` for none.
    - `solver`: a diffrax solver, wrapped in :class:`ProjectedSolver` (default
      :func:`default_solver`: :class:`~jaxmag.RK4FSAL`, classic RK4 with a free error
      estimate, at rtol >= 1e-6, ``Dopri5`` below; any diffrax
      explicit solver works: ``Dopri5``, ``Tsit5``, ``Bosh3``, ``Heun``, ``Euler``).
    - `rtol`, `atol`: tolerances of diffrax's ``PIDController`` on the components of
      m (dimensionless). The error norm is the max norm over cells, so every cell is
      held to the tolerance (see :func:`default_controller`). At 1e-5 µMAG SP4 agrees
      with OOMMF to ~1e-6 in ⟨m⟩. Steps there are limited by the stability of the
      stiffest exchange mode, where ``RK4FSAL`` needs 1.8× fewer field evaluations
      than ``Dopri5`` (``Bosh3`` 1.7×); at tight tolerances prefer ``Dopri5``.
    - `dt0`: initial step in s (default: chosen by diffrax).
    - `max_steps`: the step limit, a positive integer; a failure is raised beyond it.
    - `precession`: ``False`` for damping-only dynamics.
    - `save_energies`: save the energy of each term at the save times.
    - `adjoint`: diffrax adjoint for gradients (default ``RecursiveCheckpointAdjoint``,
      discretise-then-optimise: exact for the projected map).
    - `stepsize_controller`: override the adaptive controller, e.g.
      ``diffrax.ConstantStepSize()`` with a given `dt0` (s).
    - `progress`: show the progress on stderr while integrating (a line redrawn in a
      terminal; in a log file a line per 10 % or 10 s, see
      :class:`~jaxmag.dynamics._progress.ProgressLine`). The meter runs host callbacks,
      so that solve is not stored in JAX's persistent compilation cache.

    Refuses a run whose memory estimate (:func:`~jaxmag.estimate_memory`: state, demag
    kernel and FFT buffers, solver stages, saved outputs and snapshots) exceeds the free
    memory (:func:`~jaxmag.available_memory`) before it makes the save times or compiles
    anything, with :class:`~jaxmag.InsufficientMemoryError`.

    Raises :class:`~jaxmag.dynamics.IntegrationError` (a ``RuntimeError``), naming the
    time reached, if the integration fails (steps exhausted or collapsed, or a non-finite
    field); it holds the trajectory saved up to the failure and the last finite state.
    Inside ``jit``/``vmap`` the error is raised at run time (without them).
    """
    m0 = system.check_magnetisation(m0)
    _check_times(t0, t1, None)  # before t1 - t0 sets the default save_every
    check_real("rtol", rtol, positive=True)
    check_real("atol", atol, positive=True)
    if dt0 is not None:
        check_real("dt0 (s)", dt0, positive=True)
    if max_steps is not None:  # None: unbounded (diffrax allows it with some adjoints)
        max_steps = check_int("max_steps", max_steps)
    solver = default_solver(rtol) if solver is None else solver
    if not isinstance(solver, diffrax.AbstractSolver):
        raise TypeError(f"solver must be a diffrax solver, got {solver!r}")
    solver = with_linear_tolerance(solver, rtol)
    if ts is None and save_every is None:
        save_every = (float(t1) - float(t0)) / 100
    # the memory, before the save times are made: save_every = 1e-24 s is 1e15 of them
    n_saves = count_times(t0, t1, save_every) if ts is None else max(int(np.size(ts)), 1)
    check_run_fits(
        estimate_memory(
            system,
            saves=n_saves,
            snapshots=_snapshot_count(snapshots, n_saves),
            solver=solver,
            energies=None if save_energies else 0,
        )
    )
    if ts is None:
        ts = save_times(t0, t1, save_every)
    ts = _check_times(t0, t1, ts)
    snapshot_ts = _snapshot_times(snapshots, ts)
    if snapshot_ts is not None:
        snapshot_ts = _check_times(t0, t1, snapshot_ts, "snapshot times")
    adjoint = diffrax.RecursiveCheckpointAdjoint() if adjoint is None else adjoint
    if isinstance(adjoint, diffrax.ForwardMode) and getattr(solver, "scan_kind", 0) is None:
        # diffrax's own fix-up for forward mode cannot see through the wrapper.
        solver = eqx.tree_at(lambda s: s.scan_kind, solver, "lax", is_leaf=lambda x: x is None)

    traj = _solve(
        system,
        m0,
        jnp.asarray(t0, dtype=float),
        jnp.asarray(t1, dtype=float),
        jnp.asarray(ts, dtype=float),
        None if snapshot_ts is None else jnp.asarray(snapshot_ts, dtype=float),
        solver,
        jnp.asarray(rtol, dtype=float),
        jnp.asarray(atol, dtype=float),
        None if dt0 is None else jnp.asarray(dt0, dtype=float),
        max_steps,
        precession,
        save_energies,
        adjoint,
        stepsize_controller,
        progress,
        use_adjoint_step(adjoint, solver, rtol, m0.dtype),
        _checked_on_host(t0, t1, ts, snapshot_ts, dt0, stepsize_controller),
    )
    ok = traj.result == diffrax.RESULTS.successful
    if is_concrete(ok):
        if not bool(ok):
            raise IntegrationError(
                f"LLG integration failed at t = {float(traj.t_final):.6g} s of "
                f"[{float(t0):.6g}, {float(t1):.6g}] s: {_reason(traj)} (the part saved "
                "so far and the last state are the error's .trajectory and .m_last)",
                traj,
            )
    else:
        traj = error_if_any_mode(
            traj,
            jnp.invert(ok),
            "LLG integration failed (max_steps reached or the step size collapsed)",
        )
    # A fixed-step controller never rejects a step, so a NaN field runs to t1 "successfully".
    return check_finite(
        traj,
        traj.t_final,
        "LLG integration",
        f" of [{float(t0):.6g}, {float(t1):.6g}] s: the effective field is not finite"
        if is_concrete(t0) and is_concrete(t1)
        else "",
    )


def _snapshot_count(snapshots, n_saves: int) -> int:
    """How many snapshots the `snapshots` keyword asks for (0 for a value it refuses)."""
    if isinstance(snapshots, bool | np.bool_):
        return n_saves if snapshots else 0
    if snapshots is None or isinstance(snapshots, str):
        return 0
    return int(np.size(snapshots))


def _snapshot_times(snapshots, ts):
    """The snapshot times (s) that the `snapshots` keyword of :func:`simulate` asks for."""
    if isinstance(snapshots, bool | np.bool_):
        return ts if snapshots else None
    if snapshots is None or isinstance(snapshots, str):
        raise TypeError(
            "snapshots must be True (at the save times), False, or an array of times (s), "
            f"got {snapshots!r}"
        )
    return snapshots


def check_finite(out, t_last, label: str, hint: str = ""):
    """Raise :class:`IntegrationError` (with the finite part of ``out``) if ``out.m_avg``
    or ``out.m_final`` is not finite, naming the first save time at which it happened
    (``t_last`` if only the final state is); inside ``jit``/``grad``/``vmap`` the error
    is raised at run time."""
    if not (is_concrete(out.m_avg) and is_concrete(out.m_final)):
        bad = ~jnp.all(jnp.isfinite(out.m_avg), axis=1)
        finite = jnp.invert(jnp.any(bad)) & jnp.all(jnp.isfinite(out.m_final))
        return error_if_any_mode(out, jnp.invert(finite), f"{label} produced NaN or inf")
    # concrete: checked on the host (no small programs to compile per shape)
    bad = ~np.all(np.isfinite(np.asarray(out.m_avg)), axis=1)
    if np.any(bad) or not np.all(np.isfinite(np.asarray(out.m_final))):
        t_bad = float(np.asarray(out.ts)[np.argmax(bad)]) if np.any(bad) else float(t_last)
        raise IntegrationError(f"{label} produced NaN or inf by t = {t_bad:.6g} s{hint}", out)
    return out


def error_if_any_mode(traj, pred, msg: str):
    """``eqx.error_if(traj, pred, msg)`` that also holds when only derivatives are used.

    ``eqx.error_if`` passes tangents straight through, so under ``jax.jit(jax.grad(f))``
    or ``jax.jit(jax.jacfwd(f))`` its check sits in primal code that nothing uses and is
    dropped: a failed run would give zero gradients silently. Here every float leaf is
    multiplied by a checked 1.0 (bitwise the identity), which the derivative needs too,
    so the check runs in every mode.
    """
    one = eqx.error_if(jnp.ones(()), pred, msg)
    return jax.tree.map(lambda a: a * one.astype(a.dtype) if eqx.is_inexact_array(a) else a, traj)


def _reason(traj: Trajectory) -> str:
    if traj.result == diffrax.RESULTS.dt_min_reached:
        return (
            f"the step size collapsed below {DT_MIN:g} s (a NaN or inf field, or an "
            "extremely stiff system)"
        )
    if traj.result == diffrax.RESULTS.max_steps_reached:
        return (
            f"the maximum number of steps ({int(traj.stats['max_steps'])}) was reached; "
            "the step size may have collapsed (NaN field, or a stiff system)"
        )
    return str(traj.result)


@eqx.filter_jit
def _solve(
    system,
    m0,
    t0,
    t1,
    ts,
    snapshot_ts,
    solver,
    rtol,
    atol,
    dt0,
    max_steps,
    precession,
    save_energies,
    adjoint,
    stepsize_controller,
    progress,
    adjoint_step,
    checked_on_host,
):
    u = TIME_UNIT

    def observe(tau, y, args):
        m = normalise(y)
        out = {"m_avg": mean_m(args, m), "norm_dev": max_norm_deviation(m, args.magnetic)}
        if save_energies:
            out["energies"] = args.energies(m, tau * u)
        return out

    subs = [
        diffrax.SubSaveAt(ts=ts / u, fn=observe),
        diffrax.SubSaveAt(t1=True, fn=lambda tau, y, args: y),
    ]
    if snapshot_ts is not None:
        subs.append(diffrax.SubSaveAt(ts=snapshot_ts / u, fn=lambda tau, y, args: normalise(y)))
    if stepsize_controller is None:
        stepsize_controller = default_controller(rtol, atol, factormax(solver))
    with _host_checked_errors(checked_on_host):
        sol = diffrax.diffeqsolve(
            diffrax.ODETerm(ScaledLLG(precession)),
            # Reverse mode by RecursiveCheckpointAdjoint: steps with a hand-written adjoint
            # (one forward evaluation per stage less; the same gradient), see _adjoint_step.
            ProjectedSolver(solver, adjoint_step=adjoint_step),
            t0 / u,
            t1 / u,
            None if dt0 is None else dt0 / u,
            m0,
            args=system,
            saveat=diffrax.SaveAt(subs=subs),
            stepsize_controller=stepsize_controller,
            max_steps=max_steps,
            adjoint=adjoint,
            throw=False,
            progress_meter=LineProgressMeter() if progress else diffrax.NoProgressMeter(),
        )
    obs, final = sol.ys[0], sol.ys[1]
    steps = sol.stats["num_steps"]
    stats = {
        "num_steps": steps,
        "num_accepted_steps": sol.stats["num_accepted_steps"],
        "num_rejected_steps": sol.stats["num_rejected_steps"],
        "max_steps": max_steps,
        "rhs_evals": steps * _stages(solver) + 1,
    }
    m_final = final[-1]
    return Trajectory(
        ts=sol.ts[0] * u,
        m_avg=obs["m_avg"],
        energies=obs.get("energies"),
        snapshot_ts=None if snapshot_ts is None else sol.ts[2] * u,
        snapshots=None if snapshot_ts is None else sol.ys[2],
        m_final=normalise(m_final),
        t_final=sol.ts[1][-1] * u,
        norm_dev=obs["norm_dev"],
        final_norm_dev=max_norm_deviation(m_final, system.magnetic),
        stats=stats,
        result=_reached_t1(sol.result, sol.ts[1][-1], t1 / u),
    )


def _reached_t1(result, t_end, t1):
    """diffrax's result, with the step-size floor forgiven once the run is at ``t1``: the
    controller judges the step it proposes next, so a last step cut short to land on
    ``t1`` (a tiny ``t1``, or ``t1`` a rounding error past a step end) would otherwise
    fail a run that is complete."""
    done = (result == diffrax.RESULTS.dt_min_reached) & (t_end >= t1)
    return diffrax.RESULTS.where(done, diffrax.RESULTS.successful, result)
