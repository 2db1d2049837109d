"""Save and restore a trained :class:`CorrectionNet` with the package-wide model files
(orbax arrays and a ``config.json`` with the network's structure and the caller's
metadata, such as the geometry and cell size it was trained for)."""

import os
from importlib import resources
from pathlib import Path

import jax
import jax.numpy as jnp

from jaxmag.ml._io import load_tagged, save_tagged

from ._correction import CorrectionNet

KIND = "jaxmag.ml.hybrid.CorrectionNet"


def save_model(
    folder: str | os.PathLike, model: CorrectionNet, *, metadata: dict | None = None
) -> Path:
    """Write the network ``model`` to ``folder`` (replacing any model there) with the
    JSON-serialisable ``metadata``. Returns the folder."""
    if not isinstance(model, CorrectionNet):
        raise TypeError(f"expected a CorrectionNet, got {type(model).__name__}")
    structure = {"width": int(model.width), "depth": int(model.depth)}
    return save_tagged(folder, model, kind=KIND, structure=structure, metadata=metadata)


def load_model(folder: str | os.PathLike) -> tuple[CorrectionNet, dict]:
    """``(net, metadata)`` from a folder written by :func:`save_model`."""

    def build(s: dict) -> CorrectionNet:
        return CorrectionNet(s["width"], s["depth"], key=jax.random.key(0))

    net, meta = load_tagged(folder, kind=KIND, what="hybrid correction network", build=build)
    return jax.tree.map(lambda x: jnp.asarray(x) if hasattr(x, "shape") else x, net), meta


PRETRAINED = "sp4_correction"
"""The folder, in the package's ``data/``, of the network that ``benchmarks/hybrid_sp4.py``
trained on the SP4 film (12.5 nm coarse cells)."""


def load_pretrained() -> tuple[CorrectionNet, dict]:
    """``(net, metadata)``: the correction network shipped with jaxmag, trained through
    the solver on the SP4 film's P and S families (2.5 nm fine, 12.5 × 12.5 × 3 nm coarse
    cells; use it on coarse grids of that cell size)."""
    ref = resources.files("jaxmag.ml.hybrid") / "data" / PRETRAINED
    with resources.as_file(ref) as path:
        return load_model(path)
