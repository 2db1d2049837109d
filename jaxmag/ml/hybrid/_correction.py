"""A learned energy term for coarse grids: a small CNN energy density whose gradient is
the correction field that brings a coarse simulation close to the fine one.

The term is an ordinary :class:`~jaxmag.energy.AbstractEnergy`:

``E = μ0 Ms_ref² V s Σ_cells mask · ε_θ(features)``,   ``H = -1/(μ0 Ms V) ∂E/∂m``,

with ``ε_θ`` a convolutional network (3 × 3 kernels, so local and translation-equivariant
on the grid), ``s`` a fixed scale (:data:`ENERGY_SCALE`) and ``Ms_ref`` the largest Ms of
the mesh. Being an energy, the correction is conservative: damping still lowers the total
energy, the minimisers use it, and the projected solver keeps |m| = 1 as for any term.

The features of a cell see m only through the differences to its four in-plane
neighbours (zero where a neighbour is missing) and through m itself at an edge (a
missing neighbour), besides the mask and which neighbours exist. Hence a uniform state
gets exactly zero correction field in every cell farther than the network's reach
(:attr:`CorrectionNet.reach` cells) from an edge: there the features do not depend on the
direction of m, and the differences' contributions cancel cell by cell. Near an edge the
data decide (the demag field of coarse edge cells differs from the fine one). The last
layer starts at zero, so an untrained term gives no correction anywhere.

The network is trained for one cell size (it sees cells, not metres); use the term on
meshes with the cell size it was trained on.
"""

from typing import ClassVar

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float, PRNGKeyArray, Scalar

from jaxmag._material import Material, per_cell
from jaxmag._mesh import Mesh
from jaxmag._validate import check_int, is_concrete
from jaxmag.constants import MU0
from jaxmag.energy._base import AbstractEnergy, field_from_energy

N_FEATURES = 29
"""Input channels: mask (1), neighbour present (4), differences to the 4 neighbours
(12), m at each missing neighbour's side (12)."""
ENERGY_SCALE = 1e-2
"""``s``: the network's output is an energy density in units of ``s μ0 Ms_ref²``."""

_SHIFTS = ((1, 0), (-1, 0), (1, 1), (-1, 1))  # (+x, -x, +y, -y): (step, axis)


def _neighbour(a, step, axis):
    """``a`` at the neighbour ``+step`` along in-plane ``axis`` (0: x, 1: y) of each cell,
    zero beyond the grid. ``a`` is ``(..., nx, ny)``."""
    ax = a.ndim - 2 + axis
    n = a.shape[ax]
    idx = jnp.arange(n) + step
    inside = (idx >= 0) & (idx < n)
    taken = jnp.take(a, jnp.clip(idx, 0, n - 1), axis=ax)
    shape = [1] * a.ndim
    shape[ax] = n
    return jnp.where(inside.reshape(shape), taken, 0.0)


def features(m: Float[Array, "3 nx ny"], mask: Float[Array, "nx ny"]) -> Float[Array, "29 nx ny"]:
    """The network's input channels for one layer of cells (see the module docstring):
    ``m`` unit vectors (0 in non-magnetic cells), ``mask`` 1 in magnetic cells, else 0."""
    m = m * mask
    chans = [mask[None]]
    present, diffs, edges = [], [], []
    for step, axis in _SHIFTS:
        p = _neighbour(mask, step, axis) * mask
        present.append(p[None])
        diffs.append((_neighbour(m, step, axis) - m) * p)
        edges.append(m * (mask - p))
    return jnp.concatenate(chans + present + diffs + edges, axis=0)


def conv3x3(w: Float[Array, "o i 3 3"], x: Float[Array, "i nx ny"]) -> Float[Array, "o nx ny"]:
    """A 3 × 3 convolution with zero padding, as one matrix product over the nine shifted
    copies of ``x`` (several times faster on CPU than XLA's convolution at these sizes)."""
    nx, ny = x.shape[1:]
    xp = jnp.pad(x, ((0, 0), (1, 1), (1, 1)))
    cols = jnp.stack([xp[:, i : i + nx, j : j + ny] for i in range(3) for j in range(3)], 1)
    return jnp.einsum("oik,iknm->onm", w.reshape(*w.shape[:2], 9), cols)


