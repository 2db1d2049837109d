"""mumax3's custom quantities (``Const``, ``ConstVector``, ``Add``, ``Mul``, ``Div``, ``Dot``,
``Cross``, ``Shifted``, ``Masked``, ``CustomQuantity`` of a mask), and the custom field and
energy-density terms built from them (``AddFieldTerm``, ``AddEdensTerm``): expressions
evaluated per cell with jax.numpy, so a custom term is traced into the solve like any
other jaxmag energy term."""

from collections.abc import Callable
from typing import ClassVar

import equinox as eqx
import jax.numpy as jnp
import numpy as np

from jaxmag.constants import MU0
from jaxmag.energy import AbstractEnergy
from jaxmag.mx3._ctx import Ctx
from jaxmag.mx3._params import Param
from jaxmag.mx3._values import Mx3TypeError, as_float, as_int, as_vector


class Custom:
    """A custom quantity: ``ev(ctx)`` gives ``(ncomp, nx, ny, nz)``."""

    mx3_type = "Quantity"

    def __init__(self, ncomp, ev, name="custom"):
        self.ncomp, self.ev, self.name = ncomp, ev, name


def leaf(q, world) -> Custom:
    """A script value as a custom quantity: a Custom, m, M_full, a parameter, a number."""
    from jaxmag.mx3._quantities import Bound

    if isinstance(q, Custom):
        return q
    if isinstance(q, Bound) and q.q.name == "m" and q.comp_ is None and q.region_ is None:
        return Custom(3, lambda c: c.m, "m")
    if isinstance(q, Bound) and q.q.name == "M_full":
        return Custom(3, lambda c: c.Ms[None] * c.m, "M_full")
    if isinstance(q, Param):
        regions = world.regions
        return Custom(q.ncomp, lambda c: jnp.asarray(q.per_cell(regions, c.t), dtype=float)
                      .reshape(q.ncomp, *regions.shape), q.name)  # fmt: skip
    if isinstance(q, int | float):
        v = float(q)
        return Custom(1, lambda c: jnp.full((1, *c.Ms.shape), v), "const")
    raise Mx3TypeError(
        f"{getattr(q, 'name', q)}: a custom quantity can be built from m, M_full, "
        "parameters, constants, masks and other custom quantities"
    )


def const(v):
    v = as_float(v, "Const")
    return Custom(1, lambda c: jnp.full((1, *c.Ms.shape), v), "const")


def const_vector(x, y, z):
    v = jnp.asarray(as_vector((x, y, z)), dtype=float).reshape(3, 1, 1, 1)
    return Custom(3, lambda c: jnp.broadcast_to(v, (3, *c.Ms.shape)), "constvector")


def _pair(a, b, world):
    return leaf(a, world), leaf(b, world)


def add(a, b, world):
    a, b = _pair(a, b, world)
    if a.ncomp != b.ncomp:
        raise Mx3TypeError(f"Add: {a.ncomp} and {b.ncomp} components")
    return Custom(a.ncomp, lambda c: a.ev(c) + b.ev(c))


def mul(a, b, world):
    a, b = _pair(a, b, world)
    if a.ncomp != b.ncomp and 1 not in (a.ncomp, b.ncomp):
        raise Mx3TypeError(f"Mul: {a.ncomp} and {b.ncomp} components")
    return Custom(max(a.ncomp, b.ncomp), lambda c: a.ev(c) * b.ev(c))


def div(a, b, world):
    a, b = _pair(a, b, world)
    if a.ncomp != b.ncomp and b.ncomp != 1:
        raise Mx3TypeError(f"Div: {a.ncomp} and {b.ncomp} components")
    return Custom(a.ncomp, lambda c: a.ev(c) / b.ev(c))


def dot(a, b, world):
    a, b = _pair(a, b, world)
    if a.ncomp != 3 or b.ncomp != 3:
        raise Mx3TypeError("Dot: needs two vector quantities")
    return Custom(1, lambda c: jnp.sum(a.ev(c) * b.ev(c), axis=0, keepdims=True))


