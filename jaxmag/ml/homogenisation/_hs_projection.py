"""The nearest admissible tensor: the Frobenius projection onto the set of 2×2 tensors
that the Hashin–Shtrikman trace bounds allow.

For a matrix of μ = 1 with particles of μr = c at area fraction f, the bounds allow the
SPD tensors whose eigenvalues λ satisfy

    Σ 1/(λ_i − μ_lo) ≤ B_lo,  λ_i > μ_lo,      Σ 1/(μ_hi − λ_i) ≤ B_hi,  λ_i < μ_hi

(:func:`~jaxmag.ml.homogenisation.hs_trace_margins`). Each is a sublevel set of a convex
spectral function, so the admissible set C is convex and invariant under rotations. The
Frobenius-nearest point of such a set keeps the tensor's eigenvectors and projects its
eigenvalue pair onto the plane set (Lewis, "Convex analysis on the Hermitian matrices",
SIAM J. Optim. 6, 164 (1996)). Because C is convex, the projection is non-expansive: for
any admissible μ* (the true tensor among them), ‖P(μ) − μ*‖_F ≤ ‖μ − μ*‖_F, sample by
sample. A prediction moved inside the bounds this way is never further from the truth.

**One bound.** With x = λ − μ_lo (or μ_hi − λ), the boundary Σ 1/x_i = B is the curve
x(u) = ((1 + e^u)/B, (1 + e^(−u))/B), u ∈ ℝ. The nearest boundary point to an outside p
satisfies x ≥ p component-wise (KKT: x − p = ν (1/x₁², 1/x₂²), ν ≥ 0); on that arc,
u_a ≤ u ≤ u_b with e^(u_a) = B p₁ − 1 and e^(−u_b) = B p₂ − 1, the orthogonality
residual r(u) = (x₁ − p₁) e^u − (x₂ − p₂) e^(−u) increases strictly from ≤ 0 to ≥ 0. A
bisection finds its root, and one Newton step on the stopped root gives the
implicit-function derivative. (Hand-written rather than ``optimistix.Bisection``, whose
termination asks |r| < atol, while r's scale varies by many decades between samples.)

**Both bounds.** If the nearest point for one bound alone satisfies the other, it is
the answer (it is nearest in a larger set). Otherwise both bounds are active, and the
answer lies where their boundaries meet: at the laminates' eigenvalue pairs
``(λ_A, λ_H)`` or ``(λ_H, λ_A)`` (arithmetic and harmonic means of the phases), of
which the ordering ``λ₁ ≥ λ₂``, kept by the projection, picks the first.
"""

from typing import NamedTuple

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

U_MAX: float = 30.0
"""The bisection's bracket on u is clipped to ±U_MAX (eigenvalue ratios up to e^30)."""


class TraceBounds(NamedTuple):
    """The trace bounds on the eigenvalues: ``Σ 1/(λ − lo) ≤ b_lo`` and
    ``Σ 1/(hi − λ) ≤ b_hi``, met together at the laminates' ``(arith, harm)``."""

    lo: Float[Array, "*batch"]
    hi: Float[Array, "*batch"]
    b_lo: Float[Array, "*batch"]
    b_hi: Float[Array, "*batch"]
    arith: Float[Array, "*batch"]
    harm: Float[Array, "*batch"]


BISECTION_STEPS: int = 64
SATISFIES_RTOL: float = 1e-5
"""A one-bound projection counts as satisfying the other bound within this slack."""


def _residual(u, p1, p2, b):
    """``(r(u), r'(u))`` of the module docstring."""
    e, ei = jnp.exp(u), jnp.exp(-u)
    x1, x2 = (1.0 + e) / b, (1.0 + ei) / b
    r = (x1 - p1) * e - (x2 - p2) * ei
    dr = e * e / b + (x1 - p1) * e + ei * ei / b + (x2 - p2) * ei
    return r, dr


