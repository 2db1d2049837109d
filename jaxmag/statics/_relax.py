"""Energy minimisation: steepest descent with Barzilai–Borwein steps, and damping-only LLG.

The BB minimiser is the method of mumax3's ``minimise`` and magnum.np's ``MinimizerBB``
(Exl et al., J. Appl. Phys. 115, 17D118 (2014)): ``m ← normalise(m - τ g)`` with
``g = m × (m × h)``, ``h = H / max(Ms)``, and ``τ`` alternating between the two BB
step lengths. It stops when the maximum reduced torque ``|m × H| / max(Ms)`` falls
below ``tol``.

**Negative curvature.** Where the energy curves downwards along the last step
(``s·y <= 0``, e.g. leaving a saddle or a maximum) the BB step is non-positive. The step
then doubles from the last one (at least ``tau0``), so leaving the unstable state takes
a number of iterations logarithmic, not linear, in how close to it the start lies; each
such step moves a cell by at most :data:`MAX_RESTART_ANGLE` rad.

**Stop reasons.** :attr:`RelaxResult.reason` is an integer array (so that it works under
``jit`` and ``vmap``): 0 converged (torque below ``tol``), 1 ``max_iter`` reached,
2 stagnated (over one window of ``stagnation_window`` iterations the lowest torque fell
by less than 10 % and the energy changed by at most :data:`STAGNATION_RTOL_EPS` float
epsilons, relative, from the window before: the torque is at its round-off floor, above
``tol``; one energy evaluation at the end of each full window, the first window only
setting the reference), 3 non-finite
(the field or the torque became NaN or inf; the last finite state is returned).
:data:`REASONS` and :attr:`RelaxResult.reason_name` give the names.

**Batches.** ``jax.vmap(minimise)`` runs one loop for the batch until its last member
stops; a member that has stopped is frozen (its state and iteration count no longer
change), so each member's result and ``iterations`` are those of its own run.
"""

import diffrax
import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, Int

from jaxmag._system import System
from jaxmag._validate import check_int, check_real, is_concrete
from jaxmag.dynamics._llg import TIME_UNIT, llg_rhs
from jaxmag.dynamics._simulate import default_controller
from jaxmag.dynamics._solver import ProjectedSolver
from jaxmag.vectors import cross, dot, normalise

REASONS = ("converged", "max_iter", "stagnated", "non_finite")
"""The names of :attr:`RelaxResult.reason`'s codes 0, 1, 2, 3."""
CONVERGED, MAX_ITER, STAGNATED, NON_FINITE = range(4)
_RUNNING = -1
MAX_RESTART_ANGLE = 0.25
"""The largest move of a cell (rad) in a step taken at negative curvature."""
STAGNATION_RTOL_EPS = 1000
"""A window stagnates if its energy changed by at most this many float epsilons (relative)."""


class RelaxResult(eqx.Module):
    """``m``: the relaxed state; ``max_torque``: max ``|m × H| / max(Ms)``;
    ``iterations`` (BB) or ``t_final`` (s, LLG); ``energy`` in J; ``converged``;
    ``reason``: why it stopped, an int code (see :data:`REASONS`: 0 converged, 1
    max_iter, 2 stagnated, 3 non_finite). Under ``vmap`` every field has the batch axis."""

    m: Float[Array, "3 nx ny nz"]
    max_torque: Float[Array, ""]
    iterations: Int[Array, ""]
    energy: Float[Array, ""]
    converged: jax.Array
    reason: Int[Array, ""]

    @property
    def reason_name(self):
        """The stop reason as a string (an array of strings for a batch)."""
        names = np.asarray(REASONS)[np.asarray(self.reason)]
        return str(names) if names.ndim == 0 else names


def _reduced_torque(system, m):
    H = system.field(m) / jnp.max(system.material.Ms)
    return cross(m, cross(m, H))


def _max_norm(x):
    return jnp.max(jnp.sqrt(dot(x, x)))


def _select(keep, old, new):
    return jax.tree.map(lambda a, b: jnp.where(keep, a, b), old, new)


class _BBState(eqx.Module):
    m: jax.Array
    g: jax.Array  # reduced torque of m
    tau: jax.Array  # the next step length
    k: jax.Array  # iterations done
    reason: jax.Array  # _RUNNING or a stop code
    best: jax.Array  # lowest max torque so far
    k_w: jax.Array  # start of the stagnation window: iteration,
    best_w: jax.Array  # lowest torque then,
    energy_w: jax.Array  # and energy (J)


def _bb_start(system, m, tol, tau0) -> _BBState:
    g = _reduced_torque(system, m)
    t = _max_norm(g)
    reason = jnp.where(jnp.isfinite(t), jnp.where(t < tol, CONVERGED, _RUNNING), NON_FINITE)
    k = jnp.zeros((), dtype=int)
    E = jnp.asarray(jnp.inf, m.dtype)  # no energy evaluation: the first window never stagnates
    return _BBState(m, g, jnp.asarray(tau0, m.dtype), k, reason, t, k, t, E)


