"""A CNN surrogate: periodic two-phase map and contrast → effective permeability tensor.

The network reads the phase map through a ``P × P`` patch embedding, periodic 3×3
residual blocks on two scales and a global mean, so its prediction is invariant to
translations of the cell. It is sized to cost about a thousandth of a direct solve.
The contrast enters every block through feature-wise affine
modulation (FiLM) of ``log c``. The head outputs the symmetric ``S`` of

    μ_eff = μ_B(f, c) · exp(S),

where ``μ_B`` is the Bruggeman estimate from the map's exact volume fraction ``f``: the
prediction is symmetric positive definite by construction, and the network learns
only how the microstructure moves ``μ_eff`` away from the effective-medium value.
With ``bounded=True`` (the default) a proposal outside the Hashin–Shtrikman trace bounds
for the map's ``f`` and the contrast is replaced by the nearest admissible tensor
(:mod:`~jaxmag.ml.homogenisation._hs_head`): every prediction is physically admissible,
and none is further from an admissible truth than the proposal was. Training fits the
raw proposal ``S``; the bound acts at prediction, where it moves only the proposals that
lie outside.
2D only; the map size is fixed at construction.
"""

import functools
import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Bool, Float, PRNGKeyArray

from jaxmag._validate import check_int
from jaxmag.ml.homogenisation._bounds import bruggeman
from jaxmag.ml.homogenisation._hs_head import bounded_log_correction, bounded_relative
from jaxmag.ml.homogenisation._layers import Patchify, PeriodicConv
from jaxmag.ml.homogenisation._tensors import expm_sym, from_components

KIND = "jaxmag.ml.homogenisation.PermeabilityCNN"

LOG_CONTRAST_SCALE = math.log(1000.0)


