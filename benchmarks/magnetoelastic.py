"""Magnetoelastic coupling (``jaxmag.energy.MagnetoElastic``) against closed forms.

    python benchmarks/magnetoelastic.py [--quick]

The term is ``e = B1 Σ ε_ii m_i² + 2 B2 Σ_{i<j} ε_ij m_i m_j`` (tensor shear) with a
prescribed strain. The checks follow mumax+'s magnetoelastic tests (its sine-displacement
field and force cases: 128 cells, two periods, amplitude 4, B = -8.8e6 J/m³,
Ms = 800e3 A/m, semi-relative errors ``max |Δ| / max |exact|``) and the history of
mumax3's term, whose B2 field was short by a factor 2 for years until mumax3 PR #324:
hence the hand-written field is checked against the energy's gradient.

- ``uniaxial_equiv_rel_err``: a uniform ``ε_xx = ε`` against ``UniaxialAnisotropy`` with
  ``Ku1 = -B1 ε`` along x: field and torque ``m × H`` (random m, Ms, B2).
- ``random_cell_rel_err``: independent cells with random Ms, B1, B2, m, strain and
  crystal axes against the closed-form field written out in numpy, ``|ΔH| / |H|``.
- ``sine_semi_rel_err``: ``u_j = 4 sin(k x_d)`` on 128 periodic cells (1.5, 2, 2.5 nm
  along x, y, z), through ``strain_from_displacement`` (fourth order) to the field,
  against the field of the analytic strain; worst over d, j and the m component.
- ``force_max_err``: ``m = (sin kx, cos kx, 0)``, 32 nm period on 0.5 nm cells:
  ``F_x / (2 B1 k) = sin·cos`` and ``F_y / (B2 k) = cos² - sin²``, semi-relative, on a
  periodic mesh (``force_free_interior_err``: free ends, cells 2 from each end). The
  force differentiates m by the chain rule (mumax3's ``F_mel``), so its error is the
  fourth-order ``(k d)⁴/30`` = 3.1e-6 of the wavenumber k.
- ``field_vs_energy_grad_rel_err``: the hand-written field against ``field_from_energy``
  (autodiff), per-cell parameters, with and without rotated axes, semi-relative.

The field's cost on a 128 × 128 × 8 mesh is timed too (compile separate, min/median).
The last line of output is one JSON object with the figures.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

NM = 1e-9
VOIGT = ((0, 0), (1, 1), (2, 2), (0, 1), (0, 2), (1, 2))
SINE_B, SINE_MS, SINE_AMPLITUDE, SINE_CELLS = -8.8e6, 800e3, 4.0, 128
SINE_CELL = (1.5 * NM, 2 * NM, 2.5 * NM)


def semi_relative(a, b) -> float:
    import numpy as np

    a, b = np.asarray(a), np.asarray(b)
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


def random_rotations(rng, n):
    """``n`` random rotations ``(n, 3, 3)`` (QR of Gaussian matrices, det +1)."""
    import numpy as np

    q, r = np.linalg.qr(rng.normal(size=(n, 3, 3)))
    q = q * np.sign(np.diagonal(r, axis1=1, axis2=2))[:, None, :]
    return q * np.sign(np.linalg.det(q))[:, None, None]


def random_state(rng, shape):
    import numpy as np

    m = rng.normal(size=(3, *shape))
    return m / np.linalg.norm(m, axis=0)


def uniaxial_equivalence(rng, samples: int) -> float:
    import jax.numpy as jnp
    import numpy as np

    import jaxmag as jm

    mesh = jm.Mesh((16, 8, 2), (2 * NM, 2 * NM, 2 * NM))
    worst = 0.0
    for _ in range(samples):
        Ms = rng.uniform(2e5, 1.5e6, mesh.shape)
        B1, B2, eps = rng.uniform(-3e7, 3e7), rng.uniform(-3e7, 3e7), rng.uniform(-1e-3, 1e-3)
        m = jnp.asarray(random_state(rng, mesh.shape))
        me = jm.MagnetoElastic(mesh, jm.Material(Ms), B1, B2, (eps, 0, 0, 0, 0, 0))
        uni = jm.UniaxialAnisotropy(mesh, jm.Material(Ms, Ku1=-B1 * eps, anis_u=(1, 0, 0)))
        H, Hu = me.field(m), uni.field(m)
        T, Tu = jnp.cross(m, H, axis=0), jnp.cross(m, Hu, axis=0)
        err_H = np.max(np.linalg.norm(H - Hu, axis=0) / np.linalg.norm(Hu, axis=0))
        err_T = np.max(np.linalg.norm(T - Tu, axis=0)) / np.max(np.linalg.norm(Tu, axis=0))
        worst = max(worst, float(err_H), float(err_T))
    return worst


def closed_form(Ms, B1, B2, eps, m, R):
    """Per cell (leading axis n): ``H = Rᵀ Hc`` with ``εc = R ε Rᵀ``, ``mc = R m`` and
    ``Hc_i = -(2 / (μ0 Ms)) (B1 εc_ii mc_i + B2 Σ_{j≠i} εc_ij mc_j)``."""
    import numpy as np

    from jaxmag.constants import MU0

    e = np.zeros((len(Ms), 3, 3))
    for q, (i, j) in enumerate(VOIGT):
        e[:, i, j] = e[:, j, i] = eps[:, q]
    ec = R @ e @ np.swapaxes(R, 1, 2)
    mc = np.einsum("nab,nb->na", R, m)
    diag = np.einsum("naa->na", ec)
    off = np.einsum("nab,nb->na", ec, mc) - diag * mc
    hc = B1[:, None] * diag * mc + B2[:, None] * off
    return np.einsum("nab,na->nb", R, -2 * hc / (MU0 * Ms[:, None]))


def random_cells(rng, n: int) -> float:
    import numpy as np

    import jaxmag as jm

    mesh = jm.Mesh((n, 1, 1), (NM, NM, NM))
    Ms = rng.uniform(1e5, 2e6, n)
    B1, B2 = rng.uniform(-5e7, 5e7, n), rng.uniform(-5e7, 5e7, n)
    eps = rng.normal(0, 1e-3, (n, 6))
    m = random_state(rng, (n,)).T
    worst = 0.0
    cell = lambda a: np.asarray(a).T.reshape(-1, n, 1, 1)  # noqa: E731 ((n, k) -> (k, n, 1, 1))
    for rotated in (False, True):
        R = random_rotations(rng, n) if rotated else np.broadcast_to(np.eye(3), (n, 3, 3))
        me = jm.MagnetoElastic(
            mesh,
            jm.Material(Ms.reshape(n, 1, 1)),
            B1.reshape(n, 1, 1),
            B2.reshape(n, 1, 1),
            cell(eps),
            axes=(cell(R[:, 0]), cell(R[:, 1])) if rotated else None,
        )
        H = np.asarray(me.field(cell(m))).reshape(3, n).T
        want = closed_form(Ms, B1, B2, eps, m, R)
        err = np.linalg.norm(H - want, axis=1) / np.linalg.norm(want, axis=1)
        worst = max(worst, float(err.max()))
    return worst


def sine_check() -> dict:
    """Worst semi-relative field error per displaced axis d (over j and m's component)."""
    import numpy as np

    import jaxmag as jm
    from jaxmag.energy import strain_from_displacement

    out = {}
    for d in range(3):
        n, pbc = [1, 1, 1], [0, 0, 0]
        n[d], pbc[d] = SINE_CELLS, 1
        mesh = jm.Mesh(n, SINE_CELL, pbc=pbc)
        x = mesh.coordinates()[d]
        k = 2 * 2 * np.pi / (SINE_CELLS * SINE_CELL[d])
        mat = jm.Material(SINE_MS)
        worst = 0.0
        for j in range(3):
            u = np.zeros((3, *n))
            u[j] = SINE_AMPLITUDE * np.sin(k * x)
            exact = np.zeros((6, *n))
            for q, (a, b) in enumerate(VOIGT):
                if {a, b} == {d, j}:
                    exact[q] = SINE_AMPLITUDE * k * np.cos(k * x) * (1.0 if a == b else 0.5)
            numeric = strain_from_displacement(mesh, u)
            for c in range(3):
                m = np.zeros((3, *n))
                m[c] = 1.0
                H = jm.MagnetoElastic(mesh, mat, SINE_B, SINE_B, numeric).field(m)
                H0 = jm.MagnetoElastic(mesh, mat, SINE_B, SINE_B, exact).field(m)
                if np.max(np.abs(H0)) > 0:  # m ⟂ the strained components: H = 0 both
                    worst = max(worst, semi_relative(H, H0))
        out["xyz"[d]] = worst
    return out


def force_check(periodic: bool) -> float:
    import numpy as np

    import jaxmag as jm

    mesh = jm.Mesh((128, 1, 1), (0.5 * NM, NM, NM), pbc=(int(periodic), 0, 0))
    x = mesh.coordinates()[0]
    k = 2 * np.pi / (32 * NM)
    s, c = np.sin(k * x), np.cos(k * x)
    m = np.stack([s, c, np.zeros_like(x)])
    B1, B2 = SINE_B, 0.6 * SINE_B
    f = np.asarray(jm.MagnetoElastic(mesh, jm.Material(SINE_MS), B1, B2, np.zeros(6)).force(m))
    inner = slice(None) if periodic else slice(2, -2)
    return max(
        semi_relative((f[0] / (2 * B1 * k))[inner], (s * c)[inner]),
        semi_relative((f[1] / (B2 * k))[inner], (c**2 - s**2)[inner]),
        float(np.max(np.abs(f[2]))),
    )


def field_vs_autodiff(rng, samples: int) -> float:
    import jax.numpy as jnp

    import jaxmag as jm

    mesh = jm.Mesh((6, 5, 4), (2 * NM, 1.5 * NM, 3 * NM))
    worst = 0.0
    for i in range(samples):
        Ms = rng.uniform(2e5, 1.5e6, mesh.shape)
        Ms[rng.random(mesh.shape) < 0.1] = 0.0  # a few non-magnetic cells
        B1, B2 = rng.uniform(-5e7, 5e7, (2, *mesh.shape))
        eps = rng.normal(0, 1e-3, (6, *mesh.shape))
        axes = None if i % 2 == 0 else tuple(random_rotations(rng, 1)[0, :2])
        me = jm.MagnetoElastic(mesh, jm.Material(Ms), B1, B2, eps, axes=axes)
        m = jnp.asarray(random_state(rng, mesh.shape))
        H_ad = jm.field_from_energy(me.energy, m, me.Ms, me.cell_volume)
        worst = max(worst, semi_relative(me.field(m), H_ad))
    return worst


def timing(repeats: int) -> dict:
    import equinox as eqx
    import jax
    import jax.numpy as jnp
    import numpy as np
    from _common import summary

    import jaxmag as jm

    mesh = jm.Mesh((128, 128, 8), (2 * NM, 2 * NM, 2 * NM))
    rng = np.random.default_rng(1)
    me = jm.MagnetoElastic(
        mesh, jm.Material(8e5), -8.8e6, 7.8e6, rng.normal(0, 1e-3, (6, *mesh.shape)),
        axes=((1, 1, 0), (-1, 1, 0)),
    )  # fmt: skip
    m = jnp.asarray(random_state(rng, mesh.shape))
    field = eqx.filter_jit(lambda term, mm: term.field(mm))
    t = time.perf_counter()
    jax.block_until_ready(field(me, m))
    compile_s = time.perf_counter() - t
    walls = []
    for _ in range(repeats):
        t = time.perf_counter()
        jax.block_until_ready(field(me, m))
        walls.append(time.perf_counter() - t)
    cells = int(np.prod(mesh.shape))
    return {
        "timing_cells": cells,
        "field_compile_s": compile_s,
        "field_wall": summary(walls),
        "field_ns_per_cell": min(walls) / cells * 1e9,
    }


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--repeats", type=int, default=5, help="timed repeats of the field")
    p.add_argument("--quick", action="store_true", help="smoke run: fewer random samples")
    args = p.parse_args(argv)
    if args.repeats < 1:
        p.error("--repeats must be >= 1")
    if args.quick:
        args.repeats = 3

    import jax

    jax.config.update("jax_enable_x64", True)
    import numpy as np
    from _common import conditions, emit

    rng = np.random.default_rng(args.seed)
    sine = sine_check()
    figures = {
        "problem": "magnetoelastic coupling",
        "quick": args.quick,
        "uniaxial_equiv_rel_err": uniaxial_equivalence(rng, 3 if args.quick else 20),
        "random_cell_rel_err": random_cells(rng, 200 if args.quick else 5000),
        "sine_semi_rel_err": max(sine.values()),
        "sine_semi_rel_err_per_axis": sine,
        "sine_fourth_order_estimate": (2 * np.pi / 64) ** 4 / 30,
        "force_max_err": force_check(periodic=True),
        "force_free_interior_err": force_check(periodic=False),
        "field_vs_energy_grad_rel_err": field_vs_autodiff(rng, 4 if args.quick else 20),
        **timing(args.repeats),
    }
    figures.update(conditions())
    for k in ("uniaxial_equiv_rel_err", "random_cell_rel_err", "sine_semi_rel_err",
              "force_max_err", "field_vs_energy_grad_rel_err"):  # fmt: skip
        print(f"{k}: {figures[k]:.3g}")
    emit(figures)
    return figures


if __name__ == "__main__":
    main()
