"""µMAG SP4 with jaxmag, magnum.np and NeuralMag in one run, alternated, from one s-state.

    pip install torch==2.13.0 magnumnp neuralmag   # the peers (optional); neuralmag's JAX
                                                   # backend uses the diffrax jaxmag has
    python benchmarks/peers.py --repeats 2         # 200 × 50 × 1 cells, 1 ns (minutes)
    python benchmarks/peers.py --quick             # 20 × 5 × 1 cells, 20 ps, one repeat

Standard problem 4, field 1: permalloy 500 × 125 × 3 nm (Ms = 8e5 A/m, A = 1.3e-11 J/m,
α = 0.02) in float64. The s-state is relaxed once, by ``jaxmag.minimise`` from
m ∝ (1, 0.25, 0.1) in zero field, and that array is every code's initial magnetisation.
Then μ0H = (−24.6, 4.3, 0) mT is applied for ``--t1`` (1 ns), ⟨m⟩ saved every
``--save-every`` (1 ps, the OOMMF reference's spacing). Only these dynamics are timed, in
rounds jaxmag, magnum.np, NeuralMag, ... (``--repeats`` rounds), after one untimed warm-up
of each code at the same shapes (``compile_s``: jaxmag compiles; magnum.np runs
``torch.compile`` on its exchange field; NeuralMag jit-compiles its right-hand side and
diffrax's loop). ``setup_s`` is the building of each code's problem (demag kernels
included), ``import_s`` a peer's import.

The codes and what is matched:

- **jaxmag**: ``jaxmag.simulate`` with its default ``ProjectedSolver(RK4FSAL)`` (classic
  RK4 with a first-same-as-last error estimate, 4 evaluations per step; see
  ``jaxmag.dynamics``), or ``--jaxmag-solver Dopri5`` (any solver name), e.g.
  ``semi-implicit`` (:class:`jaxmag.SemiImplicitBDF2`, exchange implicit: one demag
  evaluation per step); rtol = atol = 1e-5 on the max norm over cells (or
  ``--jaxmag-rtol``), ⟨m⟩ saved by dense interpolation (energies not saved: the peers
  save none). Evaluations: ``trajectory.stats["rhs_evals"]`` (4 or 6 per step + 1; the
  semi-implicit solver's demag evaluations, one per step + 1).
- **magnum.np**: ``LLGSolver`` with its default ``RKF45``, atol = rtol = 1e-5 (its
  defaults; the error norm is the max over cells of err / (atol + rtol |m|), like
  jaxmag's). magnum.np has no dense output: ``llg.step(state, dt)`` is called up to each
  save time, and it shortens (after one rejected try) the step that would overshoot it;
  m is normalised at the end of each ``llg.step``. Evaluations are counted by wrapping
  the callable ``LLGSolver`` hands to its solver (a ``solver=`` factory around ``RKF45``,
  local to this script); accepted steps from ``state._step``.
- **NeuralMag**: the JAX backend's ``LLGSolver`` (diffrax ``Dopri5``,
  ``PIDController(rtol=1e-5, atol=1e-5)``) through ``llg.solve(ts)``, one
  ``diffeqsolve`` saving the whole field m at the save times (its API's way; ⟨m⟩ is
  taken afterwards, untimed). Its error norm is diffrax's default RMS
  norm over all nodes, which its API does not let one change, so it is looser than the
  max norm of the other two: it takes fewer steps. NeuralMag is nodal: the 200 × 50 mesh
  has 201 × 51 nodes, and the relaxed cell state is handed over by NeuralMag's own
  cell-to-node projection (``VectorCellFunction.to_node()``), normalised. There is no
  projection onto |m| = 1 during the run (``norm_dev_t1`` reports the drift).
  Evaluations: diffrax's ``sol.stats["num_steps"]`` × 6 + 1 (Dopri5 is first-same-as-
  last: 6 new evaluations per step, accepted or rejected, and one at the start), the
  formula jaxmag uses; the right-hand side is jitted inside NeuralMag, so a Python
  counter would count traces, not calls.

Figures per code: wall time of the dynamics (min, median), ``compile_s``, evaluations,
``s_per_eval`` (min wall / evaluations), accepted and rejected steps, the max
|Δ⟨m_i⟩| against OOMMF over the run (``sp4.compare_oommf``) and the first zero of ⟨mx⟩,
also after undoing the peers' other gyromagnetic ratio (``gamma_rescaled``: magnum.np and
NeuralMag use γ = 2.21276e5 m/(A s), OOMMF and jaxmag 2.211e5; in a static field that only
rescales time, so the peer's save times are stretched by γ_peer / 2.211e5);
the jaxmag / peer ratios of wall time and time per evaluation; the FFT floor (one
zero-padded demag convolution by ``jnp.fft`` alone: rfft2 of the 3 components on the
(2nx, 2ny) grid, the product with the 6 real kernel components, irfft2) and jaxmag's time
per evaluation over it. A peer that cannot be imported is ``{"missing": reason}``.
The last line is one JSON object.
"""

