"""Quasi-static hysteresis loops: sweep a uniform applied field, minimise at each step.

The applied field ``μ0H = B d`` (``B`` in T along the unit vector ``d``) is a *traced*
argument: the system is built once, the sweep's own Zeeman term is appended to it, and a
``lax.scan`` over the field values calls :func:`jaxmag.minimise` from the previous state.
The scan runs in chunks of a fixed length, so one compilation serves every sweep on
systems of the same shapes, whatever its length.

**The kick.** A state exactly balanced on an unstable equilibrium has zero torque, and the
minimiser stops there at once: the Stoner–Wohlfarth easy-axis loop, ``m`` antiparallel to
the field along the easy axis past ``H_K``, never switches. A tilt of ``m0`` alone does not
help: the first minimisation relaxes it until the torque is below ``tol``, and past
``H_K`` the torque of what is left, ``~ (H/H_K - 1) θ``, stays below ``tol`` too. So before
each step ``m`` is tilted by at most `kick` rad towards a fixed direction perpendicular to
the field (with components along both perpendicular axes, so that any unstable direction
is excited) and the minimiser relaxes the tilt back out. It moves the measured switching
field only where the energy barrier's basin is narrower than `kick`, within about
``kick²`` (relative) of a saddle-node switching field. Without it a thin film can also stay
in an unstable symmetric state (m in plane where an out-of-plane tilt lowers the energy).
Near a bifurcation the minimiser slows down (the curvature goes to zero) and a step may
end unconverged at `max_iter`; :attr:`Loop.converged` and a warning say so.
"""

import warnings

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from jaxmag._system import System
from jaxmag._validate import check_int, check_real
from jaxmag.constants import MU0
from jaxmag.dynamics._simulate import mean_m
from jaxmag.energy import Zeeman
from jaxmag.statics._relax import minimise
from jaxmag.vectors import normalise


class Loop(eqx.Module):
    """A hysteresis loop.

    - `B`: the applied field μ0H along `direction` at each step, in T, ``(N,)``.
    - `m_par`: ``⟨m⟩·direction`` (dimensionless), ``(N,)``.
    - `m_avg`: ``⟨m⟩`` (mean over magnetic cells), ``(N, 3)``.
    - `converged`: whether the minimiser reached its torque tolerance, ``(N,)`` booleans.
    - `iterations`: minimiser iterations per step, ``(N,)``.
    - `max_torque`: the final max ``|m × H| / max(Ms)`` per step (dimensionless), ``(N,)``.
    - `direction`: the unit field direction, ``(3,)``.
    - `m`: the final state ``(3, nx, ny, nz)``, to continue a sweep from.
    """

    B: np.ndarray
    m_par: np.ndarray
    m_avg: np.ndarray
    converged: np.ndarray
    iterations: np.ndarray
    max_torque: np.ndarray
    direction: np.ndarray
    m: jax.Array

    @property
    def H(self) -> np.ndarray:
        """The applied field magnitude along `direction` in A/m, ``(N,)``."""
        return self.B / MU0


def loop_fields(B_max: float, steps: int) -> np.ndarray:
    """The field values of a major loop ``+B_max → −B_max → +B_max``, in T.

    **Arguments:**

    - `B_max`: the largest field μ0H in T, > 0.
    - `steps`: field steps per branch (>= 1); ``2 steps + 1`` values are returned.
    """
    check_real("B_max (T)", B_max, positive=True)
    check_int("steps", steps)
    down = np.linspace(B_max, -B_max, steps + 1)
    return np.concatenate([down, -down[1:]])


def _unit_direction(direction) -> np.ndarray:
    check_real("direction", direction)
    d = np.asarray(direction, dtype=float)
    if d.shape != (3,):
        raise ValueError(f"direction must have shape (3,), got {d.shape}")
    norm = np.linalg.norm(d)
    if norm == 0:
        raise ValueError("direction must be a non-zero vector, got (0, 0, 0)")
    return d / norm


def _kick_direction(d: np.ndarray) -> np.ndarray:
    """A fixed unit vector perpendicular to ``d``, generic (not along a Cartesian axis)."""
    for g in ((1.0, 2**0.5, 3**0.5), (3**0.5, -1.0, 2**0.5)):
        p = np.asarray(g) - np.dot(g, d) * d
        if np.linalg.norm(p) > 0.1:
            return p / np.linalg.norm(p)
    raise AssertionError("unreachable: two independent vectors cannot both be parallel to d")


