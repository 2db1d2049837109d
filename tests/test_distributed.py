"""Building blocks of a simulation split across devices, on 4 CPU devices
(``--xla_force_host_platform_device_count=4``, in a subprocess: the device count is
fixed when JAX starts). The halo-padded exchange stencil on x-slabs equals the
single-device exchange field, open and periodic; its program moves only one-plane
halos; and :func:`jaxmag.distributed.collectives` finds the all-gather of half the
zero-padded array in XLA's automatic partitioning of the FFT demag field, where the
explicit decomposition (:func:`jaxmag.distributed.sharded_demag_field`: local y
transforms, two all-to-all transposes) is exact and moves only 1/N-sized blocks."""

import json
import os
import subprocess
import sys

import pytest

SCRIPT = r"""
import json
import sys
import jax
jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec as P
import jaxmag as jm
from jaxmag.distributed import collectives, halo_pad
from jaxmag.energy import Exchange

out = {"devices": len(jax.devices())}
dev = Mesh(np.asarray(jax.devices()), ("x",))
sh = NamedSharding(dev, P(None, "x"))
rng = np.random.default_rng(0)
for pbc in ((0, 0, 0), (1, 0, 0)):
    mesh = jm.Mesh((32, 6, 3), (2e-9, 3e-9, 4e-9), pbc=pbc)
    mat = jm.Material(8e5, 1.3e-11, 0.02)
    m = jnp.asarray(rng.normal(size=(3, *mesh.n)))
    want = Exchange(mesh, mat).field(m)
    C = 2 * 1.3e-11 / (jm.constants.MU0 * 8e5)

    def local(mb):
        x = halo_pad(mb, 1, "x", 4, bool(pbc[0]))
        lap = (x[:, 2:] - 2 * x[:, 1:-1] + x[:, :-2]) / mesh.cell[0] ** 2
        for ax in (2, 3):
            y = jnp.concatenate(
                [jax.lax.slice_in_dim(mb, 0, 1, axis=ax), mb,
                 jax.lax.slice_in_dim(mb, mb.shape[ax] - 1, mb.shape[ax], axis=ax)], axis=ax)
            n = mb.shape[ax]
            lap = lap + (jax.lax.slice_in_dim(y, 2, n + 2, axis=ax) - 2 * mb
                         + jax.lax.slice_in_dim(y, 0, n, axis=ax)) / mesh.cell[ax - 1] ** 2
        return C * lap

    f = jax.jit(jax.shard_map(local, mesh=dev, in_specs=P(None, "x"), out_specs=P(None, "x")))
    ms = jax.device_put(m, sh)
    got = f(ms)
    key = "periodic" if pbc[0] else "open"
    out[key + "_rel_err"] = float(jnp.max(jnp.abs(got - want)) / jnp.max(jnp.abs(want)))
    out[key + "_collectives"] = collectives(f.lower(ms).compile().as_text())
    out["plane_bytes"] = 3 * 1 * 6 * 3 * 8

mesh = jm.Mesh((64, 32, 1), (5e-9, 5e-9, 3e-9))
system = jm.make_system(mesh, jm.Material(8e5, 1.3e-11, 0.02))
m = jax.device_put(system.check_magnetisation(jnp.array([1.0, 0.2, 0.1])), sh)
g = jax.jit(lambda m: system.field(m), in_shardings=sh, out_shardings=sh)
out["auto_demag_collectives"] = collectives(g.lower(m).compile().as_text())
out["padded_bytes"] = 3 * 128 * 64 * 8

# the explicit decomposition: y transforms local, two all-to-all transposes
from jaxmag.distributed import kernel_slabs, sharded_demag_field
from jaxmag.energy import Demag
for key, n, pbc in (("rfft_y", (16, 24, 1), (0, 0, 0)), ("rfft_x_pbc", (64, 20, 1), (2, 0, 0))):
    mesh = jm.Mesh(n, (5e-9, 5e-9, 3e-9), pbc=pbc)
    term = Demag(mesh, jm.Material(8e5, 1.3e-11, 0.02))
    m = jnp.asarray(rng.normal(size=(3, *n)))
    want = term.field(m)
    K = kernel_slabs(term, dev)
    h = jax.jit(lambda m, K: sharded_demag_field(term, m, dev, kernel=K))
    ms = jax.device_put(m, sh)
    got = h(ms, K)
    out[key + "_rel_err"] = float(jnp.max(jnp.abs(got - want)) / jnp.max(jnp.abs(want)))
    out[key + "_collectives"] = collectives(h.lower(ms, K).compile().as_text())
    out[key + "_padded_bytes"] = 3 * term.fft_n[0] * term.fft_n[1] * 8
    out[key + "_rfft_axis"] = term.rfft_axis
if "run" in sys.argv:
    # the whole run decomposed: jm.distributed.shard, then simulate and grad unchanged
    from jaxmag.distributed import shard
    from jaxmag.problems import sp4

    cells = (32, 8, 1)
    m0 = sp4.system(cells).check_magnetisation(sp4.initial_state(cells))


    def run(By, split):
        s = jm.make_system(
            jm.Mesh(cells, (5e-9, 5e-9, 3e-9)), jm.Material(8e5, 1.3e-11, 0.02),
            H=jnp.stack([-24.6e-3, By, 0.0]) / jm.constants.MU0)
        s, m = shard(s, m0) if split else (s, m0)
        return jm.simulate(s, m, 2e-11, save_every=2e-12, save_energies=False)


    one, four = run(4.3e-3, False), run(4.3e-3, True)
    out["traj_max_err"] = float(jnp.max(jnp.abs(four.m_avg - one.m_avg)))
    out["final_split"] = str(four.m_final.sharding.spec)
    g1 = jax.grad(lambda b: run(b, False).m_avg[-1, 1])(4.3e-3)
    g4 = jax.grad(lambda b: run(b, True).m_avg[-1, 1])(4.3e-3)
    out["grad_rel_err"] = float(abs(g4 - g1) / abs(g1))
print(json.dumps(out))
"""


