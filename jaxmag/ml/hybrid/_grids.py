"""Fine and coarse grids of one geometry, and the restriction between them.

A :class:`Geometry` is a permalloy (µMAG SP4) film: its size in m, its fine cells and its
shape (the whole cuboid, or the ellipse inscribed in it). The coarse grid merges
``factor`` fine cells per direction; a coarse cell is magnetic when at least half of its
fine cells are. :func:`restrict` maps a fine field m onto the coarse grid: the average of
each block's magnetic cells, renormalised.
"""

import dataclasses

import jax.numpy as jnp
import numpy as np

from jaxmag._mesh import Mesh
from jaxmag._system import System, make_system
from jaxmag.constants import MU0
from jaxmag.problems import sp4
from jaxmag.shapes import ellipse, universe
from jaxmag.statics._relax import minimise

FACTOR = (5, 5, 1)
"""Fine cells per coarse cell in x, y, z: 2.5 nm → 12.5 nm in-plane."""
SHAPES = ("rectangle", "ellipse")


@dataclasses.dataclass(frozen=True)
class Geometry:
    """A permalloy film (Ms = 8e5 A/m, A = 1.3e-11 J/m, α = 0.02).

    **Arguments:**

    - `name`: a label.
    - `size`: ``(Lx, Ly, Lz)`` in m.
    - `cells`: the fine grid ``(nx, ny, nz)``.
    - `shape`: ``"rectangle"`` (the whole cuboid) or ``"ellipse"`` (inscribed in it).
    - `factor`: fine cells per coarse cell along x, y, z; each must divide `cells`.
    """

    name: str
    size: tuple[float, float, float]
    cells: tuple[int, int, int]
    shape: str = "rectangle"
    factor: tuple[int, int, int] = FACTOR

    def __post_init__(self):
        if self.shape not in SHAPES:
            raise ValueError(f"shape must be one of {SHAPES}, got {self.shape!r}")
        if len(self.size) != 3 or not all(np.isfinite(s) and s > 0 for s in self.size):
            raise ValueError(f"size must be three positive lengths in m, got {self.size}")
        if len(self.cells) != 3 or len(self.factor) != 3:
            raise ValueError("cells and factor need three entries (x, y, z)")
        for n, f, ax in zip(self.cells, self.factor, "xyz", strict=True):
            if int(f) < 1 or int(n) < 1 or n % f:
                raise ValueError(f"factor {f} must divide the {n} fine cells along {ax}")

    @property
    def coarse_cells(self) -> tuple[int, int, int]:
        return tuple(n // f for n, f in zip(self.cells, self.factor, strict=True))

    def mesh(self, coarse: bool = False) -> Mesh:
        return Mesh.from_size(self.coarse_cells if coarse else self.cells, self.size)

    def mask(self, coarse: bool = False) -> np.ndarray:
        """Boolean ``(nx, ny, nz)`` magnetic cells on the fine or coarse grid."""
        fine = self.mesh()
        if self.shape == "rectangle":
            m = universe(fine)
        else:
            m = ellipse(fine, self.size[:2])
        if not coarse:
            return m
        return block_mean(m.astype(float)[None], self.factor)[0] >= 0.5

    def system(self, coarse: bool = False, field_mT=None, extra_terms=()) -> System:
        """Exchange, demag and (if given) the uniform applied field μ0H = ``field_mT``
        (mT, 3 components) on the fine or coarse grid."""
        H = None if field_mT is None else jnp.asarray(field_mT, dtype=float) * 1e-3 / MU0
        return make_system(self.mesh(coarse), sp4.material(), mask=self.mask(coarse), H=H,
                           extra_terms=extra_terms)  # fmt: skip

    def s_state(self):
        """The relaxed s-state on the fine grid (from m ∝ (1, 0.25, 0.1))."""
        s = self.system()
        r = minimise(s, s.check_magnetisation(np.asarray(sp4.M_START, dtype=float)))
        if not bool(r.converged):
            raise RuntimeError(f"{self.name}: s-state relaxation did not converge")
        return r.m


SP4_FILM = Geometry("sp4", sp4.SIZE, sp4.CELLS)
"""µMAG SP4: 500 × 125 × 3 nm, 2.5 nm fine cells; coarse 40 × 10 cells of 12.5 nm."""
ELLIPSE = Geometry("ellipse", sp4.SIZE, sp4.CELLS, "ellipse")
"""The ellipse inscribed in the SP4 film (axes 500 and 125 nm)."""
SMALL_FILM = Geometry("small", (250e-9, 125e-9, 3e-9), (100, 50, 1))
"""A 250 × 125 × 3 nm film, same cells."""


def block_mean(a, factor):
    """Mean over blocks of ``factor`` cells of the last three axes of ``a``."""
    a = np.asarray(a) if not isinstance(a, jnp.ndarray) else a
    *lead, nx, ny, nz = a.shape
    fx, fy, fz = factor
    b = a.reshape(*lead, nx // fx, fx, ny // fy, fy, nz // fz, fz)
    n = len(lead)
    return b.mean(axis=(n + 1, n + 3, n + 5))


def restrict(m, geometry: Geometry):
    """Fine ``m`` ``(..., 3, nx, ny, nz)`` → coarse ``(..., 3, nx/fx, ny/fy, nz/fz)``: each
    coarse magnetic cell gets the mean of its block's magnetic fine cells, renormalised;
    non-magnetic coarse cells get 0. NumPy in, NumPy out; JAX in, JAX out."""
    xp = jnp if isinstance(m, jnp.ndarray) else np
    if tuple(m.shape[-4:]) != (3, *geometry.cells):
        raise ValueError(f"m has shape {tuple(m.shape)}, expected (..., 3, {geometry.cells})")
    s = block_mean(m * geometry.mask().astype(float), geometry.factor)
    n = xp.sqrt(xp.sum(s**2, axis=-4, keepdims=True))
    return xp.where(geometry.mask(coarse=True), s / xp.where(n > 0, n, 1.0), 0.0)


def mean_m(m, mask):
    """⟨m⟩ over the magnetic cells: ``m`` ``(..., 3, nx, ny, nz)`` → ``(..., 3)``."""
    xp = jnp if isinstance(m, jnp.ndarray) else np
    w = xp.asarray(mask, dtype=float)
    return xp.sum(m * w, axis=(-3, -2, -1)) / xp.sum(w)
