"""Phase maps → permeability maps, with the checks that catch bad input early."""

import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Float

from jaxmag._validate import check_real, is_concrete


def permeability_map(phases: ArrayLike, mu_r) -> Float[Array, "*pixels"]:
    """The relative permeability of each pixel of an n-phase map.

    **Arguments:**

    - `phases`: a boolean map (two phases: False → ``mu_r[0]``, True → ``mu_r[1]``) or
      an integer label map with values in ``[0, len(mu_r))``, shape 2D or 3D.
    - `mu_r`: the relative permeability of each phase, positive (dimensionless).
    """
    mu_r = np.atleast_1d(np.asarray(mu_r, dtype=float)) if is_concrete(mu_r) else mu_r
    if is_concrete(mu_r):
        check_real("phase permeabilities mu_r", mu_r, positive=True)
    n = len(mu_r)
    shape = np.shape(phases)
    if len(shape) not in (2, 3):
        raise ValueError(f"phase map must be 2D or 3D, got shape {shape}")
    if is_concrete(phases):
        p = np.asarray(phases)
        if p.dtype == bool:
            p = p.astype(np.int32)
        elif p.dtype.kind not in "iu":
            raise TypeError(f"phase map must be boolean or integer labels, got dtype {p.dtype}")
        if p.size and (p.min() < 0 or p.max() >= n):
            raise ValueError(
                f"phase map values must lie in [0, {n}) for {n} permeabilities, "
                f"got [{p.min()}, {p.max()}]"
            )
        phases = p
    return jnp.asarray(mu_r)[jnp.asarray(phases, dtype=jnp.int32)]


def two_phase(phases: ArrayLike, contrast: ArrayLike, matrix: float = 1.0) -> Array:
    """A two-phase map: ``matrix`` where ``phases`` is False, ``matrix·contrast`` where True.

    Traceable in ``contrast`` (for ``vmap``/``grad`` over it); ``phases`` must be boolean.
    """
    if is_concrete(phases) and np.asarray(phases).dtype != bool:
        raise TypeError("two_phase needs a boolean phase map; use permeability_map for labels")
    check_real("contrast", contrast, positive=True)
    check_real("matrix permeability", matrix, positive=True)
    return jnp.where(jnp.asarray(phases), matrix * jnp.asarray(contrast, float), matrix)
