"""mumax3's magnetisation configurations (``Uniform``, ``Vortex``, ...): functions of the
cell-centre coordinates in m (from the centre of the mesh) giving a vector per cell, with
mumax3's formulas and its methods ``Add``, ``Transl``, ``Scale``, ``RotZ``."""

import math

import numpy as np

from jaxmag.mx3._values import Vector, as_float, as_int, as_vector


class Config:
    """``fn(x, y, z) -> (3, ...)`` on arrays of coordinates in m."""

    mx3_type = "Config"

    def __init__(self, fn):
        self.fn = fn

    def __call__(self, x, y, z):
        v = self.fn(x, y, z)
        return np.stack([np.broadcast_to(np.asarray(c, dtype=float), x.shape) for c in v])

    def add(self, weight, other):
        w = as_float(weight)
        return Config(lambda x, y, z: self(x, y, z) + w * other(x, y, z))

    def transl(self, dx, dy, dz):
        d = [as_float(v) for v in (dx, dy, dz)]
        return Config(lambda x, y, z: self(x - d[0], y - d[1], z - d[2]))

    def scale(self, sx, sy, sz):
        s = [as_float(v) for v in (sx, sy, sz)]
        return Config(lambda x, y, z: self(x / s[0], y / s[1], z / s[2]))

    def rotz(self, th):
        c, s = math.cos(as_float(th)), math.sin(as_float(th))

        def fn(x, y, z):
            v = self(x * c + y * s, -x * s + y * c, z)
            return np.stack([c * v[0] - s * v[1], s * v[0] + c * v[1], v[2]])

        return Config(fn)


CONFIG_METHODS = ("add", "transl", "scale", "rotz")


def _no_nan(v, pol):
    """Where the formula divides by r = 0, mumax3 puts (0, 0, pol)."""
    v = np.stack(v)
    bad = ~np.all(np.isfinite(v), axis=0)
    return np.where(bad, np.array([0.0, 0.0, float(pol)]).reshape(3, *([1] * (v.ndim - 1))), v)


def uniform(mx, my, mz):
    v = as_vector((mx, my, mz))
    return Config(lambda x, y, z: (v[0], v[1], v[2]))


def _vortex(circ, pol, cell, sx):
    """mumax3's vortex (``sx = 1``) and antivortex (``sx = -1``): in-plane curl with a
    Gaussian core ``1.5 pol exp(-r² / 2dx²)``."""
    circ, pol = as_int(circ, "circ"), as_int(pol, "pol")
    diam2 = 2 * cell[0] ** 2

    def fn(x, y, z):
        r2 = x * x + y * y
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.sqrt(r2)
            v = (-(y if sx > 0 else x) * circ / r, (x if sx > 0 else y) * circ / r,
                 1.5 * pol * np.exp(-r2 / diam2))  # fmt: skip
        return _no_nan(v, pol)

    return Config(fn)


def vortex(circ, pol, cell):
    return _vortex(circ, pol, cell, 1)


def antivortex(circ, pol, cell):
    return _vortex(circ, pol, cell, -1)


def _skyrmion(charge, pol, cell, bloch: bool):
    charge, pol = as_int(charge, "charge"), as_int(pol, "pol")
    w2 = (8 * cell[0]) ** 2

    def fn(x, y, z):
        r2 = x * x + y * y
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.sqrt(r2)
            mz = 2 * pol * (np.exp(-r2 / w2) - 0.5)
            mx = (x * charge / r) * (1 - np.abs(mz))
            my = (y * charge / r) * (1 - np.abs(mz))
        v = (-my, mx, mz) if bloch else (mx, my, mz)
        return _no_nan(v, pol)

    return Config(fn)


def blochskyrmion(charge, pol, cell):
    return _skyrmion(charge, pol, cell, bloch=True)


def neelskyrmion(charge, pol, cell):
    return _skyrmion(charge, pol, cell, bloch=False)


def twodomain(mx1, my1, mz1, mxw, myw, mzw, mx2, my2, mz2, cell):
    m1 = as_vector((mx1, my1, mz1))
    mw = as_vector((mxw, myw, mzw))
    m2 = as_vector((mx2, my2, mz2))
    ww = 2 * cell[0]

    def fn(x, y, z):
        g = np.exp(-((x / ww) ** 2))
        return tuple((1 - g) * np.where(x < 0, m1[k], m2[k]) + g * mw[k] for k in range(3))

    return Config(fn)


def conical(q, cone_direction, cone_angle):
    """``m = cos θ u + sin θ (cos(k·r) v + sin(k·r) w)`` about the cone axis ``u``."""
    q, u = as_vector(q), as_vector(cone_direction)
    th = as_float(cone_angle)
    u = np.asarray(u) / np.linalg.norm(u)
    # two unit vectors perpendicular to u
    a = np.array([1.0, 0, 0]) if abs(u[0]) < 0.9 else np.array([0, 1.0, 0])
    v = np.cross(u, a)
    v /= np.linalg.norm(v)
    w = np.cross(u, v)

    def fn(x, y, z):
        phase = q[0] * x + q[1] * y + q[2] * z
        return tuple(
            np.cos(th) * u[k] + np.sin(th) * (np.cos(phase) * v[k] + np.sin(phase) * w[k])
            for k in range(3)
        )

    return Config(fn)


def helical(q):
    q = as_vector(q)
    return conical(q, Vector(*q), math.pi / 2)


def randommag_seed(seed):
    rng = np.random.default_rng(as_int(seed, "seed"))

    def fn(x, y, z):
        v = rng.normal(size=(3, *x.shape))
        return tuple(v)

    return Config(fn)
