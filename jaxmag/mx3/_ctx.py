"""What a custom quantity's expression is evaluated on (see :mod:`jaxmag.mx3._custom`)."""

import equinox as eqx
import jax.numpy as jnp


class Ctx(eqx.Module):
    """What a custom expression sees: m (3, nx, ny, nz), the time in s, Ms (A/m)."""

    m: jnp.ndarray
    t: jnp.ndarray
    Ms: jnp.ndarray
