"""Ctrl-C (SIGINT), SIGTERM and SIGKILL during writes: the program stops, the target
file is the old whole file or the new whole file, and a temporary file left behind is
removed at the next write.

Python runs a SIGINT handler at the next bytecode boundary of the main thread; if that
lies in a garbage-collector callback (JAX registers ``_xla_gc_callback``), the
``KeyboardInterrupt`` is printed as "Exception ignored in ..." and lost. `_swallowed_sigint`
makes that happen deterministically, with a gc callback of the test's own.
"""

import gc
import json
import signal
import subprocess
import sys
import textwrap
import threading
import time
import warnings

import numpy as np
import pytest

import jaxmag
from jaxmag.dynamics import _checkpoint_files as ck
from jaxmag.dynamics import _segmented as seg
from jaxmag.io import _atomic as atomic_module
from jaxmag.io import atomic_write
from jaxmag.io._atomic import kept_interrupts


@pytest.fixture(autouse=True)
def _sigint_as_python_starts():
    """Each test starts with SIGINT as a fresh Python process has it: the default
    handler, and not blocked in the main thread. A test elsewhere in the same xdist
    worker can leave it otherwise (seen in the full suite: SIG_IGN, so that
    neither this process nor its children saw Ctrl-C); that is warned about, not hidden,
    and the state is put back after the test."""
    handler = signal.getsignal(signal.SIGINT)
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    if handler is not signal.default_int_handler or signal.SIGINT in blocked:
        warnings.warn(
            f"SIGINT was not Python's default at the start: handler {handler!r}, "
            f"blocked {signal.SIGINT in blocked}",
            stacklevel=1,
        )
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGINT])
    yield
    signal.signal(signal.SIGINT, handler)
    signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


def _swallowed_sigint(monkeypatch) -> list:
    """Deliver SIGINT inside a gc callback, where Python swallows the KeyboardInterrupt
    (as in JAX's ``_xla_gc_callback``); returns the list the swallowed exceptions go to."""
    lost = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: lost.append(u.exc_type))
    fired = []

    def callback(phase, info):
        # only in the main thread's own collection: a collection that another thread
        # (JAX's, under load) runs in between would deliver the signal elsewhere
        if not fired and threading.current_thread() is threading.main_thread():
            fired.append(phase)
            signal.raise_signal(signal.SIGINT)

    gc.callbacks.append(callback)
    try:
        gc.collect()
    finally:
        gc.callbacks.remove(callback)
    return lost