import argparse
import logging
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

CODES = ("jaxmag", "magnum.np", "neuralmag")


def _triple(text):
    v = tuple(int(x) for x in text.split(","))
    if len(v) != 3:
        raise argparse.ArgumentTypeError(f"expected NX,NY,NZ, got {text!r}")
    return v


def _block(x):
    import jax

    return jax.block_until_ready(x)


# --------------------------------------------------------------------------- jaxmag


def jaxmag_runner(m_relaxed, cells, ts, rtol, solver_name="RK4FSAL"):
    """Setup, warm-up and timed run of jaxmag's dynamics from ``m_relaxed`` (3, nx, ny, nz)."""
    import jaxmag as jm
    from jaxmag.problems import sp4

    system = sp4.system(cells, sp4.FIELD1_MT)
    solver = jm.dynamics.solver_from_name(solver_name)

    def warmup():
        # the same shapes over 1/1000 of the time: compiles, takes few steps
        _block(
            jm.simulate(
                system,
                m_relaxed,
                ts[-1] * 1e-3,
                ts=ts * 1e-3,
                rtol=rtol,
                atol=rtol,
                solver=solver,
                save_energies=False,
            ).m_avg
        )

    def run():
        t = time.perf_counter()
        traj = _block(
            jm.simulate(
                system,
                m_relaxed,
                ts[-1],
                ts=ts,
                rtol=rtol,
                atol=rtol,
                solver=solver,
                save_energies=False,
            )
        )
        wall = time.perf_counter() - t
        s = traj.stats
        return {
            "wall": wall,
            "ts": np.asarray(traj.ts),
            "m_avg": np.asarray(traj.m_avg),
            "rhs_evals": int(s["rhs_evals"]),
            "steps_accepted": int(s["num_accepted_steps"]),
            "steps_rejected": int(s["num_rejected_steps"]),
            "norm_dev_t1": float(traj.final_norm_dev),
        }

    info = {
        "solver": f"ProjectedSolver({solver_name}), PIDController(pcoeff=0.3, icoeff=0.3)",
        "rtol": rtol,
        "atol": rtol,
        "error_norm": "max over cells and components",
        "unknowns": int(np.prod(cells)),
        "gamma_LL": jm.constants.GAMMA_LL,
        "evals_counted_by": "trajectory.stats['rhs_evals'] (evaluations per step x steps + 1)",
    }
    return warmup, run, info


# ------------------------------------------------------------------------ magnum.np


def import_magnum():
    """``(magnumnp, torch)`` or a reason why not."""
    try:
        import torch
    except Exception as e:
        return None, f"import torch failed: {e!r}"
    try:
        import magnumnp
    except (Exception, SystemExit) as e:  # magnum.np exit()s when its own imports fail
        return None, f"import magnumnp failed: {e!r}"
    magnumnp.set_log_level(logging.WARNING)  # it logs every llg.step at INFO
    torch.set_default_dtype(torch.float64)
    return (magnumnp, torch), None


