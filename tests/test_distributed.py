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
from pathlib import Path

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
from jaxmag.distributed import kernel_slabs, sharded_demag_field, transpose_bytes
from jaxmag.energy import Demag, Exchange

CASES = (
    ("rfft_y", (16, 24, 1), (0, 0, 0)),  # a film, y the real-FFT axis on one device too
    ("rfft_x_pbc", (64, 20, 1), (2, 0, 0)),  # x real on one device: y half rebuilt
    ("body", (16, 12, 6), (0, 0, 0)),  # a body: y real and z complex, local
    ("body_z", (16, 6, 12), (0, 0, 0)),  # z the local real axis
    ("body_pbc", (8, 10, 5), (1, 2, 0)),  # periodic x and y (no padding along them)
)

# argv: the device counts N to check, each on the first N devices; "run": also simulate
ALL = jax.devices()
NS = [int(a) for a in sys.argv[1:] if a.isdigit()]
out = {"devices": len(ALL)}
rng = np.random.default_rng(0)
for nd in NS:
    o = out[str(nd)] = {}
    dev = Mesh(np.asarray(ALL[:nd]), ("x",))
    sh = NamedSharding(dev, P(None, "x"))
    for pbc in ((0, 0, 0), (1, 0, 0)):
        mesh = jm.Mesh((32, 6, 3), (2e-9, 3e-9, 4e-9), pbc=pbc)
        mat = jm.Material(8e5, 1.3e-11, 0.02)
        m = jnp.asarray(rng.normal(size=(3, *mesh.n)))
        want = Exchange(mesh, mat).field(m)
        C = 2 * 1.3e-11 / (jm.constants.MU0 * 8e5)

        def local(mb):
            x = halo_pad(mb, 1, "x", nd, bool(pbc[0]))
            lap = (x[:, 2:] - 2 * x[:, 1:-1] + x[:, :-2]) / mesh.cell[0] ** 2
            for ax in (2, 3):
                y = jnp.concatenate(
                    [jax.lax.slice_in_dim(mb, 0, 1, axis=ax), mb,
                     jax.lax.slice_in_dim(mb, mb.shape[ax] - 1, mb.shape[ax], axis=ax)],
                    axis=ax)
                n = mb.shape[ax]
                lap = lap + (jax.lax.slice_in_dim(y, 2, n + 2, axis=ax) - 2 * mb
                             + jax.lax.slice_in_dim(y, 0, n, axis=ax)) / mesh.cell[ax - 1] ** 2
            return C * lap

        f = jax.jit(jax.shard_map(local, mesh=dev, in_specs=P(None, "x"),
                                  out_specs=P(None, "x")))
        ms = jax.device_put(m, sh)
        got = f(ms)
        key = "periodic" if pbc[0] else "open"
        o[key + "_rel_err"] = float(jnp.max(jnp.abs(got - want)) / jnp.max(jnp.abs(want)))
        o[key + "_collectives"] = collectives(f.lower(ms).compile().as_text())
        o["plane_bytes"] = 3 * 1 * 6 * 3 * 8

    mesh = jm.Mesh((64, 32, 1), (5e-9, 5e-9, 3e-9))
    system = jm.make_system(mesh, jm.Material(8e5, 1.3e-11, 0.02))
    m = jax.device_put(system.check_magnetisation(jnp.array([1.0, 0.2, 0.1])), sh)
    g = jax.jit(lambda m: system.field(m), in_shardings=sh, out_shardings=sh)
    o["auto_demag_collectives"] = collectives(g.lower(m).compile().as_text())
    o["padded_bytes"] = 3 * 128 * 64 * 8

    # the explicit decomposition: y transforms local, two all-to-all transposes
    for key, n, pbc in CASES:
        mesh = jm.Mesh(n, (5e-9, 5e-9, 3e-9), pbc=pbc)
        term = Demag(mesh, jm.Material(8e5, 1.3e-11, 0.02))
        m = jnp.asarray(rng.normal(size=(3, *n)))
        want = term.field(m)
        K = kernel_slabs(term, dev)
        h = jax.jit(lambda m, K: sharded_demag_field(term, m, dev, kernel=K))
        ms = jax.device_put(m, sh)
        got = h(ms, K)
        o[key + "_rel_err"] = float(jnp.max(jnp.abs(got - want)) / jnp.max(jnp.abs(want)))
        o[key + "_collectives"] = collectives(h.lower(ms, K).compile().as_text())
        o[key + "_padded_bytes"] = 3 * term.fft_n[0] * term.fft_n[1] * term.fft_n[2] * 8
        o[key + "_rfft_axis"] = term.rfft_axis
        o[key + "_model_bytes"] = transpose_bytes(n, nd, 8, pbc)
