"""Atomic file writes: a file appears whole or not at all; and Ctrl-C is never lost.

Python runs a SIGINT handler at the next bytecode boundary of the main thread. If that
boundary lies in a garbage-collector callback (JAX registers one, ``_xla_gc_callback``)
or in a ``__del__``, the ``KeyboardInterrupt`` it raises is printed as "Exception
ignored in ..." and dropped, and the program runs on. :class:`kept_interrupts` records
every SIGINT, so a dropped one is raised again where the program can see it.
"""

import contextlib
import glob
import os
import signal
import tempfile
import threading
import zipfile
from pathlib import Path

import numpy as np


@contextlib.contextmanager
def atomic_write(path, mode: str = "w"):
    """Open a temporary file beside ``path`` for writing; on success rename it onto
    ``path`` (atomic on POSIX), on error (Ctrl-C included) remove it. Parent folders are
    created. Temporary files of ``path`` left by a killed writer (SIGKILL, power loss:
    no cleanup runs) are removed here, at the next write: their names carry the writer's
    process id, and a file whose process no longer runs is stale."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(path)
    with kept_interrupts():  # a Ctrl-C dropped mid-write is raised after the rename
        fd, tmp = tempfile.mkstemp(
            prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent
        )
        umask = os.umask(0)
        os.umask(umask)
        try:
            os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the usual permissions
            with os.fdopen(fd, mode) as f:
                yield f
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise


class kept_interrupts:  # noqa: N801 (used like a function: ``with kept_interrupts():``)
    """Within the block, no Ctrl-C (SIGINT) is lost.

    A SIGINT raises ``KeyboardInterrupt`` at once, as usual, and is also recorded. If
    that exception was swallowed (it surfaced in a gc callback or a ``__del__``),
    :meth:`check` raises it again, and so does leaving the block, unless a
    ``KeyboardInterrupt`` is already propagating. The previous handler is always put
    back. Outside the main thread, or where the program installed a SIGINT handler of
    its own, nothing changes. Blocks nest."""

    def __init__(self):
        self._previous = None
        self._hits = 0
        self._quiet = False

    def _handler(self, signum, frame):
        self._hits += 1
        if not self._quiet:
            self._previous(signum, frame)  # raises KeyboardInterrupt

    def check(self) -> None:
        """Raise ``KeyboardInterrupt`` if a SIGINT arrived in the block (its first
        ``KeyboardInterrupt`` was swallowed, or this line would not run)."""
        if self._hits:
            raise KeyboardInterrupt

    def __enter__(self):
        previous = signal.getsignal(signal.SIGINT)
        ours = isinstance(getattr(previous, "__self__", None), kept_interrupts)
        main = threading.current_thread() is threading.main_thread()
        if main and (previous is signal.default_int_handler or ours):
            self._previous = previous
            signal.signal(signal.SIGINT, self._handler)
        return self

    def __exit__(self, kind, value, tb):
        if self._previous is None:
            return False
        while True:  # a SIGINT during the restore is recorded, never lost, never half-done
            try:
                self._quiet = True
                signal.signal(signal.SIGINT, self._previous)
                break
            except KeyboardInterrupt:
                continue
        if self._hits and not (kind is not None and issubclass(kind, KeyboardInterrupt)):
            raise KeyboardInterrupt  # the first one was swallowed
        return False


def _remove_stale(path: Path) -> None:
    """Remove ``.{name}.{pid}.*.tmp`` files beside `path` whose process has ended."""
    prefix = f".{path.name}."
    for p in path.parent.glob(f"{glob.escape(prefix)}*.tmp"):
        pid = p.name[len(prefix) :].split(".", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            with contextlib.suppress(OSError):
                p.unlink()


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, but another user's
        return True
    return True


def read_npz(path, what: str = "file") -> dict:
    """All arrays of the ``.npz`` at `path` (no pickles); a ``ValueError`` names the file
    when it is missing or unreadable. `what` names the kind of file in the message."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path}: no such {what}")
    try:
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as e:
        raise ValueError(f"{path}: not a readable {what} ({e})") from None
