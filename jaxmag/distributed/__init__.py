"""One simulation split across devices and hosts: the mesh decomposed into x-slabs
(``shard``), the FFT demag with explicit all-to-all transposes, one-cell halos, the
collectives of a compiled program, and a scaling model for GPUs."""

from ._collectives import COLLECTIVES as COLLECTIVES
from ._collectives import collectives as collectives
from ._collectives import whole_array_collectives as whole_array_collectives
from ._demag import kernel_slabs as kernel_slabs
from ._demag import local_axes as local_axes
from ._demag import sharded_demag_field as sharded_demag_field
from ._halo import halo_pad as halo_pad
from ._model import H100_HBM_BYTES_PER_S as H100_HBM_BYTES_PER_S
from ._model import H100_NVLINK_BYTES_PER_S as H100_NVLINK_BYTES_PER_S
from ._model import scaling_model as scaling_model
from ._model import transpose_bytes as transpose_bytes
from ._shard import ShardedDemag as ShardedDemag
from ._shard import device_slabs as device_slabs
from ._shard import shard as shard

__all__ = [
    "COLLECTIVES",
    "H100_HBM_BYTES_PER_S",
    "H100_NVLINK_BYTES_PER_S",
    "ShardedDemag",
    "collectives",
    "device_slabs",
    "halo_pad",
    "kernel_slabs",
    "local_axes",
    "scaling_model",
    "shard",
    "sharded_demag_field",
    "transpose_bytes",
    "whole_array_collectives",
]
