"""The network inside every PINN: inputs in a box, scaled to [-1, 1], to a raw 3-vector.

Three architectures (``kind``):

- ``"tanh"``: a tanh MLP (Glorot-uniform weights, zero biases);
- ``"fourier"``: random Fourier features ``[sin 2πBx, cos 2πBx]`` with a fixed Gaussian
  ``B`` of standard deviation ``sigma`` (Tancik et al., NeurIPS 2020), then a tanh MLP;
- ``"siren"``: sine activations ``sin(ω0 (W x + b))`` with the SIREN initialisation
  (Sitzmann et al., NeurIPS 2020).

The raw output is not a unit vector; each PINN ansatz (:mod:`.ansatz`) maps it to one
with its hard constraints, so ``|m| = 1`` holds by construction.
"""

import math

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float, PRNGKeyArray

from jaxmag._validate import check_int

KINDS = ("tanh", "fourier", "siren")


class Net(eqx.Module):
    """An MLP on inputs in the box ``[lo, hi]`` (scaled to [-1, 1]).

    **Arguments:**

    - `lo`, `hi`: lower and upper corners of the input box (length ``in_size``), in the
      inputs' own units; ``hi > lo``.
    - `width`, `depth`: hidden width and number of hidden layers.
    - `kind`: ``"tanh"``, ``"fourier"`` or ``"siren"``.
    - `out_size`: raw outputs (3 for a vector).
    - `n_fourier`, `sigma`: number and scale of the Fourier features (``kind="fourier"``).
    - `omega0`: SIREN frequency (``kind="siren"``).
    - `key`: PRNG key (keyword-only).
    """

    lo: Float[Array, " n"]
    hi: Float[Array, " n"]
    weights: list
    biases: list
    fourier: Float[Array, "k n"] | None
    kind: str = eqx.field(static=True)
    omega0: float = eqx.field(static=True)

    def __init__(
        self,
        lo,
        hi,
        width: int = 64,
        depth: int = 3,
        kind: str = "tanh",
        out_size: int = 3,
        *,
        n_fourier: int = 32,
        sigma: float = 1.0,
        omega0: float = 30.0,
        key: PRNGKeyArray,
        dtype=None,
    ):
        dtype = dtype or jnp.result_type(float)
        lo, hi = jnp.asarray(lo, dtype).reshape(-1), jnp.asarray(hi, dtype).reshape(-1)
        if lo.shape != hi.shape or lo.size == 0:
            raise ValueError(f"lo and hi must be equal-length vectors, got {lo.shape}, {hi.shape}")
        if not bool(jnp.all(jnp.isfinite(lo) & jnp.isfinite(hi) & (hi > lo))):
            raise ValueError(f"the input box needs finite hi > lo, got lo={lo}, hi={hi}")
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
        check_int("width", width)
        check_int("depth", depth)
        check_int("out_size", out_size)
        check_int("n_fourier", n_fourier)
        if not (sigma > 0 and omega0 > 0):
            raise ValueError(f"sigma and omega0 must be > 0, got {sigma}, {omega0}")
        kf, key = jax.random.split(key)
        n_in = lo.size
        if kind == "fourier":
            self.fourier = sigma * jax.random.normal(kf, (n_fourier, n_in), dtype)
            n_in = 2 * n_fourier
        else:
            self.fourier = None
        sizes = [n_in] + [width] * depth + [out_size]
        self.weights, self.biases = [], []
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
            key, kw = jax.random.split(key)
            if kind == "siren":
                lim = 1.0 / a if i == 0 else math.sqrt(6.0 / a) / omega0
            else:
                lim = math.sqrt(6.0 / (a + b))
            self.weights.append(jax.random.uniform(kw, (b, a), dtype, -lim, lim))
            self.biases.append(jnp.zeros(b, dtype))
        self.lo, self.hi, self.kind, self.omega0 = lo, hi, kind, float(omega0)

    def __call__(self, x: Float[Array, " n"]) -> Float[Array, " out"]:
        lo, hi = jax.lax.stop_gradient(self.lo), jax.lax.stop_gradient(self.hi)
        h = 2.0 * (x - lo) / (hi - lo) - 1.0
        if self.fourier is not None:
            p = 2 * jnp.pi * jax.lax.stop_gradient(self.fourier) @ h
            h = jnp.concatenate([jnp.sin(p), jnp.cos(p)])
        for W, b in zip(self.weights[:-1], self.biases[:-1], strict=True):
            h = jnp.sin(self.omega0 * (W @ h + b)) if self.kind == "siren" else jnp.tanh(W @ h + b)
        return self.weights[-1] @ h + self.biases[-1]

    def config(self) -> dict:
        """What rebuilds this network's structure (see :func:`from_config`)."""
        return {
            "lo": [float(v) for v in self.lo],
            "hi": [float(v) for v in self.hi],
            "width": int(self.weights[0].shape[0]),
            "depth": len(self.weights) - 1,
            "kind": self.kind,
            "out_size": int(self.weights[-1].shape[0]),
            "n_fourier": 32 if self.fourier is None else int(self.fourier.shape[0]),
            "omega0": self.omega0,
        }


def from_config(c: dict, *, key: PRNGKeyArray) -> Net:
    """A network of the structure in ``c`` (any weights; a loader replaces them)."""
    return Net(c["lo"], c["hi"], c["width"], c["depth"], c["kind"], c["out_size"],
               n_fourier=c["n_fourier"], omega0=c["omega0"], key=key)  # fmt: skip
