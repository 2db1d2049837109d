"""Thermal macrospins: Boltzmann statistics, Néel–Brown escape rates, weak order, throughput.

    python benchmarks/thermal.py [--quick] [--events 5000] [--budget 3e8]

Uses :func:`jaxmag.thermal.macrospin_sde` (projected Heun) against the theory of
:mod:`jaxmag.thermal`. The last line of output is one JSON object:

- ``langevin``: isotropic macrospin in a field, ``⟨m·ĥ⟩`` against ``L(ξ)`` (replicas
  drawn from the Boltzmann density, then time and replica average after a burn-in:
  the check is that the SDE keeps it stationary; stderr from the replicas' means);
- ``uniaxial``: ``⟨mz²⟩`` of a uniaxial macrospin (σ = 3, 8, no field) against the
  exact ``∫ x² e^{σx²} / ∫ e^{σx²}`` (Talay–Tubaro from dt and 2 dt; half the replicas
  start in each well), and a χ² test of the histogram of mz against ``e^{σ mz²}``;
- ``escape``: ``λ1 τ_N`` from the long-time decay of ``⟨mz⟩(t) - ⟨mz⟩_eq`` (all
  replicas start at mz = +1; a least-squares fit of ``A exp(-λ1 t)`` over
  ``[6/λ2, 6/λ2 + 0.7/λ1]``, after the intrawell transients; stderr by a 16-group
  jackknife over replicas), beside the exact Fokker–Planck eigenvalue and Brown's
  asymptote. With h ≠ 0 the field points along -z, so the start sits in the shallow
  well (λ1 is even in h). Each case runs projected Heun at steps dt and 2 dt on one
  Brownian path (:func:`jaxmag.thermal.macrospin_sde_coupled`), dt = min(0.025,
  0.1 α)/σ τ_N. Heun's weak error is O(dt) (about -2.5 % in λ1 at σ dt = 0.025,
  whatever σ, at α = 1), cancelled by the Talay–Tubaro value ``2 λ(dt) - λ(2 dt)``
  wherever the coarse step is still in the O(dt) regime, i.e. turns the precession
  by at most 0.1 rad (α = 1). At α = 0.1 the coarse step turns it by 0.2 rad and
  carries a precession error of higher order (+5 % at σ = 10 at 0.4 rad against
  0.2 rad), so the fine value (0.1 rad a step) is reported and the coarse one only
  shown (``estimator`` says which);
- ``weak_order``: the bias of the stationary ``⟨mz⟩`` against ``L(ξ)`` for a sequence of
  steps, and the fitted slope of log |bias| against log dt;
- ``replica_steps_per_s``: throughput of ``macrospin_sde`` for B = 10⁴ replicas.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

MS, VOL, TEMP = 8e5, 1.25e-25, 300.0  # A/m, m³ (5 nm cube), K


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="smoke run of a few seconds")
    p.add_argument(
        "--events",
        type=float,
        default=5000,
        help="escapes per case within the fit window (replicas = 2 events / 0.7; "
        "relative stderr about 1.6/sqrt(events); default 5000)",
    )
    p.add_argument(
        "--budget",
        type=float,
        default=3e8,
        help="at least this many fine replica·steps per escape case (default 3e8)",
    )
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)

    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import numpy as np
    from _common import conditions, emit
    from scipy.optimize import curve_fit
    from scipy.stats import chi2 as chi2_dist

    from jaxmag.constants import K_B, MU0
    from jaxmag.thermal import (
        brown_asymptotic,
        brown_eigenvalues,
        langevin,
        macrospin_sde,
        macrospin_sde_coupled,
        neel_time,
        uniaxial_bin_probabilities,
        uniaxial_mz2,
        uniaxial_mz_pdf,
    )

    quick = args.quick
    key = jax.random.key(args.seed)
    t_start = time.perf_counter()

    def up(B):
        return jnp.zeros((3, B)).at[2].set(1.0)

    def run(k, B, t1_tau, dt_tau, n_saves, alpha, K=0.0, Hz=0.0, m0=None):
        tau = neel_time(MS, VOL, alpha, TEMP)
        m0 = up(B) if m0 is None else m0
        n = int(np.ceil(t1_tau / dt_tau / (n_saves - 1))) * (n_saves - 1)
        ts, m = macrospin_sde(
            k, m0, t1_tau * tau, n_steps=n, n_saves=n_saves, Ms=MS, V=VOL, alpha=alpha,
            T=TEMP, K=K, H=(0.0, 0.0, Hz),
        )  # fmt: skip
        return np.asarray(ts) / tau, np.asarray(m[:, 2]), n

    # ---- equilibrium: Langevin function --------------------------------------------
    def stationary_mz(k, xi, dt_tau, B, t_burn, t_avg, n_saves):
        H = xi * K_B * TEMP / (MU0 * MS * VOL)
        # start in equilibrium: mz by inverse CDF of exp(ξ mz), azimuth uniform
        k0, k = jax.random.split(k)
        u1, u2 = jax.random.uniform(k0, (2, B))
        z = 1 + jnp.log1p(-u1 * (-jnp.expm1(-2 * xi))) / xi
        r, ph = jnp.sqrt(jnp.clip(1 - z**2, 0)), 2 * jnp.pi * u2
        m0 = jnp.stack([r * jnp.cos(ph), r * jnp.sin(ph), z])
        ts, mz, n = run(k, B, t_burn + t_avg, dt_tau, n_saves, 1.0, Hz=H, m0=m0)
        rep = mz[ts >= t_burn].mean(axis=0)  # per replica time average
        return rep.mean(), rep.std(ddof=1) / np.sqrt(B), int((ts >= t_burn).sum()), n

    xis = [0.5, 2.0, 20.0] if quick else [0.5, 1.0, 2.0, 5.0, 10.0, 20.0]
    B_eq = 256 if quick else 4000
    t_burn, t_avg = (1.0, 4.0) if quick else (3.0, 40.0)
    lang = []
    for i, xi in enumerate(xis):
        # Heun's stationary distribution is biased by O(dt) (weak order 1; measured below):
        # at dt = 0.01 τ_N the bias is several standard errors. Talay–Tubaro extrapolation
        # from dt and dt/2 (independent keys), 2 m(dt/2) - m(dt), removes that term.
        dt = min(0.01, 0.1 / xi)  # precession ξ/(2α) per τ_N, α = 1: ≤ 0.05 rad a step
        m1, se1, ns, n = stationary_mz(
            jax.random.fold_in(key, 100 + i), xi, dt, B_eq, t_burn, t_avg, 41
        )
        m2, se2, _, _ = stationary_mz(
            jax.random.fold_in(key, 200 + i), xi, dt / 2, B_eq, t_burn, t_avg, 41
        )
        mean, se = 2 * m2 - m1, float(np.hypot(2 * se2, se1))
        th = langevin(xi)
        lang.append(
            {
                "xi": xi, "m_par": mean, "stderr": se, "theory": th, "z": (mean - th) / se,
                "estimator": "Talay-Tubaro 2 m(dt/2) - m(dt)",
                "m_par_dt": m1, "stderr_dt": se1, "z_dt": (m1 - th) / se1,
                "m_par_dt_half": m2, "stderr_dt_half": se2, "z_dt_half": (m2 - th) / se2,
                "replicas": B_eq, "saves_averaged": ns, "dt_tauN": dt, "alpha": 1.0,
                "effective_samples": B_eq * t_avg,  # per run; saves 1 τ_N apart ~ independent
            }
        )  # fmt: skip
        log(
            f"langevin xi={xi}: {mean:.5f} ± {se:.5f} vs {th:.5f} (z={(mean - th) / se:+.2f}); "
            f"dt {m1:.5f} (z={(m1 - th) / se1:+.2f}), dt/2 {m2:.5f} (z={(m2 - th) / se2:+.2f})"
        )

    # ---- equilibrium: uniaxial, p(mz) ∝ exp(σ mz²) ------------------------------------
    uniaxial = []
    for i, sigma in enumerate((3.0,) if quick else (3.0, 8.0)):
        B_u = 512 if quick else 10000
        t_burn_u, t_avg_u, ns_u = (1.0, 4.0, 9) if quick else (1.0, 20.0, 43)
        dt = 0.025 / sigma  # α = 1; Talay–Tubaro from dt and 2 dt on one path
        t1 = t_burn_u + t_avg_u
        steps = int(np.ceil(t1 / dt / (2 * (ns_u - 1)))) * 2 * (ns_u - 1)
        m0 = up(B_u).at[2].multiply(jnp.where(jnp.arange(B_u) % 2 == 0, 1.0, -1.0))
        tau = neel_time(MS, VOL, 1.0, TEMP)
        ts, mf, mc = macrospin_sde_coupled(
            jax.random.fold_in(key, 300 + i), m0, t1 * tau, n_steps=steps, n_saves=ns_u,
            Ms=MS, V=VOL, alpha=1.0, T=TEMP, K=sigma * K_B * TEMP / VOL,
        )  # fmt: skip
        sel = np.asarray(ts) / tau >= t_burn_u
        zf, zc = np.asarray(mf[sel, 2]), np.asarray(mc[sel, 2])
        rep = 2 * (zf**2).mean(axis=0) - (zc**2).mean(axis=0)  # per replica
        mean, se = float(rep.mean()), float(rep.std(ddof=1) / np.sqrt(B_u))
        exact = uniaxial_mz2(sigma)
        # histogram of the fine run's last save (one independent sample per replica)
        edges = np.linspace(-1, 1, 21)
        expected = B_u * uniaxial_bin_probabilities(edges, sigma)
        counts, _ = np.histogram(zf[-1], edges)
        chi2 = float(np.sum((counts - expected) ** 2 / expected))
        p_val = float(chi2_dist.sf(chi2, df=len(counts) - 1))
        uniaxial.append(
            {
                "sigma": sigma,
                "mz2": mean,
                "stderr": se,
                "exact": exact,
                "z": (mean - exact) / se,
                "estimator": "Talay-Tubaro 2 m(dt) - m(2 dt)",
                "mz2_dt": float((zf**2).mean()),
                "mz2_2dt": float((zc**2).mean()),
                "histogram_chi2": chi2,
                "histogram_dof": len(counts) - 1,
                "histogram_p": p_val,
                "replicas": B_u,
                "dt_tauN": dt,
                "effective_samples": B_u * int(sel.sum()),  # saves 0.5 τ_N apart > 1/(2σ)
            }  # fmt: skip
        )
        log(
            f"uniaxial σ={sigma}: <mz²> {mean:.5f} ± {se:.5f} vs {exact:.5f} "
            f"(z={(mean - exact) / se:+.2f}); histogram chi2 {chi2:.1f}/19, p={p_val:.3f}"
        )

    # ---- escape: λ1 τ_N ----------------------------------------------------------------
    cases = [(s, 0.0) for s in (3.0, 5.0, 8.0, 10.0)] + [(5.0, 0.2)]
    alphas = (0.1, 1.0)
    if quick:
        cases, alphas = [(3.0, 0.0)], (1.0,)
    escape = []
    w = 0.7  # fit window after the transients, in units of 1/λ1 (⟨mz⟩ falls to 1/2)
    for ia, alpha in enumerate(alphas):
        for ic, (sigma, h) in enumerate(cases):
            ev = brown_eigenvalues(sigma, h, 3)
            lam = float(ev[1])
            K = sigma * K_B * TEMP / VOL
            Hz = -h * 2 * K / (MU0 * MS)
            # per fine step: noise and damping act at σ h = 0.025, precession turns
            # σ h / α <= 0.1 rad (the intrawell rate is ~2σ/τ_N, precession σ/α)
            dt = min(0.025, 0.1 * alpha) / sigma
            # Heun's O(h) bias is cancelled by 2 λ(h) - λ(2h) only while the coarse step
            # is asymptotic; its precession error is not O(h): turns <= 0.1 rad required
            extrapolate = 2 * dt * sigma / alpha <= 0.1
            t_a = 6.0 / ev[2]  # the fastest-decaying transients have gone (e^-6)
            t1 = t_a + w / lam
            n_saves = 41
            steps = int(np.ceil(t1 / dt / (2 * (n_saves - 1)))) * 2 * (n_saves - 1)
            # a replica leaves its well at rate λ1/2: B w / 2 escapes within the window;
            # where steps are few (low σ), spend at least --budget replica·steps
            B = max(2 * args.events / w, args.budget / steps)
            B = 1024 if quick else int(np.clip(B, 256, 200000)) // 16 * 16
            tau = neel_time(MS, VOL, alpha, TEMP)
            t0 = time.perf_counter()
            ts, mf, mc = macrospin_sde_coupled(
                jax.random.fold_in(key, 1000 * ia + ic), up(B), t1 * tau, n_steps=steps,
                n_saves=n_saves, Ms=MS, V=VOL, alpha=alpha, T=TEMP, K=K, H=(0.0, 0.0, Hz),
            )  # fmt: skip
            ts = np.asarray(ts) / tau
            mf, mc = np.asarray(mf[:, 2]), np.asarray(mc[:, 2])
            wall = time.perf_counter() - t0
            x = np.linspace(-1, 1, 4001)
            mz_eq = float(np.trapezoid(x * uniaxial_mz_pdf(x, sigma, -h), x))
            sel = ts >= t_a

            def rate(mz, cols, sel=sel, ts=ts, mz_eq=mz_eq, lam=lam):
                # least squares of ⟨mz⟩ - mz_eq = A exp(-λ t) over the window
                d = mz[:, cols].mean(axis=1)[sel] - mz_eq
                f = lambda t, a, r: a * np.exp(-r * (t - ts[sel][0]))  # noqa: E731
                return curve_fit(f, ts[sel], d, p0=(d[0], lam))[0][1]

            def tt_rate(cols, mf=mf, mc=mc):
                return 2 * rate(mf, cols) - rate(mc, cols)

            groups = np.arange(B).reshape(16, -1)

            def jackknife(fn, groups=groups):
                full = fn(slice(None))
                jk = np.array([fn(np.delete(groups, g, axis=0).ravel()) for g in range(16)])
                return float(full), float(np.sqrt(15 / 16 * np.sum((jk - jk.mean()) ** 2)))

            fine, se_f = jackknife(lambda c, mf=mf: rate(mf, c))
            coarse, se_c = jackknife(lambda c, mc=mc: rate(mc, c))
            extra, se_x = jackknife(tt_rate)
            best, se = (extra, se_x) if extrapolate else (fine, se_f)
            asym = brown_asymptotic(sigma, h)
            row = {
                "sigma": sigma, "h": h, "alpha": alpha, "lambda1_tauN": best, "stderr": se,
                "estimator": "Talay-Tubaro 2 λ(dt) - λ(2 dt)" if extrapolate else "λ(dt)",
                "exact": lam, "asymptotic": asym, "rel_err_exact": best / lam - 1,
                "rel_stderr": se / lam, "z_exact": (best - lam) / se,
                "rel_err_asymptotic_vs_exact": asym / lam - 1,
                "lambda_dt": fine, "stderr_dt": se_f, "rel_err_dt": fine / lam - 1,
                "lambda_2dt": coarse, "stderr_2dt": se_c, "rel_err_2dt": coarse / lam - 1,
                "lambda_extrapolated": extra, "stderr_extrapolated": se_x,
                "replicas": B, "n_steps_dt": steps, "dt_tauN": dt, "t1_tauN": t1,
                "fit_window_tauN": [t_a, t1], "lambda_fast_tauN": float(ev[2]),
                "mz_eq": mz_eq, "wall_s": wall,
            }  # fmt: skip
            escape.append(row)
            log(
                f"escape σ={sigma} h={h} α={alpha}: {best:.5g} ± {se:.2g} vs exact {lam:.5g} "
                f"({100 * (best / lam - 1):+.1f} ± {100 * se / lam:.1f} %, {row['estimator']}); "
                f"dt {100 * (fine / lam - 1):+.1f} %, 2dt {100 * (coarse / lam - 1):+.1f} %; "
                f"asymptotic {asym:.5g}; B={B}, {steps} steps, {wall:.0f} s"
            )

    # ---- weak order: stationary bias against L(ξ) --------------------------------------
    xi_w = 10.0
    dts = [0.1, 0.2] if quick else [0.0125, 0.025, 0.05, 0.1, 0.2]
    B_w = 256 if quick else 4000
    pts = []
    for i, dt in enumerate(dts):
        mean, se, _, _ = stationary_mz(
            jax.random.fold_in(key, 5000 + i), xi_w, dt, B_w, 2.0, 4.0 if quick else 40.0, 41
        )
        pts.append({"dt_tauN": dt, "m_par": mean, "stderr": se, "bias": mean - langevin(xi_w)})
        log(f"weak order dt={dt}: bias {mean - langevin(xi_w):+.2e} ± {se:.1e}")
    b = np.abs([q["bias"] for q in pts])
    # the order is the asymptotic slope: fit the three smallest steps (all points too; at
    # dt >= 0.1 τ_N the bias saturates, pre-asymptotic)
    ok = np.all(b > 0)
    slope = float(np.polyfit(np.log(dts[:3]), np.log(b[:3]), 1)[0]) if ok else None
    slope_all = float(np.polyfit(np.log(dts), np.log(b), 1)[0]) if ok else None
    weak = {
        "slope": slope,
        "slope_fit_dts": dts[:3],
        "slope_all": slope_all, "solver": "heun (projected)", "xi": xi_w, "alpha": 1.0,
        "replicas": B_w, "observable": "stationary <mz> - L(xi)", "points": pts,
    }  # fmt: skip
    log(f"weak order slope {slope}")

    # ---- throughput ----------------------------------------------------------------------
    B_t, n_t = (2000, 200) if quick else (10000, 2000)
    kw = dict(n_saves=2, Ms=MS, V=VOL, alpha=0.1, T=TEMP, K=5 * K_B * TEMP / VOL)
    tau = neel_time(MS, VOL, 0.1, TEMP)
    _, m = macrospin_sde(key, up(B_t), 1e-3 * n_t * tau, n_steps=n_t, **kw)
    m.block_until_ready()
    walls = []
    for r in range(1 if quick else 3):
        t0 = time.perf_counter()
        _, m = macrospin_sde(
            jax.random.fold_in(key, r), up(B_t), 1e-3 * n_t * tau, n_steps=n_t, **kw
        )
        m.block_until_ready()
        walls.append(time.perf_counter() - t0)
    thr = B_t * n_t / min(walls)
    log(f"throughput {thr:.3g} replica·steps/s (B={B_t})")

    figures = {
        "benchmark": "thermal macrospin",
        "Ms_A_per_m": MS, "V_m3": VOL, "T_K": TEMP, "quick": quick,
        "langevin": lang,
        "langevin_max_abs_z": max(abs(r["z"]) for r in lang),
        "uniaxial": uniaxial,
        "escape": escape,
        "escape_max_abs_rel_err": max(abs(r["rel_err_exact"]) for r in escape),
        "weak_order": weak,
        "replica_steps_per_s": thr,
        "throughput": {"replicas": B_t, "n_steps": n_t, "solver": "heun", "walls_s": walls},
        "wall_total_s": time.perf_counter() - t_start,
    }  # fmt: skip
    figures.update(conditions())
    emit(figures)
    return figures


if __name__ == "__main__":
    main()