@eqx.filter_jit
def _sweep(system, m, H, kick, tol, max_iter, tau0):
    def step(m, h):
        s = eqx.tree_at(lambda s: s.terms[-1].H, system, h.reshape(3, 1, 1, 1))
        m = jnp.where(s.magnetic, normalise(m + kick), 0.0)
        r = minimise(s, m, tol=tol, max_iter=max_iter, tau0=tau0)
        return r.m, (mean_m(s, r.m), r.converged, r.iterations, r.max_torque)

    return jax.lax.scan(step, m, H)


def hysteresis(
    system: System,
    m0,
    direction,
    B_values,
    *,
    tol: float | None = None,
    max_iter: int = 200_000,
    tau0: float = 1.0,
    kick: float = 1e-3,
    chunk: int = 50,
    progress: bool = False,
) -> Loop:
    """Sweep a uniform applied field through `B_values`, minimising the energy at each
    step from the previous step's state (:func:`jaxmag.minimise`).

    **Arguments:**

    - `system`: the sample in zero applied field (any Zeeman term it has is a bias
      field kept throughout); the sweep's field is added as a further Zeeman term.
    - `m0`: initial magnetisation, ``(3,)`` or ``(3, nx, ny, nz)``.
    - `direction`: field direction, a non-zero 3-vector (normalised here).
    - `B_values`: the applied field μ0H along `direction` at each step, in T, a
      non-empty 1D sequence, e.g. :func:`loop_fields`.
    - `tol`: the minimiser's torque tolerance (dimensionless, see :func:`minimise`).
    - `max_iter`: minimiser iterations per step at most.
    - `tau0`: the minimiser's first step and least step at negative curvature
      (dimensionless, see :func:`minimise`, whose default is 1e-2). Leaving an unstable
      state (negative curvature) the step doubles at every iteration from the last one
      (it used to fall back to `tau0` each time: the switching step of SP2 at d = l_ex
      on 5×1×1 cells took 6854 iterations with 1e-2, now 123). Each step starts from a
      relaxed state, so the first move, ``tau0`` times a small torque, stays small.
    - `kick`: tilt in rad (>= 0, <= 0.1) applied before each step; see the module
      docstring. 0 turns it off.
    - `chunk`: field steps per compiled call (the compiled length; the last chunk is
      padded). With `progress`, one line is printed per chunk.
    - `progress`: print the step, the field and ``m_par`` after each chunk.

    Returns a :class:`Loop`; warns if a step did not converge.
    """
    if not isinstance(system, System):
        raise TypeError(f"system must be a jaxmag System, got {type(system).__name__}")
    d = _unit_direction(direction)
    check_real("B_values (T)", B_values)
    B = np.asarray(B_values, dtype=float)
    if B.ndim != 1 or B.size == 0:
        raise ValueError(f"B_values must be a non-empty 1D sequence, got shape {B.shape}")
    check_real("kick (rad)", kick, nonneg=True)
    if kick > 0.1:
        raise ValueError(f"kick must be <= 0.1 rad (a small tilt), got {kick}")
    check_int("chunk", chunk)
    check_int("max_iter", max_iter)
    m = system.check_magnetisation(m0)
    if tol is None:
        tol = 1e-7 if m.dtype == jnp.float64 else 1e-5
    check_real("tol", tol, positive=True)
    check_real("tau0", tau0, positive=True)

    zeeman = Zeeman(system.mesh, system.material, jnp.zeros(3, dtype=m.dtype))
    swept = System(system.mesh, system.material, (*system.terms, zeeman), system.gamma)
    n = B.size
    pad = -n % chunk
    H = np.concatenate([B, np.full(pad, B[-1])])[:, None] * (d / MU0)
    kick_ = jnp.asarray(kick * _kick_direction(d), dtype=m.dtype).reshape(3, 1, 1, 1)
    tol_ = jnp.asarray(tol, dtype=m.dtype)
    outs = []
    for start in range(0, n + pad, chunk):
        h = jnp.asarray(H[start : start + chunk], dtype=m.dtype)
        m, out = _sweep(swept, m, h, kick_, tol_, int(max_iter), tau0)
        outs.append(jax.device_get(out))
        if progress:
            k = min(start + chunk, n)
            m_par = float(np.dot(outs[-1][0][min(chunk, n - start) - 1], d))
            bad = int(np.sum(~np.concatenate([o[1] for o in outs])[:n]))
            print(
                f"hysteresis: step {k}/{n}, μ0H = {B[k - 1] * 1e3:.4g} mT, "
                f"m_par = {m_par:+.4f}, {bad} not converged",
                flush=True,
            )
    m_avg, converged, iterations, torque = (np.concatenate(x)[:n] for x in zip(*outs, strict=True))
    if not np.all(converged):
        warnings.warn(
            f"hysteresis: {int(np.sum(~converged))} of {n} steps did not reach the torque "
            f"tolerance {tol:g} in {max_iter} iterations (first at μ0H = "
            f"{B[np.argmin(converged)]:g} T)",
            stacklevel=2,
        )
    return Loop(
        B=B,
        m_par=m_avg @ d,
        m_avg=m_avg,
        converged=converged,
        iterations=iterations,
        max_torque=torque,
        direction=d,
        m=m,
    )


