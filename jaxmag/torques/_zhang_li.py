"""The Zhang–Li spin-transfer torque of a current flowing in the plane of the film."""

from collections.abc import Callable

import equinox as eqx
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Bool, Float

from jaxmag._material import Material, per_cell
from jaxmag._mesh import Mesh
from jaxmag._validate import check_real, check_shape, is_concrete
from jaxmag.constants import E_CHARGE, MU_B
from jaxmag.torques._base import AbstractTorque
from jaxmag.vectors import cross, dot, safe_inverse


def _check_range(name: str, v, lo: float, hi: float):
    if is_concrete(v):
        a = np.asarray(v)
        if np.any(a < lo) or np.any(a > hi):
            bad = a[(a < lo) | (a > hi)].reshape(-1)[0]
            raise ValueError(f"{name} must lie in [{lo:g}, {hi:g}], got {bad!r}")


def check_time_fn(time_fn):
    """``time_fn`` is ``None`` or a callable whose value at t = 0 is real and finite."""
    if time_fn is None:
        return None
    if not callable(time_fn):
        raise TypeError(f"time_fn must be callable, got {type(time_fn).__name__}")
    v = time_fn(0.0)
    check_real("time_fn(0)", v)
    if np.ndim(v) != 0:
        raise ValueError(f"time_fn(t) must return a scalar, got shape {np.shape(v)}")
    return time_fn


def neighbour_masks(
    magnetic: Bool[Array, "nx ny nz"], periodic: tuple[bool, bool, bool]
) -> tuple[tuple, tuple]:
    """Per axis, whether cell ``i`` has a magnetic neighbour at ``i + 1`` (first tuple)
    and at ``i - 1`` (second tuple): false at a free surface (unless the axis is
    periodic), next to a hole (Ms = 0) and in non-magnetic cells."""
    plus, minus = [], []
    for ax in range(3):
        n = magnetic.shape[ax]
        idx = jnp.arange(n).reshape([-1 if a == ax else 1 for a in range(3)])
        up = jnp.roll(magnetic, -1, axis=ax) & magnetic
        dn = jnp.roll(magnetic, 1, axis=ax) & magnetic
        if not periodic[ax] or n == 1:  # one cell: no gradient, even when periodic
            up = up & (idx < n - 1)
            dn = dn & (idx > 0)
        plus.append(up)
        minus.append(dn)
    return tuple(plus), tuple(minus)


def directional_derivative(m, v, plus, minus, cell):
    """``(v·∇)m`` by central differences, ``Σ_a v_a (m[i+1] - m[i-1]) / (2 d_a)``, where a
    missing neighbour (free surface, hole) takes the value of the cell itself (the
    zero-flux condition of OOMMF and mumax3: ``(m[i+1] - m[i]) / (2 d)`` at a surface)."""
    g = jnp.zeros_like(m)
    for ax in range(3):
        if m.shape[ax + 1] == 1:
            continue
        mp = jnp.where(plus[ax], jnp.roll(m, -1, axis=ax + 1), m)
        mm = jnp.where(minus[ax], jnp.roll(m, 1, axis=ax + 1), m)
        g = g + v[ax] * (mp - mm) / (2 * cell[ax])
    return g


class ZhangLi(AbstractTorque):
    """The Zhang–Li torque of a current in the plane (Zhang & Li, PRL 93, 127204 (2004);
    Thiaville et al., Europhys. Lett. 69, 990 (2005)). In the Gilbert form

    ``τ = -(u·∇)m + ξ m × (u·∇)m``,  ``u = -μB P J / (e Ms (1 + ξ²))``,

    the convention of mumax3 (magnum.np's SP5 run is the same; OOMMF/Ubermag write
    ``u`` without the ``1 + ξ²``): ``u`` is the spin drift velocity (m/s), along the
    electron flow, i.e. opposite to the current density ``J`` for ``P > 0``. A domain
    wall then moves along ``u``: at ``v = u`` for ``ξ = α`` (rigidly), and at
    ``v = (ξ/α) u`` below Walker breakdown. For µMAG SP5 (P·J = 1e12 A/m², ξ = 0.05,
    Ms = 8e5 A/m) ``|u| = 72.17 m/s``.

    ``(u·∇)m`` is taken by central differences; at a free surface or next to a hole
    (Ms = 0) the missing neighbour takes the cell's own value (zero spin current
    through the surface, as in OOMMF and mumax3), and periodic axes (``mesh.pbc``) wrap
    around. Only the part of ``(u·∇)m`` perpendicular to ``m`` is kept, so ``τ ⊥ m``.
    ``τ`` is zero in non-magnetic cells.

    **Arguments:**

    - `mesh`, `material`: the grid and material (``Ms`` in A/m from the material).
    - `J`: current density in A/m², shape ``(3,)`` (uniform) or ``(3, nx, ny, nz)``.
    - `P`: spin polarisation of the current (dimensionless, in [-1, 1]; a negative
      value reverses ``u``), scalar or ``(nx, ny, nz)``.
    - `xi`: non-adiabaticity ξ (dimensionless), scalar or ``(nx, ny, nz)``.
    - `time_fn`: optional differentiable function of time ``t`` (s) returning a scalar
      multiplier of ``J`` (e.g. a pulse); may be an ``equinox.Module``.
    """

    u: Float[Array, "3 nx ny nz"]
    xi: Float[Array, "nx ny nz"]
    magnetic: Bool[Array, "nx ny nz"]
    plus: tuple
    minus: tuple
    cell: tuple[float, float, float] = eqx.field(static=True)
    time_fn: Callable | None = None

    def __init__(self, mesh: Mesh, material: Material, J, P, xi, time_fn: Callable | None = None):
        check_real("J (A/m²)", J)
        check_shape("J (A/m²)", J, ((3,), (3, *mesh.shape)))
        check_real("P", P)
        check_shape("P", P, ((), mesh.shape))
        _check_range("P", P, -1.0, 1.0)
        check_real("xi", xi)
        check_shape("xi", xi, ((), mesh.shape))
        self.time_fn = check_time_fn(time_fn)
        mat = per_cell(material, mesh)
        J = jnp.asarray(J, dtype=float)
        if J.ndim == 1:
            J = J.reshape(3, 1, 1, 1)
        xi = jnp.broadcast_to(jnp.asarray(xi, dtype=float), mesh.shape)
        P = jnp.asarray(P, dtype=float)
        self.magnetic = mat.Ms > 0
        b = MU_B / E_CHARGE * P * safe_inverse(mat.Ms) / (1 + xi**2)  # m³/(A s)
        self.u = jnp.where(self.magnetic, -b * J, 0.0)
        self.xi = xi
        self.plus, self.minus = neighbour_masks(self.magnetic, mesh.periodic)
        self.cell = mesh.cell

    def drift_velocity(self, t=0.0) -> Float[Array, "3 nx ny nz"]:
        """``u`` in m/s at time ``t`` (s), per cell (0 in non-magnetic cells)."""
        return self.u if self.time_fn is None else self.u * self.time_fn(t)

    def torque(self, m, t=0.0):
        g = directional_derivative(m, self.drift_velocity(t), self.plus, self.minus, self.cell)
        g = g - dot(m, g) * m  # the part perpendicular to m
        tau = -g + self.xi * cross(m, g)
        return jnp.where(self.magnetic, tau, 0.0)