def _bb_step(system, st: _BBState, tol, tau0) -> _BBState:
    """One BB iteration; a member that has stopped stays exactly as it was."""
    m1 = normalise(st.m - st.tau * st.g)
    g1 = _reduced_torque(system, m1)
    t1 = _max_norm(g1)
    s, y = m1 - st.m, g1 - st.g
    ss, sy, yy = jnp.sum(s * s), jnp.sum(s * y), jnp.sum(y * y)
    even = st.k % 2 == 0
    num = jnp.where(even, ss, sy)
    den = jnp.where(even, sy, yy)
    ok = (sy > 0) & (den > 0)
    tau_bb = num / jnp.where(ok, den, 1.0)
    ok = ok & jnp.isfinite(tau_bb)
    # Negative curvature: double the step (at least tau0), each cell moving at most
    # MAX_RESTART_ANGLE rad, rather than fall back to tau0 every time.
    cap = MAX_RESTART_ANGLE / jnp.where(t1 > 0, t1, 1.0)
    tau_neg = jnp.where(t1 > 0, jnp.minimum(jnp.maximum(2 * st.tau, tau0), cap), tau0)
    tau1 = jnp.where(ok, tau_bb, tau_neg)
    finite = jnp.isfinite(t1)
    reason = jnp.where(finite, jnp.where(t1 < tol, CONVERGED, _RUNNING), NON_FINITE)
    new = _BBState(
        m1, g1, tau1, st.k + 1, reason, jnp.minimum(st.best, t1), st.k_w, st.best_w, st.energy_w
    )
    new = _select(finite, new, eqx.tree_at(lambda x: x.reason, st, reason))
    return _select(st.reason == _RUNNING, new, st)


@eqx.filter_jit
def _bb_iterations(system, st: _BBState, tol, k_stop, tau0, window) -> _BBState:
    """Iterate until a stop reason or ``k_stop`` iterations. The stagnation test runs at
    the end of each window of `window` iterations (one energy evaluation per window)."""
    rtol = STAGNATION_RTOL_EPS * jnp.finfo(st.m.dtype).eps

    def running(st):
        return (st.reason == _RUNNING) & (st.k < k_stop)

    def window_body(st):
        end = jnp.minimum(k_stop, st.k_w + window)
        st = jax.lax.while_loop(
            lambda st: running(st) & (st.k < end), lambda st: _bb_step(system, st, tol, tau0), st
        )
        full = (st.reason == _RUNNING) & (st.k >= st.k_w + window)
        # the energy only at a window's end (a batch evaluates it for every member)
        E = jax.lax.cond(full, lambda m: system.energy(m), lambda m: st.energy_w, st.m)
        change = jnp.abs(E - st.energy_w)
        flat = jnp.isfinite(change) & (
            change <= rtol * jnp.maximum(jnp.abs(E), jnp.abs(st.energy_w))
        )
        stuck = full & flat & (st.best > 0.9 * st.best_w)
        reason = jnp.where(stuck, STAGNATED, st.reason)
        k_w, best_w, energy_w = _select(full, (st.k, st.best, E), (st.k_w, st.best_w, st.energy_w))
        new = eqx.tree_at(
            lambda x: (x.reason, x.k_w, x.best_w, x.energy_w), st, (reason, k_w, best_w, energy_w)
        )
        return _select(running(st) | full, new, st)

    return jax.lax.while_loop(running, window_body, st)


def _perturb(system, m, amplitude, key):
    xi = jax.random.normal(key, m.shape, dtype=m.dtype)
    tangent = xi - dot(m, xi) * m
    return jnp.where(system.magnetic, normalise(m + amplitude * tangent), 0.0)


