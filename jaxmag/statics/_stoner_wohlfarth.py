"""Stoner–Wohlfarth particles: the equilibrium branch of a uniformly magnetised particle
with a quadratic anisotropy, followed in field (NumPy/SciPy; a reference, not batched).

The reduced energy density is ``e(m) = ½ mᵀ K m − h·m`` in units of ``μ0 Ms²``, with
fields ``h = H / Ms``. ``K`` is symmetric: for shape anisotropy it is the demagnetising
tensor ``N`` (e.g. :func:`jaxmag.energy.prism_demag_factors`); a uniaxial
``Ku`` (J/m³) along ``u`` adds ``−(2 Ku / (μ0 Ms²)) u uᵀ``. The astroid of the textbook
case is ``K = −(2 Ku/(μ0 Ms²)) ẑẑᵀ``: its easy-axis switching field is ``H_K = 2 Ku/(μ0 Ms)``.

The branch is followed by continuation: each equilibrium is the local minimum that
scipy's BFGS finds from the previous one (on tangent-plane coordinates of the sphere),
and the field at which ``m·d`` changes sign is found by bisection with continuation
(:func:`jaxmag.statics._hysteresis.bisect_branch`).

For the uniaxial particle the result is known in closed form
(:func:`uniaxial_coercive_field`): magnetised along the field direction ``d`` and swept
along ``−d``, it reverses its ``m·d`` at

    h_c(ψ) = 1 / (cos^(2/3) ψ + sin^(2/3) ψ)^(3/2)      for ψ ≤ π/4 (the astroid, a jump),
    h_c(ψ) = sin ψ cos ψ                                   for ψ > π/4 (reversibly),

in units of the anisotropy field ``H_K = 2 Ku / (μ0 Ms)`` (:func:`anisotropy_field`),
where ``ψ`` is the angle between the easy axis and ``d`` (an easy axis and its reverse
are the same axis, so ``ψ`` is folded into ``[0, π/2]``).
"""

import numpy as np
from scipy.optimize import minimize as _scipy_minimize

from jaxmag._validate import check_real
from jaxmag.constants import MU0
from jaxmag.statics._hysteresis import bisect_branch


def anisotropy_field(Ku1: float, Ms: float) -> float:
    """``H_K = 2 Ku1 / (μ0 Ms)`` in A/m, from `Ku1` in J/m³ and `Ms` in A/m."""
    check_real("Ku1 (J/m³)", Ku1, positive=True)
    check_real("Ms (A/m)", Ms, positive=True)
    return 2 * Ku1 / (MU0 * Ms)


def uniaxial_coercive_field(psi) -> np.ndarray:
    """The closed-form coercive field ``h_c(ψ)`` of a uniaxial particle, in units of
    ``H_K``, for angles `psi` (rad) between easy axis and field (see the module
    docstring); :func:`coercive_field` of ``K = −ẑẑᵀ`` is the numerical reference."""
    check_real("psi (rad)", psi)
    psi = np.abs(np.asarray(psi, float)) % np.pi
    psi = np.minimum(psi, np.pi - psi)  # the axis, not its sign
    c, s = np.cos(psi), np.sin(psi)
    astroid = 1 / (np.abs(c) ** (2 / 3) + np.abs(s) ** (2 / 3)) ** 1.5
    return np.where(psi <= np.pi / 4, astroid, s * c)


def _tangent_basis(m):
    a = np.eye(3)[np.argmin(np.abs(m))]
    e1 = np.cross(m, a)
    e1 /= np.linalg.norm(e1)
    return e1, np.cross(m, e1)


def equilibrium(K, h, m0, *, gtol: float = 1e-13) -> np.ndarray:
    """The local minimum of ``½ mᵀ K m − h·m`` on the unit sphere reached by descent
    from ``m0``.

    **Arguments:** `K`: ``(3, 3)`` symmetric (dimensionless, units of ``μ0 Ms²``); `h`:
    the applied field ``H / Ms``, ``(3,)``; `m0`: a non-zero start ``(3,)``; `gtol`: the
    BFGS gradient tolerance.
    """
    K, h = np.asarray(K, dtype=float), np.asarray(h, dtype=float)
    m = np.asarray(m0, dtype=float) / np.linalg.norm(m0)
    for _ in range(3):  # re-centre the chart: the last pass starts at the minimum
        e1, e2 = _tangent_basis(m)
        E = np.stack([e1, e2])

        def fun(u, m=m, E=E):
            v = m + u @ E
            r = np.linalg.norm(v)
            n = v / r
            g = K @ n - h
            e = 0.5 * n @ K @ n - h @ n
            grad_n = (g - (g @ n) * n) / r
            return e, E @ grad_n

        res = _scipy_minimize(fun, np.zeros(2), jac=True, method="BFGS", options={"gtol": gtol})
        v = m + res.x @ E
        m = v / np.linalg.norm(v)
    return m


