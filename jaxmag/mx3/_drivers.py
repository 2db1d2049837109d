"""mumax3's drivers (``run``, ``steps``, ``relax``, ``minimize``) on jaxmag's integrators.

Solvers (``SetSolver``): 1 Euler (``FixDt`` only), 2 Heun, 3 Bogacki–Shampine
(``diffrax.Bosh3``), 4 RK4 (:class:`~jaxmag.RK4FSAL`, with its free error estimate), 5
Dormand–Prince (``diffrax.Dopri5``), 6 Fehlberg RK5(6), for which diffrax has no tableau:
``diffrax.Dopri8`` stands in. Without ``SetSolver`` (mumax3's default is Dormand–Prince)
jaxmag's own default adaptive solver runs (:func:`~jaxmag.dynamics.default_solver`:
RK4FSAL at these tolerances): on a relaxed 32 × 32 vortex at α = 1e-5 and MaxErr 1e-5,
Dopri5 under jaxmag's step controller lets the energy drift by 2.4e-3 in 0.2 ns (its steps
sit at the edge of stability, where it pumps energy into the stiffest exchange modes),
RK4FSAL by 9e-10 in half the steps. ``MaxErr`` (mumax3's per-step error
bound on m, default 1e-5) is the controller's absolute tolerance on the max norm over
cells; ``FixDt`` a constant step; ``MinDt``/``MaxDt`` bound adaptive steps.
``relax()`` and ``minimize()`` both call :func:`jaxmag.minimise` (steepest descent with
Barzilai–Borwein steps to a reduced torque of 1e-7), leaving the time unchanged.
"""

import diffrax
import equinox as eqx
import jax.numpy as jnp
import numpy as np

from jaxmag.dynamics import RK4FSAL, ProjectedSolver, simulate
from jaxmag.dynamics._llg import TIME_UNIT, scaled_rhs
from jaxmag.dynamics._simulate import default_controller, default_solver
from jaxmag.mx3._values import Mx3TypeError
from jaxmag.statics import minimise

SOLVERS = {1: diffrax.Euler, 2: diffrax.Heun, 3: diffrax.Bosh3, 4: RK4FSAL, 5: diffrax.Dopri5,
           6: diffrax.Dopri8}  # fmt: skip


def _solver_args(world):
    st = world.solver_type
    if st is None:
        solver = default_solver(world.max_err / 2)
    elif st not in SOLVERS:
        raise Mx3TypeError(f"SetSolver({st}): jaxmag has solvers 1-6 (no backward Euler, -1)")
    else:
        solver = SOLVERS[st]()
    if world.fix_dt > 0:
        return dict(solver=solver, stepsize_controller=diffrax.ConstantStepSize(),
                    dt0=world.fix_dt)  # fmt: skip
    if st == 1:
        raise Mx3TypeError("SetSolver(1) (Euler) needs FixDt: it has no error estimate")
    tol = world.max_err / 2  # err <= atol + rtol |m| <= MaxErr
    ctrl = default_controller(tol, tol)
    if world.min_dt > 0 or world.max_dt > 0:
        if world.max_dt > 0:
            ctrl = eqx.tree_at(lambda c: c.dtmax, ctrl, world.max_dt / TIME_UNIT,
                               is_leaf=lambda x: x is None)  # fmt: skip
        if world.min_dt > 0:
            ctrl = eqx.tree_at(lambda c: c.dtmin, ctrl, world.min_dt / TIME_UNIT)
            ctrl = eqx.tree_at(lambda c: c.force_dtmin, ctrl, True)
    return dict(solver=solver, stepsize_controller=ctrl, rtol=tol, atol=tol)


def run(world, out, duration: float, progress: bool = False):
    """Advance the time by `duration` (s), writing every output due on the way."""
    if not duration >= 0:
        raise Mx3TypeError(f"run: the duration must be >= 0 s, got {duration}")
    system = world.system()
    t0 = world.t
    t1 = t0 + duration
    due = out.due_times(t0, t1)
    if duration == 0:
        for t in due:
            out.emit(t, world.m)
        return
    ts = np.unique(np.asarray([*due, t1], dtype=float))
    traj = simulate(system, world.m, t1, t0=t0, ts=ts, snapshots=bool(due),
                    save_energies=False, progress=progress, **_solver_args(world))  # fmt: skip
    if bool(due):
        snaps = np.asarray(traj.snapshots)
        times = np.asarray(traj.snapshot_ts)
        for t in due:
            k = int(np.argmin(np.abs(times - t)))
            out.emit(t, snaps[k])
    world.m = np.asarray(traj.m_final)
    world.t = t1
    world.nsteps += int(traj.stats["num_accepted_steps"])


def relax(world, out):
    system = world.system()
    res = minimise(system, world.m)
    world.m = np.asarray(res.m)


@eqx.filter_jit
def _take_steps(system, m, t0, dt0, solver, controller, n):
    """`n` steps of diffrax from ``t0`` with first step ``dt0`` (scaled time); returns the
    state, the time reached and the last step taken."""
    sol = diffrax.diffeqsolve(
        diffrax.ODETerm(scaled_rhs), ProjectedSolver(solver), t0, t0 + 1e9, dt0, m,
        args=system, stepsize_controller=controller, max_steps=n, throw=False,
        saveat=diffrax.SaveAt(t1=True, controller_state=True),
    )  # fmt: skip
    return sol.ys[-1], sol.ts[-1]


def steps(world, out, n: int):
    """Take `n` solver steps (accepted or rejected, as diffrax counts them) from the
    current time, with the same solver and controller as :func:`run`, the first step as
    long as the mean step of the previous call; outputs due on the way are written."""
    if n < 0:
        raise Mx3TypeError(f"steps: n must be >= 0, got {n}")
    if n == 0:
        return
    system = world.system()
    args = _solver_args(world)
    t0 = world.t
    dt0 = args.get("dt0") or (world.dt if world.dt > 0 else 1e-14)
    # times as arrays: filter_jit would take Python floats as static, compiling per call
    m, tau = _take_steps(system, jnp.asarray(world.m), jnp.asarray(t0 / TIME_UNIT),
                         jnp.asarray(dt0 / TIME_UNIT), args["solver"],
                         args["stepsize_controller"], n)  # fmt: skip
    t1 = float(tau) * TIME_UNIT
    if not np.isfinite(t1) or not np.all(np.isfinite(np.asarray(m))):
        raise Mx3TypeError("steps: the solver failed (a non-finite state)")
    world.m = np.asarray(m)
    world.dt = (t1 - t0) / n
    world.t = t1
    world.nsteps += n
    for t in out.due_times(t0, t1):
        out.emit(t, world.m)


def run_while(world, out, condition, max_steps: int = 10_000_000):
    """``RunWhile(cond)``: one step at a time while `condition()` holds (mumax3 tests the
    condition after every step)."""
    k = 0
    while condition():
        steps(world, out, 1)
        k += 1
        if k >= max_steps:
            raise Mx3TypeError(f"RunWhile: the condition still holds after {max_steps} steps")
