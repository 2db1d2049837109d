"""macrospin_sde_coupled: fine and coarse projected Heun on one Brownian path."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxmag import thermal as th
from jaxmag.constants import K_B
from jaxmag.thermal._macrospin import _chunk

MS, VOL, TEMP = 8e5, 1.25e-25, 300.0
KW = dict(Ms=MS, V=VOL, alpha=0.5, K=3 * K_B * TEMP / VOL, H=(2e4, 0.0, -1e4))


def tilted(B):
    th0 = jnp.linspace(0.2, 2.8, B)
    return jnp.stack([jnp.sin(th0), 0 * th0, jnp.cos(th0)])


def test_zero_temperature_is_heun_at_both_steps():
    m0 = tilted(8)
    _, mf, mc = th.macrospin_sde_coupled(
        jax.random.key(0), m0, 2e-10, n_steps=80, n_saves=5, T=0.0, **KW
    )
    _, ref_f = th.macrospin_sde(jax.random.key(1), m0, 2e-10, n_steps=80, n_saves=5, T=0.0, **KW)
    _, ref_c = th.macrospin_sde(jax.random.key(2), m0, 2e-10, n_steps=40, n_saves=5, T=0.0, **KW)
    np.testing.assert_allclose(mf, ref_f, atol=1e-13)
    np.testing.assert_allclose(mc, ref_c, atol=1e-13)
    assert float(jnp.max(jnp.abs(mf - mc))) > 1e-6  # the two step sizes do differ


@pytest.mark.slow  # heavy: moved out of the fast suite (its 10-minute budget)
def test_the_coarse_run_shares_the_fine_runs_path():
    # strong order 1/2: E|m_fine - m_coarse|² ∝ h when both see one path; with
    # independent paths it would stay O(1/σ) whatever h
    B = 4000
    m0 = jnp.zeros((3, B)).at[2].set(1.0)
    msd = []
    for n in (200, 400, 800):
        _, mf, mc = th.macrospin_sde_coupled(
            jax.random.key(n), m0, 1e-10, n_steps=n, n_saves=2, T=TEMP, **KW
        )
        assert float(jnp.max(jnp.abs(jnp.sum(mf**2, axis=1) - 1))) < 1e-12
        msd.append(float(jnp.mean(jnp.sum((mf[-1] - mc[-1]) ** 2, axis=0))))
    _, a = th.macrospin_sde(jax.random.key(7), m0, 1e-10, n_steps=400, T=TEMP, **KW)
    _, b = th.macrospin_sde(jax.random.key(8), m0, 1e-10, n_steps=200, T=TEMP, **KW)
    indep = float(jnp.mean(jnp.sum((a[-1] - b[-1]) ** 2, axis=0)))
    ratios = np.array(msd[:-1]) / np.array(msd[1:])
    print("msd", msd, "ratios", ratios, "independent", indep)
    assert np.all((ratios > 1.5) & (ratios < 2.7)), ratios
    assert msd[0] < 0.1 * indep


def test_bad_input():
    m0 = tilted(4)
    kw = KW | {"T": TEMP}
    with pytest.raises(ValueError, match="multiple of 2"):
        th.macrospin_sde_coupled(jax.random.key(0), m0, 1e-10, n_steps=33, n_saves=4, **kw)
    with pytest.raises(ValueError, match="key"):
        th.macrospin_sde_coupled(None, m0, 1e-10, n_steps=40, **kw)
    with pytest.raises(ValueError, match="temperature"):
        th.macrospin_sde_coupled(jax.random.key(0), m0, 1e-10, n_steps=40, **(KW | {"T": -1.0}))


@pytest.mark.slow  # heavy: moved out of the fast suite (its 10-minute budget)
def test_noise_chunks_with_a_remainder():
    # a prime number of steps per save: chunks of the byte budget plus a remainder
    B = 100000
    cap = th.NOISE_CHUNK_BYTES // (3 * B * 8)
    c, n_full, rem = _chunk(31, B)
    assert (c, n_full, rem) == (cap, 1, 31 - cap) and rem > 0
    assert _chunk(1000, 20000) == (125, 8, 0)  # a divisor near the budget: no remainder
    m0 = jnp.tile(tilted(4), (1, B // 4))
    kw = dict(n_steps=31, n_saves=2, T=0.0, **KW)
    _, a = th.macrospin_sde(jax.random.key(0), m0, 1e-11, **kw)
    _, b = th.macrospin_sde(jax.random.key(0), m0, 1e-11, brownian="unsafe", **kw)
    np.testing.assert_allclose(a, b, atol=1e-13)  # every one of the 31 steps was taken
    _, c = th.macrospin_sde(jax.random.key(0), m0, 1e-11 * 30 / 31, **(kw | {"n_steps": 30}))
    assert float(jnp.max(jnp.abs(a - c))) > 1e-9