if "run" in sys.argv:
    # the whole run decomposed: jm.distributed.shard, then simulate and grad unchanged;
    # the one-device runs and gradients are made once and compared with each N
    from jaxmag.distributed import shard, whole_array_collectives

    def sharded(s, m0, nd):
        return shard(s, m0, ALL[:nd])

    for key, cells in (("film", (32, 8, 1)), ("body", (16, 8, 4))):
        mesh = jm.Mesh(cells, (5e-9, 5e-9, 3e-9))
        mat = jm.Material(8e5, 1.3e-11, 0.02)
        m0 = jm.make_system(mesh, mat).check_magnetisation(
            jnp.asarray(rng.normal(size=(3, *cells)) * 0.3
                        + np.array([1.0, 0.25, 0.1])[:, None, None, None]))

        def make(By):
            return jm.make_system(mesh, mat, H=jnp.stack([-24.6e-3, By, 0.0]) / jm.constants.MU0)

        def run(By, nd, t1=2e-11):
            s = make(By)
            s, m = sharded(s, m0, nd) if nd else (s, m0)
            return jm.simulate(s, m, t1, save_every=t1 / 10, save_energies=False)

        one = run(4.3e-3, 0)
        if key == "film":
            g1 = jax.grad(lambda b: run(b, 0, 1e-11).m_avg[-1, 1])(4.3e-3)
        padded = 3 * 8 * int(np.prod([2 * k if k > 1 else 1 for k in cells]))
        for nd in NS:
            o = out[str(nd)]
            many = run(4.3e-3, nd)
            o[key + "_traj_max_err"] = float(jnp.max(jnp.abs(many.m_avg - one.m_avg)))
            o[key + "_final_split"] = str(many.m_final.sharding.spec)
            if key == "film":
                gs = jax.grad(lambda b: run(b, nd, 1e-11).m_avg[-1, 1])(4.3e-3)
                o["grad_rel_err"] = float(abs(gs - g1) / abs(g1))
            # the whole simulate program, compiled: no collective brings a whole array over
            ss, ms = sharded(make(4.3e-3), m0, nd)
            prog = jax.jit(lambda s, m: jm.simulate(s, m, 2e-11, save_every=2e-12,
                                                     save_energies=False).m_avg)
            ops = collectives(prog.lower(ss, ms).compile().as_text())
            o[key + "_program_ops"] = sorted({op for op, _ in ops})
            o[key + "_whole_array"] = whole_array_collectives(ops, padded, nd)
    # the local terms with their halos: periodic x, a hole, interfacial DMI, uniaxial
    # anisotropy and a Zhang-Li torque (its gradient of m by central differences)
    from jaxmag.energy import InterfacialDMI
    from jaxmag.torques import ZhangLi

    cells = (32, 8, 1)
    mesh = jm.Mesh(cells, (2e-9, 2e-9, 1e-9), pbc=(1, 0, 0))
    mat = jm.Material(Ms=5.8e5, A=1.5e-11, alpha=0.1, Ku1=8e5, anis_u=(0, 0, 1))
    hole = np.ones(cells, bool)
    hole[5:7, 3:5] = False

    def local_system(u):
        return jm.make_system(
            mesh, mat, mask=hole, extra_terms=(InterfacialDMI(mesh, mat, 3e-3),),
            torques=(ZhangLi(mesh, mat, jnp.stack([u, 0.0, 0.0]), 0.5, 0.2),))

    m0 = local_system(1e12).check_magnetisation(jnp.asarray(rng.normal(size=(3, *cells))))

    def run_local(u, nd):
        s = local_system(u)
        s, m = sharded(s, m0, nd) if nd else (s, m0)
        return jm.simulate(s, m, 5e-12, save_every=5e-13, save_energies=False)

    one = run_local(1e12, 0).m_avg
    g1 = jax.grad(lambda u: run_local(u, 0).m_avg[-1, 0])(1e12)
    for nd in NS:
        o = out[str(nd)]
        o["local_traj_max_err"] = float(jnp.max(jnp.abs(run_local(1e12, nd).m_avg - one)))
        gs = jax.grad(lambda u: run_local(u, nd).m_avg[-1, 0])(1e12)
        o["local_grad_rel_err"] = float(abs(gs - g1) / abs(g1))
