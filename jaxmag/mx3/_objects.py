"""The script-side objects with methods: ``m`` and ``regions`` (quantities that can be set),
slices (``NewSlice``), loaded files and durations."""

import numpy as np

from jaxmag.io import ovf
from jaxmag.mx3 import _configs
from jaxmag.mx3._quantities import Bound
from jaxmag.mx3._shapes import Shape
from jaxmag.mx3._values import Mx3TypeError, Vector, as_float, as_int, as_str, as_vector


def shape_arg(s) -> Shape:
    if not isinstance(s, Shape):
        raise Mx3TypeError(f"expected a shape, got {getattr(s, 'mx3_type', type(s).__name__)}")
    return s


class Slice:
    """``NewSlice(ncomp, nx, ny, nz)``: an array a script fills with ``Set`` and reads
    with ``Get`` (component first), usable as a space-dependent term (``B_ext.Add``)."""

    mx3_type = "Slice"

    def __init__(self, ncomp, nx, ny, nz):
        self.values = np.zeros((as_int(ncomp), as_int(nx), as_int(ny), as_int(nz)))

    def set(self, c, ix, iy, iz, v):
        self.values[as_int(c), as_int(ix), as_int(iy), as_int(iz)] = as_float(v)

    def get(self, c, ix, iy, iz):
        return float(self.values[as_int(c), as_int(ix), as_int(iy), as_int(iz)])

    def mx3_str(self):
        return f"Slice{list(self.values.shape)}"


SLICE_METHODS = ("set", "get")


class LoadedField:
    mx3_type = "Slice"

    def __init__(self, f):
        self.values = np.asarray(f.values, dtype=float)


class Magnetisation(Bound):
    """``m``: the quantity, plus what sets it."""

    def __init__(self, q, world, interp):
        super().__init__(q, world)
        self.interp = interp

    def _values(self, cfg):
        if isinstance(cfg, _configs.Config):
            return self.world.config_field(cfg)
        if isinstance(cfg, LoadedField):
            return cfg.values
        if isinstance(cfg, Vector):
            return np.asarray(cfg)
        raise Mx3TypeError(f"expected a magnetisation configuration, got "
                           f"{getattr(cfg, 'mx3_type', type(cfg).__name__)}")  # fmt: skip

    def set(self, cfg):
        self.world.set_m(self._values(cfg))

    def setregion(self, r, cfg):
        self.world.set_m(self._values(cfg), where=self.world.regions == as_int(r, "region"))

    def setinshape(self, s, cfg):
        self.world.set_m(self._values(cfg), where=self.world.mask_of(shape_arg(s)))

    def setcell(self, ix, iy, iz, v):
        i = (as_int(ix), as_int(iy), as_int(iz))
        full = self.world.m.copy()
        full[(slice(None), *i)] = np.asarray(as_vector(v))
        self.world.set_m(full)

    def loadfile(self, p):
        f = ovf.read(self.interp.path(as_str(p)))
        v = np.asarray(f.values, dtype=float)
        if v.shape != (3, *self.world.n):
            raise Mx3TypeError(
                f"m.LoadFile: {p} holds {v.shape[1:]} cells, the mesh {self.world.n}"
            )
        self.world.set_m(v)

    def setarray(self, arr):
        """``m.SetArray(slice)``: a vector mask (``NewVectorMask``) or a loaded field."""
        v = np.asarray(getattr(arr, "values", arr), dtype=float)
        if v.shape != (3, *self.world.n):
            raise Mx3TypeError(f"m.SetArray: an array of shape {v.shape}, the mesh needs "
                               f"{(3, *self.world.n)}")  # fmt: skip
        self.world.set_m(v)


MAGNETISATION_METHODS = ("setregion", "setinshape", "setcell", "loadfile", "setarray")


class Regions(Bound):
    """``regions``: the region map (a quantity), with ``SetCell``, ``GetCell`` and
    ``LoadFile``."""

    def __init__(self, q, world, interp):
        super().__init__(q, world)
        self.interp = interp

    def setcell(self, ix, iy, iz, r):
        self.world.need_mesh("regions.SetCell")
        r = as_int(r, "region")
        if not 0 <= r < 256:
            raise Mx3TypeError(f"regions.SetCell: region must be in [0, 256), got {r}")
        self.world.regions[as_int(ix), as_int(iy), as_int(iz)] = r
        self.world.mesh_version += 1

    def loadfile(self, p):
        f = ovf.read(self.interp.path(as_str(p)))
        v = np.asarray(f.values, dtype=float)
        if v.shape != (1, *self.world.n):
            raise Mx3TypeError(f"regions.LoadFile: {p} holds {v.shape}, the mesh {self.world.n}")
        self.world.regions = np.rint(v[0]).astype(np.int32)
        self.world.mesh_version += 1


REGIONS_METHODS = ("setcell", "loadfile")


class Duration(float):
    """``since(t0)``: seconds, with Go's ``MilliSeconds()``."""

    mx3_type = "Duration"

    def milliseconds(self):
        return float(int(self * 1000))
