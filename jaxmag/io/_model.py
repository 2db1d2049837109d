"""Save and restore equinox models with orbax-checkpoint.

A model folder holds ``config.json`` (what is needed to rebuild the model's structure,
plus any metadata) and ``params/`` (the model's arrays, written by orbax). Both are
written atomically: orbax renames a finished temporary folder into place, and the JSON
file is written through :func:`jaxmag.io.atomic_write` after the arrays, so a folder
with a ``config.json`` always has complete parameters. A temporary folder of orbax left
by a killed save is removed at the next save to the folder.
"""

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import equinox as eqx
import jax
import numpy as np
import orbax.checkpoint as ocp

from jaxmag.io import atomic_write

CONFIG = "config.json"
PARAMS = "params"
_ORBAX_TMP = ".orbax-checkpoint-tmp"  # orbax writes PARAMS + this + "-<timestamp>"


def _leaves(model) -> dict:
    leaves = jax.tree.leaves(eqx.filter(model, eqx.is_array))
    return {f"{i:04d}": np.asarray(x) for i, x in enumerate(leaves)}


def save_model(folder, model: eqx.Module, config: dict) -> Path:
    """Write ``model``'s arrays and the JSON-serialisable ``config`` to ``folder``.

    An existing model in ``folder`` is replaced. Returns the folder.
    """
    folder = Path(folder).absolute()
    text = json.dumps(config, indent=2, sort_keys=True)  # fail before writing anything
    folder.mkdir(parents=True, exist_ok=True)
    (folder / CONFIG).unlink(missing_ok=True)  # never a new config beside old arrays
    for p in folder.glob(f"{PARAMS}{_ORBAX_TMP}*"):  # left by a killed save
        shutil.rmtree(p, ignore_errors=True)
    with ocp.StandardCheckpointer() as ckpt:
        ckpt.save(folder / PARAMS, _leaves(model), force=True)
        ckpt.wait_until_finished()
    with atomic_write(folder / CONFIG) as f:
        f.write(text + "\n")
    return folder


def load_config(folder) -> dict:
    """The ``config.json`` of a model folder, with a clear error if it is missing or bad."""
    path = Path(folder) / CONFIG
    if not path.is_file():
        raise ValueError(f"{folder}: not a jaxmag model folder (no {CONFIG})")
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as e:
        raise ValueError(f"{path}: corrupt model configuration ({e})") from None


def load_model(folder, build: Callable[[dict], eqx.Module]) -> tuple[eqx.Module, dict]:
    """Restore a model saved by :func:`save_model`.

    ``build(config)`` must return a model of the saved structure (any weights); its arrays
    are replaced by the saved ones, whose shapes and dtypes are checked.
    """
    folder = Path(folder).absolute()
    config = load_config(folder)
    skeleton = build(config)
    target = _leaves(skeleton)
    abstract = {k: jax.ShapeDtypeStruct(v.shape, v.dtype) for k, v in target.items()}
    try:
        with ocp.StandardCheckpointer() as ckpt:
            restored = ckpt.restore(folder / PARAMS, abstract)
    except Exception as e:  # orbax raises several types for missing or damaged data
        raise ValueError(f"{folder}: cannot restore the model parameters ({e})") from None
    for k, v in target.items():
        if restored[k].shape != v.shape:
            raise ValueError(
                f"{folder}: parameter {k} has shape {restored[k].shape}, not {v.shape}"
            )
    params, static = eqx.partition(skeleton, eqx.is_array)
    treedef = jax.tree.structure(params)
    params = jax.tree.unflatten(treedef, [restored[k] for k in sorted(restored)])
    return eqx.combine(params, static), config
