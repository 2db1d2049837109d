"""The demagnetisation tensor summed over periodic images (``Mesh.pbc``).

Along a periodic axis the convolution is circular (length ``n``), so the kernel is
needed for the ``n`` wrapped offsets ``q`` only. Two sums are offered per axis:

- **P images** (``pbc = P``, an integer): ``K(q) = Σ_{|k| ≤ P} N(q + k n)`` with ``q``
  the minimum image, ``|q| ≤ n/2`` (cells, then times the cell size). For even ``n`` the
  offset ``q = n/2`` is half a period away on both sides, and its kernel is the mean of
  the two windows: the diagonal sums are equal, the components odd along that axis
  vanish. The field at a cell is then that of the ``2P + 1`` periods of the whole mesh
  centred on the cell (its minimum-image period and ``P`` more on each side): the
  convention of magnum.np and mumax+. mumax3's ``PBC = P`` instead sums every source
  within ``P n - 1`` cells of the destination, i.e. ``2P`` periods less one cell, so
  its ``P`` is roughly jaxmag's ``P - 1/2``; ``Mesh(pbc_images="mumax3")`` sums
  exactly mumax3's window instead (``|q + k n| <= P n - 1``).
- **Infinite** (``pbc = math.inf``): the whole lattice sum ``Σ_k N(q + k n)``, split
  by a smooth window into an explicit sum and the continuum of the rest,
  ``Σ_k w N + Σ_k (1 - w) N`` with ``w = erfc((ρ - ρc)/s)/2``. Here ``ρ = |X / λ|`` is
  the image's distance over the infinite axes in units of ``λ``, the period raised to
  at least half the longest infinite period (an ellipsoid of aspect ratio <= 2: a
  flatter window puts the continuum where the sum is not yet smooth across the long
  periods, and is visibly wrong for a 16:1 lattice). By the Poisson summation formula
  the second sum equals its integral ``∫ (1 - w) N d^DX / Π L`` up to
  ``~exp(-π² s²)`` (5e-14 at the default ``s = 1.75``; ``ρc = 2 + 5 s``, and the
  window's tails beyond ``ρc ± 5 s`` weigh < 1e-12). The integral is smooth and done by
  quadrature: Gauss–Legendre in ``ρ`` on the window's edge, mapped to ``1/ρ`` beyond
  it, the trapezoid rule in angle when two axes are infinite, for every transverse
  offset (including finite images along other axes). ``tests/test_pbc.py`` checks that
  another window gives the same kernel to 1e-10 (measured ~2e-11), and the uniform
  film, rod and bulk factors are exact to ~1e-11.

  With all three axes infinite the sum converges only conditionally. It is done as a
  stack of infinite layers across the longest period: a layer's field outside itself
  decays as ``exp(-2π x / L)`` (the longest in-layer period ``L``; a uniform sheet has
  none), so ``P = ceil(6 L / L_stack) + 1`` images of the stack converge to round-off.
  The uniform part, the conditionally convergent one, follows the convention of an
  infinite bulk: the mean field over the periodic cell is zero (the ``k = 0`` Fourier
  component of the kernel is set to 0 by :func:`~jaxmag.energy._demag.kernel_real_space`).
  A finite sample's macroscopic field ``-N_macro ⟨M⟩`` is not included; add it as a
  uniform applied field if wanted.

Axes can mix: open, ``P`` images and infinite (the continuum is then integrated for
every transverse offset, including the finite images). Everything is NumPy float64,
computed once per mesh on the host.
"""

import itertools
import math

import numpy as np
from scipy.special import erfc

from jaxmag.energy._newell import NEAR, newell_any, newell_far, newell_octant

WINDOW_START = 2.0
WINDOW_WIDTH = 1.75
_HALF = 5.0  # the window's transition spans ρc ± 5 s (erfc(5)/2 = 8e-13)
_RADIAL_NODES = 32
_TAIL_NODES = 16
_ANGLES = 32
_CHUNK = 1 << 16
_MAX_WORK = 2e8  # image-offset pairs of a finite image sum (~1 min on one core)


