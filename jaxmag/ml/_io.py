"""The one way every model package saves and loads its models.

Each package (grains, homogenisation, imaging, switching, pinn) has

.. code-block:: python

    save_model(folder, model, *, metadata=None) -> pathlib.Path
    load_model(folder) -> tuple[Model, dict]  # the model and its metadata

written on :func:`save_tagged` and :func:`load_tagged`, which sit on
:func:`jaxmag.io.save_model` / :func:`jaxmag.io.load_model` (orbax arrays, an atomic
``config.json``). The configuration holds three entries: ``kind`` (the model class, checked
on load), ``model`` (what rebuilds the model's structure) and ``metadata`` (the caller's
JSON-serialisable dict, returned by the load).
"""

from collections.abc import Callable
from pathlib import Path

import equinox as eqx

from jaxmag.io import load_model, save_model


def save_tagged(
    folder, model: eqx.Module, *, kind: str, structure: dict, metadata: dict | None
) -> Path:
    """Write `model` to `folder` with its `kind` tag, the `structure` that rebuilds it and
    the caller's `metadata` (JSON-serialisable; checked before anything is written).
    Returns the folder."""
    if metadata is not None and not isinstance(metadata, dict):
        raise TypeError(f"metadata must be a dict or None, got {type(metadata).__name__}")
    config = {"kind": kind, "model": structure, "metadata": dict(metadata or {})}
    return save_model(folder, model, config)


def load_tagged(
    folder, *, kind: str, what: str, build: Callable[[dict], eqx.Module]
) -> tuple[eqx.Module, dict]:
    """``(model, metadata)`` from a folder of :func:`save_tagged`, whose tag must be
    `kind`; ``build(structure)`` returns a model of the saved structure (any weights).
    A folder of another kind, or with an incomplete configuration, raises a
    ``ValueError`` naming the folder and `what` was expected."""

    def checked(config: dict) -> eqx.Module:
        found = config.get("kind") if isinstance(config, dict) else None
        if found != kind:
            raise ValueError(f"{folder}: not a {what} (kind {found!r})")
        try:
            return build(config["model"])
        except KeyError as e:
            raise ValueError(f"{folder}: model configuration lacks {e}") from None

    model, config = load_model(folder, checked)
    return model, config.get("metadata", {})
