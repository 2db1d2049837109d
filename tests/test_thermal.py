"""The stochastic LLG (jaxmag.thermal) against Boltzmann statistics, Brown's Fokker–Planck
eigenvalue, equipartition, finite differences and its own invariants.

Standard errors are honest: replicas are independent, so every statistic is first
averaged over time per replica (or per cell), and the error is the spread of those
per-replica values over the replicas divided by sqrt(replicas).
"""

import diffrax
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats

import jaxmag as jm
from jaxmag import thermal as th
from jaxmag import thermal as tt
from jaxmag.constants import GAMMA_LL, K_B, MU0

MS, VOL, TEMP = 1e6, 1.25e-25, 300.0  # a 5 nm cube at 300 K: μ0 Ms V / kT ≈ 38
KT = K_B * TEMP
MU = MU0 * MS * VOL


def tau_n(alpha):
    return tt.neel_time(MS, VOL, alpha, TEMP)


def z_start(B, signs=False):
    m = np.zeros((3, B))
    m[2] = 1.0
    if signs:
        m[2, 1::2] = -1.0
    return jnp.asarray(m)


def per_replica_mean(x):
    """Mean over time samples (axis 0) per replica, then mean and standard error."""
    r = np.asarray(x).mean(axis=0).reshape(-1)
    return r.mean(), r.std(ddof=1) / np.sqrt(r.size)


# 1. ---------------------------------------------------------------------------------
@pytest.mark.slow  # heavy: moved out of the fast suite (its 10-minute budget)
def test_langevin_function():
    xis = np.array([0.5, 2.0, 5.0, 20.0])
    per = 2000
    B = per * xis.size
    alpha = 1.0
    tn = tau_n(alpha)
    Hz = np.repeat(xis * KT / MU, per)
    H = jnp.asarray(np.stack([np.zeros(B), np.zeros(B), Hz]))
    # dt = τ_N / 1000; equilibrate 3 τ_N, then 8 samples 0.5 τ_N apart
    ts, m = th.macrospin_sde(
        jax.random.key(0), z_start(B), 7 * tn, n_steps=7000, n_saves=15,
        Ms=MS, V=VOL, alpha=alpha, T=TEMP, H=H,
    )  # fmt: skip
    mz = np.asarray(m[7:, 2, :])
    for i, xi in enumerate(xis):
        mean, se = per_replica_mean(mz[:, i * per : (i + 1) * per])
        L = tt.langevin(xi)
        print(f"xi={xi}: <m.h>={mean:.5f} ± {se:.5f}, L={L:.5f}")
        assert abs(mean - L) < 3 * se, (xi, mean, L, se)


# 2. ---------------------------------------------------------------------------------
def test_uniaxial_boltzmann():
    sigma = 3.0
    K = sigma * KT / VOL
    B = 8000
    tn = tau_n(1.0)
    ts, m = th.macrospin_sde(
        jax.random.key(1), z_start(B, signs=True), 6 * tn, n_steps=1200, n_saves=13,
        Ms=MS, V=VOL, alpha=1.0, T=TEMP, K=K,
    )  # fmt: skip
    mz = np.asarray(m[3:, 2, :])  # after 1.5 τ_N
    mean, se = per_replica_mean(mz**2)
    exact = tt.uniaxial_mz2(sigma)
    print(f"<mz^2> = {mean:.5f} ± {se:.5f}, exact {exact:.5f}")
    assert abs(mean - exact) < 3 * se
    # histogram: one sample per replica (the last), independent; chi-square over 20 bins
    x = mz[-1]
    edges = np.linspace(-1, 1, 21)
    counts, _ = np.histogram(x, edges)

    def chi2(s):
        expected = B * tt.uniaxial_bin_probabilities(edges, s)
        return np.sum((counts - expected) ** 2 / expected)

    p = stats.chi2.sf(chi2(sigma), df=19)
    print(f"chi2 = {chi2(sigma):.1f} (19 dof), p = {p:.3f}; at sigma 2.7: {chi2(2.7):.1f}")
    assert p > 1e-3
    assert stats.chi2.sf(chi2(0.9 * sigma), df=19) < 1e-3  # the test has power


