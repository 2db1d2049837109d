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

Everything here is NumPy float64, computed once per mesh on the host.
"""

import numpy as np

NEAR = 20.0
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
