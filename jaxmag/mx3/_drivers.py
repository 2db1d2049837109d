"""mumax3's drivers (``run``, ``steps``, ``relax``, ``minimize``) on jaxmag's integrators.

Solvers (``SetSolver``): 1 Euler (``FixDt`` only), 2 Heun, 3 Bogacki–Shampine
(``diffrax.Bosh3``), 4 RK4 (:class:`~jaxmag.RK4FSAL`, with its free error estimate), 5
Dormand–Prince (``diffrax.Dopri5``, mumax3's default), 6 Fehlberg RK5(6), for which
diffrax has no tableau: ``diffrax.Dopri8`` stands in. ``MaxErr`` (mumax3's per-step error
bound on m, default 1e-5) is the controller's absolute tolerance on the max norm over
cells; ``FixDt`` a constant step; ``MinDt``/``MaxDt`` bound adaptive steps.
``relax()`` and ``minimize()`` both call :func:`jaxmag.minimise` (steepest descent with
Barzilai–Borwein steps to a reduced torque of 1e-7), leaving the time unchanged.
"""

import diffrax
import numpy as np

from jaxmag.dynamics import RK4FSAL, simulate
from jaxmag.dynamics._llg import TIME_UNIT
from jaxmag.dynamics._simulate import default_controller
from jaxmag.mx3._values import Mx3TypeError
from jaxmag.statics import minimise

SOLVERS = {1: diffrax.Euler, 2: diffrax.Heun, 3: diffrax.Bosh3, 4: RK4FSAL, 5: diffrax.Dopri5,
           6: diffrax.Dopri8}  # fmt: skip


def _solver_args(world):
    st = world.solver_type
    if st not in SOLVERS:
        raise Mx3TypeError(f"SetSolver({st}): jaxmag has solvers 1-6 (no backward Euler, -1)")
    solver = SOLVERS[st]()
    if world.fix_dt > 0:
        return dict(solver=solver, stepsize_controller=diffrax.ConstantStepSize(),
                    dt0=world.fix_dt)  # fmt: skip
    if st == 1:
        raise Mx3TypeError("SetSolver(1) (Euler) needs FixDt: it has no error estimate")
    tol = world.max_err / 2  # err <= atol + rtol |m| <= MaxErr
    ctrl = default_controller(tol, tol)
    if world.min_dt > 0 or world.max_dt > 0:
        import equinox as eqx

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