def magnum_runner(mods, m_relaxed, cells, ts, rtol):
    """magnum.np's SP4 dynamics from ``m_relaxed`` on the same cells (its layout is
    (nx, ny, nz, 3)), ``llg.step`` to each save time."""
    mn, torch = mods
    from jaxmag.problems import sp4

    mu0 = mn.constants.mu_0
    mesh = mn.Mesh(tuple(cells), tuple(s / n for s, n in zip(sp4.SIZE, cells, strict=True)))
    state = mn.State(mesh)
    state.material = {"Ms": sp4.MS, "A": sp4.A, "alpha": sp4.ALPHA}
    B = [b * 1e-3 / mu0 for b in sp4.FIELD1_MT]
    demag = mn.DemagField()
    terms = [demag, mn.ExchangeField(), mn.ExternalField(B)]
    m0 = torch.tensor(np.ascontiguousarray(np.moveaxis(np.asarray(m_relaxed), 0, -1)))
    state.m = m0.clone()
    demag.h(state)  # the demag kernel is built on the first call: part of the setup
    evals = [0]

    def counting_rkf45(f, **kwargs):
        """``LLGSolver``'s solver factory: its RKF45 around a counting ``f``."""

        def counted(*a, **k):
            evals[0] += 1
            return f(*a, **k)

        return mn.RKF45(counted, **kwargs)

    def integrate(ts_):
        state.t = 0.0
        state.m = m0.clone()
        llg = mn.LLGSolver(terms, solver=counting_rkf45, atol=rtol, rtol=rtol)
        evals[0], step0 = 0, state._step
        out_t, out_m = [float(state.t)], [state.m.mean(dim=(0, 1, 2))]
        t = time.perf_counter()
        for tk in ts_[1:]:
            llg.step(state, float(tk) - float(state.t))
            out_t.append(float(state.t))
            out_m.append(state.m.mean(dim=(0, 1, 2)))
        wall = time.perf_counter() - t
        tries = evals[0] // 6  # RKF45: 6 evaluations per try, accepted or not
        accepted = state._step - step0
        return {
            "wall": wall,
            "ts": np.asarray(out_t),
            "m_avg": torch.stack(out_m).cpu().numpy(),
            "rhs_evals": evals[0],
            "steps_accepted": accepted,
            "steps_rejected": tries - accepted,
            "norm_dev_t1": float((torch.linalg.norm(state.m, dim=-1) - 1).abs().max()),
        }

    def warmup():
        integrate(ts[:3])  # two save intervals: torch.compile of the exchange field

    info = {
        "solver": "RKF45 (magnum.np default), llg.step to each save time",
        "rtol": rtol,
        "atol": rtol,
        "error_norm": "max over cells and components of err / (atol + rtol |m|)",
        "unknowns": int(np.prod(cells)),
        "gamma_LL": float(mn.constants.gamma),
        "evals_counted_by": "counting wrapper around the callable LLGSolver passes to RKF45",
        "device": str(state.device),
    }
    return warmup, lambda: integrate(ts), info


# ------------------------------------------------------------------------ NeuralMag


def import_neuralmag():
    """``neuralmag`` on its JAX backend in float64, or a reason why not."""
    try:
        import neuralmag as nm
    except Exception as e:
        return None, f"import neuralmag failed: {e!r}"
    try:
        nm.config.backend  # noqa: B018 (selects the backend: JAX unless NM_BACKEND says)
        if nm.config.backend_name != "jax":
            return None, f"NeuralMag backend is {nm.config.backend_name!r}; set NM_BACKEND=jax"
        nm.config.dtype = "float64"
    except Exception as e:
        return None, f"NeuralMag's JAX backend failed: {e!r}"
    nm.set_log_level(logging.WARNING)
    return nm, None


NM_SCALE_T = 1e-9
"""NeuralMag's internal time unit (s), its default."""


