"""Building blocks for one simulation split across devices (issue: the mesh decomposed
into slabs with ``jax.shard_map``): halos of local stencils and the collectives of a
compiled program."""

from ._collectives import COLLECTIVES as COLLECTIVES
from ._collectives import collectives as collectives
from ._demag import kernel_slabs as kernel_slabs
from ._demag import sharded_demag_field as sharded_demag_field
from ._halo import halo_pad as halo_pad

__all__ = ["COLLECTIVES", "collectives", "halo_pad", "kernel_slabs", "sharded_demag_field"]
