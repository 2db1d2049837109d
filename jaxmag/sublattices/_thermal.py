"""Brown's thermal field on every sublattice: the stochastic LLG of a sublattice system."""

import diffrax
import equinox as eqx
import jax
import jax.numpy as jnp
import lineax as lx
import numpy as np

from jaxmag._validate import check_real
from jaxmag.dynamics import TIME_UNIT, ProjectedSolver
from jaxmag.sublattices._dynamics import SublatticeTrajectory, sublattice_rhs
from jaxmag.sublattices._system import SublatticeSystem
from jaxmag.thermal._field import ll_operator, thermal_field_strength
from jaxmag.vectors import normalise


@eqx.filter_jit
def _solve(system, m0, t1, ts, key, T, n_steps):
    u = TIME_UNIT
    mag = system.magnetic[None]
    cnt = jnp.maximum(jnp.sum(system.magnetic, axis=(1, 2, 3)), 1)
    gamma = system.gammas.reshape(-1, 1, 1, 1)
    alpha = system.alpha
    D = jnp.where(system.magnetic,
                  thermal_field_strength(alpha, system.Ms, system.mesh.cell_volume, T, gamma),
                  0.0)  # fmt: skip

    def drift(tau, y, args):
        return u * sublattice_rhs(args, y, tau * u)

    def diffusion(tau, y, args):
        m = jnp.where(mag, normalise(y), 0.0)
        sq = jnp.sqrt(u) * D
        return lx.FunctionLinearOperator(
            lambda dW: ll_operator(m, sq * dW, alpha, gamma),
            jax.ShapeDtypeStruct(y.shape, y.dtype),
        )

    bm = diffrax.UnsafeBrownianPath(shape=m0.shape, key=key)
    terms = diffrax.MultiTerm(diffrax.ODETerm(drift), diffrax.ControlTerm(diffusion, bm))

    def mean(tau, y, args):
        return jnp.sum(jnp.where(mag, normalise(y), 0.0), axis=(2, 3, 4)) / cnt

    saveat = diffrax.SaveAt(
        subs=[diffrax.SubSaveAt(ts=ts / u, fn=mean),
              diffrax.SubSaveAt(ts=ts / u, fn=lambda tau, y, args: normalise(y)),
              diffrax.SubSaveAt(t1=True)]
    )  # fmt: skip
    return diffrax.diffeqsolve(
        terms,
        ProjectedSolver(diffrax.Heun()),
        0.0,
        t1 / u,
        t1 / u / n_steps,
        jnp.where(mag, normalise(m0), 0.0),
        args=system,
        saveat=saveat,
        stepsize_controller=diffrax.ConstantStepSize(),
        max_steps=n_steps + 1,
        adjoint=diffrax.ForwardMode(),
    )


def simulate_sublattices_thermal(
    system: SublatticeSystem, m0, t1: float, *, T: float, key, dt: float, ts=None
) -> SublatticeTrajectory:
    """The stochastic LLG of every sublattice with Brown's thermal field (Stratonovich,
    projected Heun with fixed steps), each sublattice with its own strength
    ``D_i = √(2 α_i k_B T / (γ_i μ0 Ms_i V))``.

    **Arguments:** `system`; `m0` of shape ``(3, N, nx, ny, nz)``; `t1` in s; `T`, the
    temperature in K (>= 0); `key`, a ``jax.random`` key; `dt`, the step in s; `ts`, the
    save times in s (default 100). The trajectory holds the snapshots at `ts`.
    """
    check_real("T (K)", T, nonneg=True)
    check_real("dt (s)", dt, positive=True)
    check_real("t1 (s)", t1, positive=True)
    n_steps = max(1, int(round(t1 / dt)))
    ts = np.linspace(0, t1, 101)[1:] if ts is None else np.minimum(np.asarray(ts, float), t1)
    m0 = system.check_magnetisation(m0)
    sol = _solve(system, m0, float(t1), jnp.asarray(ts), key, float(T), n_steps)
    means, snaps, final = sol.ys
    return SublatticeTrajectory(ts=jnp.asarray(ts), m_avg=means, m_final=final[-1],
                                stats=dict(sol.stats), snapshots=snaps)  # fmt: skip
