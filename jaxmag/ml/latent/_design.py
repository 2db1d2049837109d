"""Inverse design through a latent stepper: the in-plane field whose predicted ⟨m_i⟩ at a
given snapshot hits a target, found by gradient descent through the surrogate's rollout.

The field is searched in polar form, |B| inside ``b_range_mT`` (a sigmoid keeps it
there) and the angle free (or inside ``angle_range_deg``), from a grid of starting
fields at once (``vmap``); the best end point wins. Every gradient is exact: it flows
through the latent rollout and the average read-out of the stepper
(:meth:`~jaxmag.ml.latent.AbstractLatentStepper.average_rollout`).
"""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
from jaxtyping import Array, Float

from jaxmag._validate import check_int

from ._base import AbstractLatentStepper


def _field(p, b_range, a_range):
    """``(Bx, By)`` in mT of unconstrained parameters ``p = (u, v)``."""
    b = b_range[0] + (b_range[1] - b_range[0]) * jax.nn.sigmoid(p[0])
    if a_range is None:
        a = p[1]
    else:
        a = jnp.deg2rad(a_range[0] + (a_range[1] - a_range[0]) * jax.nn.sigmoid(p[1]))
    return jnp.stack([b * jnp.cos(a), b * jnp.sin(a)])


@eqx.filter_jit
def _descend(model, m0, params, target, component, step_index, b_range, a_range, iters, lr):
    def loss(p):
        field = _field(p, b_range, a_range)
        avg = model.average_rollout(m0, field, step_index)
        return (avg[-1, component] - target) ** 2

    opt = optax.adam(lr)

    def run(p):
        def body(carry, _):
            p, state = carry
            g = jax.grad(loss)(p)
            u, state = opt.update(g, state, p)
            return (optax.apply_updates(p, u), state), None

        (p, _), _ = jax.lax.scan(body, (p, opt.init(p)), length=iters)
        return p, loss(p)

    return jax.vmap(run)(params)


def design_field(
    model: AbstractLatentStepper,
    m0: Float[Array, "3 nx ny"],
    target: float,
    step_index: int,
    *,
    component: int = 0,
    b_range_mT: tuple[float, float] = (2.0, 12.0),
    angle_range_deg: tuple[float, float] | None = None,
    starts: int = 16,
    iters: int = 200,
    lr: float = 0.05,
) -> dict:
    """The in-plane field (mT) whose predicted ⟨m_component⟩ at snapshot ``step_index``
    (``step_index`` snapshot intervals after ``m0``) is ``target``.

    **Arguments:**

    - `model`: a trained latent stepper; `m0`: the start, unit vectors ``(3, nx, ny)``.
    - `target`: the wanted ⟨m_component⟩ (dimensionless, in [-1, 1]).
    - `step_index`: the snapshot, a positive int (0.5 ns is 50 intervals of 10 ps).
    - `component`: 0, 1 or 2 for ⟨m_x⟩, ⟨m_y⟩, ⟨m_z⟩.
    - `b_range_mT`: the allowed |B| (mT); `angle_range_deg`: the allowed angle from +x
      (degrees), or None for any.
    - `starts`: starting fields, a grid over |B| and angle; `iters`, `lr`: Adam's steps
      and learning rate on the unconstrained parameters.

    **Returns:** ``{"field_mT" (2,), "b_mT", "angle_deg", "predicted", "loss",
    "start_losses" (starts,)}`` for the best start.
    """
    step_index = check_int("step_index", step_index, minimum=1)
    starts = check_int("starts", starts, minimum=1)
    iters = check_int("iters", iters, minimum=1)
    component = check_int("component", component, minimum=0, maximum=2)
    if not (np.isfinite(target) and -1.0 <= target <= 1.0):
        raise ValueError(f"target must be a number in [-1, 1], got {target!r}")
    b_range = tuple(float(x) for x in b_range_mT)
    if not (len(b_range) == 2 and 0 <= b_range[0] < b_range[1] and np.isfinite(b_range[1])):
        raise ValueError(f"b_range_mT must be (low, high) with 0 <= low < high, got {b_range_mT}")
    a_range = None if angle_range_deg is None else tuple(float(x) for x in angle_range_deg)
    if a_range is not None and not (len(a_range) == 2 and a_range[0] < a_range[1]):
        raise ValueError(f"angle_range_deg must be (low, high), got {angle_range_deg}")
    if not lr > 0:
        raise ValueError(f"lr must be > 0, got {lr}")
    n_b = max(1, int(round(np.sqrt(starts / 4))))
    n_a = -(-starts // n_b)
    u = np.linspace(-1.5, 1.5, n_b)  # the inner part of the sigmoid's range
    v = (np.linspace(-2.0, 2.0, n_a) if a_range is not None
         else np.linspace(0, 2 * np.pi, n_a, endpoint=False))  # fmt: skip
    grid = np.stack(np.meshgrid(u, v, indexing="ij"), -1).reshape(-1, 2)[:starts]
    dtype = jnp.result_type(*jax.tree.leaves(eqx.filter(model, eqx.is_inexact_array)))
    params, losses = _descend(model, jnp.asarray(m0, dtype), jnp.asarray(grid, dtype),
                              jnp.asarray(target, dtype), component, step_index, b_range,
                              a_range, iters, lr)  # fmt: skip
    best = int(jnp.nanargmin(losses))
    field = np.asarray(_field(params[best], b_range, a_range), dtype=float)
    pred = model.average_rollout(jnp.asarray(m0, dtype), jnp.asarray(field, dtype), step_index)
    b = float(np.hypot(*field))
    return {
        "field_mT": field,
        "b_mT": b,
        "angle_deg": float(np.degrees(np.arctan2(field[1], field[0])) % 360.0),
        "predicted": float(pred[-1, component]),
        "loss": float(losses[best]),
        "start_losses": np.asarray(losses),
    }