def project_one_bound(
    p1: Float[Array, "*batch"], p2: Float[Array, "*batch"], b: Float[Array, "*batch"]
) -> tuple[Float[Array, "*batch"], Float[Array, "*batch"]]:
    """The nearest point of ``{x > 0 : 1/x₁ + 1/x₂ ≤ b}`` to ``(p1, p2)`` (``b > 0``)."""
    pos = (p1 > 0) & (p2 > 0)
    inside = pos & (jnp.where(pos, (p1 + p2) / jnp.where(pos, p1 * p2, 1.0), jnp.inf) <= b)
    # a dummy outside point for the samples inside (their result is p itself)
    q1 = jnp.where(inside, 1.0 / b, p1)
    q2 = jnp.where(inside, 1.0 / b, p2)
    a1, a2 = b * q1 - 1.0, b * q2 - 1.0
    lo = jnp.where(a1 > 0, jnp.log(jnp.where(a1 > 0, a1, 1.0)), -U_MAX)
    hi = jnp.where(a2 > 0, -jnp.log(jnp.where(a2 > 0, a2, 1.0)), U_MAX)
    lo, hi = jnp.clip(lo, -U_MAX, U_MAX), jnp.clip(hi, -U_MAX, U_MAX)
    lo, hi, q1s, q2s, bs = (jax.lax.stop_gradient(v) for v in (lo, hi, q1, q2, b))

    def halve(_, bracket):
        lo, hi = bracket
        mid = 0.5 * (lo + hi)
        neg = _residual(mid, q1s, q2s, bs)[0] < 0
        return jnp.where(neg, mid, lo), jnp.where(neg, hi, mid)

    lo, hi = jax.lax.fori_loop(0, BISECTION_STEPS, halve, (lo, hi))
    u0 = 0.5 * (lo + hi)
    r, dr = _residual(u0, q1, q2, b)  # one Newton step: the value stays, the derivative
    u = u0 - (r - jax.lax.stop_gradient(r)) / dr  # is the implicit function's
    x1, x2 = (1.0 + jnp.exp(u)) / b, (1.0 + jnp.exp(-u)) / b
    return jnp.where(inside, p1, x1), jnp.where(inside, p2, x2)


def _sum_inverse(x1, x2):
    ok = (x1 > 0) & (x2 > 0)
    return jnp.where(ok, 1.0 / jnp.where(ok, x1, 1.0) + 1.0 / jnp.where(ok, x2, 1.0), jnp.inf)


def project_eigenvalues(
    l1: Float[Array, "*batch"], l2: Float[Array, "*batch"], bounds: TraceBounds
) -> tuple[Float[Array, "*batch"], Float[Array, "*batch"]]:
    """The nearest pair to ``(l1, l2)``, ``l1 ≥ l2``, that satisfies both ``bounds``."""
    lo, hi, b_lo, b_hi, arith, harm = bounds
    x1, x2 = project_one_bound(l1 - lo, l2 - lo, b_lo)
    a1, a2 = lo + x1, lo + x2
    y1, y2 = project_one_bound(hi - l1, hi - l2, b_hi)
    c1, c2 = hi - y1, hi - y2
    a_ok = _sum_inverse(hi - a1, hi - a2) <= b_hi * (1.0 + SATISFIES_RTOL)
    c_ok = _sum_inverse(c1 - lo, c2 - lo) <= b_lo * (1.0 + SATISFIES_RTOL)
    k1 = jnp.where(a_ok, a1, jnp.where(c_ok, c1, arith))
    k2 = jnp.where(a_ok, a2, jnp.where(c_ok, c2, harm))
    return k1, k2


@jax.jit  # one program, not one per operation, when called outside a model
def project_tensor(c: Float[Array, "*batch 3"], bounds: TraceBounds) -> Float[Array, "*batch 3"]:
    """The Frobenius-nearest admissible tensor to the symmetric tensor with components
    ``c`` (``xx, yy, xy``): its eigenvectors kept, its eigenvalues projected
    (:func:`project_eigenvalues`)."""
    a, d, b = c[..., 0], c[..., 1], c[..., 2]
    m, half_diff = 0.5 * (a + d), 0.5 * (a - d)
    q = half_diff**2 + b**2
    iso = q <= 1e-30
    h = jnp.sqrt(jnp.where(iso, 1.0, q))
    cos2, sin2 = jnp.where(iso, 1.0, half_diff / h), jnp.where(iso, 0.0, b / h)
    h = jnp.where(iso, 0.0, h)
    l1, l2 = project_eigenvalues(m + h, m - h, bounds)
    m2, h2 = 0.5 * (l1 + l2), 0.5 * (l1 - l2)
    return jnp.stack([m2 + h2 * cos2, m2 - h2 * cos2, h2 * sin2], -1)
