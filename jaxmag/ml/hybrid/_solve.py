"""Coarse runs with and without the learned correction: the system, windows of saved
steps (what training differentiates through) and whole trajectories (what is evaluated)."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from jaxmag._system import System
from jaxmag.constants import MU0
from jaxmag.dynamics._simulate import simulate
from jaxmag.energy import Zeeman

from ._correction import CorrectionNet, LearnedCorrection
from ._grids import Geometry, mean_m


class CoarseModel(eqx.Module):
    """The coarse system of a geometry without applied field (exchange, demag), plus an
    optional learned correction; :meth:`system` adds the field. ``correction`` None is
    the uncorrected coarse solve."""

    base: System
    correction: LearnedCorrection | None

    def __init__(self, geometry: Geometry, net: CorrectionNet | None = None):
        self.base = geometry.system(coarse=True)
        self.correction = (
            None if net is None else LearnedCorrection(self.base.mesh, self.base.material, net)
        )

    def with_net(self, net: CorrectionNet) -> "CoarseModel":
        """The same model with another network (same geometry)."""
        if self.correction is None:
            raise ValueError("this CoarseModel has no learned correction to replace")
        return eqx.tree_at(lambda c: c.correction.net, self, net)

    def system(self, field_mT) -> System:
        """The coarse system in the uniform in-plane field ``field_mT = (Bx, By)`` (mT)."""
        b = jnp.asarray(field_mT, dtype=float)
        H = jnp.stack([b[0], b[1], jnp.zeros_like(b[0])]) * 1e-3 / MU0
        s = self.base
        terms = (*s.terms, Zeeman(s.mesh, s.material, H))
        if self.correction is not None:
            terms = (*terms, self.correction)
        return System(s.mesh, s.material, terms, s.gamma, s.torques)


def rollout(
    model: CoarseModel,
    m0,
    field_mT,
    n_steps: int,
    dt_save: float,
    *,
    rtol: float = 1e-5,
    max_steps: int = 100_000,
    **kw,
):
    """The coarse field m at ``k dt_save`` for k = 0 … ``n_steps`` (``(n_steps + 1, 3,
    nx, ny, nz)``), from ``m0`` in the field ``field_mT`` (mT); ``jit``-, ``vmap``- and
    ``grad``-able (diffrax's ``RecursiveCheckpointAdjoint``). ``kw`` goes to
    :func:`jaxmag.simulate` (``stepsize_controller``, ``dt0``, ``solver``)."""
    ts = np.arange(n_steps + 1) * dt_save
    tr = simulate(model.system(field_mT), m0, float(ts[-1]), ts=ts, snapshots=True,
                  rtol=rtol, atol=rtol, save_energies=False, max_steps=max_steps,
                  **kw)  # fmt: skip
    return tr.snapshots


def average_rollouts(
    model: CoarseModel, m0, fields_mT, n_steps: int, dt_save: float, *, rtol: float = 1e-5
) -> np.ndarray:
    """⟨m⟩ over the magnetic cells, ``(F, n_steps + 1, 3)``, of the coarse runs from
    ``m0`` (coarse grid) in each field of ``fields_mT`` ``(F, 2)`` (mT), batched (compiled
    once per model structure, grid and settings)."""
    b = jnp.asarray(np.asarray(fields_mT, dtype=float).reshape(-1, 2))
    m0 = model.base.check_magnetisation(m0)
    return np.asarray(_averages(model, m0, b, int(n_steps), float(dt_save), float(rtol)))


@eqx.filter_jit
def _averages(model, m0, b, n_steps, dt_save, rtol):
    def one(bi):
        m = rollout(model, m0, bi, n_steps, dt_save, rtol=rtol)
        return mean_m(m, model.base.magnetic)

    return jax.vmap(one)(b)
