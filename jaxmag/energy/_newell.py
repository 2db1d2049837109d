"""The demagnetisation tensor of uniformly magnetised cuboid cells.

``N_ab(R)`` gives the field ``H_a = -Σ_b N_ab(R) M_b`` at a cell centre from a cell at
displacement ``-R`` (so the self term of a cube is ``diag(1/3, 1/3, 1/3)``).

- **Near field** (``|R| < near * max(d)``): Newell, Williams and Dunlop, J. Geophys.
  Res. 98, 9551 (1993), the exact closed form: a 27-point second difference of the
  functions ``f`` and ``g``. It loses digits to cancellation, roughly as
  ``eps |R|^6 / (dx dy dz)^2``, so it is used only close by. At the switch
  (``near = 20``) the loss measured relative to the largest component is ~1e-7 for
  cubic cells and up to ~2e-6 for flat or elongated ones (5 × 5 × 1, 1 × 2 × 3); those
  entries are ~1e-5 of the self term, so the effect on fields is ~1e-11.
- **Far field**: the same six-fold integral of the dipole kernel over source and
  target cells, done as a product Gauss–Legendre rule on the triangular ("tent")
  weight of their difference vector, ``N_ab(R) = -1/(4π) ∫ Π_k (1 - |s_k|/d_k)₊
  ∂_a ∂_b (1/|R+s|) d³s``. The integrand is analytic there, so 3 nodes per half-tent
  give ~1e-9 relative accuracy at ``|R| = 20 d`` (better further out); the test
  suite checks that the two forms agree where they meet.

The periodic image sums (:mod:`jaxmag.energy`) need the far field at many
more offsets, and use cheaper forms of the same integral there (:func:`newell_far`):

- the product **Gauss rule of the tent weight** itself (nodes from its moments), 4 nodes
  per axis to ``MID = 30`` (~6e-12 relative at 20), 3 nodes to ``FAR = 200`` (~3e-10
  at 30), measured against the cubature above with 10 nodes;
- beyond ``FAR``, the **asymptotic** point dipole with its second-order tent correction,
  ``N = -V/(4π) [∂_a∂_b + Σ_c (d_c²/12) ∂_c² ∂_a∂_b] (1/|R|)``, whose error is fourth
  order, ~6e-10 relative at 200 (for cubic cells the correction vanishes).

At scattered (non-lattice) points, as the continuum integrals of the infinite sums need,
:func:`newell_any` uses the exact form point by point below ``POINTS = 8`` and the tent
rule with 6 nodes (216 points) from there to ``NEAR``: it is at round-off (~1e-13) from
8 on, where the exact form already loses ~1e-9 (cubes) to ~1e-8 (flat cells), and ~1e-6
at 20. The lattice near field above keeps the exact form to ``NEAR``, so that periodic
and open kernels share it to the last digit.

Everything here is NumPy float64, computed once per mesh on the host.
"""

import functools

import numpy as np

_PAIRS = ((0, 0), (1, 1), (2, 2), (0, 1), (0, 2), (1, 2))
NEAR = 20.0
POINTS = 8.0
MID = 30.0
FAR = 200.0
_NODES = 3
_CHUNK = 1 << 14


def _asinh_ratio(num, den2):
    """``asinh(num / sqrt(den2))`` where den2 > 0, else 0 (those terms carry a zero factor)."""
    pos = den2 > 0
    return np.where(pos, np.arcsinh(num / np.sqrt(np.where(pos, den2, 1.0))), 0.0)


def _atan_ratio(num, den):
    """``atan(num / den)`` where den != 0, else 0 (those terms carry a zero factor)."""
    nz = den != 0
    return np.where(nz, np.arctan(num / np.where(nz, den, 1.0)), 0.0)


def newell_f(x, y, z):
    """Newell's ``f`` (for the diagonal components), in m⁵."""
    x, y, z = np.abs(x), np.abs(y), np.abs(z)
    x2, y2, z2 = x * x, y * y, z * z
    r = np.sqrt(x2 + y2 + z2)
    out = (2 * x2 - y2 - z2) * r / 6
    out = out + y / 2 * (z2 - x2) * _asinh_ratio(y, x2 + z2)
    out = out + z / 2 * (y2 - x2) * _asinh_ratio(z, x2 + y2)
    out = out - x * y * z * _atan_ratio(y * z, x * r)
    return out


