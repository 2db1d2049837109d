"""The interface of a latent-space time stepper: encoder, decoder and latent step are
abstract; the rollouts are written once, here.

A stepper advances a thin-film magnetisation ``m`` of shape ``(3, nx, ny)`` (unit
vectors, components first) by one *snapshot interval*: the time between two snapshots
of its training data (``dt_save`` of :func:`jaxmag.ml.latent.sp4_family`, 10 ps by
default), under a constant in-plane applied field ``(Bx, By)`` in mT. It never
evaluates a micromagnetic field.
"""

import abc

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from jaxmag._validate import check_int

FIELD_SCALE_MT = 45.0
"""Applied fields enter every stepper as ``B / FIELD_SCALE_MT`` (the largest training |B|)."""


class AbstractLatentStepper(eqx.Module):
    """A map from snapshots to latent vectors (:meth:`encode`), back (:meth:`decode`),
    and a latent step of one snapshot interval under an in-plane field (:meth:`step`).

    Subclasses are final: they hold the fields (``shape``, the grid ``(nx, ny)``, and
    their parameters) and implement the three abstract methods; :meth:`latent_rollout`
    and :meth:`rollout` are not overridden.
    """

    shape: eqx.AbstractVar[tuple[int, int]]

    @abc.abstractmethod
    def encode(self, m: Float[Array, "3 nx ny"]) -> Float[Array, " d"]:
        """Latent vector of one snapshot ``m`` (unit vectors, components first)."""

    @abc.abstractmethod
    def decode(self, z: Float[Array, " d"]) -> Float[Array, "3 nx ny"]:
        """Snapshot of latent ``z``: a unit vector in every cell, shape ``(3, nx, ny)``."""

    def decode_average(self, z: Float[Array, " d"]) -> Float[Array, " 3"]:
        """⟨m⟩, the cell average of the snapshot of latent ``z``. This default decodes
        the whole snapshot; a subclass that can read the average off the latent state
        more cheaply overrides it."""
        return jnp.mean(self.decode(z), axis=(-2, -1))

    @abc.abstractmethod
    def step(self, z: Float[Array, " d"], field_mT: Float[Array, " 2"]) -> Float[Array, " d"]:
        """Latent state one snapshot interval later, under applied field ``(Bx, By)`` (mT)."""

    def latent_rollout(
        self, z0: Float[Array, " d"], field_mT: Float[Array, " 2"], n_steps: int
    ) -> Float[Array, "n_steps+1 d"]:
        """``z0`` and its ``n_steps`` successors, one snapshot interval apart, under a
        constant applied field ``(Bx, By)`` in mT.

        **Arguments:**

        - `z0`: the latent state at time 0, e.g. ``encode(m0)``.
        - `field_mT`: the in-plane applied field ``(Bx, By)`` (mT).
        - `n_steps`: the number of snapshot intervals, a Python int >= 0 (static under
          ``jit``).

        **Returns:** the latent states at snapshots ``0 .. n_steps``, ``(n_steps + 1, d)``.
        """
        n_steps = check_int("n_steps", n_steps, minimum=0)
        z0 = jnp.asarray(z0)
        z0 = z0.astype(jax.eval_shape(self.step, z0, field_mT).dtype)  # a fixed scan carry

        def body(z, _):
            z = self.step(z, field_mT)
            return z, z

        _, zs = jax.lax.scan(body, z0, length=n_steps)
        return jnp.concatenate([z0[None], zs])

    def average_rollout(
        self, m0: Float[Array, "3 nx ny"], field_mT: Float[Array, " 2"], n_steps: int
    ) -> Float[Array, "n_steps+1 3"]:
        """Predicted ⟨m⟩ at snapshots ``0 .. n_steps`` from ``m0`` under a constant
        in-plane field ``(Bx, By)`` (mT): the latent rollout read out by
        :meth:`decode_average`, no snapshot decoded. ``(n_steps + 1, 3)``."""
        zs = self.latent_rollout(self.encode(m0), field_mT, n_steps)
        return jax.vmap(self.decode_average)(zs)

    def rollout(
        self, m0: Float[Array, "3 nx ny"], field_mT: Float[Array, " 2"], n_steps: int
    ) -> Float[Array, "n_steps+1 3 nx ny"]:
        """Predicted snapshots from ``m0`` under a constant in-plane field.

        **Arguments:**

        - `m0`: the magnetisation at time 0, unit vectors ``(3, nx, ny)``.
        - `field_mT`: the in-plane applied field ``(Bx, By)`` (mT).
        - `n_steps`: the number of snapshot intervals (each the training data's
          ``dt_save``, in s), a Python int >= 0 (static under ``jit``).

        **Returns:** the snapshots at times ``k · dt_save``, ``k = 0 .. n_steps``,
        ``(n_steps + 1, 3, nx, ny)``; index 0 is ``decode(encode(m0))``.
        """
        zs = self.latent_rollout(self.encode(m0), field_mT, n_steps)
        return jax.vmap(self.decode)(zs)
