"""From a segmented micrograph to a jaxmag geometry.

Orientation. An image is indexed ``image[row, column]`` with row 0 at the **top**; a
jaxmag scalar field is indexed ``a[ix, iy, iz]`` with ``x`` to the right and ``y`` **up**
(see :mod:`jaxmag`). So column ``j`` becomes ``ix = j`` and row ``i`` becomes
``iy = ny - 1 - i``:

    a[:, :, k] = image[::-1, :].T      and back:      image = a[:, ::-1, k].T

The top-left pixel lands in cell ``(0, ny - 1)``, the bottom-left one in ``(0, 0)``.
:func:`to_image` is the inverse, for plotting a jaxmag field as the image was shown.
"""

from typing import NamedTuple

import numpy as np
from jaxtyping import Bool, Int

from jaxmag._mesh import Mesh
from jaxmag._validate import check_int, check_real


class ImageGeometry(NamedTuple):
    """What :func:`from_image` returns.

    - `mesh`: the :class:`~jaxmag.Mesh`, one cell per pixel in the plane.
    - `mask`: boolean ``(nx, ny, nz)`` magnetic cells: the ``True`` pixels of a boolean
      mask, or the pixels of label > 0 of a label image.
    - `region`: integer ``(nx, ny, nz)`` region map of a label image (labels unchanged,
      for :meth:`~jaxmag.Material.from_regions`); ``None`` for a boolean mask.
    """

    mesh: Mesh
    mask: Bool[np.ndarray, "nx ny nz"]
    region: Int[np.ndarray, "nx ny nz"] | None


def image_to_cells(image) -> np.ndarray:
    """An ``(H, W)`` image as a jaxmag ``(nx, ny) = (W, H)`` array (``y`` up)."""
    a = np.asarray(image)
    if a.ndim != 2:
        raise ValueError(f"image must be 2D (H, W), got shape {a.shape}")
    return a[::-1, :].T


def to_image(cells) -> np.ndarray:
    """A jaxmag ``(nx, ny)`` or ``(nx, ny, nz)`` array (``y`` up) as an ``(H, W)`` image
    (row 0 at the top); a 3D array gives ``(nz, H, W)``, one image per layer."""
    a = np.asarray(cells)
    if a.ndim == 2:
        return a[:, ::-1].T
    if a.ndim == 3:
        return np.transpose(a[:, ::-1, :], (2, 1, 0))
    raise ValueError(f"cells must be (nx, ny) or (nx, ny, nz), got shape {a.shape}")


def _pixel(pixel_size) -> tuple[float, float]:
    if isinstance(pixel_size, tuple | list | np.ndarray):
        if len(pixel_size) != 2:
            raise ValueError(f"pixel_size must be a number or (dx, dy) in m, got {pixel_size!r}")
        dx, dy = pixel_size
    else:
        dx = dy = pixel_size
    check_real("pixel_size dx (m)", dx, positive=True)
    check_real("pixel_size dy (m)", dy, positive=True)
    return float(dx), float(dy)


def from_image(mask_or_labels, pixel_size, *, thickness: float | None = None, nz: int = 1):
    """A mesh and magnetic geometry from a segmentation mask or a label image.

    **Arguments:**

    - `mask_or_labels`: an ``(H, W)`` image, row 0 at the top: booleans (``True`` where
      magnetic) or non-negative integer labels (0 conventionally the background). Float
      images are refused: threshold or label them first.
    - `pixel_size`: the pixel size in m, one number or ``(dx, dy)`` (along a row, i.e.
      horizontal; along a column, vertical).
    - `thickness`: film thickness in m (the mesh's z extent); by default
      ``nz × min(dx, dy)``.
    - `nz`: number of cells through the thickness; the image is extruded through all.

    Returns :class:`ImageGeometry` ``(mesh, mask, region)`` with ``mesh.n == (W, H, nz)``
    and ``mesh.cell == (dx, dy, thickness / nz)``; see the module docstring for the
    orientation. Use it as ``make_system(g.mesh, material, mask=g.mask)`` or
    ``Material.from_regions(g.mesh, g.region, materials)``.

    Raises ``TypeError`` for a float (or other non-bool, non-integer) image and
    ``ValueError`` for a non-2D or empty image, negative labels, no magnetic pixel, a
    pixel size or thickness that is not positive and finite, or a bad ``nz``.
    """
    a = np.asarray(mask_or_labels)
    if a.dtype != bool and a.dtype.kind not in "iu":
        raise TypeError(
            f"mask_or_labels must be a boolean mask or an integer label image, got dtype "
            f"{a.dtype}; threshold a float image first (e.g. image > 0.5)"
        )
    if a.ndim != 2:
        raise ValueError(f"mask_or_labels must be a 2D (H, W) image, got shape {a.shape}")
    if a.size == 0:
        raise ValueError(f"mask_or_labels is empty (shape {a.shape})")
    dx, dy = _pixel(pixel_size)
    nz = check_int("nz", nz)
    if thickness is None:
        thickness = nz * min(dx, dy)
    check_real("thickness (m)", thickness, positive=True)
    labels = a.dtype.kind in "iu"
    if labels and a.min() < 0:
        raise ValueError(f"labels must be non-negative, got minimum {a.min()}")
    if not np.any(a):
        what = "pixel with a label > 0" if labels else "True (magnetic) pixel"
        raise ValueError(f"mask_or_labels has no {what}: the geometry would be empty")
    cells = image_to_cells(a)
    nx, ny = cells.shape
    mesh = Mesh((nx, ny, nz), (dx, dy, float(thickness) / nz))
    cells = np.repeat(cells[:, :, None], nz, axis=2)
    if labels:
        region = np.ascontiguousarray(cells, dtype=np.int32)
        if region.max() != cells.max():
            raise ValueError(f"labels must fit in int32, got maximum {cells.max()}")
        return ImageGeometry(mesh, region > 0, region)
    return ImageGeometry(mesh, np.ascontiguousarray(cells), None)