def cross(a, b, world):
    a, b = _pair(a, b, world)
    if a.ncomp != 3 or b.ncomp != 3:
        raise Mx3TypeError("Cross: needs two vector quantities")
    return Custom(3, lambda c: jnp.cross(a.ev(c), b.ev(c), axis=0))


def shifted(q, dx, dy, dz, world):
    """``dst[i] = src[i - d]``, zero where ``i - d`` is outside the mesh (mumax3's Shift)."""
    q = leaf(q, world)
    d = (as_int(dx), as_int(dy), as_int(dz))

    def ev(c):
        v = q.ev(c)
        for ax, s in enumerate(d):
            if s == 0:
                continue
            n = v.shape[ax + 1]
            pad = [(0, 0)] * 4
            if abs(s) >= n:
                v = jnp.zeros_like(v)
                continue
            if s > 0:
                pad[ax + 1] = (s, 0)
                v = jnp.pad(jnp.take(v, jnp.arange(n - s), axis=ax + 1), pad)
            else:
                pad[ax + 1] = (0, -s)
                v = jnp.pad(jnp.take(v, jnp.arange(-s, n), axis=ax + 1), pad)
        return v

    return Custom(q.ncomp, ev)


def masked(q, mask, world):
    q = leaf(q, world)
    m = jnp.asarray(mask, dtype=float)[None]
    return Custom(q.ncomp, lambda c: q.ev(c) * m)


class Mask:
    """``NewScalarMask``/``NewVectorMask``: a per-cell array a script fills cell by cell."""

    mx3_type = "Mask"

    def __init__(self, ncomp, n):
        self.ncomp = ncomp
        self.values = np.zeros((ncomp, *n))

    def setscalar(self, i, j, k, v):
        self.values[0, as_int(i), as_int(j), as_int(k)] = as_float(v)

    def setvector(self, i, j, k, v):
        self.values[:, as_int(i), as_int(j), as_int(k)] = np.asarray(as_vector(v))

    def custom(self) -> Custom:
        v = jnp.asarray(self.values.copy())
        return Custom(self.ncomp, lambda c: v, "mask")


MASK_METHODS = ("setscalar", "setvector")


class CustomTerm(AbstractEnergy):
    """The custom field (``AddFieldTerm``, in T) and energy density (``AddEdensTerm``, in
    J/m³) terms of a script, as a jaxmag energy term: ``field = Σ B / μ0`` (A/m) and
    ``energy = V Σ_cells Σ edens``. The field is what the script says; mumax3 does not
    require it to be the gradient of the energy, and neither does this term."""

    Ms: jnp.ndarray
    cell_volume: float
    fields: tuple[Callable, ...] = eqx.field(static=True)
    edens: tuple[Callable, ...] = eqx.field(static=True)
    name: ClassVar[str] = "custom"

    def _ctx(self, m, t):
        return Ctx(m, jnp.asarray(t, dtype=float), self.Ms)

    def field(self, m, t=0.0):
        c = self._ctx(m, t)
        B = sum((f(c) for f in self.fields), jnp.zeros_like(m))
        return jnp.where(self.Ms > 0, B / MU0, 0.0)

    def energy(self, m, t=0.0):
        c = self._ctx(m, t)
        e = sum((jnp.sum(f(c)) for f in self.edens), jnp.zeros((), m.dtype))
        return self.cell_volume * e


class MaskedField(AbstractEnergy):
    """A term whose field is zeroed where ``keep`` is False (mumax3's ``NoDemagSpins``:
    those cells neither source nor feel the demag field; the source side is set by the
    wrapped term's own ``Ms``)."""

    term: AbstractEnergy
    keep: jnp.ndarray
    name: ClassVar[str] = "demag"

    def field(self, m, t=0.0):
        return jnp.where(self.keep, self.term.field(m, t), 0.0)

    def energy(self, m, t=0.0):
        return self.term.energy(m, t)