# 3. ---------------------------------------------------------------------------------
@pytest.mark.slow  # heavy; the fast suite's 10-minute budget
def test_escape_rate_sigma3():
    sigma, alpha = 3.0, 1.0
    K = sigma * KT / VOL
    B = 20000
    tn = tau_n(alpha)
    exact = tt.brown_lambda1(sigma, 0.0, alpha)
    t1 = 2.5 / exact * tn
    n_saves = 41
    ts, m = th.macrospin_sde(
        jax.random.key(2), z_start(B), t1, n_steps=4000,
        n_saves=n_saves, Ms=MS, V=VOL, alpha=alpha, T=TEMP, K=K,
    )  # fmt: skip
    mz = np.asarray(m[:, 2, :])
    t = np.asarray(ts) / tn
    win = t > 1.0  # after the intrawell transients (rates ~ 2σ/τ_N)

    def fit(cols):
        y = mz[:, cols].mean(axis=1)
        return -np.polyfit(t[win], np.log(y[win]), 1)[0]

    lam = fit(slice(None))
    groups = [fit(slice(g, None, 10)) for g in range(10)]
    se = np.std(groups, ddof=1) / np.sqrt(10)
    print(f"lambda1 tau_N = {lam:.4f} ± {se:.4f}, exact {exact:.4f}")
    assert abs(lam - exact) < max(3 * se, 0.0) and abs(lam / exact - 1) < 0.05


# 4. ---------------------------------------------------------------------------------
def test_grid_independent_cells_and_equipartition():
    # Non-interacting cells (A = 0, no demag): per-cell K and T give four values of
    # σ = K V / (k_B T); each cell is an independent macrospin of the cell volume.
    mesh = jm.Mesh((8, 8, 1), (5e-9, 5e-9, 5e-9))
    V = mesh.cell_volume
    i = np.arange(8)[:, None, None] * np.ones((8, 8, 1))
    j = np.arange(8)[None, :, None] * np.ones((8, 8, 1))
    T = np.where(i < 4, 300.0, 150.0)
    sig_300 = np.where(j < 4, 1.0, 4.0)
    Ku = sig_300 * K_B * 300.0 / V
    sigma = Ku * V / (K_B * T)
    mat = jm.Material(MS, 0.0, 1.0, Ku1=Ku)
    sysm = jm.make_system(mesh, mat, exchange=False, demag=False)
    tn = tt.neel_time(MS, V, 1.0, 300.0)
    m0 = np.zeros((3, 8, 8, 1))
    m0[2] = np.where((i + j) % 2 == 0, 1.0, -1.0)
    out = th.simulate_thermal(
        sysm, m0, 60 * tn, key=jax.random.key(3), T=T, dt=tn / 100,
        save_every=0.25 * tn, save_energies=False, brownian="unsafe", snapshots=True,
    )  # fmt: skip
    mz2 = np.asarray(out.snapshots[8:, 2] ** 2)  # (n, 8, 8, 1)
    for s in np.unique(sigma):
        cells = mz2[:, sigma == s]
        mean, se = per_replica_mean(cells)
        exact = tt.uniaxial_mz2(s)
        print(f"grid sigma={s}: <mz^2> = {mean:.4f} ± {se:.4f}, exact {exact:.4f}")
        assert abs(mean - exact) < 3 * se + 1e-3


