"""A latent-space time stepper for thin-film magnetisation dynamics.

The neural counterpart of the kernel methods compared by Schaffer et al.
(arXiv:2103.09079): an autoencoder maps a snapshot ``m`` of the unit-vector field,
``(3, nx, ny)``, to a latent vector ``z`` of size ``d``, and a small MLP advances ``z`` by
one snapshot interval (the data's time step, e.g. 10 ps) under a constant in-plane applied
field ``(Bx, By)`` in mT:

- encoder: two stride-2 3 × 3 convolutions (16 and 32 channels, SiLU), then a linear map
  of the flattened coarse grid (``ceil(nx/4) × ceil(ny/4)``) to ``z``;
- decoder: a linear map from ``z`` to the coarse grid, then two ×2 upsampling steps
  back to ``(3, 4·ceil(nx/4), 4·ceil(ny/4))``, cropped to ``(3, nx, ny)``, and each
  cell's vector normalised to unit length (:func:`jaxmag.vectors.normalise`). Each
  upsampling is a sub-pixel convolution (a 3 × 3 convolution to 4× the channels, then
  depth-to-space): it can express any 4 × 4, stride-2 transposed convolution, but runs at the
  coarse resolution, about twice as fast as ``ConvTranspose2d`` on CPU;
- stepper: ``z_next = z + MLP(concat(z, B / 45 mT))`` (residual, small initial update);
- average head: ``⟨m⟩ = MLP(z)`` (one hidden layer), so ⟨m⟩(t) is predicted without
  decoding a snapshot (:meth:`NeuralStepper.decode_average`).

:func:`jaxmag.ml.latent.train_neural_stepper` fits all three jointly. Parameters are
float32, also when jax's x64 mode is on (CPU speed).
"""

import math

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float, PRNGKeyArray

from jaxmag._validate import check_int
from jaxmag.vectors import normalise

from ._base import FIELD_SCALE_MT, AbstractLatentStepper

MIN_CELLS = 4
"""Smallest grid size along each axis (the encoder downsamples twice by 2)."""
CHANNELS = (16, 32)
STEPPER_DEPTH = 2
DTYPE = jnp.float32


def check_grid(shape) -> tuple[int, int]:
    try:
        entries = tuple(shape)
    except TypeError:
        raise ValueError(f"shape must be a pair (nx, ny), got {shape!r}") from None
    if len(entries) != 2:
        raise ValueError(f"shape must be a pair (nx, ny), got {shape!r}")
    nx, ny = (check_int(f"shape[{i}]", v, minimum=MIN_CELLS) for i, v in enumerate(entries))
    return nx, ny


def to_float32(tree):
    return jax.tree.map(lambda x: x.astype(DTYPE) if eqx.is_inexact_array(x) else x, tree)


