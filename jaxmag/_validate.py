"""Input checks that run before any compilation or integration.

Each check raises a ``ValueError`` or ``TypeError`` naming the parameter and the bad
value. Values that are JAX tracers (inside ``jit``, ``grad`` or ``vmap``) cannot be
inspected and are let through: validation happens when concrete values are built.
"""

import numbers

import jax
import numpy as np


def is_concrete(x) -> bool:
    """True when ``x`` holds concrete numbers that this process can read: not a JAX
    tracer, nor an array spread over other processes' devices (under
    ``jax.distributed``; :func:`jaxmag.distributed.shard` checks before it spreads)."""
    if isinstance(x, jax.core.Tracer):
        return False
    return not isinstance(x, jax.Array) or x.is_fully_addressable


def _summary(a: np.ndarray) -> str:
    if a.size == 1:
        return repr(a.reshape(()).item())
    bad = a[~np.isfinite(a)] if not np.all(np.isfinite(a)) else a[a < 0]
    return f"array containing {bad.reshape(-1)[0]!r}" if bad.size else f"array {a.shape}"


def check_real(name: str, value, *, positive: bool = False, nonneg: bool = False):
    """Check that ``value`` (scalar or array) is real and finite, optionally >= 0 or > 0.

    Returns the value unchanged.
    """
    if value is None:
        raise TypeError(f"{name} must be a number or an array, got None")
    if isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be a real number, got the boolean {value!r}")
    if not is_concrete(value):
        return value
    if not isinstance(value, numbers.Number | np.ndarray | jax.Array | list | tuple):
        raise TypeError(f"{name} must be a real number or array, got {type(value).__name__}")
    a = np.asarray(value)
    if a.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be real-valued, got dtype {a.dtype}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be finite, got {_summary(a)}")
    if positive and not np.all(a > 0):
        raise ValueError(f"{name} must be positive, got {_summary(np.where(a > 0, 1, a))}")
    if nonneg and not np.all(a >= 0):
        raise ValueError(f"{name} must be non-negative, got {_summary(a)}")
    return value


def check_shape(name: str, value, allowed: tuple[tuple[int, ...], ...]):
    """Check that ``value`` has one of the ``allowed`` shapes."""
    shape = tuple(np.shape(value))
    if shape not in allowed:
        want = " or ".join(str(s) for s in allowed)
        raise ValueError(f"{name} has shape {shape}, expected {want}")
    return value


def check_int(name: str, value, *, minimum: int = 1, maximum: int | None = None) -> int:
    """Check that ``value`` is an integer (not a bool) with ``minimum <= value`` (and
    ``value <= maximum`` if given); the default is a positive integer.

    Returns it as a Python ``int``.
    """
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < minimum or (maximum is not None and value > maximum):
        if maximum is not None:
            want = f"an integer in [{minimum}, {maximum}]"
        else:
            want = {1: "a positive integer", 0: "a non-negative integer"}.get(
                minimum, f"an integer >= {minimum}"
            )
        raise ValueError(f"{name} must be {want}, got {value!r}")
    return int(value)
