"""``shard``: a system and its magnetisation placed on devices, split into x-slabs: the
demag term replaced by :class:`ShardedDemag` (explicit transposes), every other term left
to XLA's partitioner, which gives the local stencils one-plane halos
(``collective-permute``). ``simulate`` then runs decomposed, unchanged."""

from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh as DeviceMesh
from jax.sharding import NamedSharding
from jax.sharding import PartitionSpec as P

from jaxmag._system import System
from jaxmag.constants import MU0
from jaxmag.distributed._demag import kernel_slabs, local_axes, sharded_demag_field
from jaxmag.energy import AbstractEnergy, Demag
from jaxmag.vectors import dot


class ShardedDemag(AbstractEnergy):
    """A :class:`~jaxmag.energy.Demag` on x-slabs (:func:`sharded_demag_field`): the same
    field (A/m) and energy (J) to round-off. It keeps the term's kernel only as the
    devices' slices (:func:`kernel_slabs`), so that no device holds it whole."""

    demag: Demag  # its own kernel dropped (an empty array): the slices are `kernel`
    kernel: jax.Array
    devices: DeviceMesh = eqx.field(static=True)
    axis_name: str = eqx.field(static=True)
    name: ClassVar[str] = "demag"

    def __init__(self, demag: Demag, devices: DeviceMesh, axis_name: str = "x"):
        self.kernel = kernel_slabs(demag, devices, axis_name)
        self.demag = eqx.tree_at(lambda d: d.kernel, demag, jnp.zeros((6, 0)))
        self.devices = devices
        self.axis_name = axis_name

    def field(self, m, t=0.0):
        return sharded_demag_field(self.demag, m, self.devices, self.axis_name, self.kernel)

    def energy(self, m, t=0.0):
        H = self.field(m, t)
        return -0.5 * MU0 * self.demag.cell_volume * (self.demag.Ms * dot(m, H)).sum()


def device_slabs(devices=None, axis_name: str = "x") -> DeviceMesh:
    """A one-axis device mesh over `devices` (default ``jax.devices()``)."""
    devices = jax.devices() if devices is None else devices
    return DeviceMesh(np.asarray(devices), (axis_name,))


def shard(system: System, m0, devices=None, axis_name: str = "x"):
    """``(system, m0)`` split into x-slabs over `devices` (a list, default all, or a
    ``jax.sharding.Mesh`` with the axis `axis_name`): the system's :class:`Demag` terms
    become :class:`ShardedDemag`, its per-cell arrays and ``m0`` are placed split along x.
    ``nx`` must be a multiple of the device count, and y or z must have more than one
    cell. Under ``jax.distributed.initialize`` (several processes) `devices` defaults to
    every process's devices, and each process passes the same `system` and `m0`."""
    mesh = devices if isinstance(devices, DeviceMesh) else device_slabs(devices, axis_name)
    nd = mesh.shape[axis_name]
    nx = system.mesh.n[0]
    if nx % nd:
        raise ValueError(f"nx = {nx} must be a multiple of the {nd} devices along x")
    for t in system.terms:
        if isinstance(t, Demag):
            local_axes(t)  # raises for a wire along x
    m0 = system.check_magnetisation(m0)  # here, while every process holds all of it
    terms = tuple(
        ShardedDemag(t, mesh, axis_name) if isinstance(t, Demag) else t for t in system.terms
    )
    system = eqx.tree_at(lambda s: s.terms, system, terms)
    cells = system.mesh.n

    def place(x):
        if (
            not eqx.is_array(x)
            or getattr(x, "sharding", None) is not None
            and isinstance(x.sharding, NamedSharding)
        ):
            return x
        if x.ndim >= 3 and tuple(x.shape[-3:]) == cells:  # per cell: split along x
            spec = P(*([None] * (x.ndim - 3)), axis_name)
        else:
            spec = P()
        return jax.device_put(x, NamedSharding(mesh, spec))

    system = jax.tree.map(place, system)
    return system, jax.device_put(m0, NamedSharding(mesh, P(None, axis_name)))
