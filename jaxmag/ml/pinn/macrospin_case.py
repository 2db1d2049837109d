"""PINN case 1: the switching task's macrospin, conditioned on (t, h, ψ, α).

Reduced units of :mod:`jaxmag.thermal`: the field ``h (sin ψ, 0, -cos ψ)`` in units of
``H_K`` (ψ in degrees from -z toward +x), time in ``1/(γ0 H_K)``, the easy axis z with
anisotropy field ``k_easy`` (1 in these units), the start +z tilted by 1° toward +x.
The PINN (:class:`~.ansatz.MacrospinPINN`) satisfies ``m(0) = m0`` and ``|m| = 1`` by
construction; its loss is the mean squared LLG residual at collocation points drawn
uniformly from the domain, afresh every Adam step.

The reference is diffrax's 8th-order Dormand–Prince at ``rtol = atol = 1e-12``.
"""

import diffrax
import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, PRNGKeyArray

from jaxmag.ml.pinn._ansatz import MacrospinPINN, task_start
from jaxmag.ml.pinn._network import Net
from jaxmag.ml.pinn._residual import macrospin_residual
from jaxmag.thermal._pulses import pulse_field, reduced_rhs
from jaxmag.vectors import normalise


class Domain(eqx.Module):
    """The box of (t, h, ψ, α), reduced units; a parameter with equal ends is fixed.

    **Arguments:**

    - `t_max`: end of the time window (> 0), in units of ``1/(γ0 H_K)``.
    - `h`: (lo, hi) field amplitude in units of ``H_K`` (>= 0).
    - `psi_deg`: (lo, hi) field angle from -z toward +x, degrees.
    - `alpha`: (lo, hi) Gilbert damping (> 0).
    - `k_easy`: easy-axis anisotropy field in the field unit (>= 0).
    """

    t_max: float
    h: tuple
    psi_deg: tuple
    alpha: tuple
    k_easy: float = 1.0

    def __check_init__(self):
        ranges = {"h": self.h, "psi_deg": self.psi_deg, "alpha": self.alpha}
        for name, r in ranges.items():
            if len(r) != 2 or not all(np.isfinite(r)) or r[1] < r[0]:
                raise ValueError(f"{name} must be a finite (lo, hi) with hi >= lo, got {r}")
        if not (np.isfinite(self.t_max) and self.t_max > 0):
            raise ValueError(f"t_max must be > 0, got {self.t_max}")
        if self.h[0] < 0 or self.alpha[0] <= 0:
            raise ValueError("h must be >= 0 and alpha > 0")
        if not (np.isfinite(self.k_easy) and self.k_easy >= 0):
            raise ValueError(f"k_easy must be >= 0, got {self.k_easy}")

    @property
    def lo(self):
        return np.array([self.h[0], self.psi_deg[0], self.alpha[0]])

    @property
    def hi(self):
        return np.array([self.h[1], self.psi_deg[1], self.alpha[1]])

    @property
    def conditioned(self) -> tuple:
        """Indices into ``(h, ψ, α)`` of the parameters that vary."""
        return tuple(int(i) for i in np.nonzero(self.hi > self.lo)[0])


def make_model(domain: Domain, *, key: PRNGKeyArray, **net_kw) -> MacrospinPINN:
    """A PINN for ``domain``; ``net_kw`` go to :class:`~.network.Net` (width, depth,
    kind, ...)."""
    c = domain.conditioned
    lo = np.concatenate([[0.0], domain.lo[list(c)]])
    hi = np.concatenate([[domain.t_max], domain.hi[list(c)]])
    return MacrospinPINN(Net(lo, hi, key=key, **net_kw), task_start(), domain.t_max, c)


def sample(domain: Domain, key: PRNGKeyArray, n: int):
    """``n`` uniform points ``(t (n,), p (n, 3))`` of the domain."""
    kt, kp = jax.random.split(key)
    t = jax.random.uniform(kt, (n,), maxval=domain.t_max)
    u = jax.random.uniform(kp, (n, 3))
    return t, jnp.asarray(domain.lo) + u * jnp.asarray(domain.hi - domain.lo)


def residuals(model, t, p, k_easy) -> Float[Array, "n 3"]:
    return jax.vmap(lambda t, p: macrospin_residual(model, t, p, k_easy))(t, p)


def loss(model, batch, k_easy=1.0):
    """Mean squared LLG residual over the batch ``(t, p)``."""
    r = residuals(model, *batch, k_easy)
    return jnp.mean(jnp.sum(r**2, -1))


@eqx.filter_jit
def reference(p: Float[Array, "P 3"], ts: Float[Array, " T"], k_easy=1.0):
    """High-accuracy m(t) ``(P, T, 3)`` for parameters ``p = (h, ψ°, α)`` (Dopri8,
    rtol = atol = 1e-12), normalised at the saved times."""
    m0 = task_start(ts.dtype)

    def one(q):
        H = pulse_field(q[0], q[1])
        term = diffrax.ODETerm(lambda t, m, a: reduced_rhs(m, H, q[2], k_easy=k_easy))
        sol = diffrax.diffeqsolve(
            term, diffrax.Dopri8(), 0.0, ts[-1], 0.01, m0,
            saveat=diffrax.SaveAt(ts=ts),
            stepsize_controller=diffrax.PIDController(rtol=1e-12, atol=1e-12),
            max_steps=1_000_000,
        )  # fmt: skip
        return normalise(sol.ys.T).T

    return jax.vmap(one)(p)


@eqx.filter_jit
def predict(model, p: Float[Array, "P 3"], ts: Float[Array, " T"]):
    """The PINN's m ``(P, T, 3)`` on the grid of parameters × times."""
    return jax.vmap(lambda q: jax.vmap(lambda t: model(t, q))(ts))(p)


def test_grid(domain: Domain, *, n_params: int = 256, n_t: int = 101, seed: int = 1):
    """Random parameters (uniform in the domain, ``seed``) and evenly spaced times."""
    t, p = sample(domain, jax.random.PRNGKey(seed), n_params)
    return p, jnp.linspace(0.0, domain.t_max, n_t)


def point_errors(model, domain: Domain, p, ts) -> tuple[np.ndarray, np.ndarray]:
    """Per parameter point: ``Σ |m − m_ref|²`` and ``Σ |m_ref|²`` over the times, so that
    ``rel_l2`` of any subset of points (a bootstrap resample, a bin of h) is
    ``√(Σ err / Σ ref)`` over it."""
    m = predict(model, p, ts)
    ref = reference(p, ts, domain.k_easy)
    return np.asarray(jnp.sum((m - ref) ** 2, (-2, -1))), np.asarray(jnp.sum(ref**2, (-2, -1)))


def errors(model, domain: Domain, p, ts) -> dict:
    """``rel_l2`` (‖m - m_ref‖ / ‖m_ref‖ over the grid), ``max_err`` (max |m - m_ref|)
    and ``max_norm_dev`` (max ||m| - 1|) of the PINN against :func:`reference`."""
    m = predict(model, p, ts)
    ref = reference(p, ts, domain.k_easy)
    d = m - ref
    return {
        "rel_l2": float(jnp.sqrt(jnp.sum(d**2) / jnp.sum(ref**2))),
        "max_err": float(jnp.max(jnp.linalg.norm(d, axis=-1))),
        "max_norm_dev": float(jnp.max(jnp.abs(jnp.linalg.norm(m, axis=-1) - 1.0))),
    }
