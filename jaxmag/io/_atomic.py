"""Atomic file writes: a file appears whole or not at all."""

import contextlib
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np


@contextlib.contextmanager
def atomic_write(path, mode: str = "w"):
    """Open a temporary file beside ``path`` for writing; on success rename it onto
    ``path`` (atomic on POSIX), on error remove it. Parent folders are created."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
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
