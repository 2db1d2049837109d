"""Differentiable time profiles for :class:`~jaxmag.Zeeman` (``H(t) = H * profile(t)``).

Each is an ``equinox.Module`` whose fields are parameters you may differentiate or
``vmap`` over. Times in s, frequencies in Hz.
"""

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array, Float


class GaussianPulse(eqx.Module):
    """``exp(-(t - t0)² / (2 width²))``.

    **Arguments:**

    - `t0`: centre of the pulse in s.
    - `width`: standard deviation in s (> 0).
    """

    t0: Float[Array, ""] | float
    width: Float[Array, ""] | float

    def __call__(self, t):
        return jnp.exp(-0.5 * ((t - self.t0) / self.width) ** 2)


class SincPulse(eqx.Module):
    """``sinc(2 f_cut (t - t0))``: a flat spectrum up to ``f_cut`` (Hz), centred at ``t0`` (s),
    the usual broadband excitation for spin-wave dispersion."""

    t0: Float[Array, ""] | float
    f_cut: Float[Array, ""] | float

    def __call__(self, t):
        return jnp.sinc(2 * self.f_cut * (t - self.t0))


class Sine(eqx.Module):
    """``sin(2π f t + phase)``, switched on over ``ramp`` s (a smooth ``tanh`` ramp; 0 for
    none): a microwave drive of frequency ``f`` (Hz)."""

    f: Float[Array, ""] | float
    phase: Float[Array, ""] | float = 0.0
    ramp: float = 0.0

    def __call__(self, t):
        s = jnp.sin(2 * jnp.pi * self.f * t + self.phase)
        if self.ramp:
            s = s * jnp.tanh(t / self.ramp)
        return s
