"""mumax3's shapes: functions of the cell-centre coordinates (m, from the centre of the
mesh) that say which cells are inside, with mumax3's constructors and methods."""

import math

import numpy as np

from jaxmag.mx3._values import as_float, as_int


class Shape:
    """A shape: ``inside(x, y, z, idx)`` on arrays of coordinates (m) and integer cell
    indices ``idx = (ix, iy, iz)`` (for the index-based shapes ``Cell`` and ``Layers``)."""

    mx3_type = "Shape"

    def __init__(self, fn):
        self.fn = fn

    def inside(self, x, y, z, idx):
        return np.broadcast_to(np.asarray(self.fn(x, y, z, idx), dtype=bool), x.shape)

    # methods (mumax3's names, lower case)
    def add(self, other):
        return Shape(lambda x, y, z, i: self.inside(x, y, z, i) | other.inside(x, y, z, i))

    def sub(self, other):
        return Shape(lambda x, y, z, i: self.inside(x, y, z, i) & ~other.inside(x, y, z, i))

    def intersect(self, other):
        return Shape(lambda x, y, z, i: self.inside(x, y, z, i) & other.inside(x, y, z, i))

    def xor(self, other):
        return Shape(lambda x, y, z, i: self.inside(x, y, z, i) ^ other.inside(x, y, z, i))

    def inverse(self):
        return Shape(lambda x, y, z, i: ~self.inside(x, y, z, i))

    def transl(self, dx, dy, dz):
        dx, dy, dz = as_float(dx), as_float(dy), as_float(dz)
        return Shape(lambda x, y, z, i: self.inside(x - dx, y - dy, z - dz, i))

    def scale(self, sx, sy, sz):
        sx, sy, sz = as_float(sx), as_float(sy), as_float(sz)
        return Shape(lambda x, y, z, i: self.inside(x / sx, y / sy, z / sz, i))

    def rotz(self, th):
        c, s = math.cos(as_float(th)), math.sin(as_float(th))
        return Shape(lambda x, y, z, i: self.inside(x * c + y * s, -x * s + y * c, z, i))

    def roty(self, th):
        c, s = math.cos(as_float(th)), math.sin(as_float(th))
        return Shape(lambda x, y, z, i: self.inside(x * c - z * s, y, x * s + z * c, i))

    def rotx(self, th):
        c, s = math.cos(as_float(th)), math.sin(as_float(th))
        return Shape(lambda x, y, z, i: self.inside(x, y * c + z * s, -y * s + z * c, i))

    def repeat(self, px, py, pz):
        p = [as_float(px), as_float(py), as_float(pz)]

        def wrap(v, period):
            if period == 0 or math.isinf(period):
                return v
            return np.mod(v + period / 2, period) - period / 2

        return Shape(lambda x, y, z, i: self.inside(wrap(x, p[0]), wrap(y, p[1]), wrap(z, p[2]), i))


def _half_open(v, lo, hi):
    return (v >= lo) & (v < hi)


def cuboid(sx, sy, sz):
    h = [as_float(s) / 2 for s in (sx, sy, sz)]
    return Shape(lambda x, y, z, i: (x > -h[0]) & (x < h[0]) & (y > -h[1]) & (y < h[1])
                 & (z > -h[2]) & (z < h[2]))  # fmt: skip


def rect(sx, sy):
    return cuboid(sx, sy, math.inf)


def square(s):
    return rect(s, s)


def ellipsoid(dx, dy, dz):
    r = [as_float(d) / 2 for d in (dx, dy, dz)]
    return Shape(lambda x, y, z, i: (x / r[0]) ** 2 + (y / r[1]) ** 2 + (z / r[2]) ** 2 <= 1)


def ellipse(dx, dy):
    return ellipsoid(dx, dy, math.inf)


def circle(d):
    return cylinder(d, math.inf)


def cylinder(d, h):
    r2, hh = (as_float(d) / 2) ** 2, as_float(h) / 2
    return Shape(lambda x, y, z, i: (x * x + y * y <= r2) & (z >= -hh) & (z <= hh))


def cone(d, h):
    r, hh = as_float(d) / 2, as_float(h)
    return Shape(lambda x, y, z, i: (z >= 0) & (z <= hh)
                 & (np.sqrt(x * x + y * y) <= r * (1 - z / hh)))  # fmt: skip


def xrange(a, b):
    a, b = as_float(a), as_float(b)
    return Shape(lambda x, y, z, i: _half_open(x, a, b))


def yrange(a, b):
    a, b = as_float(a), as_float(b)
    return Shape(lambda x, y, z, i: _half_open(y, a, b))


def zrange(a, b):
    a, b = as_float(a), as_float(b)
    return Shape(lambda x, y, z, i: _half_open(z, a, b))


def layers(a, b):
    a, b = as_int(a), as_int(b)
    return Shape(lambda x, y, z, i: (i[2] >= a) & (i[2] < b))


def layer(k):
    k = as_int(k)
    return layers(k, k + 1)


def cell(ix, iy, iz):
    c = (as_int(ix), as_int(iy), as_int(iz))
    return Shape(lambda x, y, z, i: (i[0] == c[0]) & (i[1] == c[1]) & (i[2] == c[2]))


def universe():
    return Shape(lambda x, y, z, i: np.ones_like(x, dtype=bool))


def image_shape(path, n):
    """Black (dark) pixels of an image are inside, stretched over the mesh in x and y;
    the image's top row is the largest y."""
    from PIL import Image

    img = np.asarray(Image.open(path).convert("L"), dtype=float)
    ny_img, nx_img = img.shape
    dark = img[::-1, :].T < 128  # (x, y), y upwards

    def fn(x, y, z, i):
        ix = np.minimum((i[0] * nx_img) // n[0], nx_img - 1)
        iy = np.minimum((i[1] * ny_img) // n[1], ny_img - 1)
        return dark[ix, iy]

    return Shape(fn)


SHAPES = {
    "cuboid": (cuboid, 3),
    "rect": (rect, 2),
    "square": (square, 1),
    "ellipsoid": (ellipsoid, 3),
    "ellipse": (ellipse, 2),
    "circle": (circle, 1),
    "cylinder": (cylinder, 2),
    "cone": (cone, 2),
    "xrange": (xrange, 2),
    "yrange": (yrange, 2),
    "zrange": (zrange, 2),
    "layers": (layers, 2),
    "layer": (layer, 1),
    "cell": (cell, 3),
    "universe": (universe, 0),
}
SHAPE_METHODS = ("add", "sub", "intersect", "xor", "inverse", "transl", "scale", "rotx", "roty",
                 "rotz", "repeat")  # fmt: skip
