"""The LLG equation of each sublattice, integrated as one diffrax state."""

import diffrax
import equinox as eqx
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from jaxmag.dynamics import TIME_UNIT, ProjectedSolver, default_controller, default_solver
from jaxmag.sublattices._system import SublatticeSystem
from jaxmag.vectors import cross, normalise


def sublattice_rhs(system: SublatticeSystem, m, t=0.0, *, precession: bool = True):
    """``dm_i/dt`` in 1/s for every sublattice: the Landau–Lifshitz form with that
    sublattice's γ and α, ``-γ_i/(1+α_i²) [m_i × H_i + α_i m_i × (m_i × H_i)]``, plus its
    spin torques τ (Gilbert form) as ``(τ + α_i m_i × τ)/(1 + α_i²)``."""
    mag = system.magnetic[None]
    m = jnp.where(mag, normalise(m), 0.0)
    H = system.field(m, t)
    mxH = cross(m, H)
    alpha = system.alpha[None]
    pre = -system.gammas.reshape(1, -1, 1, 1, 1) / (1 + alpha**2)
    damp = alpha * cross(m, mxH)
    dmdt = pre * (mxH + damp) if precession else pre * damp
    for i, term in system.torques:  # Gilbert-form torques: (τ + α m × τ)/(1 + α²)
        mi, ai = m[:, i], alpha[:, i]
        tau = term.torque(mi, t)
        dmdt = dmdt.at[:, i].add((tau + ai * cross(mi, tau)) / (1 + ai**2))
    return dmdt


class SublatticeTrajectory(eqx.Module):
    """``ts`` (s), ``m_avg`` ``(T, 3, N)`` (the mean of each sublattice over its magnetic
    cells), ``m_final`` ``(3, N, nx, ny, nz)`` and the solver statistics."""

    ts: Float[Array, " T"]
    m_avg: Float[Array, "T 3 N"]
    m_final: Float[Array, "3 N nx ny nz"]
    stats: dict
    snapshots: Float[Array, "T 3 N nx ny nz"] | None = None

    def neel(self) -> Float[Array, "T 3"]:
        """The Néel vector ``l = (⟨m_0⟩ - ⟨m_1⟩)/2``."""
        return 0.5 * (self.m_avg[:, :, 0] - self.m_avg[:, :, 1])


@eqx.filter_jit
def _solve(system, m0, t1, ts, solver, rtol, atol, max_steps, snapshots, precession=True):
    mag = system.magnetic[None]
    cnt = jnp.maximum(jnp.sum(system.magnetic, axis=(1, 2, 3)), 1)

    def vf(tau, y, args):
        return TIME_UNIT * sublattice_rhs(args, y, tau * TIME_UNIT, precession=precession)

    def mean(tau, y, args):  # the dense output between projected steps: normalise it
        return jnp.sum(jnp.where(mag, normalise(y), 0.0), axis=(2, 3, 4)) / cnt

    subs = [diffrax.SubSaveAt(ts=ts / TIME_UNIT, fn=mean), diffrax.SubSaveAt(t1=True)]
    if snapshots:
        subs.append(diffrax.SubSaveAt(ts=ts / TIME_UNIT, fn=lambda tau, y, args: normalise(y)))
    return diffrax.diffeqsolve(
        diffrax.ODETerm(vf),
        ProjectedSolver(solver),
        0.0,
        t1 / TIME_UNIT,
        None,
        jnp.where(mag, normalise(m0), 0.0),
        args=system,
        saveat=diffrax.SaveAt(subs=subs),
        stepsize_controller=default_controller(rtol, atol),
        max_steps=max_steps,
    )


def simulate_sublattices(
    system: SublatticeSystem,
    m0,
    t1: float,
    *,
    ts=None,
    rtol: float = 1e-5,
    atol: float = 1e-5,
    solver=None,
    max_steps: int = 1_000_000,
    snapshots: bool = False,
) -> SublatticeTrajectory:
    """Integrate every sublattice's LLG from ``m0`` (``(3, N, nx, ny, nz)``) to `t1` (s),
    saving the per-sublattice means at `ts` (s; default 100 saves); the projection keeps
    each sublattice at |m| = 1; with `snapshots` the whole state at `ts` too. The solver
    and step-size controller are :func:`jaxmag.simulate`'s (:func:`~jaxmag.dynamics.default_solver`,
    :func:`~jaxmag.dynamics.default_controller`); for N = 1 the path is the ferromagnet's."""
    ts = np.linspace(0, t1, 101)[1:] if ts is None else np.asarray(ts, dtype=float)
    if ts.size and (ts[0] < 0 or ts[-1] > t1 * (1 + 1e-9)):
        raise ValueError(f"save times must lie in [0, t1 = {t1:g} s]")
    ts = np.minimum(ts, t1)  # a rounding error past t1 is t1
    m0 = jnp.asarray(m0, dtype=float)
    expect = (3, system.n, *system.mesh.shape)
    if m0.shape != expect:
        raise ValueError(f"m0 must have shape (3, N, nx, ny, nz) = {expect}, got {m0.shape}")
    solver = default_solver(rtol) if solver is None else solver
    sol = _solve(
        system, m0, float(t1), jnp.asarray(ts), solver, rtol, atol, max_steps, bool(snapshots)
    )  # precession on
    means, final = sol.ys[0], sol.ys[1]
    return SublatticeTrajectory(
        ts=jnp.asarray(ts), m_avg=means, m_final=final[-1], stats=dict(sol.stats),
        snapshots=sol.ys[2] if snapshots else None,
    )  # fmt: skip


def max_torque(system: SublatticeSystem, m) -> Float[Array, " N"]:
    """``max |m_i × μ0 H_i|`` in T per sublattice, over its magnetic cells."""
    from jaxmag.constants import MU0

    m = jnp.where(system.magnetic[None], normalise(m), 0.0)
    t = jnp.linalg.norm(cross(m, system.field(m)), axis=0) * MU0
    return jnp.max(t.reshape(system.n, -1), axis=1)


def relax_sublattices(
    system: SublatticeSystem,
    m0,
    *,
    tol: float = 1e-4,
    chunk: float = 1e-10,
    max_time: float = 2e-8,
    rtol: float = 1e-6,
):
    """Relax every sublattice by damping alone (the precession term dropped, so each
    sublattice slides down its own energy landscape at rate γ_i α_i/(1 + α_i²)) until the
    largest torque ``|m_i × μ0 H_i|`` is below `tol` (T), in chunks of `chunk` s, at most
    `max_time` s. Returns ``(m, max_torque_per_sublattice, converged, time_s)``. Works for
    ferrimagnets (Ms_1 ≠ Ms_2, γ_1 ≠ γ_2) alike; a sublattice with α = 0 does not move."""
    m = jnp.where(system.magnetic[None], normalise(jnp.asarray(m0, dtype=float)), 0.0)
    solver = default_solver(rtol)
    t, tq = 0.0, max_torque(system, m)
    while float(jnp.max(tq)) > tol and t < max_time:
        sol = _solve(system, m, chunk, jnp.asarray([chunk]), solver, rtol, rtol, 1_000_000,
                     False, False)  # fmt: skip
        m = sol.ys[1][-1]
        t += chunk
        tq = max_torque(system, m)
    return m, tq, bool(jnp.max(tq) <= tol), t
