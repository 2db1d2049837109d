"""Where PINNs stop converging: a sweep of the macrospin's nonlinearity.

For each anisotropy field ``k`` and applied field ``h`` (one field unit for both; time
in ``1/(γ0 · unit)``) a fresh, unconditioned PINN ``m(t)`` is trained with the same
network and budget on ``t ∈ [0, t_max]`` and scored against the Dopri8 reference
(:func:`~.macrospin_case.reference`). Larger ``h/k`` drives switching (m crosses the
equator, the strongly nonlinear regime); larger ``k`` and ``h`` mean faster precession,
so more turns in the window. A cell ``converged`` if its relative L2 error is at most
``threshold``. Nothing is hidden: every cell's error is in the table and the plot.
"""

import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import PRNGKeyArray

from jaxmag.ml.pinn import macrospin_case as mc
from jaxmag.ml.pinn._train import train


def failure_map(
    k_values,
    h_values,
    *,
    psi_deg: float = 30.0,
    alpha: float = 0.1,
    t_max: float = 10.0,
    threshold: float = 1e-2,
    n_points: int = 512,
    net_kw: dict | None = None,
    train_kw: dict | None = None,
    key: PRNGKeyArray,
    verbose: bool = False,
) -> dict:
    """Train one PINN per ``(k, h)`` and report its error.

    **Arguments:**

    - `k_values`, `h_values`: anisotropy and applied field amplitudes (field units, >= 0).
    - `psi_deg`: field angle from -z toward +x (degrees); `alpha`: damping (> 0).
    - `t_max`: time window; `threshold`: relative L2 error that counts as converged.
    - `n_points`: collocation points per step; `net_kw`, `train_kw`: passed to
      :class:`~.network.Net` and :func:`~.train.train`.

    Returns ``{"rows": [{"k", "h", "rel_l2", "max_err", "switches", "converged",
    "train_s"}, ...], "k", "h", "rel_l2" (len(k) × len(h)), "threshold", ...}``.
    """
    k_values = [float(k) for k in k_values]
    h_values = [float(h) for h in h_values]
    if not k_values or not h_values:
        raise ValueError("k_values and h_values must not be empty")
    if min(k_values) < 0 or min(h_values) < 0:
        raise ValueError("anisotropy and field amplitudes must be >= 0")
    if not threshold > 0:
        raise ValueError(f"threshold must be > 0, got {threshold}")
    net_kw = dict(width=32, depth=3) | (net_kw or {})
    train_kw = dict(adam_steps=3000, lbfgs_steps=1000, chunk=500) | (train_kw or {})
    ts = jnp.linspace(0.0, t_max, 201)
    rows, table = [], np.zeros((len(k_values), len(h_values)))
    for i, k in enumerate(k_values):
        for j, h in enumerate(h_values):
            dom = mc.Domain(t_max=t_max, h=(h, h), psi_deg=(psi_deg, psi_deg),
                            alpha=(alpha, alpha), k_easy=k)  # fmt: skip
            key, k_init, k_train = jax.random.split(key, 3)
            model = mc.make_model(dom, key=k_init, **net_kw)
            t0 = time.perf_counter()
            model, _ = train(lambda m, b, k=k: mc.loss(m, b, k), model,
                             lambda kk, d=dom: mc.sample(d, kk, n_points), key=k_train,
                             **train_kw)  # fmt: skip
            train_s = time.perf_counter() - t0
            p = jnp.asarray([[h, psi_deg, alpha]])
            e = mc.errors(model, dom, p, ts)
            ref = mc.reference(p, ts, k)
            row = {"k": k, "h": h, "rel_l2": e["rel_l2"], "max_err": e["max_err"],
                   "switches": bool(jnp.min(ref[0, :, 2]) < 0),
                   "converged": e["rel_l2"] <= threshold, "train_s": train_s}  # fmt: skip
            rows.append(row)
            table[i, j] = e["rel_l2"]
            if verbose:
                print(f"  failure map k={k:g} h={h:g}: rel L2 {e['rel_l2']:.2e} "
                      f"({'converged' if row['converged'] else 'FAILED'}, "
                      f"{'switches' if row['switches'] else 'no switching'}, "
                      f"{train_s:.0f} s)", flush=True)  # fmt: skip
    return {"rows": rows, "k": k_values, "h": h_values, "rel_l2": table,
            "threshold": threshold, "psi_deg": psi_deg, "alpha": alpha,
            "t_max": t_max}  # fmt: skip


def plot_failure_map(path, result: dict) -> Path:
    """A heat map of log10(relative L2 error) over (h, k), failed cells marked, written
    as a PNG to `path` (atomically); returns the path."""
    from matplotlib.figure import Figure  # no pyplot: no backend chosen, nothing kept
    from matplotlib.patches import Rectangle

    from jaxmag.io._atomic import atomic_write

    err = np.asarray(result["rel_l2"])
    fig = Figure(figsize=(1.2 * len(result["h"]) + 2.5, 0.9 * len(result["k"]) + 1.8))
    ax = fig.subplots()
    im = ax.imshow(np.log10(err), origin="lower", cmap="viridis_r", aspect="auto")
    for i in range(err.shape[0]):
        for j in range(err.shape[1]):
            bad = err[i, j] > result["threshold"]
            ax.text(j, i, f"{err[i, j]:.1e}" + ("\nFAILED" if bad else ""), ha="center",
                    va="center", fontsize=8, color="white",
                    fontweight="bold" if bad else "normal")  # fmt: skip
            if bad:
                ax.add_patch(Rectangle((j - 0.46, i - 0.46), 0.92, 0.92, fill=False,
                                           edgecolor="red", lw=2))  # fmt: skip
    ax.set_xticks(range(len(result["h"])), [f"{h:g}" for h in result["h"]])
    ax.set_yticks(range(len(result["k"])), [f"{k:g}" for k in result["k"]])
    ax.set_xlabel("applied field h (field units)")
    ax.set_ylabel("anisotropy field k (field units)")
    ax.set_title(f"PINN rel. L2 error, t ≤ {result['t_max']:g}, ψ = {result['psi_deg']:g}°, "
                 f"α = {result['alpha']:g}")  # fmt: skip
    fig.colorbar(im, ax=ax, label="log10 rel. L2 error")
    fig.tight_layout()
    with atomic_write(path, "wb") as f:
        fig.savefig(f, format="png", dpi=110)
    return Path(path)
