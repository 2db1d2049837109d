"""How sensitive is the SP4 family to its field? The floor under any latent stepper's
held-out error.

    python benchmarks/latent_sensitivity.py                # 100 × 25 cells, 64 + 18 fields
    python benchmarks/latent_sensitivity.py --quick        # tiny smoke run
    python benchmarks/latent_sensitivity.py --cache DIR --plot sens.png

For each test field of :func:`jaxmag.ml.latent.sp4_family` (SP4 fields 1 and 2
and the held-out random fields) the full solver is run again at four nearby fields:
|B| ± ``--db`` (mT) and angle ± ``--dangle`` (degrees). ``sensitivity`` is, per test
field, the largest max over t and i of |Δ⟨m_i⟩| between the test trajectory and a
perturbed one. A model that learns the field dependence from training fields spaced
far wider than these perturbations cannot be expected to do better than this at that
field. Two baselines from the training data alone are reported as well:

- ``nn_field_err``: the trajectory of the nearest training field (in |B| / 30 mT and
  angle / 40°) used as the prediction;
- ``n_below_target``: how many test fields have a sensitivity below ``--target``
  (0.03, the issue's accuracy goal).

The last line is one JSON object.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def polar(fields_mT):
    """``(|B| mT, angle degrees in [0, 360))`` of in-plane fields ``(F, 2)``."""
    import numpy as np

    f = np.asarray(fields_mT, dtype=float)
    return np.hypot(f[:, 0], f[:, 1]), np.degrees(np.arctan2(f[:, 1], f[:, 0])) % 360.0


def perturbed_fields(fields_mT, db_mT: float, dangle_deg: float):
    """The four neighbours of each field, ``(4, F, 2)``: |B| + db, |B| - db, angle +
    dangle, angle - dangle."""
    import numpy as np

    from jaxmag.ml.latent import fields_from_polar

    b, a = polar(fields_mT)
    steps = ((db_mT, 0.0), (-db_mT, 0.0), (0.0, dangle_deg), (0.0, -dangle_deg))
    return np.stack([fields_from_polar(b + s, a + t) for s, t in steps])


def max_avg_diff(m_a, m_b):
    """max over t and i of |⟨m_i⟩_a - ⟨m_i⟩_b| per trajectory, ``(..., T, 3, nx, ny)``."""
    import numpy as np

    return np.abs(np.asarray(m_a).mean((-2, -1)) - np.asarray(m_b).mean((-2, -1))).max((-2, -1))


def nearest_field(train_fields, fields):
    """Index of the nearest training field, distances in |B| / 30 mT and angle / 40°."""
    import numpy as np

    from jaxmag.ml.latent import ANGLE_RANGE_DEG, B_RANGE_MT

    def scaled(f):
        b, a = polar(f)
        return np.stack([b / (B_RANGE_MT[1] - B_RANGE_MT[0]),
                         a / (ANGLE_RANGE_DEG[1] - ANGLE_RANGE_DEG[0])], 1)  # fmt: skip

    d = ((scaled(fields)[:, None] - scaled(train_fields)[None]) ** 2).sum(-1)
    return d.argmin(1)


def _plot(path, ts, m_test, m_pert, fields, sens):
    """⟨mx⟩, ⟨my⟩ of the most sensitive test field and its four neighbours."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from jaxmag.io import atomic_write

    i = int(np.argmax(sens))
    b, a = polar(fields[i : i + 1])
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), sharex=True)
    labels = ("|B| +", "|B| -", "angle +", "angle -")
    for c, ax in enumerate(axes):
        ax.plot(ts * 1e9, m_test[i].mean((-2, -1))[:, c], "k", lw=2, label="test field")
        for k in range(4):
            ax.plot(ts * 1e9, m_pert[k, i].mean((-2, -1))[:, c], lw=1, label=labels[k])
        ax.set_xlabel("t (ns)")
        ax.set_ylabel(f"<m{'xy'[c]}>")
    axes[0].legend(fontsize=8)
    fig.suptitle(f"|B| = {b[0]:.2f} mT at {a[0]:.1f}°: max |Δ<m>| = {sens[i]:.3f}")
    fig.tight_layout()
    with atomic_write(path, "wb") as f:
        fig.savefig(f, format="png", dpi=110)
    plt.close(fig)


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--cache", type=Path, default=Path("latent_cache"))
    p.add_argument("--n-train", type=int, default=64)
    p.add_argument("--n-heldout", type=int, default=16)
    p.add_argument("--db", type=float, default=0.25, help="|B| perturbation (mT)")
    p.add_argument("--dangle", type=float, default=0.5, help="angle perturbation (degrees)")
    p.add_argument("--target", type=float, default=0.03, help="accuracy goal of max |Δ<m>|")
    p.add_argument("--plot", type=Path, default=None, help="PNG of the most sensitive field")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    if not (args.db > 0 and args.dangle > 0):
        p.error("--db and --dangle must be > 0")
    cells, t1 = (100, 25, 1), 1e-9
    if args.quick:
        cells, t1, args.n_train, args.n_heldout = (20, 5, 1), 1e-10, 4, 1

    import jax

    jax.config.update("jax_enable_x64", True)
    import numpy as np
    from _common import conditions, emit

    from jaxmag.ml import latent

    t_all = time.perf_counter()
    data = latent.sp4_family(args.cache, n_train=args.n_train, n_heldout=args.n_heldout,
                             cells=cells, t1=t1, seed=args.seed, progress=True)  # fmt: skip
    tef, tem, ts = data["test_fields"], data["test_m"], data["ts"]
    pert = perturbed_fields(tef, args.db, args.dangle)
    print(f"simulating {pert.shape[0] * pert.shape[1]} perturbed fields ...", flush=True)
    m_pert = latent.simulate_fields(
        pert.reshape(-1, 2), cells, t1, float(ts[1] - ts[0]), progress=True
    ).reshape(*pert.shape[:2], *tem.shape[1:])
    per_dir = max_avg_diff(m_pert, tem[None])  # (4, F)
    sens = per_dir.max(0)
    nn = nearest_field(data["train_fields"], tef)
    nn_err = max_avg_diff(data["train_m"][nn], tem)
    b, a = polar(tef)
    if args.plot is not None:
        _plot(args.plot, ts, tem, m_pert, tef, sens)
    for i in range(len(tef)):
        print(f"  {b[i]:6.2f} mT {a[i]:6.1f}°: sensitivity {sens[i]:.3f} "
              f"(|B| ± {args.db}: {per_dir[0, i]:.3f} {per_dir[1, i]:.3f}; angle ± "
              f"{args.dangle}°: {per_dir[2, i]:.3f} {per_dir[3, i]:.3f}), "
              f"nearest training field {nn_err[i]:.3f}")  # fmt: skip
    figures = {
        "n_train": args.n_train,
        "n_test": len(tef),
        "cells": cells,
        "t1_s": t1,
        "db_mT": args.db,
        "dangle_deg": args.dangle,
        "target": args.target,
        "test_fields_polar": np.stack([b, a], 1),
        "sensitivity": sens,
        "sensitivity_db": per_dir[:2].max(0),
        "sensitivity_dangle": per_dir[2:].max(0),
        "sensitivity_max": float(sens.max()),
        "sensitivity_median": float(np.median(sens)),
        "n_below_target": int((sens <= args.target).sum()),
        "nn_field_err": nn_err,
        "nn_field_err_max": float(nn_err.max()),
        "wall_s": time.perf_counter() - t_all,
        "quick": args.quick,
        "conditions": conditions(),
    }
    emit(figures)
    return figures


if __name__ == "__main__":
    main()
