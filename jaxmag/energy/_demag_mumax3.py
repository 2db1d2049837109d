"""mumax3's demagnetisation kernel, for reproducing mumax3's own numbers.

jaxmag's :class:`~jaxmag.Demag` uses the exact Newell tensor. mumax3 (``mag/demagkernel.go``,
``CalcDemagKernel``) instead integrates numerically: the source cell's magnetic charges
sit on its two faces normal to the source component, as a staggered grid of point
charges, and their field is averaged over a grid of points in the destination cell; both
grids get finer with proximity (``accuracy``, mumax3's ``DemagAccuracy``, default 6).
Near cells carry that quadrature's error, ~1e-3 relative on thin cells: for example the
``B_demag`` of a uniform 500 × 125 × 3 nm film cell grid differs from the exact tensor by
1.2e-3, and mumax3's regression scripts check their own values to 1e-4. This module
reproduces that quadrature (in float64; mumax3 stores float32) so that scripts written
against mumax3's numbers can be checked; it is not more accurate than the Newell tensor.

The displacement ranges follow mumax3: ``|d| <= n - 1`` along open axes, and every source
within ``P n - 1`` cells along a periodic axis, accumulated on the wrapped offsets.
"""

import itertools
import math

import numpy as np

ACCURACY: float = 6.0
"""mumax3's default ``DemagAccuracy``."""


def _delta(d):
    """Closest distance in cells between two cells ``d`` apart (0 if they touch)."""
    a = np.abs(d)
    return np.where(a > 0, a - 1, 0).astype(float)


def _counts(D, cell, s, accuracy):
    """mumax3's integration points ``(nv, nw, nx, ny, nz)`` per displacement ``D``."""
    c = np.asarray(cell)
    L = c.min()
    dd = np.sqrt(np.sum((_delta(D) * c) ** 2, axis=1))
    dd = np.where(dd == 0, L, dd)
    max_size = dd / accuracy
    v, w = (s + 1) % 3, (s + 2) % 3

    def n(a):
        return (np.maximum(c[a] / max_size, 1) + 0.5).astype(int)

    return np.stack([2 * n(v), 2 * n(w), n(0), n(1), n(2)], axis=1)


def _field(R, cell, s, counts):
    """The field ``(G, 3)`` at displacements ``R`` (``(G, 3)``, m) of unit source
    component `s`, with one set of ``counts``."""
    c = np.asarray(cell)
    nv, nw, nx, ny, nz = (int(k) for k in counts)
    u, v, w = s, (s + 1) % 3, (s + 2) % 3
    pv = -c[v] / 2 + c[v] / (2 * nv) + np.arange(nv) * c[v] / nv
    pw = -c[w] / 2 + c[w] / (2 * nw) + np.arange(nw) * c[w] / nw
    src = np.zeros((nv * nw, 3))
    src[:, v] = np.repeat(pv, nw)
    src[:, w] = np.tile(pw, nv)
    grids = [
        -c[a] / 2 + c[a] / (2 * k) + np.arange(k) * c[a] / k for a, k in enumerate((nx, ny, nz))
    ]
    dst = np.stack([g.reshape(-1) for g in np.meshgrid(*grids, indexing="ij")], axis=1)
    charge = c[v] * c[w] / (nv * nw * nx * ny * nz)
    out = np.zeros((len(R), 3))
    chunk = max(1, 2_000_000 // (len(src) * len(dst)))
    for i in range(0, len(R), chunk):
        r0 = R[i : i + chunk, None, None, :] + dst[None, :, None, :] - src[None, None, :, :]
        B = np.zeros(r0.shape[:3] + (3,))
        for sign in (1.0, -1.0):
            r = r0.copy()
            r[..., u] -= sign * c[u] / 2
            n3 = np.sum(r * r, axis=-1) ** 1.5
            B += sign * charge * r / (4 * np.pi * n3[..., None])
        out[i : i + chunk] = B.sum(axis=(1, 2))
    return out


def mumax3_octant(n, cell, pbc, accuracy: float = ACCURACY) -> np.ndarray:
    """The tensor ``N`` (``(6, *octant)``: xx, yy, zz, xy, xz, yz; ``H = -N ⋆ M``) on the
    non-negative offsets, by mumax3's quadrature. `pbc`: per axis 0 or a number of
    images ``P`` (mumax3's convention; see :class:`~jaxmag.Mesh`'s ``pbc_images``)."""
    n = tuple(int(k) for k in n)
    shape = tuple(k // 2 + 1 if p else k for k, p in zip(n, pbc, strict=True))
    if any(p == math.inf for p in pbc):
        raise ValueError("mumax3's kernel has no infinite image sum (pbc = math.inf)")
    # every displacement, with the octant offset it adds to
    per_axis = []
    for k, p, m in zip(n, pbc, shape, strict=True):
        q = np.arange(m)
        if p:
            ds = np.arange(-(p * k - 1), p * k)
            wrapped = np.mod(ds, k)
            off = np.where(wrapped <= k // 2, wrapped, k - wrapped)
            keep = wrapped <= k // 2  # one sign of the offset; the other by parity
            per_axis.append((ds[keep], off[keep]))
        else:
            per_axis.append((q, q))
    D = np.array(list(itertools.product(*(a[0] for a in per_axis))), dtype=np.int64)
    O = np.array(list(itertools.product(*(a[1] for a in per_axis))), dtype=np.int64)
    R = D * np.asarray(cell)
    K = np.zeros((3, 3, len(D)))
    for s in range(3):
        cnt = _counts(D, cell, s, accuracy)
        keys, inv = np.unique(cnt, axis=0, return_inverse=True)
        for g, key in enumerate(keys):
            idx = np.nonzero(inv.reshape(-1) == g)[0]
            K[s, :, idx] = _field(R[idx], cell, s, key)
    comps = [(0, 0), (1, 1), (2, 2), (0, 1), (0, 2), (1, 2)]
    out = np.zeros((6, *shape))
    flat = np.ravel_multi_index(O.T, shape)
    for j, (a, b) in enumerate(comps):
        acc = np.zeros(math.prod(shape))
        np.add.at(acc, flat, -K[a, b])  # mumax3's kernel is -N (the field of M = 1)
        out[j] = acc.reshape(shape)
    return out
