"""Energy minimisation: steepest descent with Barzilai–Borwein steps, and damping-only LLG.

The BB minimiser is the method of mumax3's ``minimise`` and magnum.np's ``MinimizerBB``
(Exl et al., J. Appl. Phys. 115, 17D118 (2014)): ``m ← normalise(m - τ g)`` with
``g = m × (m × h)``, ``h = H / max(Ms)``, and ``τ`` alternating between the two BB
step lengths. It stops when the maximum reduced torque ``|m × H| / max(Ms)`` falls
below ``tol``.
"""

import diffrax
import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float, Int

from jaxmag._system import System
from jaxmag._validate import check_real, is_concrete
from jaxmag.dynamics._llg import TIME_UNIT, llg_rhs
from jaxmag.dynamics._simulate import default_controller
from jaxmag.dynamics._solver import ProjectedSolver
from jaxmag.vectors import cross, dot, normalise


class RelaxResult(eqx.Module):
    """``m``: the relaxed state; ``max_torque``: max ``|m × H| / max(Ms)``;
    ``iterations`` (BB) or ``t_final`` (s, LLG); ``energy`` in J; ``converged``."""

    m: Float[Array, "3 nx ny nz"]
    max_torque: Float[Array, ""]
    iterations: Int[Array, ""]
    energy: Float[Array, ""]
    converged: jax.Array


def _reduced_torque(system, m):
    H = system.field(m) / jnp.max(system.material.Ms)
    return cross(m, cross(m, H))


def _max_norm(x):
    return jnp.max(jnp.sqrt(dot(x, x)))


@eqx.filter_jit
def _bb_iterations(system, m, g, tau, k, tol, k_stop, tau0):
    def cond(state):
        m, g, tau, k = state
        return (k < k_stop) & (_max_norm(g) >= tol)

    def body(state):
        m, g, tau, k = state
        m1 = normalise(m - tau * g)
        g1 = _reduced_torque(system, m1)
        s = m1 - m
        y = g1 - g
        ss, sy, yy = jnp.sum(s * s), jnp.sum(s * y), jnp.sum(y * y)
        even = k % 2 == 0
        num = jnp.where(even, ss, sy)
        den = jnp.where(even, sy, yy)
        ok = (sy > 0) & (den > 0)
        tau1 = jnp.where(ok, num / jnp.where(ok, den, 1.0), tau0)
        return m1, g1, tau1, k + 1

    return jax.lax.while_loop(cond, body, (m, g, tau, k))


def minimise(
    system: System,
    m0,
    *,
    tol: float | None = None,
    max_iter: int = 200_000,
    tau0: float = 1e-2,
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
    - `tau0`: first (and fallback) step length, dimensionless: m moves by ``tau0``
      times the reduced torque.
    - `progress`: print the iteration count and torque every `chunk` iterations.
    """
    m = system.check_magnetisation(m0)
    if tol is None:
        tol = 1e-7 if m.dtype == jnp.float64 else 1e-5
    check_real("tol", tol, positive=True)
    check_real("tau0", tau0, positive=True)
    g = _reduced_torque(system, m)
    tau = jnp.asarray(tau0, dtype=m.dtype)
    k = jnp.asarray(0)
    # Numbers go in as arrays, so that they are traced, not static: one compilation.
    tol_, tau0_ = jnp.asarray(tol, dtype=m.dtype), jnp.asarray(tau0, dtype=m.dtype)
    if not is_concrete(m):
        m, g, tau, k = _bb_iterations(system, m, g, tau, k, tol_, jnp.asarray(max_iter), tau0_)
    else:
        while True:
            stop = jnp.asarray(min(int(k) + chunk, max_iter))
            m, g, tau, k = _bb_iterations(system, m, g, tau, k, tol_, stop, tau0_)
            torque = float(_max_norm(g))
            if progress:
                print(f"minimise: iteration {int(k)}, max torque {torque:.3e}", flush=True)
            if torque < tol or int(k) >= max_iter:
                break
    torque = _max_norm(g)
    return RelaxResult(
        m=m, max_torque=torque, iterations=k, energy=system.energy(m), converged=torque < tol
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
    return RelaxResult(
        m=m1,
        max_torque=torque,
        iterations=sol.stats["num_steps"],
        energy=system.energy(m1),
        converged=torque < tol,
    )
