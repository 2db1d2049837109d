"""A CNN from a grain map to its per-cell switching-field maps (T).

The input of a film of ``(nx, ny)`` cells is four channels: the easy-axis components
``(u_x, u_y, u_z)`` of every cell and the grain-boundary mask, used as given (a
:class:`~jaxmag.ml.imaging.UNet` with ``standardise=False``: the absolute angle to the field
is what sets a grain's switching field) after one standardisation per channel with the
training set's mean and spread (stored with the model).

The output is two maps (:data:`OUTPUTS`), both in T:

- ``cell``: the field at which each cell's ``m·d`` first changes sign. The reversed
  volume fraction of this map (:func:`jaxmag.ml.grains.reversed_fraction`) is the
  direct demagnetisation curve when the map is right.
- ``grain``: on each cell, the switching field of the grain it belongs to (where the
  grain's mean ``m·d`` changes sign). The last decoder features are averaged over each
  grain of the film's label map (superpixel pooling), the grain's area fraction is
  appended, and a small MLP maps that to the grain's field, which is painted on its
  cells; :func:`grain_fields` reads it back. The median of the ``cell`` map over a
  grain is a different quantity: a grain's mean ``m·d`` need not change sign once half
  its cells have, and on the benchmark's films the median of the *simulated* cell
  fields misses the simulated grain fields by 0.17 T on average, so the grain fields
  are learnt as well.

The label map ``(nx, ny)`` (integers, grain of each cell) goes with every input; it is
only used for the pooling.

The network's logits are mapped to tesla by the training targets' mean and spread,
``H_s = offset + scale · logit``.

Training (:func:`jaxmag.ml.grains.train_grain_cnn`) minimises the mean squared
error over cells and both maps with AdamW (warm-up, then cosine decay), optionally on
random symmetries of the square: a mirror ``x → −x`` of the film negates ``u_x``
(``y → −y`` negates ``u_y``), a transpose swaps the grid axes and ``u_x ↔ u_y``;
exchange, demag, anisotropy and a field along z are invariant under these, so the
switching-field maps move with the grains.
"""

import os
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, Int, PRNGKeyArray

from jaxmag._validate import check_int, check_real
from jaxmag.ml._io import load_tagged, save_tagged
from jaxmag.ml.grains._maps import GrainMap
from jaxmag.ml.imaging._unet import UNet

KIND = "jaxmag.ml.grains.GrainCNN"
CHANNELS = ("u_x", "u_y", "u_z", "boundary")
OUTPUTS = ("cell", "grain")


def grain_inputs(grains: GrainMap) -> np.ndarray:
    """The network input of one film, ``(4, nx, ny)`` float32 (see :data:`CHANNELS`)."""
    axes = np.asarray(grains.cell_axes())[..., 0]
    return np.concatenate([axes, np.asarray(grains.boundary)[None]]).astype(np.float32)


def dataset_inputs(data: dict) -> np.ndarray:
    """Inputs ``(n, 4, nx, ny)`` of every film of a grain dataset
    (:func:`jaxmag.ml.grains.make_grain_dataset`)."""
    labels = np.asarray(data["labels"])
    n = len(labels)
    axes = np.take_along_axis(np.asarray(data["axes"]), labels.reshape(n, -1, 1), axis=1).reshape(
        *labels.shape, 3
    )
    x = np.concatenate([np.moveaxis(axes, -1, 1), np.asarray(data["boundary"])[:, None]], 1)
    if not np.all(np.isfinite(x)):
        raise ValueError("a cell's grain has a NaN easy axis: labels and axes disagree")
    return x.astype(np.float32)


def dataset_targets(data: dict) -> np.ndarray:
    """Training targets ``(n, 2, nx, ny)`` in T of a grain dataset (see :data:`OUTPUTS`):
    the simulated per-cell fields and each cell's grain field (NaN: never reversed)."""
    labels = np.asarray(data["labels"])
    grain = np.take_along_axis(
        np.asarray(data["grain_fields"]), labels.reshape(len(labels), -1), axis=1
    ).reshape(labels.shape)
    return np.stack([np.asarray(data["cell_fields"]), grain], 1).astype(np.float32)


