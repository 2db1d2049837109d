"""Zeeman energy of an applied field: uniform, per-cell, or time-dependent."""

from collections.abc import Callable
from typing import ClassVar

import jax.numpy as jnp
from jaxtyping import Array, Float, Scalar

from jaxmag._material import Material, per_cell
from jaxmag._mesh import Mesh
from jaxmag._validate import check_real, check_shape, is_concrete
from jaxmag.constants import MU0
from jaxmag.energy._base import AbstractEnergy
from jaxmag.vectors import dot


class Zeeman(AbstractEnergy):
    """``E = -μ0 Σ Ms V m·H(t)``.

    **Arguments:**

    - `mesh`, `material`: the grid and per-cell material (see :meth:`Material.on`).
    - `H`: applied field in A/m, shape ``(3,)`` (uniform) or ``(3, nx, ny, nz)``.
    - `time_fn`: optional differentiable function of time ``t`` (s) returning a scalar
      or an array broadcastable against ``H``; then ``H(t) = H * time_fn(t)``. It may be
      an ``equinox.Module`` whose parameters you differentiate.
    """

    H: Float[Array, "3 ..."]
    Ms: Float[Array, "nx ny nz"]
    cell_volume: float
    time_fn: Callable | None = None
    name: ClassVar[str] = "zeeman"

    def __init__(self, mesh: Mesh, material: Material, H, time_fn: Callable | None = None):
        check_real("H (A/m)", H)
        H = jnp.asarray(H, dtype=float)
        check_shape("H (A/m)", H, ((3,), (3, *mesh.shape)))
        if H.ndim == 1:
            H = H.reshape(3, 1, 1, 1)
        if time_fn is not None and not callable(time_fn):
            raise TypeError(f"time_fn must be callable, got {type(time_fn).__name__}")
        material = per_cell(material, mesh)
        self.H = H
        self.Ms = material.Ms
        self.cell_volume = mesh.cell_volume
        self.time_fn = time_fn
        if is_concrete(H) and time_fn is not None:
            value = time_fn(0.0)
            check_real("time_fn(0)", value)
            shape = (3, *mesh.shape)
            try:
                ok = jnp.broadcast_shapes(H.shape, jnp.shape(value), shape) == shape
            except ValueError:
                ok = False
            if not ok:
                raise ValueError(
                    f"time_fn(0) has shape {jnp.shape(value)}, which does not broadcast "
                    f"against H {tuple(H.shape)} to the field's {shape}: return a scalar, "
                    "(3, 1, 1, 1) for a direction that changes in time, or (3, nx, ny, nz)"
                )

    def applied(self, t: Scalar | float = 0.0) -> Float[Array, "3 nx ny nz"]:
        """The applied field in A/m at time ``t`` (s), on magnetic cells."""
        H = self.H if self.time_fn is None else self.H * self.time_fn(t)
        return jnp.where(self.Ms > 0, H, 0.0)

    def energy(self, m, t=0.0):
        return -MU0 * self.cell_volume * jnp.sum(self.Ms * dot(m, self.applied(t)))

    def field(self, m, t=0.0):
        return jnp.broadcast_to(self.applied(t), m.shape)