def _first_zero(B, y, mask):
    for i in np.flatnonzero(mask):
        if y[i] * y[i + 1] <= 0 and y[i] != y[i + 1]:
            return float(B[i] - y[i] * (B[i + 1] - B[i]) / (y[i + 1] - y[i]))
    return float("nan")


def coercivity(loop) -> dict:
    """The coercive fields of a loop: where ``m_par`` crosses zero, linearly interpolated.

    **Arguments:**

    - `loop`: a :class:`Loop` (or anything with 1D `B` in T and `m_par`).

    Returns ``{'B_down', 'B_up'}``: the first crossing (T) on the descending and on the
    ascending branch (segments where B falls or rises); ``'Bc'``: ``|B_up − B_down| / 2``
    in T; ``'H_c'``: ``Bc / μ0`` in A/m; ``'B_shift'``: ``(B_up + B_down) / 2`` in T (the
    loop's offset, e.g. exchange bias). A branch without a crossing gives NaN (and NaN
    ``Bc``): the sweep did not reach the switching field.
    """
    B = np.asarray(loop.B, dtype=float)
    y = np.asarray(loop.m_par, dtype=float)
    if B.ndim != 1 or B.shape != y.shape or B.size < 2:
        raise ValueError(
            f"loop.B and loop.m_par must be 1D of equal length >= 2, got {B.shape}, {y.shape}"
        )
    dB = np.diff(B)
    down = _first_zero(B, y, dB < 0)
    up = _first_zero(B, y, dB > 0)
    Bc = abs(up - down) / 2
    return {"B_down": down, "B_up": up, "Bc": Bc, "H_c": Bc / MU0, "B_shift": (up + down) / 2}


def bisect_branch(relax, x_lo, state_lo, x_hi, crossed, *, tol: float, max_evals: int = 60):
    """Locate where a quasi-static branch first meets a condition, by bisection with
    continuation.

    **Arguments:**

    - `relax`: ``relax(x, state) -> state``, the equilibrium at the control value ``x``
      (e.g. a field) reached from ``state``.
    - `x_lo`, `state_lo`: a control value whose equilibrium `state_lo` has not crossed.
    - `x_hi`: a control value (above or below `x_lo`) whose equilibrium, reached from
      `state_lo`, has crossed.
    - `crossed`: ``crossed(state, previous) -> bool``, e.g. ``m·d < 0``, or a jump of
      ``⟨m⟩`` from ``previous`` (the state it was relaxed from).
    - `tol`: stop when ``|x_hi - x_lo| <= tol`` (> 0).
    - `max_evals`: a ``RuntimeError`` past this many relaxations.

    Each midpoint is relaxed from the latest state that has not crossed, so the branch is
    followed with ever smaller steps and the result does not depend on the first
    bracket's width (as long as the branch does not cross twice inside it).

    Returns ``(x_lo, state_lo, x_hi, state_hi, evaluations)``: the final bracket, with
    the crossed state at `x_hi` relaxed from `state_lo`.
    """
    check_real("tol", tol, positive=True)
    state_hi, evals = None, 0
    while abs(x_hi - x_lo) > tol or state_hi is None:
        x = x_hi if state_hi is None else (x_lo + x_hi) / 2
        state = relax(x, state_lo)
        evals += 1
        if crossed(state, state_lo):
            x_hi, state_hi = x, state
        elif state_hi is None:
            raise ValueError(f"the equilibrium at x_hi = {x_hi!r} has not crossed")
        else:
            x_lo, state_lo = x, state
        if evals > max_evals:
            raise RuntimeError(f"bisect_branch: no convergence in {max_evals} relaxations")
    return x_lo, state_lo, x_hi, state_hi, evals