def grain_weights(labels) -> np.ndarray:
    """Loss weights ``(n, 2, nx, ny)`` for labels ``(n, nx, ny)``: 1 on the ``cell`` map;
    on the ``grain`` map ``cells / (grains · cells of the grain)``, so that every grain of
    a film weighs the same, as in the per-grain error."""
    lab = np.asarray(labels)
    if lab.ndim != 3:
        raise ValueError(f"labels must be (n, nx, ny), got shape {lab.shape}")
    out = np.ones((len(lab), 2, *lab.shape[1:]), np.float32)
    for i, film in enumerate(lab):
        counts = np.bincount(film.ravel())
        present = np.count_nonzero(counts)
        out[i, 1] = film.size / (present * counts[film])
    return out


def per_grain(maps, labels, n_grains: int | None = None, statistic=np.median) -> np.ndarray:
    """Each grain's value ``(n,)`` from a map ``(nx, ny)``: `statistic` (the median by
    default) over its cells; NaN for a grain with no cell."""
    lab = np.asarray(labels).ravel()
    f = np.asarray(maps, float).ravel()
    n = int(lab.max()) + 1 if n_grains is None else int(n_grains)
    return np.array([statistic(f[lab == g]) if np.any(lab == g) else np.nan for g in range(n)])


def grain_fields(grain_map_pred, labels, n_grains: int | None = None) -> np.ndarray:
    """Each grain's switching field (T) from a predicted ``grain`` map ``(nx, ny)``: the
    mean over the grain's cells."""
    return per_grain(grain_map_pred, labels, n_grains, statistic=np.mean)


class GrainCNN(eqx.Module):
    """A U-Net from the inputs ``(4, nx, ny)`` and labels ``(nx, ny)`` of a film to its two
    switching-field maps (T) ``(2, nx, ny)`` (see :data:`OUTPUTS`); ``nx`` and ``ny``
    multiples of ``2**depth``. `width` is the grain head's hidden width."""

    net: UNet
    grain_head: eqx.nn.MLP
    offset: float = eqx.field(static=True)
    scale: float = eqx.field(static=True)
    in_mean: tuple[float, ...] = eqx.field(static=True)
    in_std: tuple[float, ...] = eqx.field(static=True)

    def __init__(
        self,
        base=16,
        depth=3,
        *,
        offset=0.0,
        scale=1.0,
        in_mean=(0.0, 0.0, 0.0, 0.0),
        in_std=(1.0, 1.0, 1.0, 1.0),
        width=32,
        key: PRNGKeyArray,
    ):
        check_real("offset (T)", offset)
        check_real("scale (T)", scale, positive=True)
        check_real("in_mean", in_mean)
        check_real("in_std", in_std, positive=True)
        if len(in_mean) != len(CHANNELS) or len(in_std) != len(CHANNELS):
            raise ValueError(f"in_mean and in_std need one value per channel {CHANNELS}")
        k_net, k_head = jax.random.split(key)
        self.net = UNet(len(CHANNELS), base, depth, standardise=False, key=k_net)
        self.grain_head = eqx.nn.MLP(
            base + 1,
            "scalar",
            check_int("width", width),
            2,
            activation=jax.nn.relu,
            key=k_head,
            dtype=jnp.float32,
        )
        self.offset, self.scale = float(offset), float(scale)
        self.in_mean = tuple(float(v) for v in in_mean)
        self.in_std = tuple(float(v) for v in in_std)

    def _scaled(self, x):
        self.check_input(x.shape)
        mean = jnp.asarray(self.in_mean, x.dtype)[:, None, None]
        return (x - mean) / jnp.asarray(self.in_std, x.dtype)[:, None, None]

    def check_input(self, shape) -> None:
        """Raise ``ValueError`` naming the expected shape unless `shape` is one input."""
        self.net.check_input(tuple(shape))

    def __call__(
        self, x: Float[Array, "4 nx ny"], labels: Int[Array, "nx ny"]
    ) -> Float[Array, "2 nx ny"]:
        """The ``cell`` and ``grain`` switching-field maps in T (negative: along the
        sweep) of one film and its grain labels."""
        feats = self.net.decode(self._scaled(x))  # (base, nx, ny)
        cell = self.net.head(feats)[0]
        lab = jnp.asarray(labels, jnp.int32).reshape(-1)
        n = lab.size  # at most one grain per cell
        f = feats.reshape(feats.shape[0], -1).T
        sums = jax.ops.segment_sum(f, lab, n)
        counts = jax.ops.segment_sum(jnp.ones(n, f.dtype), lab, n)
        # labels absent from the film have no cell: their zero row is never painted
        pooled = sums / jnp.maximum(counts, 1.0)[:, None]
        area = (counts / n)[:, None]
        grain = jax.vmap(self.grain_head)(jnp.concatenate([pooled, area], 1))
        return self.offset + self.scale * jnp.stack([cell, grain[lab].reshape(cell.shape)])

    def features(self, x: Float[Array, "4 nx ny"]) -> Float[Array, " c"]:
        """Grid-averaged activations of every encoder level and the bottleneck
        (:meth:`UNet.level_features`), for an applicability domain."""
        return self.net.level_features(self._scaled(x))