def newell_g(x, y, z):
    """Newell's ``g`` (for the off-diagonal components), in m⁵."""
    z = np.abs(z)
    x2, y2, z2 = x * x, y * y, z * z
    r = np.sqrt(x2 + y2 + z2)
    out = -x * y * r / 3
    out = out + x * y * z * _asinh_ratio(z, x2 + y2)
    out = out + y / 6 * (3 * z2 - y2) * _asinh_ratio(x, y2 + z2)
    out = out + x / 6 * (3 * z2 - x2) * _asinh_ratio(y, x2 + z2)
    out = out - z**3 / 6 * _atan_ratio(x * y, z * r)
    out = out - z * y2 / 2 * _atan_ratio(x * z, y * r)
    out = out - z * x2 / 2 * _atan_ratio(y * z, x * r)
    return out


def _second_difference(F, axis):
    n = F.shape[axis]
    lo = np.take(F, range(0, n - 2), axis=axis)
    mid = np.take(F, range(1, n - 1), axis=axis)
    hi = np.take(F, range(2, n), axis=axis)
    return 2 * mid - lo - hi


def _exact(fun, ix, iy, iz, cell):
    """Exact tensor component on the integer offset grid ``ix × iy × iz`` (1D arrays)."""
    dx, dy, dz = cell
    ex = np.concatenate([[ix[0] - 1], ix, [ix[-1] + 1]]) * dx
    ey = np.concatenate([[iy[0] - 1], iy, [iy[-1] + 1]]) * dy
    ez = np.concatenate([[iz[0] - 1], iz, [iz[-1] + 1]]) * dz
    X, Y, Z = np.meshgrid(ex, ey, ez, indexing="ij")
    F = fun(X, Y, Z)
    for ax in range(3):
        F = _second_difference(F, ax)
    return F / (4 * np.pi * dx * dy * dz)


def newell_exact(offsets, cell):
    """Exact ``(Nxx, Nyy, Nzz, Nxy, Nxz, Nyz)`` on the offset grid ``offsets = (ix, iy, iz)``
    (1D integer arrays of contiguous cell offsets) for cells of size ``cell`` (m)."""
    ix, iy, iz = (np.asarray(o) for o in offsets)

    def perm(fun, order):
        def h(X, Y, Z):
            c = (X, Y, Z)
            return fun(*(c[k] for k in order))

        return h

    return np.stack(
        [
            _exact(newell_f, ix, iy, iz, cell),
            _exact(perm(newell_f, (1, 0, 2)), ix, iy, iz, cell),
            _exact(perm(newell_f, (2, 1, 0)), ix, iy, iz, cell),
            _exact(newell_g, ix, iy, iz, cell),
            _exact(perm(newell_g, (0, 2, 1)), ix, iy, iz, cell),
            _exact(perm(newell_g, (1, 2, 0)), ix, iy, iz, cell),
        ]
    )


def newell_points(R, cell):
    """Exact tensor ``(6, P)`` at arbitrary displacements ``R`` of shape ``(P, 3)`` in m (the
    27-point form of :func:`newell_exact`, point by point). Accurate near; loses digits
    far away like the grid form (see the module docstring)."""
    R = np.asarray(R, dtype=float)
    d = np.asarray(cell, dtype=float)
    funs = (
        (newell_f, (0, 1, 2)),
        (newell_f, (1, 0, 2)),
        (newell_f, (2, 1, 0)),
        (newell_g, (0, 1, 2)),
        (newell_g, (0, 2, 1)),
        (newell_g, (1, 2, 0)),
    )
    out = np.zeros((6, len(R)))
    w1 = {-1: -1.0, 0: 2.0, 1: -1.0}
    for i in (-1, 0, 1):
        for j in (-1, 0, 1):
            for k in (-1, 0, 1):
                X = R + d * np.array([i, j, k], dtype=float)
                w = w1[i] * w1[j] * w1[k]
                for c, (fun, order) in enumerate(funs):
                    out[c] += w * fun(*(X[:, a] for a in order))
    return out / (4 * np.pi * np.prod(d))


