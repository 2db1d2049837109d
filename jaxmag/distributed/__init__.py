"""Building blocks for one simulation split across devices (issue: the mesh decomposed
into slabs with ``jax.shard_map``): halos of local stencils and the collectives of a
compiled program."""

from ._collectives import COLLECTIVES as COLLECTIVES
from ._collectives import collectives as collectives
from ._demag import kernel_slabs as kernel_slabs
from ._demag import sharded_demag_field as sharded_demag_field
from ._halo import halo_pad as halo_pad
from ._shard import ShardedDemag as ShardedDemag
from ._shard import device_slabs as device_slabs
from ._shard import shard as shard

__all__ = [
    "COLLECTIVES",
    "ShardedDemag",
    "collectives",
    "device_slabs",
    "halo_pad",
    "kernel_slabs",
    "shard",
    "sharded_demag_field",
]
