"""PINN ansätze: a :class:`~.network.Net` turned into a unit-vector field with its hard
constraints, so that ``|m| = 1`` (to round-off) and the initial and boundary conditions
hold for any weights.

- :class:`MacrospinPINN`: ``m(t; h, ψ, α) = normalise(m0 + (t/T) N(t, ...))`` with ``m0``
  the switching task's start, so ``m(0) = m0`` exactly. The network sees ``t`` and the
  conditioning parameters listed in ``conditioned`` (indices into ``p = (h, ψ°, α)``).
- :class:`Film1DPINN`: ``m(x, t) = normalise(ẑ + (t/T) N(cos πx, …, cos Kπx, t))``:
  ``m(x, 0) = ẑ``, and every ``cos kπx`` has zero slope at x = 0 and 1, so the
  homogeneous Neumann conditions hold exactly.
- :class:`Film2DPINN`: ``m(x, y) = normalise(m_guess + N(x, y))`` for static problems
  (free boundaries are the natural boundary condition of the energy; the uniform guess
  picks the basin of the start, as a minimiser's initial state does).
"""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from jaxmag.ml.pinn._network import Net
from jaxmag.thermal._pulses import TILT_DEG
from jaxmag.vectors import normalise


def _unit(v):
    return normalise(v[:, None])[:, 0]


def task_start(dtype=float) -> Float[Array, " 3"]:
    """The switching task's initial state: +z tilted by 1° toward +x."""
    a = np.deg2rad(TILT_DEG)
    return jnp.array([np.sin(a), 0.0, np.cos(a)], dtype=dtype)


class MacrospinPINN(eqx.Module):
    """``m(t, p)`` for a macrospin, ``p = (h, ψ in degrees, α)`` (reduced units of
    :mod:`jaxmag.thermal`); ``t_max`` is the end of the time window."""

    net: Net
    m0: Float[Array, " 3"]
    t_max: float = eqx.field(static=True)
    conditioned: tuple = eqx.field(static=True)

    def __call__(self, t, p: Float[Array, " 3"]) -> Float[Array, " 3"]:
        x = jnp.concatenate([jnp.reshape(t, (1,)), p[jnp.asarray(self.conditioned, int)]])
        return _unit(jax.lax.stop_gradient(self.m0) + (t / self.t_max) * self.net(x))


class Film1DPINN(eqx.Module):
    """``m(x, t)`` on x ∈ [0, 1], t ∈ [0, t_max], starting from ``ẑ`` with Neumann ends;
    the network sees ``n_modes`` cosine features of x and t."""

    net: Net
    t_max: float = eqx.field(static=True)
    n_modes: int = eqx.field(static=True)

    def __call__(self, x, t) -> Float[Array, " 3"]:
        k = jnp.arange(1, self.n_modes + 1, dtype=jnp.result_type(x))
        feats = jnp.concatenate([jnp.cos(jnp.pi * k * x), jnp.reshape(t, (1,))])
        z = jnp.zeros(3, feats.dtype).at[2].set(1.0)
        return _unit(z + (t / self.t_max) * self.net(feats))


class Film2DPINN(eqx.Module):
    """``m(x, y)`` (x, y in m, inside the network's input box) for a static state, near
    the unit vector ``guess``."""

    net: Net
    guess: Float[Array, " 3"]

    def __call__(self, xy: Float[Array, " 2"]) -> Float[Array, " 3"]:
        return _unit(jax.lax.stop_gradient(self.guess) + self.net(xy))
