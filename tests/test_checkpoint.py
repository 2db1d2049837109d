"""Checkpoint and resume of long simulations; save and restore of models.

The kill test runs a driver in subprocesses: one run is killed (SIGKILL) mid-way and
rerun, which must resume and end bitwise equal (float64, CPU) to an uninterrupted run.
"""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import diffrax
import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxmag
import jaxmag.io._model as model_checkpoint
from jaxmag.dynamics import _checkpoint_files as ck

DRIVER = textwrap.dedent(
    """
    import json, os, sys
    import jax
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import numpy as np
    import jaxmag
    from jaxmag import simulate_checkpointed
    from jaxmag.constants import MU0
    from jaxmag.problems import sp4

    folder, out = sys.argv[1], sys.argv[2]
    mesh = jaxmag.Mesh((8, 4, 1), (5e-9, 5e-9, 3e-9))
    H = jnp.asarray(sp4.FIELD1_MT) * 1e-3 / MU0
    system = jaxmag.make_system(mesh, sp4.material(), H=H)
    run = simulate_checkpointed(
        system, sp4.M_START, 20e-12, checkpoint_dir=folder, checkpoint_every=1e-12,
        save_every=0.25e-12, key=jax.random.key(7),
    )
    np.save(out + ".m.npy", np.asarray(run.m_final))
    np.save(out + ".table.npy", np.asarray(run.m_avg))
    info = {"resumed_from": run.resumed_from, "n_segments": run.stats["n_segments"],
            "key": np.asarray(jax.random.key_data(run.key)).tolist()}
    with open(out + ".tmp", "w") as f:
        json.dump(info, f)
    os.replace(out + ".tmp", out)  # the last thing written: the run is complete
    """
)


def _driver(tmp_path, name):
    script = tmp_path / "driver.py"
    script.write_text(DRIVER)
    env = dict(os.environ, JAX_PLATFORMS="cpu")
    args = [sys.executable, str(script), str(tmp_path / name), str(tmp_path / f"{name}.json")]
    return subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _segment_done(folder: Path) -> int:
    try:
        return json.loads((folder / ck._META).read_text())["segment"]
    except (FileNotFoundError, json.JSONDecodeError, KeyError):
        return 0


def _finish(proc, timeout=120):
    _, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err.decode()[-3000:]


def _load(tmp_path, name):
    out = tmp_path / f"{name}.json"
    info = json.loads(out.read_text())
    return info, np.load(f"{out}.m.npy"), np.load(f"{out}.table.npy")


# fast companion: test_resume_from_earlier_checkpoint_and_matches_simulate
@pytest.mark.slow
def test_killed_run_resumes_bitwise(tmp_path):
    full = _driver(tmp_path, "full")  # uninterrupted, in its own folder, alongside
    killed = _driver(tmp_path, "killed")
    deadline = time.monotonic() + 90
    while _segment_done(tmp_path / "killed") < 3:
        assert killed.poll() is None, killed.stderr.read().decode()[-3000:]
        assert time.monotonic() < deadline, "no checkpoint appeared in time"
        time.sleep(0.01)
    killed.send_signal(signal.SIGKILL)
    killed.wait(timeout=30)
    assert killed.returncode == -signal.SIGKILL
    assert not (tmp_path / "killed.json").exists()  # it died before finishing
    assert 3 <= _segment_done(tmp_path / "killed") < 20

    _finish(_driver(tmp_path, "killed"))
    _finish(full)
    info_r, m_r, table_r = _load(tmp_path, "killed")
    info_f, m_f, table_f = _load(tmp_path, "full")
    assert info_f["resumed_from"] is None and info_f["n_segments"] == 20
    assert info_r["resumed_from"] is not None and 3 <= info_r["resumed_from"] < 20
    assert (
        info_r["key"]
        == info_f["key"]
        == np.asarray(jax.random.key_data(jax.random.key(7))).tolist()
    )
    assert table_f.shape == (81, 3) and np.all(np.isfinite(table_f))
    assert np.array_equal(m_r, m_f)  # bitwise
    assert np.array_equal(table_r, table_f)
    assert not np.allclose(table_f[-1], table_f[0], atol=1e-3)  # the state did evolve


# In-process cases: a tiny system (exchange + field), so each compiles in a few seconds.


def _system(n=(4, 2, 1), H=(-2e4, 3e3, 0.0), Ms=8e5):
    mesh = jaxmag.Mesh(n, (5e-9, 5e-9, 3e-9))
    mat = jaxmag.Material(Ms=Ms, A=1.3e-11, alpha=0.02)
    return jaxmag.make_system(mesh, mat, H=jnp.asarray(H), demag=False)


M0 = (1.0, 0.25, 0.1)
RUN = {"checkpoint_every": 1e-12, "save_every": 0.5e-12}


