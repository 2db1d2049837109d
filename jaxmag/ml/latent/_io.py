"""Save and restore latent steppers (kernel and neural) with the package-wide
``save_model``/``load_model`` of :mod:`jaxmag.ml` (orbax arrays and a ``config.json``
holding the stepper's kind, what rebuilds its structure, and the caller's metadata).
"""

import os
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp

from jaxmag.io import load_config
from jaxmag.ml._io import load_tagged, save_tagged

from ._base import FIELD_SCALE_MT, AbstractLatentStepper
from ._kernel import KernelStepper, NystroemKPCA, NystroemKRR
from ._neural import NeuralStepper

KERNEL = "jaxmag.ml.latent.KernelStepper"
NEURAL = "jaxmag.ml.latent.NeuralStepper"


def _build_neural(s: dict) -> NeuralStepper:
    return NeuralStepper(tuple(s["shape"]), s["d"], s["width"], key=jax.random.key(0))


def _build_kernel(s: dict) -> KernelStepper:
    """A kernel stepper of the saved shapes and dtypes, all zeros."""
    z = jnp.zeros(())
    krr = NystroemKRR(z, z, z, z, z)
    skeleton = KernelStepper(NystroemKPCA(z, z, z, z, z, z), krr, krr, krr, z, tuple(s["shape"]))
    leaves = [jnp.zeros(shape, dtype) for shape, dtype in s["leaves"]]
    return jax.tree.unflatten(jax.tree.structure(skeleton), leaves)


_KINDS = {NEURAL: ("neural stepper", _build_neural), KERNEL: ("kernel stepper", _build_kernel)}


def save_model(
    folder: str | os.PathLike, model: AbstractLatentStepper, *, metadata: dict | None = None
) -> Path:
    """Write a :class:`KernelStepper` or :class:`NeuralStepper` to ``folder`` (replacing
    any model there), with the JSON-serialisable ``metadata``. Returns the folder."""
    structure = {"shape": [int(n) for n in model.shape], "field_scale_mT": FIELD_SCALE_MT}
    if isinstance(model, NeuralStepper):
        kind = NEURAL
        structure.update(d=int(model.d), width=int(model.width), dtype="float32")
    elif isinstance(model, KernelStepper):
        kind = KERNEL
        leaves = jax.tree.leaves(eqx.filter(model, eqx.is_array))
        structure.update(leaves=[[list(x.shape), str(x.dtype)] for x in leaves])
    else:
        raise TypeError(f"expected a KernelStepper or NeuralStepper, got {type(model).__name__}")
    return save_tagged(folder, model, kind=kind, structure=structure, metadata=metadata)


def load_model(folder: str | os.PathLike) -> tuple[AbstractLatentStepper, dict]:
    """``(model, metadata)`` from a folder written by :func:`save_model`: a
    :class:`KernelStepper` or a :class:`NeuralStepper`, as saved."""
    config = load_config(folder)
    kind = config.get("kind") if isinstance(config, dict) else None
    if kind not in _KINDS:
        raise ValueError(f"{folder}: not a latent stepper (kind {kind!r})")
    what, build = _KINDS[kind]
    model, metadata = load_tagged(folder, kind=kind, what=what, build=build)
    return jax.tree.map(lambda x: jnp.asarray(x) if eqx.is_array(x) else x, model), metadata