class PermeabilityCNN(eqx.Module):
    """Phase map ``(H, W)`` (True: the particles) and contrast → ``μ_eff`` ``(2, 2)``.

    **Arguments:**

    - `shape`: the map size ``(H, W)``, each divisible by ``2 · patch``.
    - `width`: channels on the first scale (twice that on the second).
    - `depth`: residual blocks per scale.
    - `patch`: the patch-embedding size in pixels.
    - `bounded`: keep every prediction inside the Hashin–Shtrikman bounds (the default;
      ``False``: the unbounded ``μ_B exp(S)``).
    - `key`: a PRNG key for the initial weights.
    """

    stem: Patchify
    blocks1: tuple[PeriodicConv, ...]
    down: Patchify
    blocks2: tuple[PeriodicConv, ...]
    film: eqx.nn.MLP
    head: eqx.nn.MLP
    shape: tuple[int, int] = eqx.field(static=True)
    bounded: bool = eqx.field(static=True)

    def __init__(
        self, shape=(128, 128), width=16, depth=2, patch=8, *, bounded=True, key: PRNGKeyArray
    ):
        width, depth = check_int("width", width), check_int("depth", depth)
        patch = check_int("patch", patch)
        shape = tuple(int(s) for s in shape)
        if len(shape) != 2 or any(s % (2 * patch) for s in shape):
            raise ValueError(f"shape must be 2D and divisible by 2·patch = {2 * patch}")
        self.shape = shape
        self.bounded = bool(bounded)
        k = jax.random.split(key, 2 * depth + 4)
        w2 = 2 * width
        f32 = jnp.float32  # also under jax_enable_x64: float64 weights are ~5× slower
        self.stem = Patchify(1, width, patch, key=k[0])
        self.blocks1 = tuple(PeriodicConv(width, width, key=k[1 + i]) for i in range(depth))
        self.down = Patchify(width, w2, 2, key=k[depth + 1])
        self.blocks2 = tuple(PeriodicConv(w2, w2, key=k[depth + 2 + i]) for i in range(depth))
        n_film = 2 * depth * (width + w2)
        mlp = functools.partial(eqx.nn.MLP, activation=jax.nn.gelu, dtype=f32)
        self.film = mlp(1, n_film, 32, 1, key=k[-2])
        self.head = mlp(w2 + 2, 3, 64, 2, key=k[-1])

    def check_input(self, phase) -> None:
        shape = tuple(np.shape(phase))
        if shape[-2:] != self.shape or len(shape) not in (2, 3):
            raise ValueError(
                f"PermeabilityCNN expects a phase map of shape {self.shape} (or a batch "
                f"(n, {self.shape[0]}, {self.shape[1]})), got {shape}"
            )

    def log_correction(
        self, phase: Bool[Array, "*batch H W"], contrast: Float[Array, "*batch"]
    ) -> Float[Array, "*batch 3"]:
        """The components ``(xx, yy, xy)`` of ``S`` in ``μ_eff = μ_B exp(S)``.

        Takes one map or a batch ``(n, H, W)`` with ``n`` contrasts; a batch runs as one
        set of XLA operations, which on a CPU is faster than ``vmap``.
        """
        self.check_input(phase)
        x = jnp.asarray(phase, jnp.float32)
        t = jnp.log(jnp.asarray(contrast, jnp.float32)) / LOG_CONTRAST_SCALE
        h = jax.nn.gelu(self.stem(x[..., None]))
        film = jnp.vectorize(self.film, signature="(1)->(k)")(t[..., None])
        i = 0
        for blocks, pre in ((self.blocks1, None), (self.blocks2, self.down)):
            if pre is not None:
                h = jax.nn.gelu(pre(h))
            for conv in blocks:
                c = h.shape[-1]
                g = film[..., None, None, i : i + c]
                b = film[..., None, None, i + c : i + 2 * c]
                i += 2 * c
                h = h + jax.nn.gelu(conv(h) * (1 + g) + b)
        f = jnp.mean(x, (-2, -1))
        z = jnp.concatenate([jnp.mean(h, (-3, -2)), jnp.stack([t, f], -1)], -1)
        return jnp.vectorize(self.head, signature="(k)->(3)")(z)

    def with_bound(self, bounded: bool) -> "PermeabilityCNN":
        """The same weights with the Hashin–Shtrikman bound switched on or off."""
        other = build_model({**model_structure(self), "bounded": bool(bounded)})
        leaves = jax.tree_util.tree_leaves(self)
        return jax.tree_util.tree_unflatten(jax.tree_util.tree_structure(other), leaves)

    def _reference(self, phase, contrast, dtype):
        f = jnp.mean(jnp.asarray(phase, dtype), (-2, -1))
        c = jnp.asarray(contrast, dtype)
        return f, c, bruggeman_reference(f, c).astype(dtype)

    def log_prediction(
        self, phase: Bool[Array, "*batch H W"], contrast: Float[Array, "*batch"]
    ) -> Float[Array, "*batch 3"]:
        """``log(μ_eff / μ_B)`` of the prediction (components ``xx, yy, xy``): ``S``
        itself, or, bounded, the log of the tensor moved inside the bounds."""
        s = self.log_correction(phase, contrast)
        if not self.bounded:
            return s
        return bounded_log_correction(s, *self._reference(phase, contrast, s.dtype))

    def __call__(
        self, phase: Bool[Array, "*batch H W"], contrast: Float[Array, "*batch"]
    ) -> Float[Array, "*batch 2 2"]:
        """The predicted ``μ_eff`` (dimensionless, SPD) for a matrix of μr = 1."""
        s = self.log_correction(phase, contrast)
        f, c, ref = self._reference(phase, contrast, s.dtype)
        if not self.bounded:
            return ref[..., None, None] * expm_sym(s)
        return ref[..., None, None] * from_components(bounded_relative(s, f, c, ref))


def bruggeman_reference(f, contrast):
    """The 2D Bruggeman estimate for a matrix of 1 and particles of ``contrast``."""
    return bruggeman(f, 1.0, contrast, 2)


def model_structure(model: PermeabilityCNN) -> dict:
    """What :func:`build_model` needs to rebuild ``model``'s structure."""
    return {
        "shape": list(model.shape),
        "width": model.stem.weight.shape[-1],
        "depth": len(model.blocks1),
        "patch": model.stem.patch,
        "bounded": model.bounded,
    }


def build_model(config: dict) -> PermeabilityCNN:
    return PermeabilityCNN(
        tuple(config["shape"]),
        config["width"],
        config["depth"],
        config["patch"],
        bounded=config.get("bounded", False),  # models saved before the bound: unbounded
        key=jax.random.PRNGKey(0),
    )
