"""The thermal finite-difference grid: :func:`simulate_thermal` (see
:mod:`jaxmag.thermal`)."""

import diffrax
import equinox as eqx
import jax
import jax.numpy as jnp
import lineax as lx
import numpy as np
from jaxtyping import PRNGKeyArray

from jaxmag._system import System
from jaxmag._validate import check_real
from jaxmag.dynamics._llg import TIME_UNIT, scaled_rhs
from jaxmag.dynamics._simulate import mean_m
from jaxmag.dynamics._solver import ProjectedSolver, max_norm_deviation
from jaxmag.dynamics._times import clip_times, save_times
from jaxmag.dynamics._trajectory import Trajectory, snapshot_flag
from jaxmag.thermal._field import (
    _levy,
    check_solver,
    check_temperature,
    ll_operator,
    thermal_field_strength,
)
from jaxmag.vectors import normalise


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
) -> Trajectory:
    """The stochastic LLG (Brown's thermal field, Stratonovich) for a grid ``system``.

    **Arguments:**

    - `system`: the :class:`~jaxmag.System` (drift: :func:`jaxmag.llg_rhs`, including
      its spin torques).
    - `m0`: start, ``(3, nx, ny, nz)`` or ``(3,)``.
    - `t1`: duration in s (from 0).
    - `key`: PRNG key of the thermal field (required).
    - `T`: temperature in K, >= 0: a scalar, per cell ``(nx, ny, nz)``, or a callable
      ``T(t)`` (t in s) returning either.
    - `dt`: the fixed step in s, > 0 (required unless `adaptive`; the first step then).
    - `solver`: a diffrax Stratonovich solver (default ``Heun``); see the module docstring.
    - `save_every`: save interval in s: saves at ``k * save_every`` up to `t1` (default
      100 saves); or give `ts`, an explicit array of save times in s. With fixed steps
      the save times are rounded to the step grid.
    - `adaptive`: diffrax's ``PIDController`` (`rtol`, `atol`) with a
      ``VirtualBrownianTree``; steps land on the save times.
    - `projected`: normalise after every step (``ProjectedSolver``).
    - `max_steps`: a bound on the steps.
    - `brownian`: ``"virtual"`` (``VirtualBrownianTree``: same key ⇒ same path at any
      step) or ``"unsafe"`` (``UnsafeBrownianPath``: faster, fixed steps only).
    - `brownian_tol`: resolution of the tree in s (default: ``t1/2^k`` <= ``dt/4``; for
      adaptive runs ``t1/2^20``). Equal tolerances are needed for equal paths.
    - `save_energies`: save ``system.energies`` at the save times.
    - `snapshots`: also keep the whole field m at the save times (``True``/``False``).

    Returns a :class:`~jaxmag.Trajectory` with `norm_dev` of the solver state on step
    points, `result` and `key`.
    """
    if key is None:
        raise ValueError("a thermal run needs an explicit PRNG key (key=jax.random.key(...))")
    m0 = system.check_magnetisation(m0)
    snapshots = snapshot_flag(snapshots, "simulate_thermal")
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
        ts = save_times(0.0, t1, float(t1) / 100 if save_every is None else save_every)
    ts = np.asarray(ts, dtype=float)
    check_real("save times ts (s)", ts)
    if ts.ndim != 1 or ts.size == 0 or np.any(np.diff(ts) < 0):
        raise ValueError("save times ts must be a non-empty non-decreasing 1D array")
    ts = clip_times(ts, 0.0, t1, name="save times ts")
    n_steps = None
    if not adaptive:
        n_steps = int(round(t1 / dt))
        if n_steps < 1 or not np.isclose(n_steps * dt, t1, rtol=1e-9, atol=0.0):
            raise ValueError(f"t1={t1!r} s must be a whole number of steps dt={dt!r} s")
        ts = np.minimum(np.round(ts / dt) * dt, t1)  # on the step grid, not past t1
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
        m = jnp.where(mag, normalise(y), 0.0)
        sq = jnp.sqrt(u) * strength(tau)
        return lx.FunctionLinearOperator(
            lambda dW: ll_operator(m, sq * dW, alpha, args.gamma),
            jax.ShapeDtypeStruct(y.shape, y.dtype),
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
        out = {
            "m_avg": mean_m(args, normalise(y)),
            "norm_dev": max_norm_deviation(y, args.magnetic),
        }
        if save_energies:
            out["energies"] = args.energies(normalise(y), tau * u)
        if snapshots:
            out["snapshots"] = normalise(y)
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
    return Trajectory(
        ts=ts,
        m_avg=obs["m_avg"],
        m_final=yfin[-1],
        t_final=sol.ts[1][-1] * u,
        stats=stats,
        snapshots=obs.get("snapshots"),
        snapshot_ts=ts if snapshots else None,
        energies=obs.get("energies"),
        norm_dev=obs["norm_dev"],
        final_norm_dev=max_norm_deviation(yfin[-1], system.magnetic),
        result=sol.result,
        key=key,
    )
