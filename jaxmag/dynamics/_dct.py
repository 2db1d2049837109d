"""The cell-centred 7-point Laplacian of a full box diagonalised by fast transforms: a
type-II DCT along free axes (Neumann, the mirror ghost cell of the exchange stencil) and
an FFT along periodic ones. The building block of implicit exchange steps: solves of
``(a − b Δ_h) x = r`` in O(n log n), exact on a box without holes."""

import jax.numpy as jnp
import numpy as np
from jax.scipy.fft import dctn, idctn
from jaxtyping import Array, Float

from jaxmag._mesh import Mesh
from jaxmag._validate import check_real


def laplacian_eigenvalues(mesh: Mesh) -> np.ndarray:
    """The eigenvalues of ``−Δ_h`` (1/m², >= 0), shape ``mesh.shape``: per axis
    ``2 (1 − cos(π k / n)) / d²`` (free) or ``2 (1 − cos(2π k / n)) / d²`` (periodic),
    summed; in the order of :func:`solve_shifted_laplacian`'s transforms."""
    lam = np.zeros(mesh.shape)
    for ax, (n, d, per) in enumerate(zip(mesh.n, mesh.cell, mesh.periodic, strict=True)):
        k = np.arange(n)
        e = 2 * (1 - np.cos((2 if per else 1) * np.pi * k / n)) / d**2
        lam = lam + e.reshape([-1 if a == ax else 1 for a in range(3)])
    return lam


def solve_shifted_laplacian(
    r: Float[Array, "... nx ny nz"], mesh: Mesh, a, b
) -> Float[Array, "... nx ny nz"]:
    """``x`` with ``(a − b Δ_h) x = r`` for every leading index of ``r`` (e.g. the three
    components of a vector field), ``a > 0`` and ``b >= 0`` scalars (``b`` in m² when
    ``a`` is dimensionless). ``Δ_h`` is the exchange stencil of a full box: Neumann along
    free axes, wrapping along periodic ones (``mesh.pbc``)."""
    check_real("a", a, positive=True)
    check_real("b", b, nonneg=True)
    lead = r.ndim - 3
    free = tuple(lead + ax for ax in range(3) if not mesh.periodic[ax] and mesh.n[ax] > 1)
    per = tuple(lead + ax for ax in range(3) if mesh.periodic[ax] and mesh.n[ax] > 1)
    lam = jnp.asarray(laplacian_eigenvalues(mesh))
    x = r
    if free:
        x = dctn(x, type=2, axes=free, norm="ortho")
    if per:
        x = jnp.fft.fftn(x, axes=per)
    x = x / (a + b * lam)
    if per:
        x = jnp.fft.ifftn(x, axes=per).real
    if free:
        x = idctn(x, type=2, axes=free, norm="ortho")
    return x
