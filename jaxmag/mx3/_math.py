"""The math functions of the mumax3 language (Go's ``math`` package as mumax3 exposes it):
NumPy on numbers, jax.numpy on the traced time of a time-dependent expression."""

import math

import jax
import jax.numpy as jnp
import numpy as np

from jaxmag.mx3._values import as_float


def _math1(npf, jf):
    def f(x):
        x = as_float(x)
        return jf(x) if isinstance(x, jax.core.Tracer) else float(npf(x))

    return f


def _math2(npf, jf):
    def f(x, y):
        x, y = as_float(x), as_float(y)
        if isinstance(x, jax.core.Tracer) or isinstance(y, jax.core.Tracer):
            return jf(x, y)
        return float(npf(x, y))

    return f


MATH = {
    "abs": (_math1(abs, jnp.abs), 1),
    "sqrt": (_math1(np.sqrt, jnp.sqrt), 1),
    "cbrt": (_math1(np.cbrt, jnp.cbrt), 1),
    "sin": (_math1(np.sin, jnp.sin), 1),
    "cos": (_math1(np.cos, jnp.cos), 1),
    "tan": (_math1(np.tan, jnp.tan), 1),
    "asin": (_math1(np.arcsin, jnp.arcsin), 1),
    "acos": (_math1(np.arccos, jnp.arccos), 1),
    "atan": (_math1(np.arctan, jnp.arctan), 1),
    "sinh": (_math1(np.sinh, jnp.sinh), 1),
    "cosh": (_math1(np.cosh, jnp.cosh), 1),
    "tanh": (_math1(np.tanh, jnp.tanh), 1),
    "asinh": (_math1(np.arcsinh, jnp.arcsinh), 1),
    "acosh": (_math1(np.arccosh, jnp.arccosh), 1),
    "atanh": (_math1(np.arctanh, jnp.arctanh), 1),
    "exp": (_math1(np.exp, jnp.exp), 1),
    "exp2": (_math1(np.exp2, jnp.exp2), 1),
    "expm1": (_math1(np.expm1, jnp.expm1), 1),
    "log": (_math1(np.log, jnp.log), 1),
    "log10": (_math1(np.log10, jnp.log10), 1),
    "log2": (_math1(np.log2, jnp.log2), 1),
    "log1p": (_math1(np.log1p, jnp.log1p), 1),
    "floor": (_math1(np.floor, jnp.floor), 1),
    "ceil": (_math1(np.ceil, jnp.ceil), 1),
    "trunc": (_math1(np.trunc, jnp.trunc), 1),
    "round": (
        _math1(
            lambda x: math.floor(x + 0.5) if x >= 0 else -math.floor(-x + 0.5),
            lambda x: jnp.sign(x) * jnp.floor(jnp.abs(x) + 0.5),
        ),
        1,
    ),  # fmt: skip
    "sign": (_math1(np.sign, jnp.sign), 1),
    "heaviside": (
        _math1(
            lambda x: 0.0 if x < 0 else (0.5 if x == 0 else 1.0),
            lambda x: jnp.where(x < 0, 0.0, jnp.where(x == 0, 0.5, 1.0)),
        ),
        1,
    ),  # fmt: skip
    "sinc": (
        _math1(
            lambda x: 1.0 if x == 0 else math.sin(x) / x,
            lambda x: jnp.where(x == 0, 1.0, jnp.sin(x) / jnp.where(x == 0, 1.0, x)),
        ),
        1,
    ),  # fmt: skip
    "norm": (
        _math1(
            lambda x: math.exp(-0.5 * x * x) / math.sqrt(2 * math.pi),
            lambda x: jnp.exp(-0.5 * x * x) / jnp.sqrt(2 * jnp.pi),
        ),
        1,
    ),  # fmt: skip
    "gamma": (_math1(math.gamma, lambda x: jnp.exp(jax.scipy.special.gammaln(x))), 1),
    "erf": (_math1(math.erf, jax.scipy.special.erf), 1),
    "erfc": (_math1(math.erfc, jax.scipy.special.erfc), 1),
    "pow": (_math2(math.pow, jnp.power), 2),
    "atan2": (_math2(math.atan2, jnp.arctan2), 2),
    "hypot": (_math2(math.hypot, jnp.hypot), 2),
    "max": (_math2(max, jnp.maximum), 2),
    "min": (_math2(min, jnp.minimum), 2),
    "mod": (_math2(math.fmod, jnp.fmod), 2),
    "dim": (_math2(lambda a, b: max(a - b, 0.0), lambda a, b: jnp.maximum(a - b, 0.0)), 2),
    "isnan": (lambda x: math.isnan(as_float(x)), 1),
    "isinf": (lambda x, s: math.isinf(as_float(x)) and (s == 0 or (x > 0) == (s > 0)), 2),
}
