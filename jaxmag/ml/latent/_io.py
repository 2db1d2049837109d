"""Save and restore latent steppers (kernel and neural) with :mod:`jaxmag.io`.

A model folder's ``config.json`` holds the stepper's kind, what is needed to rebuild its
structure, and the caller's ``metadata``; its arrays are written by orbax.
"""

import os
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp

from jaxmag import io

from ._base import FIELD_SCALE_MT, AbstractLatentStepper
from ._kernel import KernelStepper, NystroemKPCA, NystroemKRR
from ._neural import NeuralStepper

KERNEL = "jaxmag.ml.latent.KernelStepper"
NEURAL = "jaxmag.ml.latent.NeuralStepper"


def _config(model: AbstractLatentStepper) -> dict:
    common = {"shape": [int(n) for n in model.shape], "field_scale_mT": FIELD_SCALE_MT}
    if isinstance(model, NeuralStepper):
        return {"kind": NEURAL, **common, "d": int(model.d), "width": int(model.width),
                "dtype": "float32"}  # fmt: skip
    if isinstance(model, KernelStepper):
        leaves = jax.tree.leaves(eqx.filter(model, eqx.is_array))
        return {"kind": KERNEL, **common,
                "leaves": [[list(x.shape), str(x.dtype)] for x in leaves]}  # fmt: skip
    raise TypeError(f"expected a KernelStepper or NeuralStepper, got {type(model).__name__}")


def _kernel_skeleton(c: dict) -> KernelStepper:
    """A kernel stepper of the saved shapes and dtypes, all zeros."""
    z = jnp.zeros(())
    krr = NystroemKRR(z, z, z, z, z)
    skeleton = KernelStepper(NystroemKPCA(z, z, z, z, z, z), krr, krr, tuple(c["shape"]))
    leaves = [jnp.zeros(shape, dtype) for shape, dtype in c["leaves"]]
    return jax.tree.unflatten(jax.tree.structure(skeleton), leaves)


def _build(folder, c: dict) -> AbstractLatentStepper:
    try:
        if c.get("kind") == NEURAL:
            return NeuralStepper(tuple(c["shape"]), c["d"], c["width"], key=jax.random.key(0))
        if c.get("kind") == KERNEL:
            return _kernel_skeleton(c)
    except KeyError as e:
        raise ValueError(f"{folder}: model configuration lacks {e}") from None
    raise ValueError(f"{folder}: not a latent stepper model (kind {c.get('kind')!r})")


def save_model(
    folder: str | os.PathLike, model: AbstractLatentStepper, *, metadata: dict | None = None
) -> Path:
    """Write a :class:`KernelStepper` or :class:`NeuralStepper` to ``folder`` (replacing
    any model there), with the JSON-serialisable ``metadata``. Returns the folder."""
    if metadata is not None and not isinstance(metadata, dict):
        raise TypeError(f"metadata must be a dict or None, got {type(metadata).__name__}")
    config = {**_config(model), "metadata": dict(metadata or {})}
    return io.save_model(folder, model, config)


def load_model(folder: str | os.PathLike) -> tuple[AbstractLatentStepper, dict]:
    """Restore a stepper written by :func:`save_model`; returns ``(model, metadata)``."""
    model, config = io.load_model(folder, lambda c: _build(folder, c))
    model = jax.tree.map(lambda x: jnp.asarray(x) if eqx.is_array(x) else x, model)  # not numpy
    return model, config.get("metadata", {})