def test_film_equipartition():
    # A 4 × 4 film with exchange and a strong easy axis at σ = KV/kT = 200 per cell: the
    # ground state is uniform along z, and 2 harmonic modes per cell each hold kT/2.
    T, sigma = 3.0, 200.0
    mesh = jm.Mesh((4, 4, 1), (5e-9, 5e-9, 5e-9))
    V, N = mesh.cell_volume, mesh.ncells
    K = sigma * K_B * T / V
    HK = 2 * K / (MU0 * MS)
    A = HK * MU0 * MS * 25e-18 / 2  # exchange field of a neighbour ~ H_K
    sysm = jm.make_system(mesh, jm.Material(MS, A, 1.0, Ku1=K), demag=False)
    dt = 0.05 / (GAMMA_LL * HK)
    out = th.simulate_thermal(
        sysm, (0, 0, 1), 40000 * dt, key=jax.random.key(4), T=T, dt=dt,
        save_every=20 * dt, brownian="unsafe",
    )  # fmt: skip
    E = sum(np.asarray(v) for v in out.energies.values())[100:]
    E0 = -K * V * N
    x = (E - E0) / (N * K_B * T)
    # samples 20 steps (~0.5 relaxation times of the softest mode) apart: blocks of 50
    b = x[: x.size // 50 * 50].reshape(-1, 50).mean(axis=1)
    mean, se = b.mean(), b.std(ddof=1) / np.sqrt(b.size)
    print(f"equipartition <E-E0>/(N kT) = {mean:.4f} ± {se:.4f} (harmonic: 1)")
    assert abs(mean - 1) < 3 * se + 0.02


# 5. ---------------------------------------------------------------------------------
def test_projection_keeps_unit_length_and_unprojected_euler_fails():
    sigma = 3.0
    K = sigma * KT / VOL
    B = 4000
    tn = tau_n(1.0)
    kw = dict(n_steps=1200, n_saves=13, Ms=MS, V=VOL, alpha=1.0, T=TEMP, K=K)
    m0 = z_start(B, signs=True)
    _, m = th.macrospin_sde(jax.random.key(5), m0, 6 * tn, **kw)
    norm = np.linalg.norm(np.asarray(m), axis=1)
    assert np.max(np.abs(norm - 1)) < 1e-12
    mean, se = per_replica_mean(np.asarray(m[3:, 2]) ** 2)
    exact = tt.uniaxial_mz2(sigma)
    assert abs(mean - exact) < 3 * se
    _, me = th.macrospin_sde(
        jax.random.key(5), m0, 6 * tn, solver="euler", allow_ito=True, projected=False, **kw
    )
    norm_e = np.linalg.norm(np.asarray(me), axis=1)
    mz2_e, se_e = per_replica_mean((np.asarray(me[3:, 2]) / norm_e[3:]) ** 2)
    print(f"EM unprojected: |m| = {norm_e[-1].mean():.3f}, <mz^2> = {mz2_e:.4f} ± {se_e:.4f} "
          f"(exact {exact:.4f}); projected Heun {mean:.4f} ± {se:.4f}")  # fmt: skip
    assert norm_e[-1].mean() > 1.1  # |m| drifts away
    assert abs(mz2_e - exact) > 10 * se_e  # and the equilibrium is wrong


def test_grid_projection_norm():
    mesh = jm.Mesh((3, 2, 1), (5e-9, 5e-9, 5e-9))
    sysm = jm.make_system(mesh, jm.Material(MS, 1e-11, 0.1, Ku1=1e5), demag=False)
    out = th.simulate_thermal(sysm, (1, 0, 1), 2e-11, key=jax.random.key(0), T=300.0, dt=1e-13)
    assert float(jnp.max(out.norm_dev)) < 1e-12
    assert out.m_avg.shape == (101, 3) and out.m_final.shape == (3, 3, 2, 1)
    assert int(out.stats["num_steps"]) == 200


# 6. ---------------------------------------------------------------------------------
def test_gradient_wrt_temperature_matches_finite_differences():
    K = 3.0 * KT / VOL
    m0 = jnp.asarray(np.tile(np.array([0.6, 0.0, 0.8])[:, None], (1, 64)))

    def f(T):
        _, m = th.macrospin_sde(
            jax.random.key(6), m0, 2e-10, n_steps=200, Ms=MS, V=VOL, alpha=0.3, T=T, K=K,
            H=(1e4, 0, 0),
        )  # fmt: skip
        return jnp.mean(m[-1, 2])

    g = jax.grad(f)(300.0)
    h = 0.01
    fd = (f(300.0 + h) - f(300.0 - h)) / (2 * h)
    print(f"d<mz>/dT: pathwise {float(g):.6e}, central FD {float(fd):.6e}")
    assert abs(float(g)) > 1e-5
    np.testing.assert_allclose(g, fd, rtol=1e-5)


# 7. / 8. ----------------------------------------------------------------------------
def _cells(n, alpha=0.5, xi=5.0):
    """``n`` non-interacting macrospins of the test volume as a grid, in a field along z."""
    mesh = jm.Mesh((n, 1, 1), (5e-9, 5e-9, 5e-9))
    return jm.make_system(
        mesh, jm.Material(MS, 0.0, alpha), exchange=False, demag=False, H=(0, 0, xi * KT / MU)
    )


@pytest.mark.slow  # fast companion: test_fast_heun_equals_diffrax_heun_and_jit_vmap
def test_weak_order_heun_projected():
    # E[mz(t1)] from m0 = x: dt = t1/8 … t1/32 against t1/256, all on the same
    # VirtualBrownianTree (same key, same resolution), so the differences have a small
    # variance and the bias is resolved.
    n = 2000
    sysm = _cells(n)
    t1 = 0.2 * tau_n(0.5)
    kw = dict(key=jax.random.key(7), T=TEMP, ts=[t1], save_energies=False,
              brownian_tol=t1 / 1024, snapshots=True)  # fmt: skip

    def mz(k):
        return np.asarray(th.simulate_thermal(sysm, (1, 0, 0), t1, dt=t1 / k, **kw).snapshots)[
            -1, 2
        ].ravel()

    ref = mz(256)
    ks = np.array([8, 16, 32])
    err, se = [], []
    for k in ks:
        d = mz(k) - ref
        err.append(abs(d.mean()))
        se.append(d.std(ddof=1) / np.sqrt(n))
    err, se = np.array(err), np.array(se)
    slope = np.polyfit(np.log(t1 / ks), np.log(err), 1)[0]
    print(f"weak errors {err}, se {se}, slope {slope:.2f}")
    assert np.all(err > 3 * se)  # the bias is resolved
    assert slope >= 0.8  # weak order 1 (the slope's own statistical error is ~0.1)


def _one_tree():
    """Four cells, a duration, the keywords of one VirtualBrownianTree, and
    ``run(k, **extra)``: the final state at ``dt = t1 / k`` on that tree."""
    sysm = _cells(4, alpha=0.1)
    t1 = 0.05 * tau_n(0.1)
    kw = dict(key=jax.random.key(8), T=TEMP, ts=[t1], save_energies=False,
              brownian_tol=t1 / 2048, snapshots=True)  # fmt: skip

    def run(k, **extra):
        return np.asarray(
            th.simulate_thermal(sysm, (1, 0, 0), t1, dt=t1 / k, **(kw | extra)).snapshots[-1]
        )

    return sysm, t1, kw, run


def test_one_key_one_repeatable_path():
    """Fast companion of the slow test below: one compile, the path repeats bitwise with
    its key and changes with another key."""
    _, _, _, run = _one_tree()
    ref = run(16)
    np.testing.assert_array_equal(run(16), ref)
    assert np.max(np.abs(run(16, key=jax.random.key(9)) - ref)) > 1e-3
    np.testing.assert_allclose(np.linalg.norm(ref, axis=0), 1.0, atol=1e-12)


@pytest.mark.slow  # fast companion: test_one_key_one_repeatable_path
def test_same_key_same_path_at_any_step():
    sysm, t1, kw, run = _one_tree()

    ref = run(512)
    errs = [np.max(np.abs(run(k) - ref)) for k in (8, 32, 128)]
    print("strong errors vs the dt/512 path:", errs)
    assert errs[0] > errs[1] > errs[2] and errs[2] < 0.4 * errs[0]  # one path (strong ½)
    other = run(512, key=jax.random.key(9))
    assert np.max(np.abs(other - ref)) > 10 * errs[2]  # another key: another path
    np.testing.assert_array_equal(run(64), run(64))  # exactly repeatable
    # adaptive steps on the same tree follow the same path
    ad = th.simulate_thermal(
        sysm, (1, 0, 0), t1, adaptive=True, rtol=1e-3, atol=1e-3, dt=t1 / 64,
        solver=diffrax.Heun(), **kw,
    )  # fmt: skip
    err_ad = np.max(np.abs(np.asarray(ad.snapshots[-1]) - ref))
    print("adaptive:", int(ad.stats["num_accepted_steps"]), "accepted,",
          int(ad.stats["num_rejected_steps"]), "rejected, error", err_ad)  # fmt: skip
    assert err_ad < errs[0]


@pytest.mark.slow
def test_other_stratonovich_solvers_follow_the_same_path():
    sysm, t1, kw, run = _one_tree()

    ref = run(1024)
    errs = [np.max(np.abs(run(k) - ref)) for k in (16, 64)]
    sp = th.simulate_thermal(sysm, (1, 0, 0), t1, adaptive=True, solver=diffrax.SPaRK(), **kw)
    err_sp = np.max(np.abs(np.asarray(sp.snapshots[-1]) - ref))
    print("adaptive SPaRK error", err_sp, int(sp.stats["num_steps"]), "steps")
    assert err_sp < errs[0]
    eh = run(256, solver=diffrax.EulerHeun())  # another Stratonovich solver, same path
    assert np.max(np.abs(eh - ref)) < 2 * errs[1]
    with pytest.raises(ValueError, match="ReversibleHeun"):
        run(16, solver=diffrax.ReversibleHeun())


# 9. ---------------------------------------------------------------------------------
@pytest.mark.slow  # heavy; the fast suite's 10-minute budget
def test_fast_heun_equals_diffrax_heun_and_jit_vmap():
    B = 50
    K = 3.0 * KT / VOL
    m0 = jnp.asarray(np.random.default_rng(0).normal(size=(3, B)))
    kw = dict(n_steps=60, n_saves=4, Ms=MS, V=VOL, alpha=0.2, T=TEMP, K=K, H=(1e4, 0, 2e4))
    key = jax.random.key(10)
    _, a = th.macrospin_sde(key, m0, 1e-10, brownian="unsafe", **kw)
    _, b = th.macrospin_sde(key, m0, 1e-10, solver=diffrax.Heun(), **kw)
    np.testing.assert_allclose(a, b, atol=1e-12)
    _, c = th.macrospin_sde(key, m0, 1e-10, solver=diffrax.EulerHeun(), **kw)
    assert 1e-6 < float(jnp.max(jnp.abs(c - b))) < 0.2  # another scheme, same noise
    # the grid path: jit and vmap over keys agree with single runs
    sysm = _cells(2, alpha=0.2)

    def f(k):
        return th.simulate_thermal(
            sysm, (1, 0, 0), 1e-11, key=k, T=TEMP, dt=1e-13, ts=[1e-11], save_energies=False
        ).m_avg

    keys = jax.random.split(jax.random.key(11), 3)
    single = np.stack([np.asarray(f(k)) for k in keys])
    # one compilation checks both: the batched run under an outer jit
    batched = jax.jit(jax.vmap(f))(keys)
    np.testing.assert_allclose(batched[0], single[0], rtol=1e-9)
    np.testing.assert_allclose(batched, single, rtol=1e-9, atol=1e-12)


# 10. --------------------------------------------------------------------------------
def test_bad_input():
    sysm = _cells(2)
    m0 = (1, 0, 0)
    kw = dict(key=jax.random.key(0), T=300.0, dt=1e-13)
    with pytest.raises(ValueError, match="temperature"):
        th.simulate_thermal(sysm, m0, 1e-11, **(kw | {"T": -1.0}))
    with pytest.raises(ValueError, match="temperature"):
        th.simulate_thermal(sysm, m0, 1e-11, **(kw | {"T": float("nan")}))
    with pytest.raises(ValueError, match="temperature"):
        th.simulate_thermal(sysm, m0, 1e-11, **(kw | {"T": lambda t: 300.0 - 1e14 * t}))
    with pytest.raises(ValueError, match="key"):
        th.simulate_thermal(sysm, m0, 1e-11, **(kw | {"key": None}))
    with pytest.raises(ValueError, match="dt"):
        th.simulate_thermal(sysm, m0, 1e-11, **(kw | {"dt": 0.0}))
    with pytest.raises(ValueError, match="dt"):
        th.simulate_thermal(sysm, m0, 1e-11, **(kw | {"dt": -1e-13}))
    with pytest.raises(ValueError, match="step size"):
        th.simulate_thermal(sysm, m0, 1e-11, **(kw | {"dt": None}))
    with pytest.raises(ValueError, match="Itô"):
        th.simulate_thermal(sysm, m0, 1e-11, solver=diffrax.Euler(), **kw)
    with pytest.raises(ValueError, match="VirtualBrownianTree"):
        th.simulate_thermal(sysm, m0, 1e-11, adaptive=True, brownian="unsafe", **kw)
    with pytest.raises(ValueError, match="error estimate"):
        th.simulate_thermal(sysm, m0, 1e-11, adaptive=True, solver=diffrax.EulerHeun(), **kw)
    with pytest.raises(ValueError, match="whole number"):
        th.simulate_thermal(sysm, m0, 1e-11, **(kw | {"dt": 3e-13}))
    with pytest.raises(ValueError, match="shape"):
        th.simulate_thermal(sysm, m0, 1e-11, **(kw | {"T": np.ones((3, 3, 3))}))
    m0b = z_start(4)
    mk = dict(n_steps=10, Ms=MS, V=VOL, alpha=0.1, T=300.0)
    with pytest.raises(ValueError, match="key"):
        th.macrospin_sde(None, m0b, 1e-11, **mk)
    with pytest.raises(ValueError, match="temperature"):
        th.macrospin_sde(jax.random.key(0), m0b, 1e-11, **(mk | {"T": -3.0}))
    with pytest.raises(ValueError, match="Itô"):
        th.macrospin_sde(jax.random.key(0), m0b, 1e-11, solver="euler", **mk)
    with pytest.raises(ValueError, match="Itô"):
        th.macrospin_sde(jax.random.key(0), m0b, 1e-11, solver=diffrax.Euler(), **mk)
    with pytest.raises(ValueError, match="n_steps"):
        th.macrospin_sde(jax.random.key(0), m0b, 1e-11, **(mk | {"n_steps": 0}))
    with pytest.raises(ValueError, match="n_saves"):
        th.macrospin_sde(jax.random.key(0), m0b, 1e-11, n_saves=4, **mk)
    with pytest.raises(ValueError, match="shape"):
        th.macrospin_sde(jax.random.key(0), jnp.ones(3), 1e-11, **mk)
    with pytest.raises(ValueError):
        th.macrospin_sde(jax.random.key(0), m0b, 1e-11, **(mk | {"V": -1.0}))


def test_thermal_field_strength_formula():
    D = th.thermal_field_strength(0.1, MS, VOL, TEMP)
    np.testing.assert_allclose(D**2, 2 * 0.1 * KT / (GAMMA_LL * MU0 * MS * VOL), rtol=1e-14)
    assert float(th.thermal_field_strength(0.1, 0.0, VOL, TEMP)) == 0.0
    # the reduced form of jaxmag.thermal: <h h> = (α/Δ) δ(s), h = H/H_K, s = γ H_K t
    K = 1e5
    HK = 2 * K / (MU0 * MS)
    delta = K * VOL / KT
    np.testing.assert_allclose(D**2 / HK**2 * GAMMA_LL * HK, 0.1 / delta, rtol=1e-12)