def coercive_field(
    K,
    direction,
    *,
    m0=None,
    h_step: float = 1e-3,
    h_max: float = 10.0,
    tol: float = 1e-10,
) -> dict:
    """The field ``h_c = H_c / Ms`` at which ``m·d`` changes sign on the branch that starts
    saturated along ``+d`` in zero field, with the field applied along ``−d``.

    **Arguments:**

    - `K`: ``(3, 3)`` anisotropy matrix (dimensionless; see the module docstring).
    - `direction`: ``d``, a non-zero 3-vector.
    - `m0`: the start in zero field (default ``d``).
    - `h_step`: the first sweep's step in ``h`` (> 0); `h_max`: give up beyond this.
    - `tol`: the bisection's final bracket width in ``h``.

    Returns ``{'h_c', 'h_switch', 'm_remanent'}``: ``h_c`` interpolates ``m·d`` linearly
    across the final bracket; ``h_switch`` is the field of the irreversible jump (the
    largest change of ``m`` in one sweep step, refined by bisection), equal to ``h_c``
    when ``m·d`` changes sign by a jump.
    """
    check_real("K", K)
    K = np.asarray(K, dtype=float)
    if K.shape != (3, 3) or not np.allclose(K, K.T):
        raise ValueError(f"K must be a symmetric (3, 3) matrix, got shape {K.shape}")
    check_real("direction", direction)
    d = np.asarray(direction, dtype=float)
    if d.shape != (3,) or not np.linalg.norm(d) > 0:
        raise ValueError(f"direction must be a non-zero 3-vector, got {direction!r}")
    d = d / np.linalg.norm(d)
    for name, v in (("h_step", h_step), ("h_max", h_max), ("tol", tol)):
        check_real(name, v, positive=True)

    def relax(h, m):
        return equilibrium(K, -h * d, m)

    m_rem = relax(0.0, d if m0 is None else np.asarray(m0, dtype=float))
    h, m, path = 0.0, m_rem, [(0.0, m_rem)]
    while m @ d > 0:
        if h > h_max:
            raise RuntimeError(f"m·d did not change sign up to h = {h_max}")
        h, m = h + h_step, relax(h + h_step, m)
        path.append((h, m))
    h_lo, m_lo = path[-2]
    h_lo, m_lo, h_hi, m_hi, _ = bisect_branch(
        relax, h_lo, m_lo, h, lambda s, prev: s @ d < 0, tol=tol
    )
    y_lo, y_hi = m_lo @ d, m_hi @ d
    h_c = h_lo + y_lo * (h_hi - h_lo) / (y_lo - y_hi)
    jumps = [np.linalg.norm(b[1] - a[1]) for a, b in zip(path[:-1], path[1:], strict=True)]
    k = int(np.argmax(jumps))
    big = jumps[k] / 2
    if big < 0.2:  # m·d crossed zero reversibly and no jump yet: sweep on to find it
        while True:
            if h > h_max:
                raise RuntimeError(f"no irreversible jump up to h = {h_max}")
            m1 = relax(h + h_step, m)
            if np.linalg.norm(m1 - m) > 0.2:
                break
            h, m = h + h_step, m1
        h_j, m_j, big = h, m, 0.1
    else:
        h_j, m_j = path[k]
        big = max(big, 0.1)
    _, _, h_sw, _, _ = bisect_branch(
        relax, h_j, m_j, h_j + h_step, lambda s, prev: np.linalg.norm(s - prev) > big, tol=tol
    )
    return {"h_c": float(h_c), "h_switch": float(h_sw), "m_remanent": m_rem}
