"""Brown's thermal field: its strength, the validation of temperatures, and which
diffrax solvers suit the thermal SDE (see :mod:`jaxmag.thermal`)."""

import diffrax
import jax.numpy as jnp
import numpy as np

from jaxmag._validate import check_real, is_concrete
from jaxmag.constants import GAMMA_LL, K_B, MU0
from jaxmag.dynamics._solver import ProjectedSolver
from jaxmag.vectors import cross


def thermal_field_strength(alpha, Ms, V, T, gamma: float = GAMMA_LL):
    """Brown's ``D = sqrt(2 α k_B T / (γ μ0 Ms V))`` in A/m · s^½, with
    ``<H_th,i(t) H_th,j(t')> = D² δ_ij δ(t - t')`` (see the module docstring).

    **Arguments:** `alpha` damping; `Ms` saturation magnetisation (A/m, 0 gives D = 0);
    `V` cell volume (m³); `T` temperature (K); `gamma` in m/(A s). Arrays broadcast.
    """
    alpha, Ms, T = (jnp.asarray(x, dtype=float) for x in (alpha, Ms, T))
    denom = gamma * MU0 * Ms * V
    nz = denom > 0
    D2 = jnp.where(nz, 2 * alpha * K_B * T / jnp.where(nz, denom, 1.0), 0.0)
    pos = D2 > 0  # NaN-free gradient of sqrt at 0
    return jnp.where(pos, jnp.sqrt(jnp.where(pos, D2, 1.0)), 0.0)


def check_temperature(T, shape=None, times=None):
    """Validate a temperature in K (scalar, array of ``shape`` or callable ``T(t)``,
    ``t`` in s, checked at ``times``): finite and >= 0. Traced values pass."""
    if callable(T):
        if times is None:
            return T
        vals = [T(float(t)) for t in times]
        for v in vals:
            if shape is not None and np.shape(v) not in ((), shape):
                raise ValueError(f"T(t) has shape {np.shape(v)}, expected () or {shape}")
            if is_concrete(v):
                check_real("temperature T(t) (K)", np.asarray(v, dtype=float), nonneg=True)
        return T
    if isinstance(T, bool | np.bool_) or T is None:
        raise TypeError(f"temperature T must be a number, array or callable, got {T!r}")
    if shape is not None and np.shape(T) not in ((), shape):
        raise ValueError(f"temperature T has shape {np.shape(T)}, expected () or {shape}")
    if is_concrete(T):
        check_real("temperature T (K)", T, nonneg=True)
    return T


_ITO_MSG = (
    "is an Itô solver: it converges to the Itô solution of the stochastic LLG, not the "
    "Stratonovich one that Brown's thermal field defines. Use Heun, EulerHeun, "
    "Midpoint or SPaRK"
)


def check_solver(solver, adaptive: bool = False) -> diffrax.AbstractSolver:
    """Check that a diffrax solver suits the thermal SDE: Stratonovich, and with an
    error estimate if `adaptive`. Returns it unwrapped."""
    if isinstance(solver, ProjectedSolver):
        solver = solver.solver
    if not isinstance(solver, diffrax.AbstractSolver):
        raise TypeError(f"solver must be a diffrax solver, got {solver!r}")
    if isinstance(solver, diffrax.AbstractItoSolver) and not isinstance(
        solver, diffrax.AbstractStratonovichSolver
    ):
        raise ValueError(f"{type(solver).__name__} {_ITO_MSG}")
    if not isinstance(solver, diffrax.AbstractStratonovichSolver):
        raise ValueError(
            f"{type(solver).__name__} is not a Stratonovich SDE solver of diffrax; use Heun, "
            "EulerHeun, Midpoint or SPaRK"
        )
    if isinstance(solver, diffrax.ReversibleHeun):
        raise ValueError(
            "ReversibleHeun is not supported: its cached vector field cannot hold the "
            "matrix-free thermal diffusion operator; use Heun, EulerHeun, Midpoint or SPaRK"
        )
    if adaptive and not isinstance(solver, diffrax.AbstractAdaptiveSolver):
        raise ValueError(
            f"{type(solver).__name__} has no error estimate, so it cannot take adaptive "
            "steps; use Heun or SPaRK, or fixed steps (dt)"
        )
    return solver


def _levy(solver):
    lev = getattr(solver, "minimal_levy_area", diffrax.BrownianIncrement)
    if isinstance(lev, type) and issubclass(lev, diffrax.AbstractSpaceTimeLevyArea):
        return diffrax.SpaceTimeLevyArea
    return diffrax.BrownianIncrement


def ll_operator(m, h, alpha, gamma=None):
    """The Landau–Lifshitz operator ``-γ/(1+α²) [m × h + α m × (m × h)]``, written once
    for every thermal path: applied to the field it is the drift, applied to a field
    increment the thermal term.

    **Arguments:** `m`, `h` of shape ``(3, ...)`` (components first); `alpha` (damping)
    broadcasts against ``m[0]``; `gamma` in m/(A s) with ``h`` in A/m, or ``None`` in
    reduced units (``γ = 1``, the time unit absorbs it; see :mod:`._pulses`).
    """
    mxh = cross(m, h)
    torque = mxh + alpha * cross(m, mxh)
    if gamma is None:
        return -torque / (1 + alpha**2)
    return -gamma / (1 + alpha**2) * torque
