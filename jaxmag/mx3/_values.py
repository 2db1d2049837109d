"""Values of the mumax3 language: numbers, strings, booleans and 3-vectors, and Go's way
of printing them."""

import math

import jax
import numpy as np


class Mx3TypeError(TypeError):
    """A value of the wrong type for an argument or operator (reported with its line)."""


def _num(v):
    """A float, or a traced scalar as it is (a time-dependent expression in the solve)."""
    return v if isinstance(v, jax.core.Tracer) else float(v)


class Vector(tuple):
    """mumax3's ``data.Vector``: three float64 components, with its methods."""

    def __new__(cls, x, y=None, z=None):
        if y is None:
            x, y, z = x
        return super().__new__(cls, (_num(x), _num(y), _num(z)))

    def x(self):
        return self[0]

    def y(self):
        return self[1]

    def z(self):
        return self[2]

    def len(self):
        return math.sqrt(sum(c * c for c in self))

    def add(self, other):
        return Vector(*(a + b for a, b in zip(self, as_vector(other), strict=True)))

    def sub(self, other):
        return Vector(*(a - b for a, b in zip(self, as_vector(other), strict=True)))

    def mul(self, s):
        return Vector(*(a * as_float(s) for a in self))

    def div(self, s):
        return Vector(*(a / as_float(s) for a in self))

    def dot(self, other):
        return sum(a * b for a, b in zip(self, as_vector(other), strict=True))

    def cross(self, other):
        a, b = self, as_vector(other)
        return Vector(
            a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]
        )

    def madd(self, s, other):
        return self.add(as_vector(other).mul(s))

    def abs(self):
        return Vector(*(abs(a) for a in self))


VECTOR_METHODS = ("x", "y", "z", "len", "add", "sub", "mul", "div", "dot", "cross", "madd", "abs")


def as_float(v, what: str = "value") -> float:
    """A number (or a one-number quantity) as float, else :class:`Mx3TypeError`."""
    if isinstance(v, bool):
        raise Mx3TypeError(f"{what}: expected a number, got a bool")
    if isinstance(v, int | float | np.floating | np.integer):
        return float(v)
    if hasattr(v, "scalar_value"):
        return v.scalar_value()
    if hasattr(v, "shape") and getattr(v, "shape", None) == ():
        return v  # a traced scalar (time-dependent expressions)
    raise Mx3TypeError(f"{what}: expected a number, got {type_name(v)}")


def as_int(v, what: str = "value") -> int:
    f = as_float(v, what)
    if not float(f).is_integer():
        raise Mx3TypeError(f"{what}: expected an integer, got {go_format(f)}")
    return int(f)


def as_vector(v, what: str = "value") -> Vector:
    if isinstance(v, Vector):
        return v
    if hasattr(v, "vector_value"):
        return v.vector_value()
    if isinstance(v, tuple | list) and len(v) == 3:
        return Vector(*v)
    raise Mx3TypeError(f"{what}: expected a vector, got {type_name(v)}")


def as_bool(v, what: str = "condition") -> bool:
    if isinstance(v, bool | np.bool_):
        return bool(v)
    raise Mx3TypeError(f"{what}: expected a bool, got {type_name(v)}")


def as_str(v, what: str = "value") -> str:
    if isinstance(v, str):
        return v
    raise Mx3TypeError(f"{what}: expected a string, got {type_name(v)}")


def type_name(v) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int | float):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, Vector):
        return "vector"
    return getattr(v, "mx3_type", type(v).__name__)


def go_format(v) -> str:
    """``v`` as Go's ``fmt.Print`` writes it (``%v``): floats in the shortest form that
    round-trips, with an exponent below 1e-4 or from 1e21 (``1e-09``, ``800000``)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float | np.floating):
        f = float(v)
        if math.isnan(f):
            return "NaN"
        if math.isinf(f):
            return "+Inf" if f > 0 else "-Inf"
        if f == 0:
            return "0"
        exp = math.floor(math.log10(abs(f)))
        if exp < -4 or exp >= 21:
            # shortest mantissa that round-trips
            for digits in range(1, 18):
                s = f"{f:.{digits - 1}e}"
                if float(s) == f:
                    break
            mant, e = s.split("e")
            ei = int(e)
            return f"{mant}e{'-' if ei < 0 else '+'}{abs(ei):02d}"
        r = repr(f)
        return r[:-2] if r.endswith(".0") else r
    if isinstance(v, Vector):
        return "(" + ",".join(go_format(c) for c in v) + ")"
    if hasattr(v, "mx3_str"):
        return v.mx3_str()
    return str(v)


def sprintf(fmt: str, *args) -> str:
    """Go's ``fmt.Sprintf`` for the verbs scripts use: ``%v %g %e %f %d %s %x`` with
    widths and precisions, and ``%%``."""
    out, i, k = [], 0, 0
    while i < len(fmt):
        c = fmt[i]
        if c != "%":
            out.append(c)
            i += 1
            continue
        j = i + 1
        while j < len(fmt) and fmt[j] in "+-# 0123456789.":
            j += 1
        if j >= len(fmt):
            out.append(fmt[i:])
            break
        flags, verb = fmt[i + 1 : j], fmt[j]
        i = j + 1
        if verb == "%":
            out.append("%")
            continue
        if k >= len(args):
            out.append(f"%!{verb}(MISSING)")
            continue
        a = args[k]
        k += 1
        if verb == "v":
            out.append(go_format(a))
        elif verb in "gefGE":
            out.append(("%" + flags + verb) % as_float(a))
        elif verb == "d":
            out.append(("%" + flags + "d") % as_int(a))
        elif verb == "s":
            out.append(("%" + flags + "s") % (a if isinstance(a, str) else go_format(a)))
        elif verb == "x":
            out.append(("%" + flags + "x") % as_int(a))
        else:
            out.append(f"%!{verb}({go_format(a)})")
    return "".join(out)
