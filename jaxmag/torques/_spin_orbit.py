"""The spin-orbit torque of an in-plane current in a heavy-metal underlayer (damping-like
and field-like), in the field form of magnum.np and Boris."""

from collections.abc import Callable

import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Bool, Float

from jaxmag._material import Material, per_cell
from jaxmag._mesh import Mesh
from jaxmag._validate import check_real, check_shape, is_concrete
from jaxmag.constants import E_CHARGE, GAMMA_LL, HBAR, MU0
from jaxmag.torques._base import AbstractTorque
from jaxmag.torques._zhang_li import check_time_fn
from jaxmag.vectors import cross, safe_inverse

UNIT_TOL = 1e-6
"""How far ``|σ|`` may be from 1."""


def polarisation_from_current(current_direction, normal=(0.0, 0.0, 1.0)) -> np.ndarray:
    """The spin polarisation ``σ = n × ĵ / |n × ĵ|`` of the spin Hall effect for a
    charge current along ``current_direction`` in a layer with interface normal
    ``normal`` (pointing from the heavy metal into the magnet; default +z). A current
    along +x under a magnet on top of the heavy metal gives ``σ = +y``. The sign of the
    spin Hall angle is then carried by ``eta_DL`` and ``eta_FL``.

    Both vectors are ``(3,)`` and need not be unit; they must not be parallel.
    """
    j = np.asarray(current_direction, dtype=float)
    n = np.asarray(normal, dtype=float)
    for name, v in (("current_direction", j), ("normal", n)):
        check_real(name, v)
        check_shape(name, v, ((3,),))
        if np.linalg.norm(v) == 0:
            raise ValueError(f"{name} must be non-zero")
    s = np.cross(n / np.linalg.norm(n), j / np.linalg.norm(j))
    norm = np.linalg.norm(s)
    if norm < 1e-9:
        raise ValueError("current_direction is parallel to the normal: σ = n × ĵ is undefined")
    return s / norm


def _unit_sigma(sigma, mesh: Mesh, magnetic) -> Float[Array, "3 ..."]:
    check_real("sigma", sigma)
    check_shape("sigma", sigma, ((3,), (3, *mesh.shape)))
    s = jnp.asarray(sigma, dtype=float)
    if is_concrete(s):
        norm = np.linalg.norm(np.asarray(s), axis=0)
        if s.ndim > 1:  # per cell: unit where magnetic, anything (e.g. 0) elsewhere
            norm = np.where(np.asarray(magnetic), norm, 1.0)
        bad = np.abs(norm - 1) > UNIT_TOL
        if np.any(bad):
            raise ValueError(
                f"sigma must be a unit vector (|σ| = 1 within {UNIT_TOL:g}) in every "
                f"magnetic cell, got |σ| = {norm[bad].reshape(-1)[0]!r}; normalise it, "
                "or build it with polarisation_from_current"
            )
    return s.reshape(3, 1, 1, 1) if s.ndim == 1 else s


