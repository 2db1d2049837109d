"""Geometry: boolean masks of magnetic cells on a :class:`~jaxmag.Mesh`.

A cell is inside a shape when its centre is. Coordinates are measured from the centre
of the mesh (see :meth:`Mesh.coordinates`). Combine masks with ``&``, ``|`` and ``~``.
"""

import numpy as np

from jaxmag._mesh import Mesh
from jaxmag._validate import check_real


def _centre(center):
    check_real("center (m)", center)
    c = tuple(float(v) for v in center)
    if len(c) != 3:
        raise ValueError(f"center must have 3 entries in m, got {center!r}")
    return c


def universe(mesh: Mesh) -> np.ndarray:
    """Every cell is magnetic."""
    return np.ones(mesh.shape, dtype=bool)


def cuboid(mesh: Mesh, size, center=(0.0, 0.0, 0.0)) -> np.ndarray:
    """An axis-aligned box.

    **Arguments:**

    - `size`: edge lengths ``(Lx, Ly, Lz)`` in m, positive.
    - `center`: the box centre in m.
    """
    check_real("cuboid size (m)", size, positive=True)
    c = _centre(center)
    x = mesh.coordinates()
    inside = np.ones(mesh.shape, dtype=bool)
    for xi, ci, li in zip(x, c, size, strict=True):
        inside &= np.abs(xi - ci) <= li / 2
    return inside


def ellipse(mesh: Mesh, diameters, center=(0.0, 0.0, 0.0)) -> np.ndarray:
    """An elliptic cylinder along z through the whole thickness.

    **Arguments:**

    - `diameters`: ``(Dx, Dy)`` in m, positive.
    - `center`: the centre in m (its z entry is ignored).
    """
    check_real("ellipse diameters (m)", diameters, positive=True)
    dx, dy = (float(d) for d in diameters)
    c = _centre(center)
    x, y, _ = mesh.coordinates()
    return ((x - c[0]) / (dx / 2)) ** 2 + ((y - c[1]) / (dy / 2)) ** 2 < 1.0


def disk(mesh: Mesh, radius: float, center=(0.0, 0.0, 0.0)) -> np.ndarray:
    """A circular disk of ``radius`` (m) through the whole thickness."""
    check_real("disk radius (m)", radius, positive=True)
    return ellipse(mesh, (2 * radius, 2 * radius), center)


def cylinder(mesh: Mesh, radius: float, height: float, center=(0.0, 0.0, 0.0)) -> np.ndarray:
    """A circular cylinder along z of ``radius`` and ``height`` (both m)."""
    check_real("cylinder height (m)", height, positive=True)
    c = _centre(center)
    _, _, z = mesh.coordinates()
    return disk(mesh, radius, center) & (np.abs(z - c[2]) <= height / 2)


def from_array(mesh: Mesh, mask) -> np.ndarray:
    """Any boolean array of shape ``(nx, ny, nz)`` (an image, a Voronoi map, ...).

    A 2D ``(nx, ny)`` array is extruded through the thickness.
    """
    a = np.asarray(mask)
    if a.dtype != bool:
        raise TypeError(f"mask must be a boolean array, got dtype {a.dtype}")
    if a.shape == mesh.shape[:2]:
        a = np.repeat(a[:, :, None], mesh.shape[2], axis=2)
    if a.shape != mesh.shape:
        raise ValueError(f"mask has shape {a.shape}, expected {mesh.shape} or {mesh.shape[:2]}")
    return a
