"""Save and restore PINNs with orbax (through :mod:`jaxmag.io`)."""

import jax
import numpy as np

from jaxmag.io._model import load_model, save_model
from jaxmag.ml.pinn._ansatz import Film1DPINN, Film2DPINN, MacrospinPINN
from jaxmag.ml.pinn._network import from_config

KIND = "jaxmag.ml.pinn"


def model_config(model, **extra) -> dict:
    """The JSON configuration that rebuilds ``model``'s structure."""
    if not isinstance(model, MacrospinPINN | Film1DPINN | Film2DPINN):
        raise TypeError(f"not a jaxmag PINN: {type(model).__name__}")
    c = {"kind": KIND, "net": model.net.config(), "extra": extra}
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
    if c.get("kind") != KIND:
        raise ValueError(f"not a jaxmag PINN folder (kind {c.get('kind')!r})")
    net = from_config(c["net"], key=jax.random.PRNGKey(0))
    if c["ansatz"] == "macrospin":
        return MacrospinPINN(net, np.asarray(c["m0"]), c["t_max"], tuple(c["conditioned"]))
    if c["ansatz"] == "film1d":
        return Film1DPINN(net, c["t_max"], c["n_modes"])
    if c["ansatz"] == "film2d":
        return Film2DPINN(net, np.asarray(c["guess"]))
    raise ValueError(f"unknown PINN ansatz {c['ansatz']!r}")


def save(folder, model, **extra):
    """Write ``model`` (arrays by orbax, structure as JSON) to ``folder``; ``extra`` is
    JSON-serialisable metadata (e.g. the training domain and errors)."""
    return save_model(folder, model, model_config(model, **extra))


def load(folder):
    """``(model, config)`` from a folder written by :func:`save`."""
    return load_model(folder, _build)