def _check_batch(model_or_depth, x, name="inputs") -> np.ndarray:
    x = np.asarray(x, np.float32)
    if x.ndim != 4 or x.shape[1] != len(CHANNELS) or x.shape[0] == 0:
        raise ValueError(
            f"{name} must be a non-empty batch (n, {len(CHANNELS)}, nx, ny) of the channels "
            f"{CHANNELS}, got shape {x.shape}"
        )
    if isinstance(model_or_depth, GrainCNN):
        model_or_depth.check_input(x.shape[1:])
    elif x.shape[2] % 2**model_or_depth or x.shape[3] % 2**model_or_depth:
        raise ValueError(
            f"films are {x.shape[2]} × {x.shape[3]} cells; both must be multiples of "
            f"2**depth = {2**model_or_depth}"
        )
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} must be finite")
    return x


def _check_labels(labels, x) -> np.ndarray:
    lab = np.asarray(labels)
    if lab.shape != (x.shape[0], *x.shape[2:]):
        raise ValueError(
            f"labels have shape {lab.shape}; the inputs {x.shape} need one label map "
            f"({x.shape[0]}, {x.shape[2]}, {x.shape[3]})"
        )
    if not np.issubdtype(lab.dtype, np.integer) or lab.min() < 0:
        raise ValueError("labels must be non-negative integers (the grain of each cell)")
    return lab.astype(np.int32)


@eqx.filter_jit
def _apply(model, x, labels):
    return jax.vmap(model)(x, labels)


@eqx.filter_jit
def _features(model, x):
    return jax.vmap(model.features)(x)


def _batched(fn, model, batch_size, x, *rest):
    out = [
        np.asarray(fn(model, *(jnp.asarray(a[i : i + batch_size]) for a in (x, *rest))))
        for i in range(0, len(x), batch_size)
    ]
    return np.concatenate(out)


def predict_maps(model: GrainCNN, inputs, labels, *, batch_size: int = 64) -> np.ndarray:
    """Both switching-field maps (T) ``(n, 2, nx, ny)`` of a batch of inputs
    ``(n, 4, nx, ny)`` and their grain labels ``(n, nx, ny)``; ``[:, 0]`` is the ``cell``
    map, ``[:, 1]`` the ``grain`` map."""
    x = _check_batch(model, inputs)
    return _batched(_apply, model, batch_size, x, _check_labels(labels, x))


def cnn_features(model: GrainCNN, inputs, *, batch_size: int = 64) -> np.ndarray:
    """The features ``(n, c)`` of :meth:`GrainCNN.features` for a batch of inputs."""
    return _batched(_features, model, batch_size, _check_batch(model, inputs))


def _structure(model: GrainCNN) -> dict:
    return {
        "base": model.net.base,
        "depth": model.net.depth,
        "width": model.grain_head.width_size,
        "offset": model.offset,
        "scale": model.scale,
        "in_mean": list(model.in_mean),
        "in_std": list(model.in_std),
    }


def _build(c: dict) -> GrainCNN:
    return GrainCNN(
        c["base"],
        c["depth"],
        offset=c["offset"],
        scale=c["scale"],
        in_mean=c["in_mean"],
        in_std=c["in_std"],
        width=c["width"],
        key=jax.random.key(0),
    )


def save_model(folder: str | os.PathLike, model: GrainCNN, *, metadata: dict | None = None) -> Path:
    """Save `model` (orbax, through :mod:`jaxmag.io`) with its structure and the
    JSON-serialisable `metadata`. Returns the folder."""
    if not isinstance(model, GrainCNN):
        raise TypeError(f"not a grain CNN: {type(model).__name__}")
    return save_tagged(folder, model, kind=KIND, structure=_structure(model), metadata=metadata)


def load_model(folder: str | os.PathLike) -> tuple[GrainCNN, dict]:
    """``(model, metadata)`` from a folder written by :func:`save_model`."""
    return load_tagged(folder, kind=KIND, what="grain CNN", build=_build)
