"""How accurate is the ground truth? Refinement and primal–dual spread, per sample.

The laminate and the checkerboard are exact for the primal/dual geometric mean by
construction, so they cannot show its error on a general map. Two independent figures
can:

- **refinement**: the same geometry upsampled by ``factor`` (each pixel becomes
  ``factor × factor`` pixels) and solved again. Both solutions approximate the same
  continuum cell, so their relative difference estimates the coarse solution's
  discretisation error (the fine one's is smaller).
- **primal–dual spread**: the primal network errs low and the corner network high near
  touching corners; the geometric mean lies between them, so the spread
  ``|μ_P − μ_D| / |μ_eff|`` bounds the error of the mean wherever the continuum value
  lies between the two networks' values, and costs no extra solve.

Relative differences use the Frobenius norm of the 2×2 (or 3×3) tensors.
"""

import functools
import time

import jax
import numpy as np

from jaxmag._validate import check_int, check_real
from jaxmag.ml.homogenisation._phases import two_phase
from jaxmag.ml.homogenisation._solver import (
    dual_permeability,
    geometric_mean,
    primal_permeability,
)


def _rel(a, b, ref):
    return np.linalg.norm(a - b, axis=(-2, -1)) / np.linalg.norm(ref, axis=(-2, -1))


def upsample(phases, factor: int) -> np.ndarray:
    """Each pixel of ``phases`` ``(..., H, W)`` repeated ``factor × factor`` times."""
    factor = check_int("factor", factor)
    phases = np.asarray(phases)
    return np.repeat(np.repeat(phases, factor, -2), factor, -1)


@functools.partial(jax.jit, static_argnames="tol")
def _networks(p, c, tol):
    # at module level, so that repeated calls reuse the compiled solves of each shape
    mu = two_phase(p, c)
    return primal_permeability(mu, tol=tol), dual_permeability(mu, tol=tol)


def refinement_check(
    phases, contrasts, *, factor: int = 4, tol: float = 1e-8, verbose: bool = True
) -> dict[str, np.ndarray]:
    """Solve each two-phase map at its own resolution and ``factor`` times finer.

    **Arguments:**

    - `phases`: boolean maps ``(n, H, W)`` (True: particles, μr = contrast; matrix 1).
    - `contrasts`: ``(n,)`` particle μr, positive.
    - `factor`: the refinement ratio (4: 128² → 512²).
    - `tol`: the solver tolerance (:func:`solve_fields`).

    **Returns:** a dict of arrays over the ``n`` maps: ``coarse`` and ``fine`` (the
    geometric-mean tensors), ``primal`` and ``dual`` (the coarse networks' tensors),
    ``refine_rel`` = ``|coarse − fine| / |fine|`` and ``spread_rel`` =
    ``|primal − dual| / |coarse|``.
    """
    phases = np.asarray(phases)
    contrasts = np.asarray(contrasts, float)
    if phases.dtype != bool or phases.ndim != 3 or len(contrasts) != len(phases):
        raise ValueError(
            f"need boolean maps (n, H, W) and n contrasts, got {phases.dtype} "
            f"{phases.shape} and {contrasts.shape}"
        )
    check_real("contrasts", contrasts, positive=True)
    factor = check_int("factor", factor)
    if factor < 2:
        raise ValueError(f"factor must be at least 2, got {factor}")
    out = {k: [] for k in ("primal", "dual", "fine_primal", "fine_dual")}
    t0 = last = time.time()
    for i, (p, c) in enumerate(zip(phases, contrasts, strict=True)):
        for tag, m in (("", p), ("fine_", upsample(p, factor))):
            a, b = _networks(m, c, tol=float(tol))
            out[tag + "primal"].append(np.asarray(a))
            out[tag + "dual"].append(np.asarray(b))
        if verbose and (time.time() - last > 20 or i + 1 == len(phases)):
            last = time.time()
            print(f"  refinement: {i + 1}/{len(phases)} maps ({last - t0:.0f} s)", flush=True)
    out = {k: np.stack(v) for k, v in out.items()}
    gm = jax.vmap(geometric_mean)
    coarse = np.asarray(gm(out["primal"], out["dual"]))
    fine = np.asarray(gm(out.pop("fine_primal"), out.pop("fine_dual")))
    return {
        **out,
        "coarse": coarse,
        "fine": fine,
        "refine_rel": _rel(coarse, fine, fine),
        "spread_rel": _rel(out["primal"], out["dual"], coarse),
    }