class SpinOrbitTorque(AbstractTorque):
    """Damping-like and field-like spin-orbit torques, entering the LLG as the field

    ``h = -(J ħ / (2 e μ0 Ms d)) (η_DL m × σ + η_FL σ)``  (A/m),

    the form of magnum.np and Boris, so the Gilbert damping mixes in as it does for any
    field: the torque is ``τ = -γ m × h`` in the Gilbert form of
    :class:`AbstractTorque`. With ``J > 0`` and ``η_DL > 0`` the damping-like part
    ``-γ a η_DL σ_⊥`` (``a = J ħ / (2 e μ0 Ms d)``) pushes ``m`` away from ``σ``.
    The damping-like effective induction is ``B_DL = μ0 a η_DL`` (T).

    **The same torque in mumax3's (and jaxmag's) Slonczewski parameters**, with Λ = 1
    (so ε = Pol/2 for every angle): current density ``J`` (mumax3: ``J = vector(0, 0,
    J)``), ``FreeLayerThickness = d``, ``Lambda = 1``, and

    - for ``η_DL ≥ 0``: ``FixedLayer = -σ``, ``Pol = η_DL``, ``EpsilonPrime = η_FL / 2``;
    - for ``η_DL < 0``: ``FixedLayer = +σ``, ``Pol = -η_DL``, ``EpsilonPrime = -η_FL / 2``.

    :meth:`slonczewski_parameters` returns these, and a test checks that
    :class:`Slonczewski` built from them gives this torque to round-off. (Users trip on
    the sign: mumax3's fixed layer points *opposite* to σ for a positive damping-like
    efficiency; mumax/3#99.)

    **Arguments:**

    - `mesh`, `material`: the grid and material (``Ms`` in A/m).
    - `J`: charge current density in the heavy metal in A/m², scalar or ``(nx, ny, nz)``.
    - `eta_DL`, `eta_FL`: damping-like and field-like efficiencies (dimensionless,
      effective spin Hall angles), scalar or ``(nx, ny, nz)``. For a field-like term
      given as a ratio to the damping-like one use :meth:`with_ratio`.
    - `sigma`: the spin polarisation σ, a unit vector ``(3,)`` or ``(3, nx, ny, nz)``
      (per cell or per region: a synthetic antiferromagnet driven from top and bottom
      has opposite σ in its two layers). From a current direction use
      :func:`polarisation_from_current` (σ ∝ ẑ × ĵ).
    - `thickness`: the free (magnetic) layer thickness ``d`` in m, > 0, scalar or
      ``(nx, ny, nz)`` (default: the mesh thickness ``nz · dz``).
    - `time_fn`: optional differentiable function of time ``t`` (s) returning a scalar
      multiplier of ``J`` (a pulse, a ramp); may be an ``equinox.Module``.
    - `gamma`: gyromagnetic ratio γ in m/(A s) (Landau–Lifshitz form); pass the
      system's ``gamma`` if it is not the default 2.211e5.
    """

    J: Float[Array, "..."]
    thickness: Float[Array, "..."]
    inv_Ms: Float[Array, "nx ny nz"]
    eta_DL: Float[Array, "..."]
    eta_FL: Float[Array, "..."]
    sigma: Float[Array, "3 ..."]
    magnetic: Bool[Array, "nx ny nz"]
    gamma: float
    time_fn: Callable | None = None

    def __init__(
        self,
        mesh: Mesh,
        material: Material,
        J,
        eta_DL,
        eta_FL,
        sigma,
        thickness=None,
        time_fn: Callable | None = None,
        *,
        gamma: float = GAMMA_LL,
    ):
        check_real("J (A/m²)", J)
        check_shape("J (A/m²)", J, ((), mesh.shape))
        for name, v in (("eta_DL", eta_DL), ("eta_FL", eta_FL)):
            check_real(name, v)
            check_shape(name, v, ((), mesh.shape))
        if thickness is None:
            thickness = mesh.size[2]
        check_real("thickness (m)", thickness, positive=True)
        check_shape("thickness (m)", thickness, ((), mesh.shape))
        check_real("gamma (m/(A s))", gamma, positive=True)
        self.time_fn = check_time_fn(time_fn)
        mat = per_cell(material, mesh)
        self.magnetic = mat.Ms > 0
        self.sigma = _unit_sigma(sigma, mesh, self.magnetic)
        self.J = jnp.asarray(J, dtype=float)
        self.thickness = jnp.asarray(thickness, dtype=float)
        self.inv_Ms = jnp.where(self.magnetic, safe_inverse(mat.Ms), 0.0)
        self.eta_DL = jnp.asarray(eta_DL, dtype=float)
        self.eta_FL = jnp.asarray(eta_FL, dtype=float)
        self.gamma = gamma

    @classmethod
    def with_ratio(
        cls, mesh: Mesh, material: Material, J, eta_DL, ratio, sigma, thickness=None, **kw
    ) -> "SpinOrbitTorque":
        """The torque with ``η_FL = ratio · η_DL`` (the field-like to damping-like ratio
        that experiments often quote); other arguments as in the constructor."""
        check_real("ratio", ratio)
        eta_FL = jnp.asarray(ratio, dtype=float) * jnp.asarray(eta_DL, dtype=float)
        return cls(mesh, material, J, eta_DL, eta_FL, sigma, thickness, **kw)

    def prefactor(self) -> Float[Array, "nx ny nz"]:
        """``a = J ħ / (2 e μ0 Ms d)`` in A/m per cell (at ``time_fn = 1``; 0 where
        ``Ms = 0``)."""
        return HBAR * self.J / (2 * E_CHARGE * MU0 * self.thickness) * self.inv_Ms

    def field(self, m: Float[Array, "3 nx ny nz"], t=0.0) -> Float[Array, "3 nx ny nz"]:
        """The spin-orbit field ``h`` in A/m at unit magnetisation ``m``, time ``t`` (s)."""
        a = self.prefactor()
        if self.time_fn is not None:
            a = a * self.time_fn(t)
        sigma = jnp.broadcast_to(self.sigma, m.shape)
        h = -a * (self.eta_DL * cross(m, sigma) + self.eta_FL * sigma)
        return jnp.where(self.magnetic, h, 0.0)

    def damping_like_induction(self) -> Float[Array, "nx ny nz"]:
        """``B_DL = μ0 a η_DL`` in T per cell (at ``time_fn = 1``): the amplitude of the
        damping-like effective field."""
        return MU0 * self.prefactor() * self.eta_DL

    def torque(self, m, t=0.0):
        return -self.gamma * cross(m, self.field(m, t))

    def slonczewski_parameters(self) -> dict:
        """The keyword arguments of :class:`Slonczewski` (mumax3's ``J``, ``Pol``,
        ``Lambda``, ``EpsilonPrime``, ``FixedLayer``, ``FreeLayerThickness``) that give
        this torque, by the mapping in the class docstring: ``J`` (A/m²; pass the same
        ``time_fn``), ``P``, ``Lambda = 1``, ``eps_prime``, ``mp`` (the fixed layer),
        ``thickness`` (m) and ``gamma``. Build it on the same mesh and material. A
        per-cell thickness is folded into ``J`` (``J d0 / d`` with ``thickness = d0``,
        the largest ``d``). Raises when ``|η_DL| > 1`` (Slonczewski's ``P`` is at most
        1)."""
        eta = np.asarray(self.eta_DL)
        if np.any(np.abs(eta) > 1):
            raise ValueError("|eta_DL| > 1 has no Slonczewski equivalent (P must be <= 1)")
        sign = np.where(eta >= 0, 1.0, -1.0)
        d = np.asarray(self.thickness)
        d0 = float(np.max(d))
        J = np.asarray(self.J) * d0 / d
        mp = -sign * np.asarray(self.sigma)
        shape = self.magnetic.shape
        mp = mp.reshape(3) if mp.size == 3 else np.broadcast_to(mp, (3, *shape))
        return {
            "J": J,
            "P": np.abs(eta),
            "Lambda": 1.0,
            "eps_prime": sign * np.asarray(self.eta_FL) / 2,
            "mp": mp,
            "thickness": d0,
            "gamma": self.gamma,
        }
