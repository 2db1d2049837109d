"""Batching: vmap over fields, parameters and initial states; clear errors on mismatched
batch sizes; sharding over 2 simulated CPU devices gives the unsharded results."""

import os
import subprocess
import sys
import textwrap

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxmag as jm
from jaxmag.batch import batch_size, shard_batch, vmap_simulation

MESH = jm.Mesh((3, 2, 1), (5e-9, 5e-9, 3e-9))


def _run(H, Ms, m0):
    mat = jm.Material(Ms=Ms, A=1.3e-11, alpha=0.1)
    s = jm.make_system(MESH, mat, H=H)
    return jm.simulate(s, m0, 2e-11, save_every=2e-12, rtol=1e-8, atol=1e-8).m_avg


@pytest.mark.slow  # heavy: moved out of the fast suite (its 10-minute budget)
def test_vmap_over_fields_params_states():
    key = jax.random.PRNGKey(0)
    B = 4
    Hs = jnp.stack([jnp.array([-2e4 + 5e3 * i, 4e3, 0.0]) for i in range(B)])
    Ms = jnp.linspace(6e5, 9e5, B)
    m0 = jm.normalise(jax.random.normal(key, (B, 3, 3, 2, 1)))
    batched = vmap_simulation(_run)(Hs, Ms, m0)
    assert batched.shape == (B, 11, 3)
    for i in range(B):
        single = _run(Hs[i], Ms[i], m0[i])
        np.testing.assert_allclose(batched[i], single, atol=1e-7)
    # members differ: the batch is not one system repeated
    assert float(jnp.max(jnp.abs(batched[0] - batched[-1]))) > 1e-2


def test_shared_argument():
    Hs = jnp.stack([jnp.array([-2e4, 4e3 * i, 0.0]) for i in range(3)])
    m0 = jm.normalise(jnp.ones((3, 3, 2, 1)))
    out = vmap_simulation(_run, in_axes=(0, None, None))(Hs, 8e5, m0)
    assert out.shape == (3, 11, 3)
    for i in range(3):  # the shared Ms and m0 reach every member unchanged
        np.testing.assert_allclose(out[i], _run(Hs[i], 8e5, m0), atol=1e-7)
    assert float(jnp.max(jnp.abs(out[0] - out[-1]))) > 1e-3  # the fields do differ


def test_mismatched_batch_sizes():
    Hs = jnp.zeros((4, 3))
    with pytest.raises(ValueError, match=r"batch axis 0 sizes differ.*size 4: arg0.*size 5: arg1"):
        vmap_simulation(_run)(Hs, jnp.ones(5), jnp.ones((4, 3, 3, 2, 1)))
    with pytest.raises(ValueError, match="no batch axis"):
        batch_size({"H": jnp.ones(())})
    with pytest.raises(ValueError, match="in_axes"):
        vmap_simulation(_run, in_axes=(0, 0))(Hs, Hs, Hs)


def test_shard_batch_divisibility():
    n = len(jax.devices())
    x = jnp.ones((n + 1, 3)) if n > 1 else None
    if x is None:
        shard_batch(jnp.ones((3, 3)))  # one device: anything goes
    else:
        with pytest.raises(ValueError, match="multiple"):
            shard_batch(x)


SHARDED = textwrap.dedent(
    """
    import jax
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp, numpy as np
    import jaxmag as jm
    from jaxmag.batch import shard_batch, vmap_simulation
    assert len(jax.devices()) == 2, jax.devices()
    mesh = jm.Mesh((3, 2, 1), (5e-9, 5e-9, 3e-9))
    def run(H, m0):
        s = jm.make_system(mesh, jm.Material(Ms=8e5, A=1.3e-11, alpha=0.1), H=H)
        return jm.simulate(s, m0, 2e-11, save_every=2e-12).m_avg
    Hs = jnp.stack([jnp.array([-2e4 + 4e3 * i, 4e3, 0.0]) for i in range(4)])
    m0 = jm.normalise(jax.random.normal(jax.random.PRNGKey(1), (4, 3, 3, 2, 1)))
    f = vmap_simulation(run)
    plain = f(Hs, m0)
    sharded = f(*shard_batch((Hs, m0)))
    assert len(sharded.sharding.device_set) == 2, sharded.sharding
    np.testing.assert_array_equal(np.asarray(sharded), np.asarray(plain))
    print("OK", float(jnp.abs(sharded - plain).max()))
    """
)


# fast companion: test_vmap_over_fields_params_states, test_shard_batch_divisibility
@pytest.mark.slow
def test_sharded_equals_unsharded(tmp_path):
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=2")
    out = subprocess.run(
        [sys.executable, "-c", SHARDED],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
        env=env,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert "OK" in out.stdout
