"""PINN case 2: the 1D LLG equation with a manufactured solution.

On x ∈ [0, 1], t ∈ [0, t_max] (dimensionless: unit exchange length and time)::

    ∂t m + m × ∂xx m + α m × (m × ∂xx m) = g,   ∂x m = 0 at x = 0, 1,   m(x, 0) = ẑ

with ``g`` from :func:`~.residual.manufactured_forcing`, whose exact solution is
``m_e = (cos x̄ sin t, sin x̄ sin t, cos t)``, ``x̄ = x²(1-x)²``. The PINN
(:class:`~.ansatz.Film1DPINN`) meets the initial and Neumann conditions exactly, so the
loss is the mean squared residual alone, at collocation points resampled every step.
"""

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import PRNGKeyArray

from jaxmag._validate import check_int
from jaxmag.ml.pinn._ansatz import Film1DPINN
from jaxmag.ml.pinn._network import Net
from jaxmag.ml.pinn._residual import (
    film1d_residual,
    manufactured_forcing,
    manufactured_solution,
)


def _check(t_max, alpha):
    if not (np.isfinite(t_max) and t_max > 0):
        raise ValueError(f"t_max must be > 0, got {t_max}")
    if not (np.isfinite(alpha) and alpha >= 0):
        raise ValueError(f"alpha must be >= 0, got {alpha}")


def make_model(t_max: float = 1.0, *, n_modes: int = 8, key: PRNGKeyArray, **net_kw):
    """A 1D PINN on [0, 1] × [0, t_max]; the network sees ``cos kπx`` (k = 1..n_modes)
    and t; ``net_kw`` go to :class:`~.network.Net`."""
    _check(t_max, 0.0)
    check_int("n_modes", n_modes)
    lo = np.concatenate([-np.ones(n_modes), [0.0]])
    hi = np.concatenate([np.ones(n_modes), [t_max]])
    return Film1DPINN(Net(lo, hi, key=key, **net_kw), float(t_max), n_modes)


def sample(key: PRNGKeyArray, n: int, t_max: float):
    """``n`` uniform collocation points ``(x, t)``."""
    kx, kt = jax.random.split(key)
    return jax.random.uniform(kx, (n,)), jax.random.uniform(kt, (n,), maxval=t_max)


def loss(model, batch, alpha: float):
    """Mean squared residual with the manufactured forcing."""
    x, t = batch

    def g(x, t):
        return manufactured_forcing(x, t, alpha)

    r = jax.vmap(lambda x, t: film1d_residual(model, x, t, alpha, g))(x, t)
    return jnp.mean(jnp.sum(r**2, -1))


def errors(model, *, n: int = 101) -> dict:
    """``rel_l2`` and ``max_err`` against the exact solution on an ``n × n`` grid of
    [0, 1] × [0, t_max], and ``max_norm_dev``."""
    x = jnp.linspace(0.0, 1.0, n)
    t = jnp.linspace(0.0, model.t_max, n)
    X, T = (a.ravel() for a in jnp.meshgrid(x, t, indexing="ij"))
    m = jax.jit(jax.vmap(model))(X, T)
    ref = jax.vmap(manufactured_solution)(X, T)
    d = m - ref
    return {
        "rel_l2": float(jnp.sqrt(jnp.sum(d**2) / jnp.sum(ref**2))),
        "max_err": float(jnp.max(jnp.linalg.norm(d, axis=-1))),
        "max_norm_dev": float(jnp.max(jnp.abs(jnp.linalg.norm(m, axis=-1) - 1.0))),
    }
