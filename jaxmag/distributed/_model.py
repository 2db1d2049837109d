"""A scaling model of the slab decomposition on GPUs: per field evaluation, the compute is
memory-bound (the program's bytes at the memory bandwidth, split N ways) and the two
demag transposes move a known number of bytes over the interconnect."""

import math

from jaxmag.distributed._demag import slab_axes
from jaxmag.energy._demag import fft_shape

H100_HBM_BYTES_PER_S: float = 3.35e12
"""H100 SXM memory bandwidth (HBM3), bytes/s."""
H100_NVLINK_BYTES_PER_S: float = 900e9
"""H100 NVLink 4 bandwidth per GPU, both directions together (450 GB/s each way), bytes/s."""


def transpose_bytes(cells, n_devices: int, itemsize: int = 4, pbc=(0, 0, 0)) -> int:
    """Bytes one device sends per demag evaluation in the two ``all_to_all`` transposes
    of :func:`~jaxmag.distributed.sharded_demag_field` (it receives as many): each
    device's block of the spectrum, ``3 · (nx/N) · k_r · L_c`` complex values (``k_r``:
    the real-FFT frequencies along the longer of y and z, padded to a multiple of N;
    ``L_c``: the other axis's convolution length), of which the share (N − 1)/N leaves
    it, twice (magnetisation out, field back). `itemsize`: 4 (float32) or 8 (float64)."""
    L = fft_shape(cells, pbc)
    r, c = slab_axes(cells, L)  # array axes: 2 = y, 3 = z
    kr = L[r - 1] // 2 + 1
    krp = -(-kr // n_devices) * n_devices
    Lc = L[c - 1] if c is not None else 1
    block = 3 * (cells[0] // n_devices) * krp * Lc * 2 * itemsize
    return 2 * block * (n_devices - 1) // n_devices


def scaling_model(
    cells,
    n_devices: int,
    bytes_per_cell_eval: float,
    itemsize: int = 4,
    hbm_bytes_per_s: float = H100_HBM_BYTES_PER_S,
    link_bytes_per_s: float = H100_NVLINK_BYTES_PER_S,
    latency_s: float = 10e-6,
) -> dict:
    """Predicted time per field evaluation on 1 and N devices, speed-up and efficiency.

    ``t_1 = bytes_per_cell_eval · cells / hbm`` (memory-bound: the program's bytes, e.g.
    XLA's cost analysis of one step, per cell and field evaluation);
    ``t_N = t_1 / N + transpose_bytes / (link / 2) + 2 · latency_s`` (each device sends
    and receives its share at once, half the two-way link bandwidth each way; two
    collectives, no overlap of compute and communication: a lower bound on the speed-up).
    """
    n = math.prod(cells)
    t1 = bytes_per_cell_eval * n / hbm_bytes_per_s
    comm = transpose_bytes(cells, n_devices, itemsize) / (link_bytes_per_s / 2)
    tn = t1 / n_devices + (comm + 2 * latency_s if n_devices > 1 else 0.0)
    return {
        "t1_s": t1,
        "tN_s": tn,
        "comm_s": comm if n_devices > 1 else 0.0,
        "speedup": t1 / tn,
        "efficiency": t1 / (n_devices * tn),
    }