def octant_shape(n, pbc) -> tuple[int, ...]:
    """The non-negative offsets needed per axis: ``n`` (open) or ``n // 2 + 1`` (periodic)."""
    return tuple(k // 2 + 1 if p else k for k, p in zip(n, pbc, strict=True))


def _window(rho, start, width):
    """The explicit sum's weight ``w(ρ)``; ``1 - w`` goes to the continuum."""
    return 0.5 * erfc((rho - (start + _HALF * width)) / width)


def _scales(n, cell, pbc) -> np.ndarray:
    """The window's length scale per axis, in m: the period ``L``, raised to at least half
    the longest infinite period (so the window is an ellipsoid of aspect ratio <= 2; a
    flatter one would put the continuum where the sum is not yet smooth across the long
    periods). 0 on the other axes."""
    L = np.asarray(n, dtype=float) * np.asarray(cell)
    inf = np.array([p == math.inf for p in pbc])
    lam = np.where(inf, np.maximum(L, np.max(L[inf], initial=0.0) / 2), 0.0)
    return lam


def _images(n, cell, pbc, start, width):
    """Integer image vectors ``k`` whose octant block can carry weight (``(M, 3)``)."""
    rmax = start + 2 * _HALF * width
    L = np.asarray(n, dtype=float) * np.asarray(cell)
    lam = _scales(n, cell, pbc)
    ranges = []
    for a, p in enumerate(pbc):
        if p == 0:
            ranges.append([0])
        elif p == math.inf:
            K = math.ceil(rmax * lam[a] / L[a]) + 1
            ranges.append(range(-K, K + 1))
        else:
            ranges.append(range(-p, p + 1))
    k = np.array(list(itertools.product(*ranges)), dtype=np.int64).reshape(-1, 3)
    inf = [a for a in range(3) if pbc[a] == math.inf]
    if inf:
        # the block spans k .. k + 1/2 periods along an infinite axis
        ki = k[:, inf]
        lo = np.where(ki > 0, ki, np.where(ki < 0, -ki - 0.5, 0.0)) * (L[inf] / lam[inf])
        k = k[np.sqrt(np.sum(lo * lo, axis=1)) < rmax]
    return k


def _parity_signs(I):
    """Signs ``(6, ...)`` that map the tensor at ``|I|`` to the offsets ``I`` (``(..., 3)``)."""
    sg = np.sign(I)
    one = np.ones(I.shape[:-1])
    return np.stack(
        [one, one, one, sg[..., 0] * sg[..., 1], sg[..., 0] * sg[..., 2], sg[..., 1] * sg[..., 2]]
    )


def _explicit(n, cell, pbc, start, width, convention="centred"):
    """``Σ_k w N(q + k n)`` on the octant ``(6, *octant_shape)``; with ``convention =
    "mumax3"`` only the offsets ``|q + k n| <= P n - 1`` along finite periodic axes."""
    shape = octant_shape(n, pbc)
    inf = [a for a in range(3) if pbc[a] == math.inf]
    dmax = max(cell)
    d = np.asarray(cell)
    images = _images(n, cell, pbc, start, width)
    lam = _scales(n, cell, pbc)
    # the exact near field, once, on the non-negative offsets it can be needed at
    reach = np.max(np.abs(images) * np.asarray(n), axis=0) + np.asarray(shape)
    E = [min(int(np.ceil(NEAR * dmax / da)) + 1, int(r)) for da, r in zip(cell, reach, strict=True)]
    table = newell_octant(tuple(E), cell)
    q = np.stack(np.meshgrid(*(np.arange(k) for k in shape), indexing="ij"), axis=-1)
    acc = np.zeros((6, math.prod(shape)))
    q = q.reshape(-1, 3)
    step = max(1, _CHUNK // len(q))
    for i in range(0, len(images), step):
        I = (q[None] + (images[i : i + step] * np.asarray(n))[:, None]).reshape(-1, 3)
        R = I * d
        vals = np.empty((6, len(I)))
        near = np.sqrt(np.sum(R * R, axis=1)) < NEAR * dmax
        if np.any(near):
            A = np.abs(I[near])
            vals[:, near] = table[:, A[:, 0], A[:, 1], A[:, 2]] * _parity_signs(I[near])
        if not np.all(near):
            vals[:, ~near] = newell_far(R[~near], cell)
        if inf:
            rho = np.sqrt(np.sum((I[:, inf] * d[inf] / lam[inf]) ** 2, axis=1))
            vals *= _window(rho, start, width)
        if convention == "mumax3":
            for a, p in enumerate(pbc):
                if 0 < p < math.inf:
                    vals *= np.abs(I[:, a]) <= p * n[a] - 1
        acc += vals.reshape(6, -1, len(q)).sum(axis=1)
    return acc.reshape(6, *shape)


def _radial_rule(start, width):
    """Nodes and weights for ``∫_{ρlo}^∞ (1 - w(ρ)) F(ρ) dρ`` with ``F`` decaying as a power: Gauss–
    Legendre on the window's edge, then ``u = ρhi/ρ`` to infinity. Returns ``ρ`` and the
    weights, ``1 - w`` included."""
    lo, hi = start, start + 2 * _HALF * width
    t, wt = np.polynomial.legendre.leggauss(_RADIAL_NODES)
    r1 = lo + (t + 1) / 2 * (hi - lo)
    w1 = wt / 2 * (hi - lo)
    t, wt = np.polynomial.legendre.leggauss(_TAIL_NODES)
    u = (t + 1) / 2
    r2 = hi / u
    w2 = wt / 2 * hi / u**2
    rho = np.concatenate([r1, r2])
    return rho, np.concatenate([w1, w2]) * (1 - _window(rho, start, width))


def _continuum(n, cell, pbc, start, width):
    """``Σ_k (1 - w) N(q + k n)`` as the integral over the infinite axes, on the octant."""
    shape = octant_shape(n, pbc)
    inf = [a for a in range(3) if pbc[a] == math.inf]
    D = len(inf)
    L = np.asarray(n, dtype=float) * np.asarray(cell)
    lam = _scales(n, cell, pbc)
    rho, wr = _radial_rule(start, width)
    if D == 1:
        (a,) = inf
        X = np.zeros((2 * len(rho), 3))
        X[:, a] = np.concatenate([rho, -rho]) * lam[a]
        wq = np.concatenate([wr, wr]) * (lam[a] / L[a])
    else:
        a, b = inf
        M = _ANGLES * math.ceil(max(lam[a], lam[b]) / min(lam[a], lam[b]))
        th = 2 * np.pi * np.arange(M) / M
        X = np.zeros((len(rho), M, 3))
        X[..., a] = rho[:, None] * np.cos(th) * lam[a]
        X[..., b] = rho[:, None] * np.sin(th) * lam[b]
        X = X.reshape(-1, 3)
        wq = np.repeat(wr * rho * (2 * np.pi / M), M) * (lam[a] * lam[b] / (L[a] * L[b]))
    # transverse offsets: the octant's other axes, with the finite images along them
    trans = [a for a in range(3) if a not in inf]
    grids = []
    for a in trans:
        m = 2 * pbc[a] + 1 if pbc[a] else 1
        grids += [np.arange(shape[a]), np.arange(m) - (m - 1) // 2]
    mesh = [g.reshape(-1) for g in np.meshgrid(*grids, indexing="ij")]
    r = np.zeros((len(mesh[0]), 3))
    for j, a in enumerate(trans):
        r[:, a] = (mesh[2 * j] + mesh[2 * j + 1] * n[a]) * cell[a]
    sums = np.empty((6, len(r)))
    step = max(1, _CHUNK // len(X))
    for i in range(0, len(r), step):
        R = (r[i : i + step, None, :] + X[None]).reshape(-1, 3)
        sums[:, i : i + step] = newell_any(R, cell).reshape(6, -1, len(X)) @ wq
    out_t = np.zeros((6, *(shape[a] for a in trans)))
    np.add.at(out_t, (slice(None), *(mesh[2 * j] for j in range(len(trans)))), sums)
    full_shape = [1, 1, 1]
    for a in trans:
        full_shape[a] = shape[a]
    return np.broadcast_to(out_t.reshape(6, *full_shape), (6, *shape))


def image_octant(
    n, cell, pbc, *, start=WINDOW_START, width=WINDOW_WIDTH, images="centred"
) -> np.ndarray:
    """The image-summed tensor ``(6, *octant_shape(n, pbc))`` on the non-negative offsets
    (the other octants follow by the tensor's parity, as for the open kernel).

    **Arguments:**

    - `n`, `cell`: cell counts and cell size in m.
    - `pbc`: per axis 0 (open), a number of images ``P`` or ``math.inf``.
    - `start`, `width`: the window of the infinite sum, in units of ``λ`` (see the
      module docstring); the result does not depend on them.
    - `images`: ``"centred"`` (``P`` whole periods each side of the minimum image) or
      ``"mumax3"`` (every source within ``P n - 1`` cells), as ``Mesh.pbc_images``.

    Raises ``ValueError`` when a finite image sum would need more than 2e8 tensor
    evaluations (use ``math.inf``).
    """
    n = tuple(int(k) for k in n)
    cell = tuple(float(d) for d in cell)
    pbc = tuple(pbc)
    work = math.prod(2 * p + 1 for p in pbc if 0 < p < math.inf) * math.prod(octant_shape(n, pbc))
    if work > _MAX_WORK:
        raise ValueError(
            f"pbc = {pbc} on a {n} mesh needs {work:.1e} tensor evaluations; use fewer "
            "images or math.inf (the infinite sum, which costs far less)"
        )
    D = sum(p == math.inf for p in pbc)
    if D == 3:
        # An infinite bulk as a stack of infinite layers across the longest period: a
        # layer's field outside itself decays as exp(-2π x / L) with the longest in-layer
        # period L (the uniform part, a sheet's, vanishes), so P images of the stack
        # converge to round-off; the conditionally convergent uniform part is set by the
        # caller (zero mean field).
        L = np.asarray(n, dtype=float) * np.asarray(cell)
        a = int(np.argmax(L))
        P = math.ceil(6 * max(L[b] for b in range(3) if b != a) / L[a]) + 1
        pbc = tuple(P if b == a else math.inf for b in range(3))
    acc = _explicit(n, cell, pbc, start, width, images)
    if D:
        acc = acc + _continuum(n, cell, pbc, start, width)
    return acc
