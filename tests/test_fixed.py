"""The fixed-step lax.scan path: agrees with the adaptive path, converges at the solver's
order, stays on the sphere, differentiates, and fails loudly."""

import diffrax
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxmag as jm
from jaxmag.constants import GAMMA_LL

MESH = jm.Mesh((6, 4, 1), (5e-9, 5e-9, 3e-9))
MAT = jm.Material(Ms=8e5, A=1.3e-11, alpha=0.05)
M0 = jm.normalise(jnp.array([1.0, 0.3, 0.2]).reshape(3, 1, 1, 1) * jnp.ones((3, 6, 4, 1)))
H = jnp.array([-2e4, 5e3, 0.0])


@pytest.fixture(scope="module")
def system():
    return jm.make_system(MESH, MAT, H=H)


def test_matches_adaptive(system):
    fixed = jm.simulate_fixed(system, M0, 1e-13, 400, save_every=1e-12)
    ref = jm.simulate(system, M0, 4e-11, save_every=1e-12, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(fixed.ts, ref.ts, rtol=1e-12, atol=1e-25)
    assert float(jnp.max(jnp.abs(fixed.m_avg - ref.m_avg))) < 1e-5
    assert float(jm.max_norm_deviation(fixed.m_final)) < 1e-12


def test_larmor_macrospin():
    mesh = jm.Mesh((1, 1, 1), (5e-9,) * 3)
    Hz = 8e4
    s = jm.make_system(
        mesh,
        jm.Material(Ms=8e5, alpha=0.0),
        H=jnp.array([0.0, 0.0, Hz]),
        exchange=False,
        demag=False,
    )
    m0 = jnp.array([1.0, 0.0, 0.0])
    out = jm.simulate_fixed(
        s, m0, 2e-13, 500, save_every=1e-11, solver=diffrax.Dopri5(), snapshots=True
    )
    phi = GAMMA_LL * Hz * np.asarray(out.ts)
    np.testing.assert_allclose(out.m_avg[:, 0], np.cos(phi), atol=1e-7)
    np.testing.assert_allclose(out.m_avg[:, 1], np.sin(phi), atol=1e-7)
    assert out.snapshots.shape == (11, 3, 1, 1, 1)


def test_order_heun(system):
    ref = jm.simulate(system, M0, 2e-11, save_every=2e-11, rtol=1e-12, atol=1e-12).m_final
    errs = []
    dts = [4e-13, 2e-13, 1e-13]
    for dt in dts:
        out = jm.simulate_fixed(system, M0, dt, int(round(2e-11 / dt)), save_every=dt)
        errs.append(float(jnp.max(jnp.abs(out.m_final - ref))))
    slope = np.polyfit(np.log(dts), np.log(errs), 1)[0]
    assert 1.8 < slope < 2.3, (errs, slope)


@pytest.mark.slow  # heavy: moved out of the fast suite (its 10-minute budget)
def test_gradient_with_checkpoint(system):
    def loss(Hx, checkpoint):
        s = jm.make_system(MESH, MAT, H=jnp.array([Hx, 5e3, 0.0]))
        out = jm.simulate_fixed(s, M0, 2e-13, 60, save_every=2e-12, checkpoint=checkpoint)
        return jnp.sum(out.m_avg[:, 1] ** 2)

    g1 = jax.grad(loss)(-2e4, True)
    g0 = jax.grad(loss)(-2e4, False)
    h = 2.0
    fd = (loss(-2e4 + h, False) - loss(-2e4 - h, False)) / (2 * h)
    assert float(g1) == pytest.approx(float(g0), rel=1e-10)
    assert float(g1) == pytest.approx(float(fd), rel=1e-6)


def test_bad_input(system):
    with pytest.raises(ValueError, match="n_steps"):
        jm.simulate_fixed(system, M0, 1e-13, 0)
    with pytest.raises(ValueError, match="multiple"):
        jm.simulate_fixed(system, M0, 1e-13, 10, save_every=3e-13)
    with pytest.raises(ValueError, match="whole number of steps"):
        jm.simulate_fixed(system, M0, 1e-13, 10, save_every=1.5e-13)
    with pytest.raises(TypeError, match="snapshots"):
        jm.simulate_fixed(system, M0, 1e-13, 10, snapshots=np.array([0.0, 5e-13]))
    with pytest.raises(ValueError, match="dt"):
        jm.simulate_fixed(system, M0, -1e-13, 10)


def test_nan_field_raises():
    mat = MAT.on(MESH)
    pulse = jm.Zeeman(MESH, mat, H, time_fn=lambda t: jnp.where(t > 5e-12, jnp.nan, 1.0))
    s = jm.System(MESH, mat, (jm.Exchange(MESH, mat), pulse))
    with pytest.raises(RuntimeError, match="t = 6e-12"):
        jm.simulate_fixed(s, M0, 1e-13, 200, save_every=1e-12)