def neuralmag_runner(nm, m_relaxed, cells, ts, rtol):
    """NeuralMag's SP4 dynamics on a 2D nodal mesh of the same cells (its thin-film
    recommendation), from the relaxed cell state projected to the nodes."""
    import jax.numpy as jnp
    from neuralmag.common import llg as nm_llg
    from scipy import constants

    from jaxmag.problems import sp4

    if cells[2] != 1:
        raise ValueError("the NeuralMag run is a single-layer film: cells must be (nx, ny, 1)")
    nx, ny = cells[:2]
    mesh = nm.Mesh((nx, ny), (sp4.SIZE[0] / nx, sp4.SIZE[1] / ny, sp4.SIZE[2]))
    state = nm.State(mesh)
    state.material.Ms = sp4.MS
    state.material.A = sp4.A
    state.material.alpha = sp4.ALPHA
    m_cells = jnp.moveaxis(jnp.asarray(m_relaxed)[..., 0], 0, -1)  # (nx, ny, 3)
    m_nodes = nm.VectorCellFunction(state, tensor=m_cells).to_node().tensor
    m_nodes = m_nodes / jnp.linalg.norm(m_nodes, axis=-1, keepdims=True)
    state.m = nm.VectorFunction(state, tensor=m_nodes)
    nm.ExchangeField().register(state, "exchange")
    nm.DemagField().register(state, "demag")
    B = [b * 1e-3 / constants.mu_0 for b in sp4.FIELD1_MT]
    nm.ExternalField(nm.VectorFunction(state).fill(B)).register(state, "external")
    nm.TotalField("exchange", "demag", "external").register(state)
    llg = nm.LLGSolver(state, scale_t=NM_SCALE_T, rtol=rtol, atol=rtol, max_steps=1_000_000)
    # nodal P1 mean (lumped mass): edge nodes weigh 1/2, corners 1/4, as NeuralMag's avg()
    wx, wy = np.ones(nx + 1), np.ones(ny + 1)
    wx[[0, -1]] = wy[[0, -1]] = 0.5
    w = np.outer(wx, wy) / (nx * ny)

    def integrate(ts_):
        state.m.tensor = m_nodes
        t = time.perf_counter()
        sol = llg.solve(jnp.asarray(ts_))
        _block(sol.ys)
        wall = time.perf_counter() - t
        ys = np.asarray(sol.ys)
        s = sol.stats
        return {
            "wall": wall,
            "ts": np.asarray(sol.ts) * NM_SCALE_T,
            "m_avg": np.einsum("tijc,ij->tc", ys, w),
            "rhs_evals": 6 * int(s["num_steps"]) + 1,
            "steps_accepted": int(s["num_accepted_steps"]),
            "steps_rejected": int(s["num_rejected_steps"]),
            "norm_dev_t1": float(np.max(np.abs(np.linalg.norm(ys[-1], axis=-1) - 1))),
        }

    info = {
        "solver": "diffrax Dopri5, PIDController (NeuralMag LLGSolver, JAX backend), llg.solve(ts)",
        "rtol": rtol,
        "atol": rtol,
        "error_norm": "RMS over nodes and components (diffrax's default; not settable)",
        "unknowns": (nx + 1) * (ny + 1),
        "gamma_LL": float(nm_llg.GAMMA_PRIME),
        "discretisation": f"nodal, 2D mesh ({nx}, {ny}): {nx + 1} x {ny + 1} nodes",
        "evals_counted_by": "diffrax sol.stats['num_steps'] * 6 + 1 (Dopri5, FSAL)",
    }
    return lambda: integrate(ts * 1e-3), lambda: integrate(ts), info


# ------------------------------------------------------------------------ FFT floor