def test_a_swallowed_interrupt_is_raised_after_the_write(tmp_path, monkeypatch):
    target = tmp_path / "t.txt"
    target.write_text("old\n")
    with pytest.raises(KeyboardInterrupt), atomic_write(target) as f:
        f.write("new, first half\n")
        lost = _swallowed_sigint(monkeypatch)
        assert lost == [KeyboardInterrupt]  # the mechanism: Python dropped it
        f.write("new, second half\n")
    assert target.read_text() == "new, first half\nnew, second half\n"  # whole
    assert [p.name for p in tmp_path.iterdir()] == ["t.txt"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_an_interrupt_mid_write_stops_at_once_and_keeps_the_old_file(tmp_path):
    target = tmp_path / "t.txt"
    target.write_text("old\n")
    with pytest.raises(KeyboardInterrupt), atomic_write(target) as f:
        f.write("new, first half\n")
        signal.raise_signal(signal.SIGINT)
        f.write("never written\n")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["t.txt"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_kept_interrupts_check_and_nesting(monkeypatch):
    with pytest.raises(KeyboardInterrupt), kept_interrupts() as outer:
        outer.check()  # nothing yet
        with pytest.raises(KeyboardInterrupt), kept_interrupts() as inner:
            _swallowed_sigint(monkeypatch)
            with pytest.raises(KeyboardInterrupt):
                inner.check()
        outer.check()  # the outer block saw it too
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_kept_interrupts_leaves_other_handlers_and_threads_alone():
    seen = []
    previous = signal.signal(signal.SIGINT, lambda s, f: seen.append(s))
    try:
        with kept_interrupts() as guard:
            signal.raise_signal(signal.SIGINT)
            guard.check()  # the program's own handler took it
        assert seen == [signal.SIGINT]
    finally:
        signal.signal(signal.SIGINT, previous)
    errors = []

    def in_thread():
        try:
            with kept_interrupts() as guard:
                guard.check()
        except BaseException as e:  # signal.signal outside the main thread raises
            errors.append(e)

    t = threading.Thread(target=in_thread)
    t.start()
    t.join()
    assert errors == []


def test_a_swallowed_interrupt_stops_a_checkpointed_run_at_the_segment_end(tmp_path, monkeypatch):
    def write_then_interrupt(*args, **kw):
        entry = write(*args, **kw)
        if entry["segment"] == 1:
            assert _swallowed_sigint(monkeypatch) == [KeyboardInterrupt]
        return entry

    write = seg._write  # simulate_checkpointed's own reference
    monkeypatch.setattr(seg, "_write", write_then_interrupt)
    system = jaxmag.make_system(
        jaxmag.Mesh((2, 1, 1), (5e-9, 5e-9, 3e-9)),
        jaxmag.Material(Ms=8e5, A=1.3e-11, alpha=0.02),
        H=np.array([-2e4, 3e3, 0.0]),
        demag=False,
    )
    run = dict(checkpoint_dir=tmp_path, checkpoint_every=1e-12, save_every=0.5e-12)
    with pytest.raises(KeyboardInterrupt):
        jaxmag.simulate_checkpointed(system, (1.0, 0.25, 0.1), 3e-12, **run)
    assert json.loads((tmp_path / ck._META).read_text())["segment"] == 1  # then it stopped
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    monkeypatch.setattr(ck, "_write", write)
    assert jaxmag.simulate_checkpointed(system, (1.0, 0.25, 0.1), 3e-12, **run).resumed_from == 1


# Subprocesses load jaxmag/io/_atomic.py alone (it needs only numpy): they start fast.
LOAD = f"""
import importlib.util, sys
spec = importlib.util.spec_from_file_location("_atomic", {atomic_module.__file__!r})
atomic = importlib.util.module_from_spec(spec)
spec.loader.exec_module(atomic)
"""

WRITER = LOAD + textwrap.dedent(
    """
    import gc
    import numpy as np

    def slow(phase, info):  # a slow gc callback: most SIGINTs land in it and are lost
        for _ in range(100_000):
            pass

    gc.callbacks.append(slow)
    a = np.arange(6000.0).reshape(-1, 3)
    print("ready", flush=True)
    i = 0
    while True:
        with atomic.atomic_write(f"{sys.argv[1]}/t{i % 2}.txt") as f:
            rows = (a + i).tolist()  # many lists at once: the collector runs
            f.write("".join(f"{x} {y} {z}\\n" for x, y, z in rows))
        i += 1
    """
)


def test_sigint_stops_a_writing_process_and_leaves_whole_files(tmp_path):
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    out = tmp_path / "out"
    out.mkdir()
    proc = subprocess.Popen(
        [sys.executable, str(script), str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "ready"
    for _ in range(50):  # wait until both files exist
        if len(list(out.glob("t?.txt"))) == 2:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail("the writer ignored Ctrl-C (its KeyboardInterrupt was swallowed)")
    assert proc.returncode != 0 and "KeyboardInterrupt" in err.splitlines()[-1], err[-2000:]
    names = sorted(p.name for p in out.iterdir())
    assert names == ["t0.txt", "t1.txt"]  # no temporary file left
    for name in names:
        t = np.loadtxt(out / name)
        assert t.shape == (2000, 3) and np.all(np.diff(t[:, 0]) == 3)  # whole


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_a_killed_writer_keeps_the_old_file_and_its_temporary_goes_at_the_next_write(tmp_path, sig):
    target = tmp_path / "t.txt"
    target.write_text("old\n")
    code = LOAD + textwrap.dedent(
        """
        import time
        with atomic.atomic_write(sys.argv[1]) as f:
            f.write("new, half")
            f.flush()
            print("writing", flush=True)
            time.sleep(60)
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(target)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "writing"
    proc.send_signal(sig)
    assert proc.wait(timeout=20) == -sig
    proc.stdout.close()
    assert target.read_text() == "old\n"
    temps = [p.name for p in tmp_path.glob(".t.txt.*.tmp")]
    assert len(temps) == 1 and temps[0].startswith(f".t.txt.{proc.pid}.")
    with atomic_write(target) as f:
        f.write("new\n")
    assert target.read_text() == "new\n"
    assert [p.name for p in tmp_path.iterdir()] == ["t.txt"]


def test_save_model_removes_a_temporary_folder_of_a_killed_save(tmp_path):
    import equinox as eqx
    import jax

    from jaxmag.io._model import load_model, save_model

    stale = tmp_path / "params.orbax-checkpoint-tmp-1700000000"
    stale.mkdir()
    (stale / "partial").write_text("x")
    model = eqx.nn.Linear(2, 2, key=jax.random.key(0))
    save_model(tmp_path, model, {"n": 2})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.json", "params"]
    back, config = load_model(tmp_path, lambda c: eqx.nn.Linear(2, 2, key=jax.random.key(1)))
    assert config == {"n": 2} and (back.weight == model.weight).all()
