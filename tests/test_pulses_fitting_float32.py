"""Fast companions of three benchmark runs now in CI's slow set: the drive profiles of
``jaxmag.pulses`` (spinwave_lens.py) against their closed forms, the one-pass Jacobian
of ``dense_jacobian_jvp`` (sp4_field_recovery.py) against ``jax.jacfwd`` inside a
Levenberg–Marquardt fit, and a float32 relaxation and run (sp4.py --dtype float32)."""

import json
import subprocess
import sys
import textwrap

import jax
import jax.numpy as jnp
import numpy as np
import optimistix as optx
import pytest

from jaxmag.dynamics import dense_jacobian_jvp
from jaxmag.pulses import GaussianPulse, SincPulse, Sine


def test_gaussian_pulse():
    p = GaussianPulse(t0=2e-10, width=5e-11)
    assert float(p(2e-10)) == 1.0
    np.testing.assert_allclose([p(1.5e-10), p(2.5e-10)], np.exp(-0.5), rtol=1e-12)
    np.testing.assert_allclose(jax.grad(p)(2.5e-10), -np.exp(-0.5) / 5e-11, rtol=1e-10)


def test_sinc_pulse_has_a_flat_spectrum_up_to_f_cut():
    f_cut, dt = 50e9, 1e-12
    t = np.arange(-(2**14), 2**14) * dt
    s = np.asarray(SincPulse(t0=0.0, f_cut=f_cut)(t))
    assert s[2**14] == 1.0 and abs(s[2**14 + 10]) < 1e-12  # zeros at t0 + k / (2 f_cut)
    spec = np.abs(np.fft.rfft(s)) * dt
    f = np.fft.rfftfreq(len(t), dt)
    inside, outside = spec[f < 0.8 * f_cut], spec[f > 1.2 * f_cut]
    np.testing.assert_allclose(inside, 1 / (2 * f_cut), rtol=0.05)  # FT of sinc: a box
    assert outside.max() < 0.05 / (2 * f_cut)


def test_sine_frequency_phase_and_ramp():
    s = Sine(f=3e9, phase=0.5)
    t = np.linspace(0, 1e-9, 7)
    np.testing.assert_allclose(s(t), np.sin(2 * np.pi * 3e9 * t + 0.5), atol=1e-12)
    ramped = Sine(f=3e9, phase=0.5, ramp=1e-10)
    assert float(ramped(0.0)) == 0.0
    np.testing.assert_allclose(ramped(t), np.sin(2 * np.pi * 3e9 * t + 0.5) * np.tanh(t / 1e-10))


def _decay(p, t):
    """Residual model: ``a exp(-t / tau) cos(w t)`` sampled at ``t``."""
    a, tau, w = p
    return a * jnp.exp(-t / tau) * jnp.cos(w * t)


def test_dense_jacobian_jvp_matches_jacfwd_and_fits():
    t = jnp.linspace(0.0, 3.0, 40)
    truth = jnp.array([1.3, 0.8, 4.0])
    data = _decay(truth, t)

    def residuals(p, data):
        return _decay(p, t) - data

    wrapped = dense_jacobian_jvp(residuals)
    p, v = jnp.array([1.0, 1.0, 3.7]), jnp.array([0.3, -1.0, 2.0])
    r, jv = jax.jvp(lambda q: wrapped(q, data), (p,), (v,))
    np.testing.assert_allclose(r, residuals(p, data), rtol=1e-14)
    np.testing.assert_allclose(jv, jax.jacfwd(residuals)(p, data) @ v, rtol=1e-12, atol=1e-14)
    _, lin = jax.linearize(lambda q: wrapped(q, data), p)
    np.testing.assert_allclose(lin(v), jv, rtol=1e-12, atol=1e-14)
    sol = optx.least_squares(lambda q, d: wrapped(q, d), optx.LevenbergMarquardt(1e-10, 1e-10),
                             p, args=data, max_steps=100)  # fmt: skip
    np.testing.assert_allclose(sol.value, truth, rtol=1e-8)


@pytest.mark.slow  # heavy: moved out of the fast suite (its 10-minute budget)
def test_float32_relaxation_and_run_stay_in_float32():
    """In a fresh process without x64: a 10 × 3 cell SP4 relaxes to the float32 default
    tolerance, its 20 ps run keeps |m| = 1 to float32 precision and every result is
    float32 (what ``sp4.py --dtype float32`` relies on)."""
    code = textwrap.dedent("""
        import jax, json, numpy as np
        from jaxmag.problems import sp4
        r = sp4.run(cells=(10, 3, 1), t1=2e-11, save_every=2e-12)
        traj = r["trajectory"]
        print(json.dumps({"dtype": str(traj.m_final.dtype), "avg_dtype": str(traj.m_avg.dtype),
                          "converged": bool(r["relaxed"].converged),
                          "torque": float(r["relaxed"].max_torque),
                          "norm_dev": float(traj.max_norm_dev), "m_relaxed": list(map(float,
                          r["m_relaxed"]))}))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=600, check=True)  # fmt: skip
    f = json.loads(out.stdout.strip().splitlines()[-1])
    assert f["dtype"] == f["avg_dtype"] == "float32"
    assert f["converged"] and f["torque"] < 1e-5
    assert f["norm_dev"] <= 1e-6
    assert f["m_relaxed"][0] > 0.9  # the s-state along +x
