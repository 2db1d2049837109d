"""Small vector-field helpers on the component-major layout ``(3, nx, ny, nz)``.

Component sums are written out (``a[0]*b[0] + ...``) rather than ``jnp.sum(axis=0)``:
XLA on CPU reduces over a leading axis several times slower.
"""

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float


def dot(a: Float[Array, "3 ..."], b: Float[Array, "3 ..."]) -> Float[Array, "..."]:
    """Component-wise dot product over the first axis."""
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


def cross(a: Float[Array, "3 ..."], b: Float[Array, "3 ..."]) -> Float[Array, "3 ..."]:
    """Cross product over the first axis."""
    return jnp.stack(
        [
            a[1] * b[2] - a[2] * b[1],
            a[2] * b[0] - a[0] * b[2],
            a[0] * b[1] - a[1] * b[0],
        ]
    )


def safe_inverse(x: Float[Array, "..."]) -> Float[Array, "..."]:
    """``1/x`` where ``x != 0``, else 0, with a NaN-free gradient (double-``where``)."""
    nz = x != 0
    return jnp.where(nz, 1.0 / jnp.where(nz, x, 1.0), 0.0)


@jax.jit  # one program per shape when called eagerly (op by op: nine small ones)
def normalise(m: Float[Array, "3 ..."]) -> Float[Array, "3 ..."]:
    """``m / |m|`` along the first axis; zero vectors (non-magnetic cells) stay zero,
    with a NaN-free gradient."""
    r2 = dot(m, m)
    nz = r2 > 0
    return m * jnp.where(nz, jax.lax.rsqrt(jnp.where(nz, r2, 1.0)), 0.0)


def max_abs(x: Float[Array, "3 ..."]) -> Float[Array, ""]:
    """``max |x|`` over all entries of a vector field: the max norm used by the step-size
    controller (reducing the components first is faster on CPU than one reduction)."""
    return jnp.max(jnp.maximum(jnp.maximum(jnp.abs(x[0]), jnp.abs(x[1])), jnp.abs(x[2])))
