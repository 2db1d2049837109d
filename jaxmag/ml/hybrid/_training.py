"""Training the learned correction through the coarse solver (solver in the loop).

A window starts from a fine state restricted to the coarse grid, runs the corrected
coarse solver for ``K`` saved steps in that trajectory's field, and is compared with the
restricted fine states at the same times:

``L = mean_k [ Σ_cells |m_k − r_k|² / N + w ⟨|⟨m_k⟩ − ⟨r_k⟩|²⟩ ]``

(N magnetic cells, w = ``average_weight``). Its gradient with respect to the network's
weights flows through ``diffeqsolve`` (``RecursiveCheckpointAdjoint``). Training runs on
the package's one loop, :func:`jaxmag.ml.fit`: ``batch`` windows per step drawn at random
from every window of every trajectory (explicit PRNG key), vmapped.
"""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from jaxmag._validate import check_int, check_real
from jaxmag.ml._training import fit

from ._correction import CorrectionNet
from ._grids import mean_m
from ._solve import CoarseModel, rollout


def window_loss(
    net: CorrectionNet,
    model: CoarseModel,
    window,
    field_mT,
    dt_save: float,
    *,
    rtol: float = 1e-5,
    average_weight: float = 10.0,
    **kw,
):
    """The loss of one window ``(K + 1, 3, nx, ny, nz)`` of restricted fine states every
    ``dt_save`` (s): the corrected coarse run from ``window[0]`` in ``field_mT`` (mT)
    against ``window[1:]``. ``kw`` goes to :func:`jaxmag.simulate`."""
    model = model.with_net(net)
    n_steps = window.shape[0] - 1
    pred = rollout(model, window[0], field_mT, n_steps, dt_save, rtol=rtol, **kw)
    mask = model.base.magnetic
    d = (pred - window)[1:]
    per_cell = jnp.sum(d**2, axis=(1, 2, 3, 4)) / jnp.sum(mask)
    avg = jnp.sum((mean_m(pred, mask) - mean_m(window, mask))[1:] ** 2, axis=-1)
    return jnp.mean(per_cell + average_weight * avg)


def windows_of(data, fields_mT, n_steps: int, starts=None) -> dict:
    """Training rows: every window of ``n_steps + 1`` saves of each trajectory in
    ``data`` ``(F, T, 3, nx, ny, nz)`` (or those starting at ``starts``), as
    ``{"m": (N, n_steps + 1, 3, nx, ny, nz), "field": (N, 2)}``."""
    data = np.asarray(data)
    fields_mT = np.asarray(fields_mT, dtype=float).reshape(-1, 2)
    n_f, n_t = data.shape[:2]
    if n_steps + 1 > n_t:
        raise ValueError(f"windows of {n_steps} steps need more than {n_t} saves")
    starts = range(n_t - n_steps) if starts is None else starts
    m = np.stack([data[:, s : s + n_steps + 1] for s in starts], axis=1)
    m = m.reshape(-1, *m.shape[2:])
    return {"m": jnp.asarray(m, dtype=float),
            "field": jnp.asarray(np.repeat(fields_mT, len(starts), axis=0))}  # fmt: skip


class WindowLoss(eqx.Module):
    """``loss(net, batch, key)`` for :func:`jaxmag.ml.fit`: the mean :func:`window_loss`
    over a batch of rows of :func:`windows_of`, vmapped."""

    model: CoarseModel
    dt_save: float = eqx.field(static=True)
    rtol: float = eqx.field(static=True)
    average_weight: float = eqx.field(static=True)

    def __call__(self, net, batch, key=None):
        def one(w, b):
            return window_loss(net, self.model, w, b, self.dt_save, rtol=self.rtol,
                               average_weight=self.average_weight)  # fmt: skip

        return jnp.mean(jax.vmap(one)(batch["m"], batch["field"]))


