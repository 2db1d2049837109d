"""Save and restore PINNs with orbax (through :mod:`jaxmag.io`)."""

import os
from pathlib import Path

import jax
import numpy as np

from jaxmag.ml._io import load_tagged, save_tagged
from jaxmag.ml.pinn._ansatz import Film1DPINN, Film2DPINN, MacrospinPINN
from jaxmag.ml.pinn._network import from_config

KIND = "jaxmag.ml.pinn"
PINN = MacrospinPINN | Film1DPINN | Film2DPINN


def _structure(model) -> dict:
    """The JSON configuration that rebuilds ``model``'s structure."""
    c = {"net": model.net.config()}
    if isinstance(model, MacrospinPINN):
        c |= {"ansatz": "macrospin", "t_max": model.t_max,
              "conditioned": list(model.conditioned),
              "m0": [float(v) for v in model.m0]}  # fmt: skip
    elif isinstance(model, Film1DPINN):
        c |= {"ansatz": "film1d", "t_max": model.t_max, "n_modes": model.n_modes}
    else:
        c |= {"ansatz": "film2d", "guess": [float(v) for v in model.guess]}
    return c


def _build(c: dict):
    net = from_config(c["net"], key=jax.random.PRNGKey(0))
    if c["ansatz"] == "macrospin":
        return MacrospinPINN(net, np.asarray(c["m0"]), c["t_max"], tuple(c["conditioned"]))
    if c["ansatz"] == "film1d":
        return Film1DPINN(net, c["t_max"], c["n_modes"])
    if c["ansatz"] == "film2d":
        return Film2DPINN(net, np.asarray(c["guess"]))
    raise ValueError(f"unknown PINN ansatz {c['ansatz']!r}")


def save_model(folder: str | os.PathLike, model: PINN, *, metadata: dict | None = None) -> Path:
    """Write ``model`` (arrays by orbax, structure as JSON) to ``folder`` with the
    JSON-serialisable `metadata` (e.g. the training domain and errors). Returns the
    folder."""
    if not isinstance(model, PINN):
        raise TypeError(f"not a jaxmag PINN: {type(model).__name__}")
    return save_tagged(folder, model, kind=KIND, structure=_structure(model), metadata=metadata)


def load_model(folder: str | os.PathLike) -> tuple[PINN, dict]:
    """``(model, metadata)`` from a folder written by :func:`save_model`."""
    return load_tagged(folder, kind=KIND, what="jaxmag PINN", build=_build)
