"""Batched simulation: ``vmap`` over systems, with the batch axis sharded over devices.

Any jaxmag simulation is a pure function, so ``jax.vmap`` batches it; this module adds
the checks and the plumbing: one clear error when batch sizes disagree, and
:func:`shard_batch` to spread the batch axis over devices with JAX's own sharding
(``jax.sharding.Mesh`` + ``NamedSharding``). On several hosts, call
``jax.distributed.initialize()`` first on every host; ``jax.devices()`` then lists all
of them and the same code shards the batch over the whole cluster.
"""

from collections.abc import Callable

import equinox as eqx
import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec


def _name(path) -> str:
    parts = []
    for k in path:
        if isinstance(k, jax.tree_util.DictKey):
            parts.append(f".{k.key}" if parts else str(k.key))
        elif isinstance(k, jax.tree_util.GetAttrKey):
            parts.append(f".{k.name}")
        else:
            parts.append(jax.tree_util.keystr((k,)))
    return "".join(parts)


def batch_size(tree, *, name: str = "batch", axis: int = 0) -> int:
    """The common size of ``axis`` over the array leaves of ``tree``.

    Raises ``ValueError`` naming the axis and the disagreeing leaves (by pytree path).
    """
    leaves = [
        (_name(path), leaf)
        for path, leaf in jax.tree_util.tree_flatten_with_path(tree)[0]
        if eqx.is_array(leaf)
    ]
    if not leaves:
        raise ValueError(f"{name}: no arrays to batch over")
    sizes = {}
    for path, leaf in leaves:
        if leaf.ndim <= axis:
            raise ValueError(f"{name} {path} has shape {leaf.shape}: no batch axis {axis}")
        sizes.setdefault(leaf.shape[axis], []).append(path or "<root>")
    if len(sizes) > 1:
        desc = "; ".join(f"size {k}: {', '.join(v)}" for k, v in sizes.items())
        raise ValueError(f"batch axis {axis} sizes differ across {name}: {desc}")
    return next(iter(sizes))


def device_mesh(devices=None, axis_name: str = "batch") -> Mesh:
    """A 1D device mesh over ``devices`` (default: all of ``jax.devices()``)."""
    devices = jax.devices() if devices is None else list(devices)
    return Mesh(np.asarray(devices), (axis_name,))


def shard_batch(tree, mesh: Mesh | None = None, axis_name: str = "batch"):
    """Place the leading (batch) axis of every array leaf of ``tree`` across ``mesh``.

    The batch size must be a multiple of the number of devices. Computations that
    ``vmap`` over the batch then run in parallel, one slice per device, with results
    identical to the unsharded run.
    """
    mesh = device_mesh(axis_name=axis_name) if mesh is None else mesh
    n = batch_size(tree)
    ndev = mesh.shape[axis_name]
    if n % ndev:
        raise ValueError(
            f"batch axis 0 has {n} entries, not a multiple of the "
            f"{ndev} devices on mesh axis {axis_name!r}"
        )
    sharding = NamedSharding(mesh, PartitionSpec(axis_name))
    return jax.tree_util.tree_map(
        lambda x: jax.device_put(x, sharding) if eqx.is_array(x) else x, tree
    )


def vmap_simulation(fn: Callable, *, in_axes=0) -> Callable:
    """``jit(vmap(fn))`` that first checks that every batched argument agrees on the
    batch size (a ``ValueError`` naming the axis and arguments otherwise).

    **Arguments:**

    - `fn`: a function of arrays/pytrees returning arrays/pytrees, e.g.
      ``lambda H, m0: simulate(make_system(mesh, mat, H=H), m0, 1e-9)``.
    - `in_axes`: as in ``jax.vmap`` (0: every argument is batched on its first axis;
      a tuple with ``None`` for shared arguments).
    """
    mapped = eqx.filter_jit(jax.vmap(fn, in_axes=in_axes))

    def wrapped(*args):
        axes = in_axes if isinstance(in_axes, tuple) else (in_axes,) * len(args)
        if len(axes) != len(args):
            raise ValueError(f"in_axes has {len(axes)} entries for {len(args)} arguments")
        batched = {
            f"arg{i}": a for i, (a, ax) in enumerate(zip(args, axes, strict=True)) if ax is not None
        }
        batch_size(batched, name="arguments")
        return mapped(*args)

    return wrapped
