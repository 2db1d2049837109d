"""Strain on the grid: six-component symmetric tensors and the strain of a displacement
field by fourth-order finite differences (the derivative also serves the magnetoelastic
force).

Component order (everywhere in jaxmag): ``(xx, yy, zz, xy, xz, yz)``, mumax3's
``exx … eyz`` and mumax+'s order, with **tensor** shear ``ε_xy`` (not the engineering
shear ``γ_xy = 2 ε_xy``).
"""

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from jaxmag._mesh import Mesh
from jaxmag._validate import check_real, check_shape

VOIGT: tuple[tuple[int, int], ...] = ((0, 0), (1, 1), (2, 2), (0, 1), (0, 2), (1, 2))
"""The ``(i, j)`` of each of the six components ``(xx, yy, zz, xy, xz, yz)``."""


def to_matrix(v: Float[Array, "6 ..."]) -> Float[Array, "3 3 ..."]:
    """Six components ``(xx, yy, zz, xy, xz, yz)`` to the symmetric ``3 × 3`` tensor."""
    xx, yy, zz, xy, xz, yz = v
    return jnp.stack([jnp.stack([xx, xy, xz]), jnp.stack([xy, yy, yz]), jnp.stack([xz, yz, zz])])


def from_matrix(a: Float[Array, "3 3 ..."]) -> Float[Array, "6 ..."]:
    """The six components ``(xx, yy, zz, xy, xz, yz)`` of a symmetric ``3 × 3`` tensor."""
    return jnp.stack([a[i, j] for i, j in VOIGT])


def _slice(f, axis: int, start: int, stop: int):
    return jax.lax.slice_in_dim(f, start, stop, axis=axis)


def derivative(f: Float[Array, "..."], axis: int, d: float, periodic: bool):
    """``∂f/∂x`` along array ``axis`` (cell size ``d`` in m).

    Fourth-order central differences ``(f[i-2] - 8 f[i-1] + 8 f[i+1] - f[i+2]) / (12 d)``
    in the interior and everywhere along a periodic axis (wrapping around); at a free
    boundary, second order: centred in the second and last-but-one cells, one-sided
    ``(-3 f0 + 4 f1 - f2) / (2 d)`` in the first and last (first order with 2 cells).
    An axis of one cell has zero derivative.
    """
    n = f.shape[axis]
    if n == 1:
        return jnp.zeros_like(f)
    if periodic:
        r = lambda s: jnp.roll(f, -s, axis=axis)  # noqa: E731 (r(s)[i] = f[i + s])
        return (r(-2) - 8 * r(-1) + 8 * r(1) - r(2)) / (12 * d)
    s = lambda a, b: _slice(f, axis, a, b)  # noqa: E731
    if n == 2:
        g = (s(1, 2) - s(0, 1)) / d
        return jnp.concatenate([g, g], axis=axis)
    first = (-3 * s(0, 1) + 4 * s(1, 2) - s(2, 3)) / (2 * d)
    last = (3 * s(n - 1, n) - 4 * s(n - 2, n - 1) + s(n - 3, n - 2)) / (2 * d)
    if n < 5:  # second-order centred between the two one-sided ends
        mid = (s(2, n) - s(0, n - 2)) / (2 * d)
        return jnp.concatenate([first, mid, last], axis=axis)
    second = (s(2, 3) - s(0, 1)) / (2 * d)
    penult = (s(n - 1, n) - s(n - 3, n - 2)) / (2 * d)
    inner = (s(0, n - 4) - 8 * s(1, n - 3) + 8 * s(3, n - 1) - s(4, n)) / (12 * d)
    return jnp.concatenate([first, second, inner, penult, last], axis=axis)


def strain_from_displacement(
    mesh: Mesh, u: Float[Array, "3 nx ny nz"]
) -> Float[Array, "6 nx ny nz"]:
    """The small-strain tensor ``ε_ij = (∂_i u_j + ∂_j u_i) / 2`` of a displacement field.

    Derivatives are fourth-order central differences (error ``(k d)⁴ / 30`` for a wave
    of wavenumber ``k``), wrapping around along periodic axes (``mesh.pbc``); near a free
    boundary the stencils drop to second order (see :func:`derivative`), and an axis of
    one cell contributes no derivative.

    **Arguments:**

    - `mesh`: the grid (cell sizes in m).
    - `u`: displacement in m, shape ``(3, nx, ny, nz)``.

    **Returns:** the strain (dimensionless), shape ``(6, nx, ny, nz)`` in the order
    ``(xx, yy, zz, xy, xz, yz)`` with tensor shear (``ε_xy``, not ``γ_xy = 2 ε_xy``).
    """
    check_real("u (m)", u)
    check_shape("u (m)", u, ((3, *mesh.shape),))
    u = jnp.asarray(u, dtype=float)
    grad = [[derivative(u[j], i, mesh.cell[i], mesh.periodic[i]) for j in range(3)]
            for i in range(3)]  # fmt: skip
    return jnp.stack([(grad[i][j] + grad[j][i]) / 2 for i, j in VOIGT])


def rotation(c1, c2) -> Float[Array, "3 3 ..."]:
    """The rotation ``R`` with rows ``c1``, ``c2``, ``c3 = c1 × c2`` (unit, orthogonal
    vectors ``(3,)`` or ``(3, nx, ny, nz)``): ``R v`` gives ``v`` in the crystal frame."""
    return jnp.stack([c1, c2, jnp.cross(c1, c2, axis=0)])