def train_correction(
    model: CoarseModel,
    data,
    fields_mT,
    dt_save: float,
    *,
    key,
    steps: int = 300,
    seconds: float | None = None,
    batch: int = 8,
    window: int = 5,
    lr: float = 3e-3,
    average_weight: float = 10.0,
    rtol: float = 1e-5,
    validate=None,
    validate_every: int | None = None,
    progress: bool = True,
    every: int = 10,
) -> tuple[CorrectionNet, dict]:
    """Train the model's network through the coarse solver with :func:`jaxmag.ml.fit`
    (AdamW, warm-up, cosine decay, gradients clipped to norm 1); returns
    ``(net, history)``.

    **Arguments:**

    - `model`: a :class:`CoarseModel` with a correction (its net is the start).
    - `data`: restricted fine trajectories ``(F, T, 3, nx, ny, nz)`` on the coarse grid
      (see :func:`~jaxmag.ml.hybrid.restrict`), saved every `dt_save` (s).
    - `fields_mT`: ``(F, 2)`` in-plane fields (mT) of the trajectories.
    - `key`: the PRNG key that draws the windows.
    - `steps`, `seconds`: stop after this many steps or this much wall time (s).
    - `batch`: windows per step; `window`: saved steps per window (K).
    - `lr`: peak learning rate.
    - `average_weight`: weight w of the ⟨m⟩ term of the loss.
    - `rtol`: the coarse solver's tolerance.
    - `validate`, `validate_every`: ``validate(net) -> float``; the best net is returned.
    """
    steps = check_int("steps", steps, minimum=1)
    batch = check_int("batch", batch, minimum=1)
    window = check_int("window", window, minimum=1)
    check_real("lr", lr, positive=True)
    check_real("dt_save (s)", dt_save, positive=True)
    if model.correction is None:
        raise ValueError("the CoarseModel has no learned correction to train")
    data = np.asarray(data)
    fields_mT = np.asarray(fields_mT, dtype=float).reshape(-1, 2)
    if data.ndim != 6 or data.shape[0] != fields_mT.shape[0] or data.shape[2] != 3:
        raise ValueError(f"data must be (F, T, 3, nx, ny, nz) with F = {len(fields_mT)}, "
                         f"got {data.shape}")  # fmt: skip
    if data.shape[3:] != model.base.mesh.shape:
        raise ValueError(f"data cells {data.shape[3:]} differ from the model's "
                         f"{model.base.mesh.shape}")  # fmt: skip
    rows = windows_of(data, fields_mT, window)
    loss = WindowLoss(model, float(dt_save), float(rtol), float(average_weight))
    return fit(model.correction.net, loss, rows, key=key, steps=steps,
               batch_size=min(batch, len(rows["field"])), learning_rate=lr, clip=1.0,
               max_seconds=seconds, validate=validate, validate_every=validate_every,
               verbose=progress, print_every=every, label="hybrid")  # fmt: skip


def gradient_check(
    net: CorrectionNet, model: CoarseModel, data, fields_mT, idx, starts, n_steps: int,
    dt_save: float, *, key, h: float = 1e-4, **kw,
) -> float:  # fmt: skip
    """Relative difference between the directional derivative of the mean
    :func:`window_loss` over windows ``(idx[i], starts[i])`` of ``data``, along a random
    unit direction of the weights, by reverse mode through the solver, and by central
    finite differences of step ``h`` (relative to the weights' norm). ``kw`` goes to
    :func:`jaxmag.simulate` (fixed steps make the loss a smooth function of the weights;
    adaptive step sizes depend on the weights but are not differentiated)."""
    data = np.asarray(data)
    fields = np.asarray(fields_mT, dtype=float).reshape(-1, 2)
    w = jnp.asarray(
        np.stack([data[i, s : s + n_steps + 1] for i, s in zip(idx, starts, strict=True)])
    )
    b = jnp.asarray(fields[np.asarray(idx)])
    params, static = eqx.partition(net, eqx.is_inexact_array)
    leaves, tree = jax.tree.flatten(params)
    keys = jax.random.split(key, len(leaves))
    v = [jax.random.normal(k, x.shape, x.dtype) for k, x in zip(keys, leaves, strict=True)]
    norm = jnp.sqrt(sum(jnp.sum(x**2) for x in v))
    v = jax.tree.unflatten(tree, [x / norm for x in v])
    scale = float(jnp.sqrt(sum(jnp.sum(x**2) for x in leaves)))

    def loss_of(p, model, w, b):
        net = eqx.combine(p, static)
        return jnp.mean(
            jax.vmap(lambda wi, bi: window_loss(net, model, wi, bi, dt_save, **kw))(w, b)
        )

    def loss(p):
        return eqx.filter_jit(loss_of)(p, model, w, b)

    g = eqx.filter_jit(jax.grad(loss_of))(params, model, w, b)
    ad = float(sum(jnp.vdot(a, c) for a, c in zip(jax.tree.leaves(g), jax.tree.leaves(v),
                                                   strict=True)))  # fmt: skip
    step = h * scale
    shifted = [jax.tree.map(lambda p, d, c=c: p + c * step * d, params, v) for c in (1, -1)]
    fd = (float(loss(shifted[0])) - float(loss(shifted[1]))) / (2 * step)
    return abs(ad - fd) / max(abs(fd), abs(ad), 1e-300)