class CorrectionNet(eqx.Module):
    """``ε_θ``: features ``(29, nx, ny)`` → an energy density per cell ``(nx, ny)``
    (dimensionless). A 1 × 1 layer to ``width`` channels, ``depth`` 3 × 3 layers, GELU
    after each, then a 1 × 1 layer to one channel that starts at zero."""

    weights: tuple[Array, ...]
    biases: tuple[Array, ...]
    width: int = eqx.field(static=True)
    depth: int = eqx.field(static=True)

    def __init__(self, width: int = 12, depth: int = 2, *, key: PRNGKeyArray):
        self.width = check_int("width", width, minimum=1)
        self.depth = check_int("depth", depth, minimum=0)
        keys = jax.random.split(key, depth + 1)
        dtype = jnp.result_type(float)

        def init(k, shape):  # LeCun normal on the fan-in
            fan_in = shape[1] * (shape[2] * shape[3] if len(shape) == 4 else 1)
            return jax.random.normal(k, shape, dtype) / jnp.sqrt(fan_in)

        ws = [init(keys[0], (width, N_FEATURES))]
        ws += [init(k, (width, width, 3, 3)) for k in keys[1:]]
        ws.append(jnp.zeros((1, width), dtype))
        self.weights = tuple(ws)
        self.biases = tuple(jnp.zeros((w.shape[0],), dtype) for w in ws)

    @property
    def reach(self) -> int:
        """How many cells away a cell's magnetisation moves the correction field: the
        features see one neighbour, each 3 × 3 layer one more, and the gradient of the
        energy one more again."""
        return 2 * (self.depth + 1)

    def __call__(self, x: Float[Array, "c nx ny"]) -> Float[Array, "nx ny"]:
        w, b = self.weights, self.biases
        x = jax.nn.gelu(jnp.einsum("oi,inm->onm", w[0], x) + b[0][:, None, None])
        for wi, bi in zip(w[1:-1], b[1:-1], strict=True):
            x = jax.nn.gelu(conv3x3(wi, x) + bi[:, None, None])
        return jnp.einsum("oi,inm->onm", w[-1], x)[0] + b[-1][0]


class LearnedCorrection(AbstractEnergy):
    """The learned coarse-grid correction as an energy term (J); its field (A/m) comes
    from ``jax.grad`` of the energy.

    **Arguments:**

    - `mesh`, `material`: the coarse grid and its per-cell material (Ms in A/m; the mask
      is Ms > 0).
    - `net`: the :class:`CorrectionNet`.
    """

    net: CorrectionNet
    Ms: Float[Array, "nx ny nz"]
    Ms_ref: float
    cell_volume: float
    name: ClassVar[str] = "learned"

    def __init__(self, mesh: Mesh, material: Material, net: CorrectionNet):
        if not isinstance(net, CorrectionNet):
            raise TypeError(f"net must be a CorrectionNet, got {type(net).__name__}")
        material = per_cell(material, mesh)
        self.net = net
        self.Ms = jnp.broadcast_to(jnp.asarray(material.Ms, dtype=float), mesh.shape)
        if not is_concrete(self.Ms):
            raise ValueError("LearnedCorrection needs a concrete Ms (A/m), not a traced one")
        self.Ms_ref = float(jnp.max(self.Ms))
        if not self.Ms_ref > 0:
            raise ValueError("LearnedCorrection: the mesh has no magnetic cell (Ms = 0 everywhere)")
        self.cell_volume = mesh.cell_volume

    def density(self, m: Float[Array, "3 nx ny nz"]) -> Float[Array, "nx ny nz"]:
        """``ε_θ`` per cell (dimensionless, 0 in non-magnetic cells), each z layer apart."""
        mask = (self.Ms > 0).astype(m.dtype)
        eps = jax.vmap(lambda mz, kz: self.net(features(mz, kz)), in_axes=(3, 2), out_axes=2)(
            m, mask
        )
        return eps * mask

    def energy(self, m, t: Scalar | float = 0.0):
        scale = MU0 * self.Ms_ref**2 * self.cell_volume * ENERGY_SCALE
        return scale * jnp.sum(self.density(m))

    def field(self, m, t: Scalar | float = 0.0):
        return field_from_energy(lambda x: self.energy(x, t), m, self.Ms, self.cell_volume)
