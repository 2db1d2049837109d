"""The spin-torque interface: terms added to the LLG right-hand side."""

import abc

import equinox as eqx
from jaxtyping import Array, Float, Scalar


class AbstractTorque(eqx.Module):
    """A torque term ``τ`` (1/s) of the Gilbert-form equation

    ``dm/dt = -γ m × H + α m × dm/dt + Σ τ``,

    the form in which OOMMF, mumax3 and the literature write spin-transfer torques.
    :func:`jaxmag.llg_rhs` solves it for ``dm/dt`` (Landau–Lifshitz form), which adds
    ``(τ + α m × τ) / (1 + α²)`` per term. ``τ`` must be perpendicular to ``m`` and zero
    in non-magnetic cells. A torque has no energy, so the minimisers ignore it.
    """

    @abc.abstractmethod
    def torque(
        self, m: Float[Array, "3 nx ny nz"], t: Scalar | float = 0.0
    ) -> Float[Array, "3 nx ny nz"]:
        """``τ`` in 1/s at unit magnetisation ``m`` and time ``t`` (s)."""
