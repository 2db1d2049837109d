"""The Slonczewski spin-transfer torque of a current perpendicular to the plane."""

from collections.abc import Callable

import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Bool, Float

from jaxmag._material import Material, per_cell, unit_vector
from jaxmag._mesh import Mesh
from jaxmag._validate import check_real, check_shape, is_concrete
from jaxmag.constants import E_CHARGE, GAMMA_LL, HBAR, MU0
from jaxmag.torques._base import AbstractTorque
from jaxmag.torques._zhang_li import _check_range, check_time_fn
from jaxmag.vectors import cross, dot, safe_inverse


class Slonczewski(AbstractTorque):
    """The Slonczewski torque on a free layer from a fixed layer magnetised along
    ``m_p``, with the parameters and sign conventions of OOMMF's ``Oxs_SpinXferEvolve``
    (shared by mumax3). In the Gilbert form

    ``τ = γ β ε m × (m_p × m) - γ β ε' m × m_p``,

    ``β = ħ J / (μ0 e t Ms)`` (A/m), ``ε = P Λ² / ((Λ² + 1) + (Λ² - 1) m·m_p)``,

    with ``t`` the free layer's thickness. ``J`` flows perpendicular to the film (z),
    signed as in OOMMF (whose default ``J_direction`` is -z: for ``J > 0`` electrons flow
    from the fixed layer into the free layer): a positive ``J`` pushes ``m`` towards
    ``m_p`` (the damping-like term ``m × (m_p × m)`` is the part of ``m_p``
    perpendicular to ``m``), a negative one away from it. ``τ`` is zero in non-magnetic
    cells.

    **Arguments:**

    - `mesh`, `material`: the grid and material (``Ms`` in A/m from the material).
    - `J`: current density in A/m² (perpendicular to the film, sign as above), scalar or
      ``(nx, ny, nz)``.
    - `P`: spin polarisation (dimensionless, in [0, 1]), scalar or ``(nx, ny, nz)``.
    - `Lambda`: the Slonczewski Λ (dimensionless, >= 1 as OOMMF requires; Λ = 1 makes
      ε = P/2 independent of the angle), scalar or ``(nx, ny, nz)``.
    - `eps_prime`: the field-like ε' (dimensionless), scalar or ``(nx, ny, nz)``.
    - `mp`: the fixed layer's magnetisation, ``(3,)`` or ``(3, nx, ny, nz)``, non-zero
      (normalised here).
    - `thickness`: free-layer thickness ``t`` in m (default: the mesh thickness
      ``nz · dz``, as OOMMF).
    - `time_fn`: optional differentiable function of time ``t`` (s) returning a scalar
      multiplier of ``J``; may be an ``equinox.Module``.
    - `gamma`: gyromagnetic ratio γ in m/(A s) (Landau–Lifshitz form, as OOMMF's
      ``gamma_G``); pass the system's ``gamma`` if it is not the default 2.211e5.
    """

    a: Float[Array, "nx ny nz"]
    P: Float[Array, "..."]
    lambda2: Float[Array, "..."]
    eps_prime: Float[Array, "..."]
    mp: Float[Array, "3 ..."]
    magnetic: Bool[Array, "nx ny nz"]
    time_fn: Callable | None = None

    def __init__(
        self,
        mesh: Mesh,
        material: Material,
        J,
        P,
        Lambda,
        eps_prime,
        mp,
        thickness: float | None = None,
        time_fn: Callable | None = None,
        *,
        gamma: float = GAMMA_LL,
    ):
        check_real("J (A/m²)", J)
        check_shape("J (A/m²)", J, ((), mesh.shape))
        for name, v in (("P", P), ("Lambda", Lambda), ("eps_prime", eps_prime)):
            check_real(name, v)
            check_shape(name, v, ((), mesh.shape))
        _check_range("P", P, 0.0, 1.0)
        if is_concrete(Lambda) and np.any(np.asarray(Lambda) < 1):
            raise ValueError(
                f"Lambda must be >= 1 (as OOMMF's Oxs_SpinXferEvolve requires), got "
                f"{np.min(np.asarray(Lambda))!r}"
            )
        mp = unit_vector("mp", mp, ((3,), (3, *mesh.shape)))
        self.mp = mp.reshape(3, 1, 1, 1) if mp.ndim == 1 else mp
        if thickness is None:
            thickness = mesh.size[2]
        check_real("thickness (m)", thickness, positive=True)
        check_real("gamma (m/(A s))", gamma, positive=True)
        self.time_fn = check_time_fn(time_fn)
        mat = per_cell(material, mesh)
        self.magnetic = mat.Ms > 0
        J = jnp.asarray(J, dtype=float)
        # γ β in 1/s: γ ħ J / (μ0 e t Ms)
        a = gamma * HBAR / (MU0 * E_CHARGE * thickness) * J * safe_inverse(mat.Ms)
        self.a = jnp.where(self.magnetic, a, 0.0)
        self.P = jnp.asarray(P, dtype=float)
        self.lambda2 = jnp.asarray(Lambda, dtype=float) ** 2
        self.eps_prime = jnp.asarray(eps_prime, dtype=float)

    def epsilon(self, m: Float[Array, "3 nx ny nz"]) -> Float[Array, "nx ny nz"]:
        """The damping-like efficiency ``ε = P Λ² / ((Λ² + 1) + (Λ² - 1) m·m_p)``."""
        l2 = self.lambda2
        return self.P * l2 / ((l2 + 1) + (l2 - 1) * dot(m, self.mp))

    def torque(self, m, t=0.0):
        a = self.a if self.time_fn is None else self.a * self.time_fn(t)
        mp = jnp.broadcast_to(self.mp, m.shape)
        tau = a * (self.epsilon(m) * cross(m, cross(mp, m)) - self.eps_prime * cross(m, mp))
        return jnp.where(self.magnetic, tau, 0.0)
