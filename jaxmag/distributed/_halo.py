"""One-cell halos between the slabs of a mesh split across devices (inside
``jax.shard_map``): the neighbours' boundary planes by ``lax.ppermute``, so that local
stencils (exchange, DMI, spin-torque gradients) see the cells across a device boundary."""

import jax.numpy as jnp
from jax import lax


def halo_pad(x, axis: int, axis_name: str, n_devices: int, periodic: bool):
    """The local block ``x`` with one ghost plane on each side along `axis`, taken from the
    neighbouring devices along the mesh axis `axis_name` (`n_devices` of them, in order).

    Across a device boundary the ghost is the neighbour's edge plane. At the ends of an
    open axis it repeats the block's own edge plane: the zero-flux mirror cell of the
    exchange stencil (Neumann), so ``ghost − edge = 0``. Along a periodic axis the first
    and the last device are neighbours. Call it inside ``shard_map`` over `axis_name`.
    """
    n_local = x.shape[axis]
    first = lax.slice_in_dim(x, 0, 1, axis=axis)
    last = lax.slice_in_dim(x, n_local - 1, n_local, axis=axis)
    if n_devices == 1:
        lo, hi = (last, first) if periodic else (first, last)
        return jnp.concatenate([lo, x, hi], axis=axis)
    to_next = [(i, (i + 1) % n_devices) for i in range(n_devices)]
    to_prev = [(i, (i - 1) % n_devices) for i in range(n_devices)]
    from_prev = lax.ppermute(last, axis_name, to_next)  # the previous device's last plane
    from_next = lax.ppermute(first, axis_name, to_prev)  # the next device's first plane
    if not periodic:
        i = lax.axis_index(axis_name)
        from_prev = jnp.where(i == 0, first, from_prev)
        from_next = jnp.where(i == n_devices - 1, last, from_next)
    return jnp.concatenate([from_prev, x, from_next], axis=axis)