def _run(folder, system=None, t1=4e-12, **kw):
    return jaxmag.simulate_checkpointed(
        _system() if system is None else system, M0, t1, checkpoint_dir=folder, **{**RUN, **kw}
    )


def test_resume_from_earlier_checkpoint_and_matches_simulate(tmp_path):
    ref = _run(tmp_path / "a")
    assert ref.resumed_from is None and ref.stats["n_segments"] == 4 and ref.key is None
    assert sorted(p.name for p in (tmp_path / "a").glob("segment_*")) == [
        "segment_000003",
        "segment_000004",
    ]
    again = _run(tmp_path / "a")  # a finished run: restored, nothing integrated
    assert again.resumed_from == 4
    assert np.array_equal(again.m_final, ref.m_final)
    assert np.array_equal(again.m_avg, ref.m_avg)

    _run(tmp_path / "b")  # point its checkpoint.json back at the previous checkpoint
    meta_path = tmp_path / "b" / ck._META
    meta = json.loads(meta_path.read_text())
    old = json.loads(meta_path.read_text())
    meta.update(segment=3, folder="segment_000003", previous=None)  # no fallback
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="digest"):  # the digest is of segment 4's arrays
        _run(tmp_path / "b")
    meta["digest"] = ck._digest(_restored_state(tmp_path / "b" / "segment_000003"))
    assert meta["digest"] != old["digest"]
    meta_path.write_text(json.dumps(meta))
    res = _run(tmp_path / "b")
    assert res.resumed_from == 3
    assert np.array_equal(res.m_final, ref.m_final)
    assert np.array_equal(res.m_avg, ref.m_avg)
    assert res.stats == ref.stats

    traj = jaxmag.simulate(_system(), M0, 4e-12, ts=np.asarray(ref.ts))
    np.testing.assert_allclose(ref.ts, np.arange(9) * 0.5e-12, rtol=1e-15)
    np.testing.assert_allclose(ref.m_avg, traj.m_avg, atol=2e-5)  # honest: both at 1e-5
    assert not np.allclose(ref.m_avg[-1], ref.m_avg[0], atol=1e-3)


def _restored_state(path):
    import orbax.checkpoint as ocp

    with ocp.StandardCheckpointer() as c:
        return jax.tree.map(np.asarray, c.restore(path))


def test_segment_function_compiles_once(tmp_path, caplog):
    system = _system(n=(3, 2, 1))  # a shape no other test uses
    with jax.log_compiles(), caplog.at_level("WARNING", logger="jax"):
        run = _run(tmp_path, system, t1=5e-12)
    assert run.stats["n_segments"] == 5
    compiles = [r for r in caplog.records if "Compiling jit(_segment)" in r.getMessage()]
    assert len(compiles) == 1


@pytest.mark.parametrize(
    "change, name",
    [
        ({"t1": 3e-12}, "t1: saved"),
        ({"rtol": 1e-6}, "rtol: saved"),
        ({"save_every": 0.25e-12}, "save_every: saved"),
        # the message names the term or the material parameter that changed
        ({"system": _system(H=(-2e4, 0.0, 0.0))}, r"changed: system\.1:Zeeman\)"),
        ({"system": _system(Ms=8.1e5)}, r"changed: material\.Ms, system\.0:Exchange"),
        ({"solver": diffrax.Tsit5()}, "solver: saved"),
        ({"key": jax.random.key(1)}, "key: saved"),
        ({"snapshots": True}, "snapshots: saved"),
        ({"save_energies": True}, "energies: saved"),
    ],
)
def test_checkpoint_of_another_run_is_refused(tmp_path, change, name):
    _run(tmp_path, t1=2e-12)
    kw = {"t1": 2e-12, **change}
    with pytest.raises(ValueError, match=f"different run.*{name}"):
        _run(tmp_path, **kw)


def test_checkpoint_of_another_initial_state_is_refused(tmp_path):
    _run(tmp_path, t1=2e-12)
    with pytest.raises(ValueError, match="different run.*m0"):
        jaxmag.simulate_checkpointed(
            _system(), (0.0, 1.0, 0.0), 2e-12, checkpoint_dir=tmp_path, **RUN
        )