def minimise(
    system: System,
    m0,
    *,
    tol: float | None = None,
    max_iter: int = 200_000,
    tau0: float = 1e-2,
    stagnation_window: int = 1000,
    perturbation: float = 0.0,
    key: jax.Array | None = None,
    progress: bool = False,
    chunk: int = 2000,
) -> RelaxResult:
    """Minimise the energy by steepest descent with Barzilai–Borwein steps.

    **Arguments:**

    - `system`: the :class:`System` (its field at t = 0 is used).
    - `m0`: initial magnetisation ``(3, nx, ny, nz)`` or ``(3,)``.
    - `tol`: stop when max ``|m × H| / max(Ms)`` < tol (dimensionless). Default 1e-7
      in float64 and 1e-5 in float32, whose round-off floor is near 1e-6.
    - `max_iter`: iteration limit; ``converged`` is False if it is reached.
    - `tau0`: first step length, dimensionless: m moves by ``tau0`` times the reduced
      torque; also the least step taken at negative curvature (see the module).
    - `stagnation_window`: iterations per stagnation test (>= 1): stop with reason
      ``"stagnated"`` when, over one window, the lowest torque fell by less than 10 %
      and the energy changed by at most :data:`STAGNATION_RTOL_EPS` float epsilons
      (relative). A value >= `max_iter` turns the test off.
    - `perturbation`: amplitude (rad, >= 0) of a random tilt of ``m0``: each magnetic cell
      is moved by a random tangent vector with this standard deviation per component,
      to break an exact symmetry (a state balanced on a saddle or a maximum has zero
      torque, and steepest descent keeps every symmetry of ``m0`` and the system).
    - `key`: a ``jax.random`` key; required when `perturbation` > 0 (no global state).
    - `progress`: print the iteration count and torque every `chunk` iterations.

    Returns a :class:`RelaxResult` whose ``reason`` says why it stopped (0 converged,
    1 max_iter, 2 stagnated, 3 non_finite; :attr:`RelaxResult.reason_name`).
    """
    m = system.check_magnetisation(m0)
    if tol is None:
        tol = 1e-7 if m.dtype == jnp.float64 else 1e-5
    check_real("tol", tol, positive=True)
    check_real("tau0", tau0, positive=True)
    check_int("max_iter", max_iter, minimum=0)
    check_int("stagnation_window", stagnation_window)
    check_real("perturbation (rad)", perturbation, nonneg=True)
    if perturbation > 0:
        if key is None:
            raise ValueError("perturbation > 0 needs a key: minimise(..., key=jax.random.key(0))")
        m = _perturb(system, m, jnp.asarray(perturbation, m.dtype), key)
    # Numbers go in as arrays, so that they are traced, not static: one compilation.
    tol_, tau0_ = jnp.asarray(tol, dtype=m.dtype), jnp.asarray(tau0, dtype=m.dtype)
    window = jnp.asarray(stagnation_window)
    st = _bb_start(system, m, tol_, tau0_)
    if not is_concrete(m):
        st = _bb_iterations(system, st, tol_, jnp.asarray(max_iter), tau0_, window)
    else:
        while int(st.reason) == _RUNNING and int(st.k) < max_iter:
            stop = jnp.asarray(min(int(st.k) + chunk, max_iter))
            st = _bb_iterations(system, st, tol_, stop, tau0_, window)
            if progress:
                print(
                    f"minimise: iteration {int(st.k)}, max torque {float(_max_norm(st.g)):.3e}",
                    flush=True,
                )
    return _result(system, st)


@eqx.filter_jit
def _result(system, st: _BBState) -> "RelaxResult":
    reason = jnp.where(st.reason == _RUNNING, MAX_ITER, st.reason)
    return RelaxResult(
        m=st.m,
        max_torque=_max_norm(st.g),
        iterations=st.k,
        energy=system.energy(st.m),
        converged=reason == CONVERGED,
        reason=reason,
    )


def relax_llg(
    system: System,
    m0,
    *,
    tol: float = 1e-5,
    alpha: float = 0.5,
    t_max: float = 50e-9,
    rtol: float = 1e-6,
    atol: float = 1e-6,
    max_steps: int = 1_000_000,
) -> RelaxResult:
    """Relax by damping-only LLG (no precession) until max ``|m × H| / max(Ms)`` < tol.

    **Arguments:**

    - `system`: the :class:`System`; its damping is replaced by `alpha` here.
    - `m0`: initial magnetisation.
    - `tol`: the torque at which to stop (dimensionless).
    - `alpha`: damping used for relaxing (dimensionless, > 0).
    - `t_max`: give up after this much simulated time in s (``converged`` is False).
    - `rtol`, `atol`, `max_steps`: as in :func:`jaxmag.simulate`; keep the tolerances
      ~10× below `tol`, or step noise can hold the torque above it.
    """
    check_real("tol", tol, positive=True)
    check_real("alpha", alpha, positive=True)
    check_real("t_max (s)", t_max, positive=True)
    m = system.check_magnetisation(m0)
    sysr = eqx.tree_at(
        lambda s: s.material.alpha, system, jnp.full_like(system.material.alpha, alpha)
    )
    arr = lambda x: jnp.asarray(x, dtype=m.dtype)  # noqa: E731 (traced, not static)
    return _relax_llg(sysr, m, arr(tol), arr(t_max), arr(rtol), arr(atol), max_steps)


@eqx.filter_jit
def _relax_llg(system, m, tol, t_max, rtol, atol, max_steps):
    u = TIME_UNIT

    def vf(tau, y, args):
        return u * llg_rhs(args, y, tau * u, precession=False)

    def done(t, y, args, **kwargs):
        return _max_norm(_reduced_torque(args, normalise(y))) < tol

    sol = diffrax.diffeqsolve(
        diffrax.ODETerm(vf),
        ProjectedSolver(diffrax.Dopri5()),
        0.0,
        t_max / u,
        None,
        m,
        args=system,
        saveat=diffrax.SaveAt(t1=True),
        stepsize_controller=default_controller(rtol, atol),
        event=diffrax.Event(done),
        max_steps=max_steps,
        throw=False,
    )
    m1 = normalise(sol.ys[-1])
    torque = _max_norm(_reduced_torque(system, m1))
    stopped = jnp.where(jnp.isfinite(torque), MAX_ITER, NON_FINITE)
    return RelaxResult(
        m=m1,
        max_torque=torque,
        iterations=sol.stats["num_steps"],
        energy=system.energy(m1),
        converged=torque < tol,
        reason=jnp.where(torque < tol, CONVERGED, stopped),
    )