def newell_asymptotic(R, cell):
    """Far-field tensor ``(6, ...)`` at displacements ``R`` of shape ``(..., 3)`` in m: the
    point dipole with its second-order tent correction (see the module docstring)."""
    R = np.asarray(R, dtype=float)
    w = np.asarray(cell, dtype=float) ** 2 / 12
    W = np.sum(w)
    r2 = np.sum(R * R, axis=-1)
    S2 = R**2 @ w
    inv5 = r2**-2.5
    inv9 = inv5 / (r2 * r2)
    out = np.empty((6, *R.shape[:-1]))
    for c, (a, b) in enumerate(_PAIRS):
        xx = R[..., a] * R[..., b]
        t = 3 * xx * inv5 + (105 * S2 - 15 * r2 * (W + 2 * w[a] + 2 * w[b])) * xx * inv9
        if a == b:
            t = t - inv5 * r2 + (3 * r2 * (W + 2 * w[a]) - 15 * S2) * r2 * inv9
        out[c] = t
    return out * (-np.prod(cell) / (4 * np.pi))


@functools.lru_cache(maxsize=8)
def tent_gauss_rule(nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """The Gauss rule for the weight ``1 - |s|`` on ``[-1, 1]`` (weights summing to 1):
    Golub–Welsch from the moments ``m_2k = 2 / ((2k + 1)(2k + 2))``."""
    mom = [0.0 if k % 2 else 2.0 / ((k + 1) * (k + 2)) for k in range(2 * nodes + 1)]
    H = np.array([[mom[i + j] for j in range(nodes + 1)] for i in range(nodes + 1)])
    C = np.linalg.cholesky(H).T
    diag = [
        C[j, j + 1] / C[j, j] - (C[j - 1, j] / C[j - 1, j - 1] if j else 0.0) for j in range(nodes)
    ]
    off = [C[j + 1, j + 1] / C[j, j] for j in range(nodes - 1)]
    x, v = np.linalg.eigh(np.diag(diag) + np.diag(off, 1) + np.diag(off, -1))
    return x, v[0] ** 2


def newell_tent_gauss(R, cell, nodes=4):
    """Far-field tensor ``(6, P)`` at displacements ``R`` of shape ``(P, 3)`` in m: the same
    integral as :func:`newell_cubature` by the product Gauss rule of the tent weight itself
    (``nodes`` per axis). With 4 nodes (64 points) it is ~6e-12 relative at ``20 max(d)``,
    with 3 (27 points) ~3e-10 at ``30 max(d)``."""
    x, w = tent_gauss_rule(nodes)
    d = np.asarray(cell, dtype=float)
    grid = np.meshgrid(x, x, x, indexing="ij")
    s = np.stack([g.reshape(-1) for g in grid], axis=1) * d
    wq = np.einsum("i,j,k->ijk", w, w, w).reshape(-1) * (-np.prod(d) / (4 * np.pi))
    out = np.empty((6, len(R)))
    step = max(1, _CHUNK * 216 // len(wq))
    for lo in range(0, len(R), step):
        y = R[lo : lo + step, None, :] + s[None]
        r2 = np.sum(y * y, axis=-1)
        inv2 = 1.0 / r2
        inv3 = inv2 * np.sqrt(inv2)
        inv5 = 3 * inv3 * inv2
        y = [y[..., a] for a in range(3)]
        for c, (a, b) in enumerate(_PAIRS):
            k = y[a] * y[b] * inv5
            out[c, lo : lo + step] = (k - inv3) @ wq if a == b else k @ wq
    return out


def newell_far(R, cell):
    """The tensor ``(6, P)`` at displacements ``R`` (``(P, 3)``, m) with
    ``|R| >= NEAR * max(d)``: :func:`newell_tent_gauss` with 4 nodes below ``MID``, with 3
    below ``FAR``, then :func:`newell_asymptotic` (all ~1e-9 relative or better)."""
    R = np.asarray(R, dtype=float)
    dist = np.sqrt(np.sum(R * R, axis=1)) / max(cell)
    out = np.empty((6, len(R)))
    for sel, fun in (
        (dist < MID, lambda r: newell_tent_gauss(r, cell, 4)),
        ((dist >= MID) & (dist < FAR), lambda r: newell_tent_gauss(r, cell, 3)),
        (dist >= FAR, lambda r: newell_asymptotic(r, cell)),
    ):
        if np.any(sel):
            out[:, sel] = fun(R[sel])
    return out


def newell_any(R, cell):
    """The tensor ``(6, P)`` at arbitrary displacements ``R`` (``(P, 3)``, m): exact
    (:func:`newell_points`) below ``POINTS * max(d)``, :func:`newell_tent_gauss` with 6
    nodes to ``NEAR``, :func:`newell_far` beyond. Round-off (~1e-13 relative) at every
    distance, where the exact form alone would lose ~1e-6 at ``NEAR`` for flat cells."""
    R = np.asarray(R, dtype=float)
    dist = np.sqrt(np.sum(R * R, axis=1)) / max(cell)
    out = np.empty((6, len(R)))
    for sel, fun in (
        (dist < POINTS, lambda r: newell_points(r, cell)),
        ((dist >= POINTS) & (dist < NEAR), lambda r: newell_tent_gauss(r, cell, 6)),
        (dist >= NEAR, lambda r: newell_far(r, cell)),
    ):
        if np.any(sel):
            out[:, sel] = fun(R[sel])
    return out


def _tent_rule(d, nodes=_NODES):
    """Nodes and weights integrating ``(1 - |s|/d)₊`` times a smooth function on [-d, d]."""
    t, w = np.polynomial.legendre.leggauss(nodes)
    s = (t + 1) / 2 * d  # nodes on [0, d]
    ws = w / 2 * d * (1 - s / d)
    return np.concatenate([-s, s]), np.concatenate([ws, ws])


def newell_cubature(R, cell, nodes=_NODES):
    """Far-field tensor ``(6, P)`` at displacements ``R`` of shape ``(P, 3)`` in m."""
    rules = [_tent_rule(d, nodes) for d in cell]
    sx, sy, sz = np.meshgrid(*(r[0] for r in rules), indexing="ij")
    wq = np.einsum("i,j,k->ijk", *(r[1] for r in rules)).reshape(-1)
    s = np.stack([sx.reshape(-1), sy.reshape(-1), sz.reshape(-1)], axis=1)
    out = np.empty((6, len(R)))
    pairs = ((0, 0), (1, 1), (2, 2), (0, 1), (0, 2), (1, 2))
    for lo in range(0, len(R), _CHUNK):
        y = R[lo : lo + _CHUNK, None, :] + s[None]
        r2 = np.sum(y * y, axis=-1)
        inv5 = r2**-2.5
        for c, (a, b) in enumerate(pairs):
            k = (3 * y[..., a] * y[..., b] - (r2 if a == b else 0.0)) * inv5
            out[c, lo : lo + _CHUNK] = -(k @ wq) / (4 * np.pi)
    return out


def newell_octant(n, cell, near=NEAR):
    """The tensor ``(6, nx, ny, nz)`` for offsets ``0 <= i < nx`` etc., exact near and
    by cubature far (see the module docstring). Other octants follow by symmetry:
    diagonal components are even in each offset, ``Nxy`` odd in x and y, and so on."""
    cell = tuple(float(d) for d in cell)
    dmax = max(cell)
    nr = [min(k, int(np.ceil(near * dmax / d)) + 1) for k, d in zip(n, cell, strict=True)]
    out = np.zeros((6, *n))
    out[:, : nr[0], : nr[1], : nr[2]] = newell_exact([np.arange(k) for k in nr], cell)
    grid = np.meshgrid(*(np.arange(k) * d for k, d in zip(n, cell, strict=True)), indexing="ij")
    R = np.stack([g.reshape(-1) for g in grid], axis=1)
    far = np.sqrt(np.sum(R * R, axis=1)) >= near * dmax
    if np.any(far):
        flat = out.reshape(6, -1)
        flat[:, far] = newell_cubature(R[far], cell)
        out = flat.reshape(6, *n)
    return out