def fft_floor(nx: int, ny: int, repeats: int = 50) -> float:
    """Seconds (min of ``repeats``) for one zero-padded (2nx × 2ny) FFT demag
    convolution of a 3-vector field in float64, by ``jnp.fft`` alone."""
    import jax
    import jax.numpy as jnp

    key = jax.random.PRNGKey(0)
    s = (2 * nx, 2 * ny)
    m = jax.random.normal(key, (3, nx, ny), jnp.float64)
    # the transformed Newell tensor is real (it is even in every coordinate): 6 real parts
    K = jax.random.normal(key, (6, s[0], s[1] // 2 + 1), jnp.float64)

    @jax.jit
    def conv(m, K):
        Mh = jnp.fft.rfft2(m, s=s)
        Hh = jnp.stack([K[0] * Mh[0] + K[3] * Mh[1] + K[4] * Mh[2],
                        K[3] * Mh[0] + K[1] * Mh[1] + K[5] * Mh[2],
                        K[4] * Mh[0] + K[5] * Mh[1] + K[2] * Mh[2]])  # fmt: skip
        return jnp.fft.irfft2(Hh, s=s)[:, :nx, :ny]

    _block(conv(m, K))
    walls = []
    for _ in range(repeats):
        t = time.perf_counter()
        _block(conv(m, K))
        walls.append(time.perf_counter() - t)
    return min(walls)


# ----------------------------------------------------------------------------- main


GAMMA_LL_OOMMF = 2.211e5
"""OOMMF's (and jaxmag's) gyromagnetic ratio in m/(A s); magnum.np and NeuralMag use
2.21276e5 (CODATA), 0.08% more: their clocks run that much faster."""


def _figures(info, runs, ref_zero):
    from _common import summary

    from jaxmag.problems import sp4

    last = runs[-1]
    walls = [r["wall"] for r in runs]
    d = sp4.compare_oommf(last["ts"], last["m_avg"])
    zero = sp4.first_zero(last["ts"], last["m_avg"][:, 0])
    # In a static field the LLG depends on t only through gamma t: a code with another
    # gamma follows the same path on a stretched clock, which this undoes.
    stretch = info["gamma_LL"] / GAMMA_LL_OOMMF
    dg = sp4.compare_oommf(last["ts"] * stretch, last["m_avg"])
    return {
        **info,
        "wall_s": summary(walls),
        "wall_min_s": min(walls),
        "rhs_evals": last["rhs_evals"],
        "rhs_evals_per_repeat": [r["rhs_evals"] for r in runs],
        "steps_accepted": last["steps_accepted"],
        "steps_rejected": last["steps_rejected"],
        "s_per_eval": min(walls) / last["rhs_evals"],
        "max_abs_dm_vs_oommf": d,
        "max_abs_dmy_vs_oommf": d["my"],
        "first_mx_zero_s": zero,
        "first_mx_zero_minus_oommf_s": zero - ref_zero,
        "gamma_rescaled": {
            "t_stretch": stretch,
            "max_abs_dm_vs_oommf": dg,
            "first_mx_zero_minus_oommf_s": zero * stretch - ref_zero,
        },
        "m_t1": last["m_avg"][-1],
        "norm_dev_t1": last["norm_dev_t1"],
    }


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cells", type=_triple, default=(200, 50, 1), help="NX,NY,NZ")
    p.add_argument("--t1", type=float, default=1e-9, help="end time in s")
    p.add_argument("--save-every", type=float, default=1e-12, help="save interval in s")
    p.add_argument("--rtol", type=float, default=1e-5, help="solver tolerance (rtol = atol)")
    p.add_argument("--repeats", type=int, default=3, help="timed rounds of all the codes")
    p.add_argument("--codes", default=",".join(CODES), help="which codes, comma-separated")
    p.add_argument(
        "--jaxmag-solver",
        default="RK4FSAL",
        help="jaxmag's solver, a name of jaxmag.dynamics.SOLVER_NAMES (RK4FSAL, "
        "semi-implicit, Dopri5, Tsit5, Bosh3, Heun, Euler; default RK4FSAL)",
    )
    p.add_argument(
        "--jaxmag-rtol",
        type=float,
        default=None,
        help="jaxmag's tolerance if not --rtol (the semi-implicit solver's error estimate "
        "is that of a second-order method: compare the codes at equal accuracy against "
        "OOMMF, which the output reports)",
    )
    p.add_argument("--quick", action="store_true", help="smoke run: 20,5,1 cells, 20 ps, 1 repeat")
    args = p.parse_args(argv)
    if args.quick:
        args.cells, args.t1, args.repeats = (20, 5, 1), 2e-11, 1
    codes = [c for c in args.codes.split(",") if c]
    if "jaxmag" not in codes or any(c not in CODES for c in codes):
        p.error(f"--codes takes jaxmag and any of {CODES[1:]}")
    if args.repeats < 1 or args.save_every <= 0 or args.t1 < 2 * args.save_every:
        p.error("repeats must be >= 1 and t1 at least two save intervals")

    import jax

    jax.config.update("jax_enable_x64", True)
    from _common import conditions, emit

    import jaxmag as jm
    from jaxmag.problems import sp4

    if args.jaxmag_solver not in jm.dynamics.SOLVER_NAMES:
        p.error(f"--jaxmag-solver must be one of {jm.dynamics.SOLVER_NAMES}")
    cells = tuple(args.cells)
    ts = np.arange(int(round(args.t1 / args.save_every)) + 1) * args.save_every
    print(
        f"SP4 field 1 on {cells} cells, {args.t1:g} s, saves every {args.save_every:g} s, "
        f"rtol = atol = {args.rtol:g}, {args.repeats} rounds of {codes}",
        flush=True,
    )

    t = time.perf_counter()
    relaxed = _block(jm.minimise(sp4.system(cells), sp4.initial_state(cells)))
    relax_s = time.perf_counter() - t
    m_relaxed = relaxed.m
    print(
        f"relaxed (jaxmag.minimise, compile included): {relax_s:.1f} s, "
        f"converged {bool(relaxed.converged)}, ⟨m⟩ = "
        f"{np.round(np.asarray(jm.mean_m(sp4.system(cells), m_relaxed)), 6)}",
        flush=True,
    )

    out, runners = {}, {}
    importers = {"magnum.np": import_magnum, "neuralmag": import_neuralmag}
    builders = {"magnum.np": magnum_runner, "neuralmag": neuralmag_runner}
    for code in codes:
        t = time.perf_counter()
        mods = None
        if code != "jaxmag":
            mods, why = importers[code]()
            if mods is None:
                out[code] = {"missing": why}
                print(f"{code}: missing ({why})", flush=True)
                continue
        import_s = time.perf_counter() - t
        t = time.perf_counter()
        if code == "jaxmag":
            warmup, run, info = jaxmag_runner(
                m_relaxed, cells, ts, args.jaxmag_rtol or args.rtol, args.jaxmag_solver
            )
        else:
            warmup, run, info = builders[code](mods, m_relaxed, cells, ts, args.rtol)
        setup_s = time.perf_counter() - t
        t = time.perf_counter()
        warmup()
        compile_s = time.perf_counter() - t
        info = {**info, "import_s": import_s, "setup_s": setup_s, "compile_s": compile_s}
        runners[code] = (run, info)
        print(
            f"{code}: import {import_s:.1f} s, setup {setup_s:.1f} s, "
            f"warm-up (compile) {compile_s:.1f} s",
            flush=True,
        )

    runs = {code: [] for code in runners}
    for k in range(args.repeats):
        for code, (run, _) in runners.items():
            r = run()
            runs[code].append(r)
            print(
                f"round {k + 1}, {code}: {r['wall']:.2f} s, {r['rhs_evals']} evaluations "
                f"({r['wall'] / r['rhs_evals'] * 1e3:.3f} ms each), "
                f"{r['steps_accepted']} + {r['steps_rejected']} rejected steps",
                flush=True,
            )

    ref = sp4.oommf_reference()
    ref_zero = sp4.first_zero(ref["t_s"], ref["mx"])
    for code, (_, info) in runners.items():
        out[code] = _figures(info, runs[code], ref_zero)
    out = {code: out[code] for code in codes}
    jm_fig = out["jaxmag"]
    ratios = {
        code: {
            "wall_min": jm_fig["wall_min_s"] / f["wall_min_s"],
            "wall_median": jm_fig["wall_s"]["median"] / f["wall_s"]["median"],
            "s_per_eval": jm_fig["s_per_eval"] / f["s_per_eval"],
            "rhs_evals": jm_fig["rhs_evals"] / f["rhs_evals"],
        }
        for code, f in out.items()
        if code != "jaxmag" and "missing" not in f
    }
    floor = fft_floor(cells[0], cells[1])

    cond = conditions()
    try:
        import torch

        cond["torch"] = torch.__version__
        cond["torch_threads"] = torch.get_num_threads()
        cond["torch_dtype"] = str(torch.get_default_dtype())
    except Exception as e:
        cond["torch"] = f"missing: {e!r}"
    for mod in ("magnumnp", "neuralmag", "diffrax"):
        m = sys.modules.get(mod)
        cond[mod] = getattr(m, "__version__", None) if m else None

    figures = {
        "problem": "muMAG SP4 field 1",
        "field_mT": list(sp4.FIELD1_MT),
        "cells": list(cells),
        "ncells": int(np.prod(cells)),
        "t1_s": float(ts[-1]),
        "save_every_s": args.save_every,
        "rtol": args.rtol,
        "repeats": args.repeats,
        "order": list(runners),
        "relax": {
            "by": "jaxmag.minimise, shared by every code",
            "wall_s_with_compile": relax_s,
            "converged": bool(relaxed.converged),
            "max_torque": float(relaxed.max_torque),
            "m_avg": np.asarray(jm.mean_m(sp4.system(cells), m_relaxed)),
        },
        "codes": out,
        "ratios_jaxmag_over_peer": ratios,
        "fft_floor_s": floor,
        "jaxmag_s_per_eval_over_floor": jm_fig["s_per_eval"] / floor,
        "oommf_first_mx_zero_s": ref_zero,
        "quick": args.quick,
        "conditions": cond,
    }
    print(
        f"FFT floor {floor * 1e3:.3f} ms; jaxmag {jm_fig['s_per_eval'] * 1e3:.3f} ms/eval "
        f"(x{figures['jaxmag_s_per_eval_over_floor']:.2f}); ratios jaxmag/peer {ratios}",
        flush=True,
    )
    emit(figures)
    return figures


if __name__ == "__main__":
    main()
