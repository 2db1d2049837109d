"""The energy-term interface and the autodiff effective field."""

import abc
from typing import ClassVar

import equinox as eqx
import jax
from jaxtyping import Array, Float, Scalar

from jaxmag.constants import MU0
from jaxmag.vectors import safe_inverse


def field_from_energy(
    energy_fn, m: Float[Array, "3 nx ny nz"], Ms: Float[Array, "nx ny nz"], cell_volume: float
) -> Float[Array, "3 nx ny nz"]:
    """The effective field ``H = -1/(μ0 Ms V) ∂E/∂m`` in A/m, by ``jax.grad``.

    **Arguments:**

    - `energy_fn`: ``m -> E`` in J.
    - `m`: unit magnetisation.
    - `Ms`: saturation magnetisation per cell in A/m (H is 0 where Ms = 0).
    - `cell_volume`: V in m³.
    """
    g = jax.grad(energy_fn)(m)
    return -g * safe_inverse(MU0 * Ms * cell_volume)


class AbstractEnergy(eqx.Module):
    """An energy term. Concrete terms implement ``energy`` (J) and ``field`` (A/m), where
    ``field`` equals ``-1/(μ0 Ms V) ∂energy/∂m`` in magnetic cells (hand-written for
    speed, or by :func:`field_from_energy`). In non-magnetic cells (Ms = 0) the field
    does not enter the dynamics; local terms return 0 there, while :class:`Demag`
    returns the stray field, which is physical and useful to look at."""

    name: ClassVar[str] = "energy"

    @abc.abstractmethod
    def energy(self, m: Float[Array, "3 nx ny nz"], t: Scalar | float = 0.0) -> Scalar:
        """Total energy of this term in J at reduced magnetisation ``m`` and time ``t`` (s)."""

    @abc.abstractmethod
    def field(
        self, m: Float[Array, "3 nx ny nz"], t: Scalar | float = 0.0
    ) -> Float[Array, "3 nx ny nz"]:
        """Effective field of this term in A/m."""
