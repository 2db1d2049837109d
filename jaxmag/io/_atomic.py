"""Atomic file writes: a file appears whole or not at all."""

import contextlib
import glob
import os
import tempfile
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