print(json.dumps(out))
"""


def _devices(n, *args):
    """The script's figures on ``n`` host devices, keyed by each N it checks (``args``:
    the N, each on the first N devices, and ``"run"`` to simulate too)."""
    env = dict(os.environ)
    env["XLA_FLAGS"] = (
        env.get("XLA_FLAGS", "") + f" --xla_force_host_platform_device_count={n}"
    ).strip()
    run = subprocess.run(
        [sys.executable, "-c", SCRIPT, *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=1800,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["devices"] == n
    return out


def test_halo_stencil_on_four_devices_and_the_collectives_it_moves():
    from jaxmag.distributed import whole_array_collectives

    out = _devices(4, 4)["4"]
    for key in ("open", "periodic"):
        assert out[key + "_rel_err"] < 1e-12, (key, out[key + "_rel_err"])
        ops = out[key + "_collectives"]
        # two one-plane halos per slab, nothing else (the periodic wrap included)
        assert ops and {op for op, _ in ops} == {"collective-permute"}, ops
        assert max(b for _, b in ops) == out["plane_bytes"]
    auto = out["auto_demag_collectives"]
    gathers = [b for op, b in auto if op == "all-gather"]
    assert gathers and max(gathers) >= out["padded_bytes"] // 2, auto
    assert whole_array_collectives(auto, out["padded_bytes"], 4) >= 1, auto
    # the explicit decomposition: exact, and two transposes of 1/N-sized blocks only
    assert {out["rfft_y_rfft_axis"], out["rfft_x_pbc_rfft_axis"]} == {1, 2}
    for key in ("rfft_y", "rfft_x_pbc", "body", "body_z", "body_pbc"):
        assert out[key + "_rel_err"] < 1e-12, (key, out[key + "_rel_err"])
        ops = out[key + "_collectives"]
        assert [op for op, _ in ops] == ["all-to-all", "all-to-all"], ops
        assert whole_array_collectives(ops, out[key + "_padded_bytes"], 4) == 0, ops
        # the bytes that leave a device: the scaling model's count, exactly
        assert sum(b for _, b in ops) * 3 // 4 == out[key + "_model_bytes"], (ops, key)


@pytest.mark.slow
def test_simulate_and_its_gradient_through_a_sharded_system():
    """``jm.distributed.shard`` then ``simulate`` (and ``jax.grad`` of it) as on one
    device, on N = 2, 4, 8 devices (the first N of 8, in one process, so the one-device
    runs are made once): the demag field of films and bodies to 1e-12, ⟨m⟩(t) of a film,
    a body and a periodic film with a hole, DMI, anisotropy and a Zhang-Li torque within
    1e-10, gradients within 1e-10, the result still split along x; the compiled simulate
    program holds no whole-array collective but does hold the all-to-all transposes and
    the halos."""
    every = _devices(8, 2, 4, 8, "run")
    assert sorted(every) == ["2", "4", "8", "devices"]
    for n in (2, 4, 8):
        out = every[str(n)]
        for key in ("rfft_y", "rfft_x_pbc", "body", "body_z", "body_pbc"):
            assert out[key + "_rel_err"] < 1e-12, (n, key, out[key + "_rel_err"])
            ops = out[key + "_collectives"]
            assert sum(b for _, b in ops) * (n - 1) // n == out[key + "_model_bytes"], (
                n,
                ops,
                key,
            )
        for key in ("film", "body"):
            assert out[key + "_traj_max_err"] < 1e-10, (n, key, out)
            assert out[key + "_final_split"] in ("P(None, 'x')", "PartitionSpec(None, 'x')")
            assert out[key + "_whole_array"] == 0, (n, out)
            assert {"all-to-all", "collective-permute"} <= set(out[key + "_program_ops"]), out
        assert out["grad_rel_err"] < 1e-10, (n, out)
        # periodic x, a hole, DMI, anisotropy and a Zhang-Li torque across device boundaries
        assert out["local_traj_max_err"] < 1e-10 and out["local_grad_rel_err"] < 1e-10, out


def test_whole_array_collectives_counts_gathers_not_transposes():
    """The criterion itself: XLA's all-gather of half the padded array counts, an
    all-to-all of a device's share and a one-plane halo do not, at any N."""
    from jaxmag.distributed import whole_array_collectives

    padded = 3 * 512 * 256 * 8
    assert whole_array_collectives([("all-gather", padded // 2)], padded, 8) == 1
    assert whole_array_collectives([("all-gather", padded // 2)], padded, 2) == 1
    share = [("all-to-all", int(padded / n * 1.02)) for n in (2, 4, 8)]
    for n, op in zip((2, 4, 8), share, strict=True):
        assert whole_array_collectives([op, ("collective-permute", 3 * 256 * 8)], padded, n) == 0
    assert whole_array_collectives([("all-to-all", padded // 2)], padded, 8) == 1
    assert whole_array_collectives([("all-reduce", 8)] * 10, padded, 8) == 0


@pytest.mark.slow
def test_two_processes_each_holding_half_the_devices():
    """The same script under ``jax.distributed.initialize``: two processes on this machine
    (CPU collectives), two devices each, one film split over all four; ⟨m⟩(t) equals a
    run on one device to 1e-10 (examples/beyond_one_device.py, as a user runs it)."""
    script = Path(__file__).resolve().parent.parent / "examples" / "beyond_one_device.py"
    env = dict(os.environ)
    env["XLA_FLAGS"] = (
        env.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=2"
    ).strip()
    run = subprocess.run(
        [sys.executable, str(script), "--processes", "2", "--check", "--cells", "32", "8", "2"],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    lines = [ln for ln in run.stdout.splitlines() if ln.startswith("{")]
    assert len(lines) == 1, run.stdout  # process 0 alone prints
    out = json.loads(lines[0])
    assert out["processes"] == 2 and out["devices"] == 4, out
    assert out["traj_max_err"] < 1e-10, out
