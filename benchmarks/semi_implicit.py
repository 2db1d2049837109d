"""The semi-implicit integrator (exchange implicit, demag explicit) against RK4FSAL.

    python benchmarks/semi_implicit.py            # SP4 200 × 50 × 1, 1 ns (~1 min)
    python benchmarks/semi_implicit.py --quick    # 50 × 13 × 1, 0.1 ns

Figures (last line, one JSON object):

- ``order_slope``: the convergence order of ``SemiImplicitBDF2`` at fixed steps (0.5 to
  0.0625 ps) on a smooth 24 × 6 × 1 film of 10 nm cells, against ``Dopri5`` at 1e-12;
- ``grad_rel_err``: reverse mode through 20 fixed semi-implicit steps (lineax's adjoint
  of the exchange solves) against central differences of the applied field;
- ``sp4``: µMAG SP4 field 1 from the relaxed s-state, per solver and tolerance:
  ``demag_evals_per_ns`` (RK4FSAL evaluates the demag field at each of its 4 stages; the
  semi-implicit step once), ``wall_s`` (the faster of two runs after a warm-up),
  ``max_abs_dmy_vs_oommf`` and steps; ``ratios`` semi-implicit / RK4FSAL at 1e-5;
- ``field2``: SP4 field 2, semi-implicit at 1e-4 against RK4FSAL at 1e-5 (no OOMMF
  reference is shipped for it): the largest difference of ⟨m⟩ and the first zero of
  ⟨mx⟩;
- ``rough``: steps from an unrelaxed state (where the semi-implicit scheme is not the
  better choice: the fast modes such a state excites must be resolved, and RK4 resolves
  them in fewer steps);
- ``stiff_1nm``: a film of 1 nm cells at 1 ps fixed steps (10× RK4's stability limit):
  the error of ⟨m⟩ for both.
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))


def _film(jm, cell, n, H=(-2e4, 4e3, 0.0)):
    return jm.make_system(jm.Mesh(n, cell), jm.Material(8e5, 1.3e-11, 0.02), H=H)


def _smooth_m0(n):
    x = np.linspace(-1, 1, n[0]).reshape(n[0], 1, 1) * np.ones(n)
    y = np.linspace(-1, 1, n[1]).reshape(1, n[1], 1) * np.ones(n)
    return np.stack([np.ones(n), 0.4 * np.sin(2 * x) + 0.2 * y, 0.1 + 0.2 * np.cos(3 * x)])


def order_slope(jm, diffrax):
    n = (24, 6, 1)
    system = _film(jm, (10e-9, 10e-9, 3e-9), n)
    m0 = system.check_magnetisation(_smooth_m0(n))
    t1 = 16e-12
    ref = jm.simulate(
        system, m0, t1, save_every=t1, solver=diffrax.Dopri5(), rtol=1e-12, atol=1e-12
    ).m_final
    solver = jm.SemiImplicitBDF2(linear_rtol=1e-13, linear_atol=0.0)
    dts = np.array([0.5, 0.25, 0.125, 0.0625]) * 1e-12
    errs = [
        float(
            np.max(
                np.abs(
                    jm.simulate_fixed(system, m0, dt, round(t1 / dt), solver=solver).m_final - ref
                )
            )
        )
        for dt in dts
    ]
    return float(np.polyfit(np.log(dts), np.log(errs), 1)[0]), errs


def gradient_error(jm, jax, jnp):
    mesh = jm.Mesh((12, 4, 1), (2.5e-9, 2.5e-9, 3e-9))
    mat = jm.Material(8e5, 1.3e-11, 0.02)
    solver = jm.SemiImplicitBDF2(linear_rtol=1e-14, linear_atol=0.0, max_linear_steps=60)
    m0 = jm.make_system(mesh, mat).check_magnetisation(_smooth_m0((12, 4, 1)))

    def loss(hx):
        system = jm.make_system(mesh, mat, H=jnp.stack([hx, 4e3, 0.0]))
        out = jm.simulate_fixed(system, m0, 0.5e-12, 20, solver=solver)
        return out.m_final[1].mean() + 0.3 * out.m_final[2].mean()

    hx = jnp.asarray(-2e4)
    g = float(jax.grad(loss)(hx))
    eps = 5.0
    fd = (float(loss(hx + eps)) - float(loss(hx - eps))) / (2 * eps)
    return abs(g - fd) / abs(fd), g, fd


def sp4_runs(jm, cells, t1, runs):
    from jaxmag.problems import sp4

    sys0, sys1 = sp4.system(cells), sp4.system(cells, sp4.FIELD1_MT)
    relaxed = jm.minimise(sys0, sp4.initial_state(cells)).m
    ts = np.arange(int(round(t1 / 1e-12)) + 1) * 1e-12
    out = {}
    for name, rtol in runs:
        solver = jm.dynamics.solver_from_name(name)
        kw = dict(rtol=rtol, atol=rtol, solver=solver, save_energies=False)
        jm.simulate(sys1, relaxed, ts[-1] * 1e-3, ts=ts * 1e-3, **kw).m_avg.block_until_ready()
        walls = []
        for _ in range(2):
            t = time.perf_counter()
            tr = jm.simulate(sys1, relaxed, ts[-1], ts=ts, **kw)
            tr.m_avg.block_until_ready()
            walls.append(time.perf_counter() - t)
        m = np.asarray(tr.m_avg)
        evals = int(tr.stats["rhs_evals"])
        out[f"{name}@{rtol:g}"] = {
            "solver": name,
            "rtol": rtol,
            "demag_evals": evals,
            "demag_evals_per_ns": evals / (t1 / 1e-9),
            "steps_accepted": int(tr.stats["num_accepted_steps"]),
            "steps_rejected": int(tr.stats["num_rejected_steps"]),
            "wall_s": min(walls),
            "max_abs_dmy_vs_oommf": sp4.compare_oommf(np.asarray(tr.ts), m)["my"],
            "max_norm_dev": float(tr.max_norm_dev),
        }
        print(name, rtol, out[f"{name}@{rtol:g}"], flush=True)
    return out


def field2(jm, cells, t1):
    """SP4 field 2 (no reference is shipped): the semi-implicit run at rtol 1e-4 against
    RK4FSAL at 1e-5, which agrees with OOMMF to 1e-6 on field 1."""
    from jaxmag.problems import sp4

    sys0, sys2 = sp4.system(cells), sp4.system(cells, sp4.FIELD2_MT)
    relaxed = jm.minimise(sys0, sp4.initial_state(cells)).m
    ts = np.arange(int(round(t1 / 1e-12)) + 1) * 1e-12
    m = {}
    for name, rtol in (("RK4FSAL", 1e-5), ("semi-implicit", 1e-4)):
        solver = jm.dynamics.solver_from_name(name)
        tr = jm.simulate(sys2, relaxed, ts[-1], ts=ts, rtol=rtol, atol=rtol, solver=solver)
        m[name] = np.asarray(tr.m_avg)
    d = np.abs(m["semi-implicit"] - m["RK4FSAL"]).max(axis=0)
    return {
        "max_abs_dm_si_vs_rk4": {c: float(v) for c, v in zip("xyz", d, strict=True)},
        "first_mx_zero_s": {k: sp4.first_zero(ts, v[:, 0]) for k, v in m.items()},
    }


def rough_steps(jm):
    n = (24, 6, 1)
    system = _film(jm, (2.5e-9, 2.5e-9, 3e-9), n)
    m0 = system.check_magnetisation(_smooth_m0(n))
    out = {}
    for name in ("semi-implicit", "RK4FSAL"):
        tr = jm.simulate(
            system, m0, 50e-12, save_every=5e-12, solver=jm.dynamics.solver_from_name(name)
        )
        out[name] = int(tr.stats["num_steps"])
    return out


def stiff_errors(jm, diffrax):
    n = (32, 8, 1)
    system = _film(jm, (1e-9, 1e-9, 3e-9), n)
    m0 = system.check_magnetisation(_smooth_m0(n))
    ref = jm.simulate(
        system, m0, 20e-12, save_every=20e-12, solver=diffrax.Dopri5(), rtol=1e-12, atol=1e-12
    ).m_avg[-1]
    out = {}
    for name in ("semi-implicit", "RK4FSAL"):
        tr = jm.simulate_fixed(system, m0, 1e-12, 20, solver=jm.dynamics.solver_from_name(name))
        out[name] = float(np.max(np.abs(np.asarray(tr.m_avg[-1] - ref))))
    return out


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="50 × 13 × 1 cells, 0.1 ns")
    args = p.parse_args(argv)
    cells, t1 = ((50, 13, 1), 1e-10) if args.quick else ((200, 50, 1), 1e-9)

    import diffrax
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    from _common import conditions, emit

    import jaxmag as jm

    slope, errs = order_slope(jm, diffrax)
    print(f"order: errors {errs}, slope {slope:.3f}", flush=True)
    grad_err, g, fd = gradient_error(jm, jax, jnp)
    print(f"gradient {g:.10g}, central differences {fd:.10g}: {grad_err:.2e}", flush=True)
    runs = [("RK4FSAL", 1e-5), ("semi-implicit", 1e-5), ("semi-implicit", 1e-4)]
    runs += [("semi-implicit", 3e-4)]
    sp4 = sp4_runs(jm, cells, t1, runs)
    rk, si5, si4, _ = (sp4[f"{n}@{r:g}"] for n, r in runs)
    figures = {
        "cells": list(cells),
        "t1_s": t1,
        "order_slope": slope,
        "order_errors": errs,
        "grad_rel_err": grad_err,
        "sp4": sp4,
        "ratios": {
            f"{k}_over_rk4fsal": {
                "demag_evals": v["demag_evals"] / rk["demag_evals"],
                "wall": v["wall_s"] / rk["wall_s"],
            }
            for k, v in (("si_1e-5", si5), ("si_1e-4", si4))
        },
        "field2": field2(jm, cells, t1),
        "rough": rough_steps(jm),
        "stiff_1nm_m_avg_err": stiff_errors(jm, diffrax),
        "quick": args.quick,
        "conditions": conditions(),
    }
    emit(figures)
    return figures


if __name__ == "__main__":
    main()