# orbax leaves an asyncio callback behind when a restore fails; it is harmless.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_corrupt_checkpoints_are_refused(tmp_path):
    _run(tmp_path / "a", t1=2e-12)
    meta = tmp_path / "a" / ck._META
    meta.write_text('{"format": "jaxmag.simulate_checkpointed/1", "segm')
    with pytest.raises(ValueError, match="corrupt checkpoint metadata"):
        _run(tmp_path / "a", t1=2e-12)

    ref = _run(tmp_path / "b", t1=2e-12)  # damaged arrays: every data file truncated
    for p in (tmp_path / "b" / "segment_000002").rglob("*"):
        if p.is_file() and p.parent.name == "d":
            p.write_bytes(p.read_bytes()[:7])
    # the checkpoint before it is intact: the run resumes from it, with a warning
    with pytest.warns(UserWarning, match="corrupt checkpoint.*resuming from .*segment_000001"):
        again = _run(tmp_path / "b", t1=2e-12)
    assert again.resumed_from == 1
    np.testing.assert_array_equal(again.m_final, ref.m_final)
    np.testing.assert_array_equal(again.m_avg, ref.m_avg)
    _run(tmp_path / "e", t1=2e-12)  # both kept checkpoints damaged: refused
    for seg in ("segment_000001", "segment_000002"):
        for p in (tmp_path / "e" / seg).rglob("*"):
            if p.is_file() and p.parent.name == "d":
                p.write_bytes(p.read_bytes()[:7])
    with pytest.raises(ValueError, match="corrupt checkpoint"):
        _run(tmp_path / "e", t1=2e-12)

    _run(tmp_path / "c", t1=2e-12)  # parameters edited by hand: the hash no longer fits
    text = (tmp_path / "c" / ck._META).read_text().replace("1e-05", "1e-06")
    (tmp_path / "c" / ck._META).write_text(text)
    with pytest.raises(ValueError, match="corrupt checkpoint metadata"):
        _run(tmp_path / "c", t1=2e-12)


@pytest.mark.parametrize(
    "kw, err, match",
    [
        ({"t1": 0.0}, ValueError, "t1 must be later"),
        ({"t1": float("nan")}, ValueError, "finite"),
        ({"checkpoint_every": 0.0}, ValueError, "checkpoint_every"),
        ({"checkpoint_every": 5e-12}, ValueError, "exceeds the run length"),
        ({"checkpoint_every": 1e-20}, ValueError, "segments"),
        ({"save_every": -1e-12}, ValueError, "save_every"),
        ({"save_every": 1e-11}, ValueError, "exceeds the run length"),
        ({"rtol": 0.0}, ValueError, "rtol"),
        ({"solver": "Dopri5"}, TypeError, "diffrax solver"),
        ({"max_steps": 0}, ValueError, "max_steps"),
        ({"key": 3}, TypeError, "key"),
        ({"system": "not a system"}, TypeError, "System"),
    ],
)
def test_bad_arguments(tmp_path, kw, err, match):
    with pytest.raises(err, match=match):
        _run(tmp_path / "ck", **kw)
    assert not (tmp_path / "ck").exists()  # checked before any work


def test_bad_checkpoint_dir_and_m0(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="not a folder"):
        _run(tmp_path / "file")
    with pytest.raises(ValueError, match="shape"):
        jaxmag.simulate_checkpointed(
            _system(), np.ones((3, 5, 2, 1)), 2e-12, checkpoint_dir=tmp_path, **RUN
        )


def test_keys_pass_through(tmp_path):
    typed = _run(tmp_path / "a", t1=2e-12, key=jax.random.key(3))
    assert np.array_equal(jax.random.key_data(typed.key), jax.random.key_data(jax.random.key(3)))
    again = _run(tmp_path / "a", t1=2e-12, key=jax.random.key(3))
    assert again.resumed_from == 2 and jax.random.key_impl(again.key) == jax.random.key_impl(
        typed.key
    )
    raw = _run(tmp_path / "b", t1=2e-12, key=jax.random.PRNGKey(5))
    assert np.array_equal(raw.key, jax.random.PRNGKey(5))


def test_progress_prints_one_line_per_segment(tmp_path, capsys):
    _run(tmp_path, t1=2e-12, progress=True)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and lines[1].startswith("segment 2/2: t = 2e-12 s of 2e-12 s, wall")


def test_model_round_trip(tmp_path):
    assert jaxmag.io.save_model is model_checkpoint.save_model
    assert jaxmag.io.load_model is model_checkpoint.load_model
    config = {"in_size": 3, "out_size": 2, "width_size": 8, "depth": 2}

    def build(cfg):
        return eqx.nn.MLP(**cfg, key=jax.random.key(0))

    model = eqx.nn.MLP(**config, key=jax.random.key(42))
    jaxmag.io.save_model(tmp_path / "model", model, config)
    assert jaxmag.io.load_config(tmp_path / "model") == config
    restored, cfg = jaxmag.io.load_model(tmp_path / "model", build)
    assert cfg == config
    for a, b in zip(jax.tree.leaves(model), jax.tree.leaves(restored), strict=True):
        assert np.array_equal(a, b)
    x = jnp.array([0.1, -0.2, 0.3])
    assert np.array_equal(model(x), restored(x))
    assert not np.array_equal(build(config)(x), model(x))
