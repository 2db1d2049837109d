"""The regular finite-difference grid and the shapes that make magnetic masks.

Array layout (used everywhere in jaxmag): a vector field has shape ``(3, nx, ny, nz)``
(component-major); a scalar field has shape ``(nx, ny, nz)``. Coordinates are cell
centres, measured in metres from the centre of the mesh.
"""

import math

import equinox as eqx
import numpy as np

from jaxmag._memory import check_fits, state_bytes
from jaxmag._validate import check_int, check_real

CELL_RANGE: tuple[float, float] = (1e-12, 1.0)
"""The accepted cell edge lengths in m. Exchange fields scale as ``A / dx²``: at 1e-12 m
they are already ~1e10 times those of a 5 nm cell, and steps shrink by as much."""


PBC_IMAGES: tuple[str, str] = ("centred", "mumax3")
"""The conventions of a finite periodic image count (see :class:`Mesh`)."""


class Mesh(eqx.Module):
    """A regular grid of ``nx × ny × nz`` cuboid cells.

    **Arguments:**

    - `n`: cell counts ``(nx, ny, nz)``, positive integers.
    - `cell`: cell size ``(dx, dy, dz)`` in m, within :data:`CELL_RANGE` (1e-12 m to
      1 m: below, exchange fields overflow and steps collapse; above is no longer
      micromagnetics, and usually a size given in nm instead of m).
    - `pbc`: periodic boundaries per axis ``(Px, Py, Pz)``. 0: open (the default). An
      integer ``P > 0``: periodic; exchange and DMI wrap around, and the demagnetising
      field sums the images ``-P … P`` of the whole mesh along that axis (the convention
      of magnum.np and mumax+; see :class:`~jaxmag.Demag`). ``math.inf``: periodic with
      the infinite lattice sum.
    - `pbc_images`: how a finite ``P`` counts images: ``"centred"`` (the default) sums the
      ``2P + 1`` whole periods centred on each cell (magnum.np, mumax+); ``"mumax3"``
      sums every source within ``P n - 1`` cells of the destination along that axis,
      mumax3's ``SetPBC`` (``2P`` periods less one cell, not a whole number of periods;
      the two differ by up to ~3e-3 in ⟨m⟩ on mumax3's PBC regression scripts).

    A mesh whose one magnetisation array (``3 nx ny nz`` floats) does not fit in the
    free memory (:func:`~jaxmag.available_memory`) is refused
    (:class:`~jaxmag.InsufficientMemoryError`); a run needs some tens of such arrays
    (:func:`~jaxmag.estimate_memory`).
    """

    n: tuple[int, int, int] = eqx.field(static=True)
    cell: tuple[float, float, float] = eqx.field(static=True)
    pbc: tuple = eqx.field(static=True, default=(0, 0, 0))
    pbc_images: str = eqx.field(static=True, default="centred")

    def __init__(self, n, cell, pbc=(0, 0, 0), pbc_images: str = "centred"):
        n = tuple(n)
        cell = tuple(cell)
        if len(n) != 3:
            raise ValueError(f"Mesh n must have 3 entries (nx, ny, nz), got {n!r}")
        if len(cell) != 3:
            raise ValueError(f"Mesh cell must have 3 entries (dx, dy, dz) in m, got {cell!r}")
        for axis, k in zip("xyz", n, strict=True):
            check_int(f"Mesh n{axis}", k)
        for axis, d in zip("xyz", cell, strict=True):
            check_real(f"Mesh d{axis} (m)", d, positive=True)
            if not CELL_RANGE[0] <= float(d) <= CELL_RANGE[1]:
                raise ValueError(
                    f"Mesh d{axis} = {float(d)!r} m is outside the physical range "
                    f"[{CELL_RANGE[0]:g}, {CELL_RANGE[1]:g}] m of a micromagnetic cell "
                    "(cell sizes are in metres: 5 nm is 5e-9)"
                )
        self.n = tuple(int(k) for k in n)
        ncells = math.prod(self.n)
        check_fits(
            state_bytes(ncells),
            f"One magnetisation array of the {' × '.join(map(str, self.n))} mesh "
            f"({ncells:.3g} cells)",
            "use fewer (larger) cells",
        )
        self.cell = tuple(float(d) for d in cell)
        pbc = tuple(pbc)
        if len(pbc) != 3:
            raise ValueError(f"Mesh pbc must have 3 entries (Px, Py, Pz), got {pbc!r}")
        out = []
        for axis, p in zip("xyz", pbc, strict=True):
            if p == math.inf:
                out.append(math.inf)
            else:
                name = f"Mesh pbc along {axis} (0: open, P > 0 images, or math.inf)"
                out.append(check_int(name, p, minimum=0))
        self.pbc = tuple(out)
        if pbc_images not in PBC_IMAGES:
            raise ValueError(f"Mesh pbc_images must be one of {PBC_IMAGES}, got {pbc_images!r}")
        self.pbc_images = pbc_images

    @property
    def periodic(self) -> tuple[bool, bool, bool]:
        """Whether each axis is periodic (``pbc != 0``)."""
        return tuple(p != 0 for p in self.pbc)

    @staticmethod
    def from_size(n, size, pbc=(0, 0, 0)) -> "Mesh":
        """A mesh of ``n = (nx, ny, nz)`` cells spanning ``size = (Lx, Ly, Lz)`` in m."""
        n = Mesh(n, (1.0, 1.0, 1.0)).n  # validates the counts first
        size = tuple(size)
        if len(size) != 3:
            raise ValueError(f"Mesh size must have 3 entries (Lx, Ly, Lz) in m, got {size!r}")
        for axis, L in zip("xyz", size, strict=True):
            check_real(f"Mesh L{axis} (m)", L, positive=True)
        return Mesh(n, tuple(L / k for L, k in zip(size, n, strict=True)), pbc)

    @property
    def shape(self) -> tuple[int, int, int]:
        """The scalar-field shape ``(nx, ny, nz)``."""
        return self.n

    @property
    def cell_volume(self) -> float:
        """Volume of one cell, in m³."""
        return math.prod(self.cell)

    @property
    def size(self) -> tuple[float, float, float]:
        """Extent of the mesh ``(Lx, Ly, Lz)``, in m."""
        return tuple(k * d for k, d in zip(self.n, self.cell, strict=True))

    @property
    def ncells(self) -> int:
        return math.prod(self.n)

    def coordinates(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Cell-centre coordinates ``(x, y, z)`` in m, each of shape ``(nx, ny, nz)``,
        measured from the centre of the mesh."""
        axes = [(np.arange(k) - (k - 1) / 2) * d for k, d in zip(self.n, self.cell, strict=True)]
        return tuple(np.meshgrid(*axes, indexing="ij"))
