"""Solver in the loop on µMAG SP4: a 12.5 nm coarse grid corrected by a learned energy
term, trained through the diffrax solve on 2.5 nm fine-grid trajectories.

    python benchmarks/hybrid_sp4.py                  # 200 × 50 fine cells, 1 ns (about an hour)
    python benchmarks/hybrid_sp4.py --quick          # tiny smoke run
    python benchmarks/hybrid_sp4.py --cache DIR      # where the fine trajectories are cached

Data: the latent steppers' field families P (2–12 mT, 0°–360°) and S (15–45 mT,
160°–200°) on the SP4 film, from the relaxed s-state, 1 ns, saved every 10 ps; fine cells
2.5 × 2.5 × 3 nm (200 × 50 × 1), coarse 12.5 × 12.5 × 3 nm (40 × 10 × 1, 5× in x and y).

Training (:func:`jaxmag.ml.hybrid.train_correction`): windows of ``--window`` saved steps
from restricted fine states, on the P and S training fields together; ``--batch`` windows
a step for ``--steps`` steps or ``--seconds``.

Figures (an error is max over t and i of |Δ⟨m_i⟩| against the fine run over 1 ns, ⟨m⟩
over the magnetic cells of each grid):

- ``coarse_err_median_p``/``_s``, ``hybrid_err_median_p``/``_s``, ``hybrid_err_max_p``:
  held-out fields of each family, uncorrected and corrected coarse runs from the
  restricted fine s-state;
- ``latent_err_median_p``/``_s``: the kernel latent stepper (``--latent``) fitted on the
  same training trajectories, on the same held-out fields;
- ``speedup``: one fine run over one corrected coarse run (SP4 field 1, both compiled,
  rtol 1e-5, same machine, same run);
- ``transfer_ratio_ellipse``, ``transfer_ratio_small``: on the ellipse inscribed in the
  film and on a 250 × 125 × 3 nm film, with no retraining, the median corrected error
  over the median uncorrected one (``--n-transfer`` held-out fields of each family);
- ``grad_fd_rel_err``: the gradient of a rollout loss (two windows of 5 steps) with
  respect to the weights, reverse mode through the solver against central finite
  differences along a random direction, float64, fixed steps of 0.5 ps (with adaptive
  steps the step sizes depend on the weights but are not differentiated).

The trained network is saved (orbax) to ``--out``. The last line is one JSON object.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def _errors(pred, true):
    """Per field: max over t and i of |Δ⟨m_i⟩|."""
    import numpy as np

    return np.abs(np.asarray(pred) - np.asarray(true)).max(axis=(1, 2))


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--cache", type=Path, default=Path("latent_cache"))
    p.add_argument("--out", type=Path, default=None, help="folder for the trained network")
    p.add_argument("--model", type=Path, default=None, help="evaluate this network, no training")
    p.add_argument("--n-train", type=int, default=16, help="training fields per family")
    p.add_argument("--n-heldout", type=int, default=8, help="random held-out fields per family")
    p.add_argument("--n-transfer", type=int, default=4, help="held-out fields per family")
    p.add_argument("--steps", type=int, default=400)
    p.add_argument("--seconds", type=float, default=1500.0, help="training budget (s)")
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--window", type=int, default=5, help="saved steps (10 ps) per window")
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--width", type=int, default=12)
    p.add_argument("--depth", type=int, default=2)
    p.add_argument("--latent", action="store_true", help="also fit the kernel latent stepper")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)

    import jax

    jax.config.update("jax_enable_x64", True)
    import diffrax
    import jax.numpy as jnp
    import numpy as np
    from _common import conditions, emit

    from jaxmag.ml import hybrid
    from jaxmag.problems import sp4

    film, ellipse, small = hybrid.SP4_FILM, hybrid.ELLIPSE, hybrid.SMALL_FILM
    t1, dt = 1e-9, 1e-11
    n_held_s = args.n_heldout - 2  # SP4 fields 1 and 2 come first among S's test fields
    if args.quick:
        f2 = (2, 2, 1)
        film = hybrid.Geometry("sp4_quick", sp4.SIZE, (40, 10, 1), factor=f2)
        ellipse = hybrid.Geometry("ellipse_quick", sp4.SIZE, (40, 10, 1), "ellipse", f2)
        small = hybrid.Geometry("small_quick", small.size, (20, 10, 1), factor=f2)
        t1, n_held_s = 5e-11, 1
        args.n_train, args.n_heldout, args.n_transfer = 2, 1, 1
        args.steps, args.seconds, args.batch, args.window = 2, None, 2, 2
    n_steps = int(round(t1 / dt))
    t_all = time.perf_counter()

    # data: fine trajectories and their restriction to the coarse grid
    kw = dict(t1=t1, dt_save=dt, seed=args.seed, progress=True, n_train=args.n_train)
    data = {
        "p": hybrid.family_data(args.cache, film, family="P", n_heldout=args.n_heldout, **kw),
        "s": hybrid.family_data(args.cache, film, family="S", n_heldout=n_held_s, **kw),
    }
    fine_mask = film.mask()
    train_f = np.concatenate([data[k]["train_fields"] for k in "ps"])
    train = np.concatenate([hybrid.restrict(data[k]["train_m"].astype(float), film)
                            for k in "ps"])  # fmt: skip
    m0_fine = data["p"]["train_m"][0, 0].astype(float)
    m0 = jnp.asarray(hybrid.restrict(m0_fine, film))
    print(f"data: {len(train)} training trajectories, fine {film.cells}, coarse "
          f"{film.coarse_cells}", flush=True)  # fmt: skip

    # training through the solver
    key = jax.random.key(args.seed)
    k_net, k_train, k_fd = jax.random.split(key, 3)
    net = hybrid.CorrectionNet(args.width, args.depth, key=k_net)
    model = hybrid.CoarseModel(film, net)
    t = time.perf_counter()
    if args.model is None:
        net, hist = hybrid.train_correction(
            model, train, train_f, dt, key=k_train, steps=args.steps, seconds=args.seconds,
            batch=args.batch, window=args.window, lr=args.lr,
        )  # fmt: skip
    else:
        net, _ = hybrid.load_model(args.model)
        hist = {"steps": 0, "loss": [float("nan")]}
    train_s = time.perf_counter() - t
    model = model.with_net(net)
    plain = hybrid.CoarseModel(film)
    if args.out is not None:
        meta = {
            "geometry": film.name,
            "coarse_cell_m": list(plain.base.mesh.cell),
            "n_train": len(train),
            "train_steps": hist["steps"],
            "seed": args.seed,
        }
        hybrid.save_model(args.out, net, metadata=meta)

    # held-out fields
    out = {}
    for fam in "ps":
        d = data[fam]
        true = hybrid.mean_m(d["test_m"].astype(float), fine_mask)
        for name, mdl in (("coarse", plain), ("hybrid", model)):
            avg = hybrid.average_rollouts(mdl, m0, d["test_fields"], n_steps, dt)
            err = _errors(avg, true)
            out[f"{name}_err_{fam}"] = err.tolist()
            out[f"{name}_err_median_{fam}"] = float(np.median(err))
            out[f"{name}_err_max_{fam}"] = float(err.max())
        print(f"{fam.upper()}: coarse median {out[f'coarse_err_median_{fam}']:.4f}, hybrid "
              f"median {out[f'hybrid_err_median_{fam}']:.4f}, hybrid max "
              f"{out[f'hybrid_err_max_{fam}']:.4f}", flush=True)  # fmt: skip

    if args.latent:
        out.update(_latent(data, fine_mask, args))

    # speed: one fine run against one corrected coarse run, SP4 field 1
    b1 = jnp.asarray(sp4.FIELD1_MT[:2])
    fine_model = _FineRun(film, m0_fine, n_steps, dt)
    fine_s = _timed(fine_model, b1)
    coarse_run = eqx_jit(lambda mdl, b: hybrid.rollout(mdl, m0, b, n_steps, dt))
    hybrid_s = _timed(lambda b: coarse_run(model, b), b1)
    plain_s = _timed(lambda b: coarse_run(plain, b), b1)
    out.update(fine_s=fine_s, hybrid_s=hybrid_s, coarse_s=plain_s, speedup=fine_s / hybrid_s)
    print(f"speed: fine {fine_s:.2f} s, corrected coarse {hybrid_s:.3f} s "
          f"({fine_s / hybrid_s:.0f}x), uncorrected {plain_s:.3f} s", flush=True)  # fmt: skip

    # transfer to other geometries, no retraining
    fields = np.concatenate([data[k]["test_fields"][-args.n_transfer :] for k in "ps"])
    for geo, label in ((ellipse, "ellipse"), (small, "small")):
        fine = hybrid.geometry_trajectories(args.cache, geo, fields, t1=t1, dt_save=dt,
                                            progress=True)  # fmt: skip
        true = hybrid.mean_m(fine.astype(float), geo.mask())
        g0 = jnp.asarray(hybrid.restrict(fine[0, 0].astype(float), geo))
        errs = {}
        for name, mdl in (
            ("coarse", hybrid.CoarseModel(geo)),
            ("hybrid", hybrid.CoarseModel(geo, net)),
        ):
            errs[name] = _errors(hybrid.average_rollouts(mdl, g0, fields, n_steps, dt), true)
            out[f"transfer_{label}_{name}_err"] = errs[name].tolist()
        ratio = float(np.median(errs["hybrid"]) / np.median(errs["coarse"]))
        out[f"transfer_ratio_{label}"] = ratio
        print(f"transfer {label}: coarse median {np.median(errs['coarse']):.4f}, hybrid "
              f"{np.median(errs['hybrid']):.4f}, ratio {ratio:.2f}", flush=True)  # fmt: skip

    # gradient of a rollout loss against finite differences (fixed steps, float64)
    out["grad_fd_rel_err"] = hybrid.gradient_check(
        net, model, train, train_f, [0, len(train) - 1], [0, n_steps // 2], min(5, n_steps // 2),
        dt, key=k_fd, stepsize_controller=diffrax.ConstantStepSize(), dt0=5e-13,
    )  # fmt: skip
    print(f"gradient vs finite differences: {out['grad_fd_rel_err']:.2e}", flush=True)

    out.update(
        n_train=len(train), n_heldout_p=len(data["p"]["test_fields"]),
        n_heldout_s=len(data["s"]["test_fields"]), cells_fine=list(film.cells),
        cells_coarse=list(film.coarse_cells), train_s=train_s, train_steps=hist["steps"],
        loss_first=float(hist["loss"][0]), loss_last=float(hist["loss"][-1]),
        targets={"err_ratio": 1 / 3, "hybrid_err_max_p": 0.05, "speedup": 10,
                 "transfer_ratio": 0.5, "grad_fd_rel_err": 1e-4},
        total_s=time.perf_counter() - t_all, conditions=conditions(),
    )  # fmt: skip
    emit(out)
    return out


def eqx_jit(fn):
    import equinox as eqx

    return eqx.filter_jit(fn)


def _timed(fn, *args):
    """Wall time (s) of one call, after a first (compiling) call."""
    import jax

    jax.block_until_ready(fn(*args))
    t = time.perf_counter()
    jax.block_until_ready(fn(*args))
    return time.perf_counter() - t


class _FineRun:
    """One fine run in a field (mT), jit-compiled once."""

    def __init__(self, geometry, m0, n_steps, dt):
        import jax
        import jax.numpy as jnp
        import numpy as np

        from jaxmag import simulate

        ts = np.arange(n_steps + 1) * dt

        def run(b):
            s = geometry.system(field_mT=jnp.stack([b[0], b[1], jnp.zeros_like(b[0])]))
            return simulate(s, m0, float(ts[-1]), ts=ts, save_energies=False).m_avg

        self.run = jax.jit(run)

    def __call__(self, b):
        return self.run(b)


def _latent(data, fine_mask, args) -> dict:
    """The kernel latent stepper fitted on each family's fine training trajectories,
    ⟨m⟩ errors on the same held-out fields."""
    import jax
    import numpy as np

    from jaxmag.ml import hybrid, latent

    out = {}
    for fam in "ps":
        d = data[fam]
        m = d["train_m"][..., 0].astype(float)
        model = latent.fit_kernel_stepper(m, d["train_fields"], d=8, lam=1e-3,
                                          n_landmarks=min(1000, m.shape[0] * m.shape[1]),
                                          standardise_components=True,
                                          key=jax.random.key(args.seed))  # fmt: skip
        m0 = d["test_m"][0, 0, ..., 0].astype(float)
        n = d["test_m"].shape[1] - 1
        avg = latent.average_rollouts(model, m0, d["test_fields"], n)
        true = hybrid.mean_m(d["test_m"].astype(float), fine_mask)
        err = _errors(avg, true)
        out[f"latent_err_{fam}"] = err.tolist()
        out[f"latent_err_median_{fam}"] = float(np.median(err))
        print(f"latent {fam.upper()}: median {np.median(err):.4f}", flush=True)
    return out


if __name__ == "__main__":
    main()
