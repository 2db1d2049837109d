"""Microstructure → μ_eff: the FFT solver's exact checks, the CNN surrogate against
effective-medium and scikit-learn baselines, the speed-up, and the U-Net's IoU.

    python benchmarks/homogenisation.py            # 128² cells, ~4000 samples
    python benchmarks/homogenisation.py --quick    # a smoke run at 32²

The solver runs in float64 (tol 1e-8); the CNN in float32. The last line is JSON.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)

import numpy as np  # noqa: E402
from _common import conditions, emit  # noqa: E402

from jaxmag.homogenisation import (  # noqa: E402
    effective_permeability,
    inside_hs_bounds,
    two_phase,
)
from jaxmag.homogenisation.baselines import (  # noqa: E402
    ImageStatisticsRegressor,
    effective_medium,
    r2_components,
)
from jaxmag.homogenisation.cnn import PermeabilityCNN  # noqa: E402
from jaxmag.homogenisation.dataset import make_dataset, solve_batch  # noqa: E402
from jaxmag.homogenisation.training import predict, train_cnn  # noqa: E402
from jaxmag.imaging import mean_iou, segment, synthetic_segmentation_set, train_unet  # noqa: E402


def exact_checks(n):
    i = np.arange(n)
    board = (i[:, None] < n // 2) ^ (i[None, :] < n // 2)
    errs = []
    for c in (10.0, 100.0, 1000.0):
        m = np.asarray(effective_permeability(two_phase(board, c)))
        errs.append(float(np.abs(m - np.sqrt(c) * np.eye(2)).max() / np.sqrt(c)))
    f, c = 5 / 16, 1000.0
    lam = np.broadcast_to(((i % 16) < 5)[:, None], (n, n))
    m = np.asarray(effective_permeability(two_phase(lam, c)))
    along, across = f * c + 1 - f, 1 / (f / c + 1 - f)
    lam_err = max(abs(m[1, 1] / along - 1), abs(m[0, 0] / across - 1))
    return max(errs), float(lam_err)


def timed(fn, repeats=3):
    fn()
    walls = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        walls.append(time.perf_counter() - t)
    return min(walls)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--n", type=int, default=4000, help="cells in the dataset")
    ap.add_argument("--size", type=int, default=128, help="pixels per side")
    ap.add_argument("--epochs", type=int, default=150)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    if args.quick:
        args.n, args.size, args.epochs = 160, 32, 3
    t0 = time.time()
    board_err, lam_err = exact_checks(128 if not args.quick else 32)
    print(f"checkerboard rel. err {board_err:.2e}, laminate {lam_err:.2e}", flush=True)

    key = jax.random.PRNGKey(args.seed)
    data = make_dataset(key, args.n, (args.size, args.size))
    maps, c, mu = data["maps"], data["contrast"], data["mu_eff"]
    n_test = max(args.n // 8, 16)
    tr, te = slice(0, args.n - n_test), slice(args.n - n_test, args.n)
    f = data["volume_fraction"]
    inside = float(np.mean(np.asarray(inside_hs_bounds(mu, f, 1.0, c))))

    patch = 8 if args.size >= 64 else 4
    model = PermeabilityCNN((args.size, args.size), 16, 2, patch, key=jax.random.PRNGKey(1))
    model, hist = train_cnn(
        model, maps[tr], c[tr], mu[tr], key=jax.random.PRNGKey(2), epochs=args.epochs
    )
    pred = predict(model, maps[te], c[te])
    low = c[te] <= 100
    r2_cnn = r2_components(mu[te][low], pred[low])
    r2_cnn_high = r2_components(mu[te][~low], pred[~low]) if np.sum(~low) > 2 else {}
    base = {}
    for name in ("maxwell_garnett", "bruggeman"):
        p = effective_medium(maps[te], c[te], name)
        base[name] = min(r2_components(mu[te][low], p[low]).values())
    for kind in ("random_forest", "gradient_boosting"):
        reg = ImageStatisticsRegressor(kind).fit(maps[tr], c[tr], mu[tr])
        p = reg.predict(maps[te], c[te])
        base[kind] = min(r2_components(mu[te][low], p[low]).values())

    n_img, steps = (40, 20) if args.quick else (400, 1500)
    imgs, masks = synthetic_segmentation_set(jax.random.key(10), n_img, (64, 64))
    t_imgs, t_masks = synthetic_segmentation_set(jax.random.key(11), n_img // 2, (64, 64))
    unet, _ = train_unet(imgs, masks, key=jax.random.key(12), steps=steps, verbose=True)
    unet_iou = float(mean_iou(segment(unet, t_imgs), t_masks))

    b = min(64, n_test)
    xs, cs = maps[te][:b], c[te][:b]
    t_solve = timed(lambda: solve_batch(xs, cs, batch_size=b, verbose=False), 1) / b
    t_cnn = timed(lambda: predict(model, xs, cs, batch_size=b)) / b
    emit(
        {
            "r2_cnn": min(r2_cnn.values()),
            "r2_cnn_components": r2_cnn,
            "r2_cnn_contrast_above_100": r2_cnn_high,
            "r2_baselines": base,
            "inside_hs_bounds": inside,
            "solver_laminate_rel_err": lam_err,
            "solver_checkerboard_rel_err": board_err,
            "solve_s_per_sample": t_solve,
            "cnn_s_per_sample": t_cnn,
            "speedup": t_solve / t_cnn,
            "unet_iou": unet_iou,
            "n_train": args.n - n_test,
            "n_test": n_test,
            "final_loss": float(hist[-1]),
            "wall_s": time.time() - t0,
            **conditions(),
        }
    )


if __name__ == "__main__":
    main()
