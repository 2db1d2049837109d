"""Rollout errors of any latent stepper against simulated trajectories
``(F, T, 3, nx, ny)`` (snapshots one interval apart) in in-plane fields ``(F, 2)`` (mT)."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from jaxmag._validate import check_int

from ._base import AbstractLatentStepper


def check_trajectories(m, fields, name: str = "m", fields_name: str = "fields", dtype=None):
    """Validated copies of trajectories ``(F, T, 3, nx, ny)`` and fields ``(F, 2)`` (mT),
    cast to ``dtype`` if given."""
    m = np.asarray(m)
    fields = np.asarray(fields)
    if m.ndim != 5 or m.shape[2] != 3:
        raise ValueError(f"{name} must have shape (F, T, 3, nx, ny), got {m.shape}")
    if m.size == 0:
        raise ValueError(f"{name} is empty (shape {m.shape})")
    if fields.shape != (m.shape[0], 2):
        raise ValueError(
            f"{fields_name} must have shape (F, 2) = ({m.shape[0]}, 2) to match {name} "
            f"with {m.shape[0]} trajectories, got {fields.shape}"
        )
    for arr, label in ((m, name), (fields, fields_name)):
        if not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
            raise ValueError(f"{label} must be real numbers, got dtype {arr.dtype}")
        bad = ~np.isfinite(arr)
        if bad.any():
            first = np.argwhere(bad)[0]
            raise ValueError(
                f"{label} has {int(bad.sum())} NaN/inf values (first at index "
                f"{tuple(int(i) for i in first)})"
            )
    if dtype is not None:
        m, fields = m.astype(dtype), fields.astype(dtype)
    return m, fields


@eqx.filter_jit
def _rollouts(model: AbstractLatentStepper, m0s, fields, n_steps: int):
    """The model is an argument (not a closure constant), so its arrays are not baked
    into the compiled program."""
    return jax.vmap(lambda m0, b: model.rollout(m0, b, n_steps))(m0s, fields)


def rollout_errors(model: AbstractLatentStepper, m_true, fields_mT) -> dict:
    """Errors of rollouts from each trajectory's first snapshot, ``m_true (F, T, 3, nx, ny)``
    in fields ``fields_mT (F, 2)`` (mT):

    - ``max_avg_err``: max over t and i of |Δ⟨m_i⟩| per trajectory ``(F,)``;
    - ``rel_l2``: ``‖m_pred - m‖ / ‖m‖`` over the whole trajectory ``(F,)``;
    - ``m_avg_pred``: predicted ⟨m⟩(t) ``(F, T, 3)``.
    """
    m_true = jnp.asarray(m_true)
    pred = _rollouts(model, m_true[:, 0], jnp.asarray(fields_mT, dtype=m_true.dtype),
                     m_true.shape[1] - 1)  # fmt: skip
    avg_p, avg_t = pred.mean((-2, -1)), m_true.mean((-2, -1))
    diff = (pred - m_true).reshape(len(pred), -1)
    return {
        "max_avg_err": jnp.max(jnp.abs(avg_p - avg_t), axis=(1, 2)),
        "rel_l2": jnp.linalg.norm(diff, axis=1)
        / jnp.linalg.norm(m_true.reshape(len(pred), -1), axis=1),
        "m_avg_pred": avg_p,
    }


@eqx.filter_jit
def average_rollouts(
    model: AbstractLatentStepper,
    m0: Float[Array, "3 nx ny"],
    fields_mT: Float[Array, "F 2"],
    n_steps: int,
) -> Float[Array, "F n_steps+1 3"]:
    """Predicted ⟨m⟩(t) of many fields from one start: ``m0`` is encoded once, the
    latent rollouts of all ``fields_mT (F, 2)`` (mT) run batched, and each is read out
    by ``decode_average``. Compiled once per model structure, ``F`` and ``n_steps``
    (the model is an argument, not a constant). ``(F, n_steps + 1, 3)``."""
    z0 = model.encode(m0)
    return jax.vmap(lambda b: jax.vmap(model.decode_average)(model.latent_rollout(z0, b, n_steps)))(
        fields_mT
    )


def average_errors(model: AbstractLatentStepper, m_avg_true, m0, fields_mT) -> dict:
    """Errors of :func:`average_rollouts` from ``m0`` in fields ``(F, 2)`` (mT) against
    the true ⟨m⟩(t) ``m_avg_true (F, T, 3)``:

    - ``max_avg_err``: max over t and i of |Δ⟨m_i⟩| per field ``(F,)``;
    - ``median_err``: the median of ``max_avg_err`` over the fields, a float: the
      latent steppers' headline figure, the rollout error over held-out trajectories
      (``benchmarks/latent_sp4.py``'s ``s_median_err``, and the error behind the trust
      adapters' score, :class:`jaxmag.ml.trust.adapters.KernelStepperTrust`); a
      rollout that turned NaN makes it NaN;
    - ``final_mx``: the predicted ⟨mx⟩ at the last snapshot ``(F,)``;
    - ``m_avg_pred``: the predicted ⟨m⟩(t) ``(F, T, 3)``.

    The rollouts run the whole horizon of ``m_avg_true`` (``T - 1`` steps).
    """
    m_avg_true = np.asarray(m_avg_true)
    if m_avg_true.ndim != 3 or m_avg_true.shape[2] != 3 or m_avg_true.shape[1] < 2:
        raise ValueError(f"m_avg_true must be (F, T >= 2, 3), got {m_avg_true.shape}")
    if np.shape(fields_mT) != (len(m_avg_true), 2):
        raise ValueError(
            f"fields_mT must be ({len(m_avg_true)}, 2) to match m_avg_true, "
            f"got {np.shape(fields_mT)}"
        )
    dtype = jnp.result_type(*jax.tree.leaves(eqx.filter(model, eqx.is_inexact_array)))
    n_steps = m_avg_true.shape[1] - 1
    m0, fields_mT = jnp.asarray(m0, dtype), jnp.asarray(fields_mT, dtype)
    pred = np.asarray(average_rollouts(model, m0, fields_mT, n_steps))
    err = np.abs(pred - m_avg_true).max((1, 2))
    return {
        "max_avg_err": err,
        "median_err": float(np.median(err)),
        "final_mx": pred[:, -1, 0],
        "m_avg_pred": pred,
    }


@eqx.filter_jit
def _rollout_mse(model: AbstractLatentStepper, m, fields):
    pred = _rollouts(model, m[:, 0], fields, m.shape[1] - 1)
    return jnp.mean((pred - m) ** 2)


def rollout_error(
    model: AbstractLatentStepper,
    m: Float[np.ndarray | Array, "F T 3 nx ny"],
    fields: Float[np.ndarray | Array, "F 2"],
    *,
    chunk: int = 8,
) -> float:
    """Mean squared error (per component and cell) of full-length rollouts from each
    trajectory's first snapshot, under its field (mT), over all ``T`` snapshots.
    The data are cast to the model's parameter dtype; trajectories are evaluated
    ``chunk`` at a time to bound memory."""
    dtype = jnp.result_type(*jax.tree.leaves(eqx.filter(model, eqx.is_inexact_array)))
    m, fields = check_trajectories(m, fields, dtype=dtype)
    chunk = check_int("chunk", chunk, minimum=1)
    if m.shape[3:] != tuple(model.shape):
        raise ValueError(f"m has grid {m.shape[3:]}, the model {model.shape}")
    total = 0.0
    for s in range(0, len(m), chunk):
        mse = _rollout_mse(model, jnp.asarray(m[s : s + chunk]), jnp.asarray(fields[s : s + chunk]))
        total += float(mse) * len(m[s : s + chunk])
    return total / len(m)