class NeuralStepper(AbstractLatentStepper):
    """Convolutional autoencoder with a residual latent MLP stepper (float32).

    **Arguments:**

    - `shape`: the grid ``(nx, ny)``, each at least 4 cells.
    - `d`: latent size.
    - `width`: hidden width of the stepper MLP (two hidden layers).
    - `key`: PRNG key for the initial weights (keyword-only).

    One step of :meth:`step` is one snapshot interval of the training data; fields are
    in-plane applied fields ``(Bx, By)`` in mT. Save and restore with
    :func:`jaxmag.ml.latent.save_model` and :func:`jaxmag.ml.latent.load_model`.
    """

    shape: tuple[int, int] = eqx.field(static=True)
    d: int = eqx.field(static=True)
    width: int = eqx.field(static=True)
    coarse: tuple[int, int, int] = eqx.field(static=True)
    convs: tuple[eqx.nn.Conv2d, ...]
    enc_out: eqx.nn.Linear
    dec_in: eqx.nn.Linear
    upconvs: tuple[eqx.nn.Conv2d, ...]
    stepper: eqx.nn.MLP
    average: eqx.nn.MLP

    def __init__(self, shape: tuple[int, int], d: int, width: int, *, key: PRNGKeyArray):
        nx, ny = check_grid(shape)
        d = check_int("d", d, minimum=1)
        width = check_int("width", width, minimum=1)
        self.shape, self.d, self.width = (nx, ny), d, width
        keys = jax.random.split(key, 8)
        c1, c2 = CHANNELS
        self.convs = (
            eqx.nn.Conv2d(3, c1, 3, stride=2, padding=1, dtype=DTYPE, key=keys[0]),
            eqx.nn.Conv2d(c1, c2, 3, stride=2, padding=1, dtype=DTYPE, key=keys[1]),
        )
        probe = jax.ShapeDtypeStruct((3, nx, ny), DTYPE)
        coarse = jax.eval_shape(lambda m: _conv_stack(self.convs, m), probe).shape
        coarse = tuple(int(n) for n in coarse)
        n_coarse = math.prod(coarse)
        self.coarse = coarse
        self.enc_out = eqx.nn.Linear(n_coarse, d, dtype=DTYPE, key=keys[2])
        dec_in = eqx.nn.Linear(d, n_coarse, dtype=DTYPE, key=keys[3])
        upconvs = (
            eqx.nn.Conv2d(c2, 4 * c1, 3, padding=1, dtype=DTYPE, key=keys[4]),
            eqx.nn.Conv2d(c1, 4 * 3, 3, padding=1, dtype=DTYPE, key=keys[5]),
        )
        self.dec_in, self.upconvs = dec_in, upconvs
        fine = jax.eval_shape(
            lambda z: _upsample_stack(dec_in, upconvs, coarse, z), jax.ShapeDtypeStruct((d,), DTYPE)
        ).shape
        if fine[0] != 3 or fine[1] < nx or fine[2] < ny:  # cannot happen: 4 ceil(n/4) >= n
            raise RuntimeError(f"decoder output {fine} does not cover the grid {(3, nx, ny)}")
        mlp = eqx.nn.MLP(
            d + 2, d, width, STEPPER_DEPTH, activation=jax.nn.silu, dtype=DTYPE, key=keys[6]
        )
        # small initial updates: the untrained stepper is close to the identity map
        self.stepper = eqx.tree_at(
            lambda s: (s.layers[-1].weight, s.layers[-1].bias),
            mlp,
            (mlp.layers[-1].weight * 0.1, jnp.zeros_like(mlp.layers[-1].bias)),
        )

        self.average = eqx.nn.MLP(d, 3, width, 1, activation=jax.nn.silu, dtype=DTYPE,
                                  key=keys[7])  # fmt: skip

    def encode(self, m: Float[Array, "3 nx ny"]) -> Float[Array, " d"]:
        """Latent vector of one snapshot ``m`` (unit vectors, components first)."""
        h = _conv_stack(self.convs, jnp.asarray(m, DTYPE))
        return self.enc_out(h.reshape(-1))

    def decode(self, z: Float[Array, " d"]) -> Float[Array, "3 nx ny"]:
        """Snapshot of latent ``z``: a unit vector in every cell, shape ``(3, nx, ny)``."""
        nx, ny = self.shape
        raw = _upsample_stack(self.dec_in, self.upconvs, self.coarse, jnp.asarray(z, DTYPE))
        return normalise(raw[:, :nx, :ny])

    def decode_average(self, z: Float[Array, " d"]) -> Float[Array, " 3"]:
        """⟨m⟩ of latent ``z`` from the average head, no snapshot decoded."""
        return self.average(jnp.asarray(z, DTYPE))

    def step(self, z: Float[Array, " d"], field_mT: Float[Array, " 2"]) -> Float[Array, " d"]:
        """Latent state one snapshot interval later, under applied field ``(Bx, By)`` (mT)."""
        z = jnp.asarray(z, DTYPE)
        b = jnp.asarray(field_mT, DTYPE) / FIELD_SCALE_MT
        return z + self.stepper(jnp.concatenate([z, b]))


def _conv_stack(convs, m):
    for conv in convs:
        m = jax.nn.silu(conv(m))
    return m


def _depth_to_space(h):
    """``(4c, a, b) -> (c, 2a, 2b)``: channel ``4k + 2i + j`` becomes sub-pixel ``(i, j)``
    of output channel ``k``."""
    c4, a, b = h.shape
    c = c4 // 4
    return h.reshape(c, 2, 2, a, b).transpose(0, 3, 1, 4, 2).reshape(c, 2 * a, 2 * b)


def _upsample_stack(dec_in, upconvs, coarse, z):
    h = jax.nn.silu(dec_in(z).reshape(coarse))
    for conv in upconvs[:-1]:
        h = jax.nn.silu(_depth_to_space(conv(h)))
    return _depth_to_space(upconvs[-1](h))
