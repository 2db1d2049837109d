"""The linear system of a linearly implicit exchange step, ``(β − h L_û) v = b``, and its
spectral preconditioner.

``L_û v = −γ'[û × H(v) + α û × (û × H(v))]`` is the LLG torque of the exchange field
``H(v) = C Δ_h v`` (``C = 2A/(μ0 Ms)``, m²·A/m) about frozen unit vectors ``û``, with
``γ' = γ/(1+α²)``. Where ``û`` is uniform, ``J v = û × v`` and the tangent projector ``P``
commute with ``Δ_h = −K``, and on the tangent plane (``J² = −P``)

    β − h L_û = (β + sα) P − s J,   s = hγ'Cκ  for the mode of ``K`` with eigenvalue κ,

whose inverse is ``((β + sα) P + s J) / ((β + sα)² + s²)``; normal components see ``β``.
Applied mode by mode with the type-II DCT of :mod:`._dct` (free axes) or the FFT
(periodic axes), that inverse is the preconditioner: exact for a uniform ``û`` on a full
box with uniform material, and close to it for the smooth states of a film, so GMRES
needs a few iterations where the unpreconditioned system needs hundreds.
"""

import jax
import jax.numpy as jnp
import lineax as lx

from jaxmag._system import System
from jaxmag.constants import MU0
from jaxmag.dynamics._dct import from_spectral, laplacian_eigenvalues, to_spectral
from jaxmag.dynamics._llg import TIME_UNIT
from jaxmag.vectors import cross, dot


def _magnetic_max(x, magnetic):
    return jnp.max(jnp.where(magnetic, x, 0.0))


def _magnetic_mean(x, magnetic):
    return jnp.sum(jnp.where(magnetic, x, 0.0)) / jnp.maximum(jnp.sum(magnetic), 1)


def tangent_preconditioner(
    system: System, u_hat, beta, h, *, precession: bool = True
) -> lx.FunctionLinearOperator:
    """The approximate inverse of ``β − h L_û`` described in the module docstring, as a
    lineax operator; ``h`` in ps (the solver's scaled time), ``u_hat`` unit vectors (zero
    in non-magnetic cells). ``C`` is the largest ``2A/(μ0 Ms)`` over magnetic cells and
    ``α`` the mean; neither carries a derivative (the preconditioner changes how fast
    GMRES converges, not what it converges to)."""
    mat, mesh, mag = system.material, system.mesh, system.magnetic
    Ms = jnp.where(mag, mat.Ms, 1.0)
    C = jax.lax.stop_gradient(_magnetic_max(2 * mat.A / (MU0 * Ms), mag))
    alpha = jax.lax.stop_gradient(_magnetic_mean(mat.alpha * jnp.ones(mesh.shape), mag))
    gamma = jax.lax.stop_gradient(system.gamma / (1 + alpha**2))
    kappa = jnp.asarray(laplacian_eigenvalues(mesh), dtype=u_hat.dtype)
    s = h * TIME_UNIT * gamma * C * kappa
    a = beta + s * alpha
    sp = s if precession else jnp.zeros_like(s)
    den = a * a + sp * sp
    phi1, phi2 = a / den, sp / den

    lo = jnp.float32  # an approximate inverse: single precision is enough, and faster
    u_lo, phi1, phi2 = u_hat.astype(lo), phi1.astype(lo), phi2.astype(lo)

    def apply(r):
        normal = dot(u_hat, r)[None] * u_hat
        spec = to_spectral((r - normal).astype(lo), mesh)
        x = from_spectral(phi1 * spec, mesh)
        if precession:
            x = x + cross(u_lo, from_spectral(phi2 * spec, mesh))
        return jnp.where(mag, x.astype(r.dtype) + normal / beta, r / beta)

    return lx.FunctionLinearOperator(apply, jax.ShapeDtypeStruct(u_hat.shape, u_hat.dtype))
