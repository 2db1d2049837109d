"""The files of a checkpointed run (:func:`~jaxmag.simulate_checkpointed`): the run's
parameters, their hash and a description of what a changed hash changed, the
``checkpoint.json`` that names the latest two whole checkpoints, and writing, checking
and restoring them (falling back to the previous checkpoint when the latest is corrupt).
"""

import dataclasses
import hashlib
import json
import shutil
import warnings
from pathlib import Path

import equinox as eqx
import jax
import numpy as np

from jaxmag._system import System
from jaxmag.io import atomic_write

_META = "checkpoint.json"


_FORMAT = "jaxmag.simulate_checkpointed/1"


def _digest(tree) -> str:
    """A short hash of a pytree's leaves (array bytes, shapes and dtypes; names of others)."""
    h = hashlib.sha256()
    for leaf in jax.tree.leaves(tree):
        if eqx.is_array(leaf):
            if jax.dtypes.issubdtype(leaf.dtype, jax.dtypes.prng_key):
                leaf = jax.random.key_data(leaf)
            a = np.ascontiguousarray(leaf)
            h.update(f"{a.dtype}{a.shape}".encode() + a.tobytes())
        elif isinstance(leaf, int | float | str | bool | None):
            h.update(repr(leaf).encode())
        else:
            h.update(getattr(leaf, "__qualname__", type(leaf).__qualname__).encode())
    return h.hexdigest()[:16]


def _hash(params: dict) -> str:
    return hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()


def _details(system: System) -> dict:
    """Per-field digests of the material and per-term digests of the system, stored
    beside ``params`` so that a refused resume names what changed (``material.Ms``)."""
    mat = system.material
    names = [f.name for f in dataclasses.fields(mat)]
    terms = {f"{i}:{type(t).__name__}": _digest(t) for i, t in enumerate(system.terms)}
    return {
        "material": {n: _digest(getattr(mat, n)) for n in names},
        "system": {**terms, "gamma": _digest(system.gamma)},
    }


def _changed(saved: dict, now: dict) -> list[str]:
    """``group.key`` for every entry of the detail digests that differs."""
    out = []
    for group, entries in now.items():
        old = saved.get(group, {})
        out += [f"{group}.{k}" for k in entries if old.get(k) != entries[k]]
        out += [f"{group}.{k} (removed)" for k in old if k not in entries]
    return out


def _read_meta(folder: Path, params: dict, details: dict | None = None) -> dict | None:
    """The checkpoint's metadata (``None`` if there is none), checked against ``params``
    (and, to name what changed, against ``details``)."""
    path = folder / _META
    if not path.exists():
        return None
    try:
        meta = json.loads(path.read_text())
        ok = meta["format"] == _FORMAT and isinstance(meta["segment"], int)
        ok = ok and meta["params_hash"] == _hash(meta["params"])
    except (ValueError, UnicodeDecodeError, KeyError, TypeError) as e:
        raise ValueError(f"{path}: corrupt checkpoint metadata ({e!r})") from None
    if not ok:
        raise ValueError(f"{path}: corrupt checkpoint metadata (bad format, segment or hash)")
    saved = meta["params"]
    diff = [
        f"{k}: saved {saved.get(k)!r}, now {v!r}" for k, v in params.items() if saved.get(k) != v
    ]
    if diff and details is not None and isinstance(meta.get("details"), dict):
        named = _changed(meta["details"], details)
        if named:
            diff = [d for d in diff if d.split(":")[0] not in details] + [
                f"changed: {', '.join(named)}"
            ]
    if diff:
        raise ValueError(
            f"{folder} holds a checkpoint of a different run ({'; '.join(diff)}); "
            "use another checkpoint_dir, or delete it to start afresh"
        )
    return meta


def _restore(ckptr, folder: Path, meta: dict, target: dict, bounds) -> dict:
    k, path = meta["segment"], folder / str(meta.get("folder"))
    if not 1 <= k < len(bounds) or path.name != f"segment_{k:06d}":
        raise ValueError(f"{folder / _META}: corrupt checkpoint (segment {k!r}, {path.name})")
    abstract = jax.tree.map(lambda a: jax.ShapeDtypeStruct(a.shape, a.dtype), target)
    try:
        out = jax.tree.map(np.asarray, ckptr.restore(path, abstract))
    except Exception as e:  # orbax raises several types for missing or damaged data
        raise ValueError(f"{path}: corrupt checkpoint, cannot restore it ({e!s:.300})") from None
    same = jax.tree.map(lambda a, b: a.shape == b.shape and a.dtype == b.dtype, out, target)
    if not all(jax.tree.leaves(same)):
        raise ValueError(f"{path}: corrupt checkpoint (shapes or dtypes do not match)")
    if _digest(out) != meta.get("digest"):
        raise ValueError(f"{path}: corrupt checkpoint (its arrays do not match their digest)")
    return out


_ENTRY = ("segment", "folder", "digest")
"""The keys of one checkpoint's entry in ``checkpoint.json`` (and of its ``previous``)."""


def _write(ckptr, folder: Path, k: int, state: dict, meta: dict, prev: dict | None) -> dict:
    """Checkpoint after ``k`` segments, point ``checkpoint.json`` at it (and at `prev`,
    the checkpoint before it, kept as a fallback), drop older ones. Returns the entry
    (segment, folder, digest) of this checkpoint."""
    name = f"segment_{k:06d}"
    ckptr.save(folder / name, state, force=True)
    ckptr.wait_until_finished()
    entry = {"segment": k, "folder": name, "digest": _digest(state)}
    meta = dict(meta, **entry, previous=prev)
    with atomic_write(folder / _META) as f:
        f.write(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    keep = {name, None if prev is None else prev["folder"]}
    for p in folder.glob("segment_*"):
        if p.name not in keep:
            shutil.rmtree(p, ignore_errors=True)
    return entry


def _restore_or_previous(ckptr, folder: Path, meta: dict, target: dict, bounds):
    """(state, segment): the latest checkpoint, or, if it is damaged, the one before it
    (kept for that), with a warning; if both are damaged, the error of the latest."""
    try:
        return _restore(ckptr, folder, meta, target, bounds), meta["segment"]
    except ValueError as e:
        prev = meta.get("previous")
        if not isinstance(prev, dict):
            raise
        try:
            state = _restore(ckptr, folder, prev, target, bounds)
        except ValueError:
            raise e from None
        warnings.warn(
            f"{e}; resuming from the checkpoint before it ({prev.get('folder')}), which is intact",
            stacklevel=3,
        )
        return state, prev["segment"]
