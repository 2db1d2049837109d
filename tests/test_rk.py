"""RK4FSAL: its tableau, its stability on the exchange ray, and its pay-off on a
stability-limited film."""

import diffrax
import numpy as np
import pytest

import jaxmag as jm
from jaxmag.dynamics._rk import RK4_FSAL_TABLEAU


def _A_b(tab, weights):
    s = len(weights)
    A = np.zeros((s, s))
    for i, row in enumerate(tab.a_lower):
        A[i + 1, : len(row)] = row
    return A, np.asarray(weights)


def _order_conditions(A, b, order):
    c = A.sum(axis=1)
    conds = [(b.sum(), 1.0)]
    if order >= 2:
        conds.append((b @ c, 1 / 2))
    if order >= 3:
        conds += [(b @ c**2, 1 / 3), (b @ (A @ c), 1 / 6)]
    if order >= 4:
        conds += [
            (b @ c**3, 1 / 4),
            (b @ (c * (A @ c)), 1 / 8),
            (b @ (A @ c**2), 1 / 12),
            (b @ (A @ (A @ c)), 1 / 24),
        ]
    return conds


def test_tableau_orders():
    tab = RK4_FSAL_TABLEAU
    A, b = _A_b(tab, tab.b_sol)
    for got, want in _order_conditions(A, b, 4):
        assert got == pytest.approx(want, abs=1e-14)
    _, bhat = _A_b(tab, np.asarray(tab.b_sol) - np.asarray(tab.b_error))
    for got, want in _order_conditions(A, bhat, 3):
        assert got == pytest.approx(want, abs=1e-14)
    # b̂ is only third order: one fourth-order condition fails, so the estimate is real
    assert any(abs(g - w) > 1e-3 for g, w in _order_conditions(A, bhat, 4)[4:])
    assert tab.fsal and jm.RK4FSAL().order(None) == 4


def _stability_bound(tab, alpha):
    A, b = _A_b(tab, tab.b_sol)
    ray = (-alpha + 1j) / np.sqrt(1 + alpha**2)
    for r in np.arange(0.01, 8.0, 0.001):
        z = r * ray
        R = 1 + z * b @ np.linalg.solve(np.eye(len(b)) - z * A, np.ones(len(b)))
        if abs(R) > 1 + 1e-12:
            return r
    return np.inf


def test_stability_on_the_exchange_ray():
    """The figures of the module docstring: per evaluation, RK4 reaches twice as far
    along the weakly damped spin-wave ray as Dormand–Prince."""
    rk4 = _stability_bound(RK4_FSAL_TABLEAU, 0.02)
    dp5 = _stability_bound(diffrax.Dopri5.tableau, 0.02)
    assert rk4 == pytest.approx(2.87, abs=0.01)
    assert dp5 == pytest.approx(2.08, abs=0.01)
    assert (rk4 / 4) / (dp5 / 6) > 1.9


@pytest.mark.slow  # heavy: moved out of the fast suite (its 10-minute budget)
def test_fewer_evaluations_on_a_stability_limited_film():
    """1.5 nm cells and smooth dynamics: steps are set by the exchange modes' stability.
    At the same tolerance RK4FSAL takes fewer evaluations than Dopri5, and both agree
    with a tight reference. (With a rough, noisy state the steps are set by accuracy and
    Dopri5 is the cheaper one; see the module docstring.)"""
    n = (32, 8, 1)
    mesh = jm.Mesh(n, (1.5e-9, 1.5e-9, 3e-9))
    system = jm.make_system(mesh, jm.Material(8e5, 1.3e-11, 0.02), H=(-2e4, 4e3, 0.0))
    x = np.linspace(-1, 1, n[0]).reshape(n[0], 1, 1) * np.ones(n)
    m0 = np.stack([np.ones(n), 0.3 + 0.3 * np.sin(3 * x), 0.1 * np.ones(n)])
    kw = dict(save_every=2e-12, save_energies=False)
    ref = jm.simulate(system, m0, 30e-12, solver=diffrax.Dopri8(), rtol=1e-11, atol=1e-11, **kw)
    runs = {
        name: jm.simulate(system, m0, 30e-12, solver=s, rtol=1e-5, atol=1e-5, **kw)
        for name, s in (("rk4", jm.RK4FSAL()), ("dp5", diffrax.Dopri5()))
    }
    err = {
        k: float(np.max(np.abs(np.asarray(r.m_avg) - np.asarray(ref.m_avg))))
        for k, r in runs.items()
    }
    evals = {k: int(r.stats["rhs_evals"]) for k, r in runs.items()}
    assert evals["rk4"] < 0.8 * evals["dp5"], evals
    assert max(err.values()) < 1e-7, err
    assert float(runs["rk4"].final_norm_dev) < 1e-14


@pytest.mark.slow  # heavy: moved out of the fast suite (its 10-minute budget)
def test_no_recompilation_between_runs_of_one_shape(caplog):
    """Field, times, tolerances and the initial state are traced: a second run on a
    system of the same shapes compiles nothing."""
    import logging

    import jax

    mesh = jm.Mesh((8, 4, 1), (3e-9, 3e-9, 3e-9))
    mat = jm.Material(8e5, 1.3e-11, 0.02)

    def compiles():
        return sum("Compiling jit(_solve)" in r.getMessage() for r in caplog.records)

    with caplog.at_level(logging.WARNING, logger="jax"), jax.log_compiles():
        s1 = jm.make_system(mesh, mat, H=(1e4, 0.0, 0.0))
        jm.simulate(s1, (0.0, 1.0, 0.1), 5e-12, save_every=1e-12, rtol=1e-5, atol=1e-5)
        first = compiles()
        s2 = jm.make_system(mesh, jm.Material(6e5, 1e-11, 0.1), H=(0.0, -2e4, 3e3))
        jm.simulate(s2, (1.0, 0.0, 0.3), 7e-12, t0=2e-12, save_every=1e-12, rtol=3e-6, atol=1e-6)
        assert compiles() == first == 1