def _four_devices(*args):
    env = dict(os.environ)
    env["XLA_FLAGS"] = (
        env.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=4"
    ).strip()
    run = subprocess.run(
        [sys.executable, "-c", SCRIPT, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["devices"] == 4
    return out


def test_halo_stencil_on_four_devices_and_the_collectives_it_moves():
    out = _four_devices()
    for key in ("open", "periodic"):
        assert out[key + "_rel_err"] < 1e-12, (key, out[key + "_rel_err"])
        ops = out[key + "_collectives"]
        # two one-plane halos per slab, nothing else (the periodic wrap included)
        assert ops and {op for op, _ in ops} == {"collective-permute"}, ops
        assert max(b for _, b in ops) == out["plane_bytes"]
    auto = out["auto_demag_collectives"]
    gathers = [b for op, b in auto if op == "all-gather"]
    assert gathers and max(gathers) >= out["padded_bytes"] // 2, auto
    # the explicit decomposition: exact, and two transposes of 1/N-sized blocks only
    assert {out["rfft_y_rfft_axis"], out["rfft_x_pbc_rfft_axis"]} == {1, 2}
    for key in ("rfft_y", "rfft_x_pbc"):
        assert out[key + "_rel_err"] < 1e-12, (key, out[key + "_rel_err"])
        ops = out[key + "_collectives"]
        assert [op for op, _ in ops] == ["all-to-all", "all-to-all"], ops
        assert max(b for _, b in ops) < out[key + "_padded_bytes"] / 4, ops


@pytest.mark.slow
def test_simulate_and_its_gradient_through_a_sharded_system():
    """``jm.distributed.shard`` then ``simulate`` (and ``jax.grad`` of it) as on one
    device: ⟨m⟩(t) and d⟨m_y⟩/dB_y within 1e-10, the result still split along x."""
    out = _four_devices("run")
    assert out["traj_max_err"] < 1e-10 and out["grad_rel_err"] < 1e-10, out
    assert out["final_split"] in ("P(None, 'x')", "PartitionSpec(None, 'x')")
