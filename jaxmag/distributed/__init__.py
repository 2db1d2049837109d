"""Building blocks for one simulation split across devices (issue: the mesh decomposed
into slabs with ``jax.shard_map``): halos of local stencils and the collectives of a
compiled program."""

from ._collectives import COLLECTIVES as COLLECTIVES
from ._collectives import collectives as collectives
from ._halo import halo_pad as halo_pad

__all__ = ["COLLECTIVES", "collectives", "halo_pad"]
