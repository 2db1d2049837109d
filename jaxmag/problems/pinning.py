"""Domain-wall pinning at a soft/hard phase boundary (Heistracher, Abert, Bruckner,
Schrefl & Suess, J. Magn. Magn. Mater. 548, 168875 (2022), the standard problem of
depinning from a sharp interface).

- A wire of 80 × 1 × 1 nm along x, 1 nm cells, running from x = −40 nm to +40 nm: the
  hard phase at x ≥ 0 (:data:`HARD`: A = 1e-11 J/m, K = 1e6 J/m³, Js = 1 T) and the soft
  phase at x < 0 (:data:`SOFT`: A = 2.5e-12 J/m, K = 1e5 J/m³, Js = 0.25 T), with
  Ms = Js / μ0 in A/m. Uniaxial anisotropy along the wire (x), α = 1, no demag.
- In each of the six :data:`CASES` the soft phase differs from the hard one only in the
  listed parameters; the others keep their hard-phase value.
- The exchange across the interface is the harmonic mean of the two stiffnesses
  (:func:`jaxmag.energy.face_stiffness`), the regions built by
  :meth:`jaxmag.Material.from_regions`.
- A wall starts in the soft phase: from ``m ∝ (+1, 0.3, 0)`` left of the interface and
  ``(−1, 0.3, 0)`` right of it (magnum.af's and mumax+'s start), relaxed at a bias of
  0.3 H_p (:data:`START_FRACTION`; mumax+ uses 0.1, which in case K,Js lets the free
  left end and the interface's repulsion carry the wall out of the short soft phase),
  the wall sits on the soft side of the interface. The field along +x is then ramped at
  a constant rate until the wall is pushed through the hard phase. Both ends are free.
- Analytic (continuum, sharp interface): with ``ε_X = X_soft / X_hard``,
  ``H_p = (2 K_hard / Js_hard) (1 − ε_K ε_A) / (1 + √(ε_J ε_A))²``
  (:func:`analytic_depinning_field`, as μ0 H_p in T).

:func:`run` integrates the LLG equation (:func:`jaxmag.simulate`) under the ramp and
reports μ0 H at the moment the wall passes x = +20 nm, i.e. the moment the hard phase's
mean ``m_x`` crosses zero (the wire's ⟨m_x⟩ crosses +1/2), interpolated linearly between
the saved times. :func:`extrapolate` takes runs at several rates to the quasi-static
limit, and :func:`quasi_static` finds that limit directly: energy minimisation at fixed
fields, the jump bracketed by bisection.
"""

import math
import time

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, Scalar

from jaxmag._material import Material
from jaxmag._mesh import Mesh
from jaxmag._system import System, make_system
from jaxmag._validate import check_real
from jaxmag.constants import MU0
from jaxmag.dynamics._simulate import simulate
from jaxmag.energy import AbstractEnergy, Zeeman
from jaxmag.vectors import dot, safe_inverse

HARD = {"A": 1e-11, "K": 1e6, "Js": 1.0}
"""The hard phase (x ≥ 0): exchange stiffness ``A`` in J/m, uniaxial anisotropy ``K`` in
J/m³, polarisation ``Js = μ0 Ms`` in T."""
SOFT = {"A": 2.5e-12, "K": 1e5, "Js": 0.25}
"""The soft phase's values (x < 0) of the parameters that a case changes (units as
:data:`HARD`)."""
PARAMETERS = ("A", "K", "Js")
"""The parameters a case may change, in the order case names list them."""
CASES = ("A,K,Js", "A,K", "A,Js", "A", "K,Js", "K")
"""The six cases of the paper: the parameters in which the soft phase differs."""
ALPHA = 1.0
"""Gilbert damping (dimensionless), both phases."""
LENGTH = 80e-9
"""The wire's length in m (x from −LENGTH/2 to +LENGTH/2); cross-section 1 × 1 nm."""
CELL = 1e-9
"""The paper's cell edge along x in m."""
WALL_START = -20e-9
"""The initial wall centre in m (in the soft phase)."""
DETECT_AT = 20e-9
"""Depinning is declared when the wall passes this x (m): the hard phase half reversed."""
RATE = 0.05
"""The default ramp rate of μ0 H in T/ns."""
START_FRACTION = 0.3
"""The bias at which the start is relaxed and the ramp begins, as a fraction of the
analytic depinning field. mumax+'s test of case A,K,Js uses 0.1; in case K,Js the wall
(10 nm wide) then leaves the 40 nm soft phase through its free end (at 0.1 H_p the
relaxed wire is uniform), and at 0.2 H_p and above it stays."""


def parse_case(case: str) -> tuple[str, ...]:
    """The parameters a case name lists (``"A,K,Js"``, ``"K"``, ...: a comma-separated,
    non-empty subset of :data:`PARAMETERS`, in any order), in the order of
    :data:`PARAMETERS`; a ``ValueError`` for anything else."""
    if not isinstance(case, str):
        raise TypeError(f"case must be a string such as 'A,K,Js', got {type(case).__name__}")
    names = [s.strip() for s in case.split(",")]
    bad = [s for s in names if s not in PARAMETERS]
    if bad or len(set(names)) != len(names):
        raise ValueError(
            f"unknown pinning case {case!r}: give a comma-separated subset of "
            f"{', '.join(PARAMETERS)} without repeats, e.g. one of {', '.join(CASES)}"
        )
    return tuple(p for p in PARAMETERS if p in names)


def phases(case: str) -> tuple[dict, dict]:
    """``(hard, soft)``: the two phases' ``{'A' (J/m), 'K' (J/m³), 'Js' (T)}`` in `case`."""
    diff = parse_case(case)
    return dict(HARD), {p: (SOFT[p] if p in diff else HARD[p]) for p in PARAMETERS}


def analytic_depinning_field(case: str) -> float:
    """The continuum depinning field μ0 H_p in T of a sharp interface,
    ``μ0 H_p = (2 μ0 K_h / Js_h) (1 − ε_K ε_A) / (1 + √(ε_J ε_A))²`` with
    ``ε_X = X_soft / X_hard`` (0 when only ``Js`` differs)."""
    hard, soft = phases(case)
    e = {p: soft[p] / hard[p] for p in PARAMETERS}
    h_k = 2 * MU0 * hard["K"] / hard["Js"]  # μ0 × the anisotropy field 2K/(μ0 Ms), T
    return h_k * (1 - e["K"] * e["A"]) / (1 + math.sqrt(e["Js"] * e["A"])) ** 2


def mesh(cell: float = CELL) -> Mesh:
    """The wire in cells of ``cell × 1 × 1 nm`` (``cell`` in m, dividing :data:`LENGTH`)."""
    check_real("cell (m)", cell, positive=True)
    n = int(round(LENGTH / cell))
    if n < 2 or abs(n * cell - LENGTH) > 1e-6 * cell:
        raise ValueError(f"cell must divide the wire's {LENGTH * 1e9:g} nm, got {cell!r} m")
    return Mesh((n, 1, 1), (float(cell), 1e-9, 1e-9))


def material(case: str, cell: float = CELL) -> Material:
    """Region 0 (soft, x < 0) and region 1 (hard, x ≥ 0) on :func:`mesh`, easy axis x."""
    msh = mesh(cell)
    hard, soft = phases(case)
    x = msh.coordinates()[0]
    region = (x >= 0).astype(np.int32)

    def phase(p):
        return Material(Ms=p["Js"] / MU0, A=p["A"], alpha=ALPHA, Ku1=p["K"], anis_u=(1, 0, 0))

    return Material.from_regions(msh, region, [phase(soft), phase(hard)])


class Ramp(eqx.Module):
    """``time_fn`` of the ramped field: ``t ↦ rate · t / μ0`` (A/m for a unit ``H``), so
    that μ0 H(t) = rate · t along ``H``. `rate` in T/s (a leaf: differentiable, and runs
    at other rates reuse one compilation)."""

    rate: Float[Array, ""]

    def __init__(self, rate):
        self.rate = jnp.asarray(rate, dtype=float)

    def __call__(self, t) -> Scalar:
        return self.rate * t / MU0


class PinnedEnd(AbstractEnergy):
    """The left end held at ``+x``: exchange to a ghost cell ``dx`` beyond the first cell,
    fixed along ``+x``, ``E = V A_0 |m_0 − x̂|² / dx²`` with ``A_0`` (J/m) the first cell's
    stiffness; the soft phase continues to the left as a semi-infinite domain, as in the
    analytic model. Hand-written field, tested against the autodiff field."""

    coef: Float[Array, "nx ny nz"]
    Ms: Float[Array, "nx ny nz"]
    cell_volume: float
    name = "pinned_end"

    def __init__(self, mesh: Mesh, material: Material):
        mat = material.on(mesh) if material.Ms.shape != mesh.shape else material
        first = np.zeros(mesh.shape)
        first[0] = 1.0
        self.coef = jnp.asarray(first) * mat.A / mesh.cell[0] ** 2
        self.Ms = mat.Ms
        self.cell_volume = mesh.cell_volume

    def energy(self, m, t=0.0):
        d = m - jnp.asarray([1.0, 0.0, 0.0]).reshape(3, 1, 1, 1)
        return self.cell_volume * jnp.sum(self.coef * dot(d, d))

    def field(self, m, t=0.0):
        x = jnp.asarray([1.0, 0.0, 0.0]).reshape(3, 1, 1, 1)
        return 2 * self.coef * safe_inverse(MU0 * self.Ms) * (x - m)


def _check_rate(rate):
    check_real("rate (T/ns)", rate, positive=True)
    if np.ndim(rate) != 0:
        raise ValueError(f"rate must be a scalar in T/ns, got shape {np.shape(rate)}")
    return float(rate)


def system(
    case: str, rate: float = RATE, cell: float = CELL, *, pinned_end: bool = False
) -> System:
    """Exchange and anisotropy of `case` (:func:`material`), no demag, and the field along
    +x ramped at `rate` (T/ns): μ0 H(t) = rate · t. Both ends are free; with `pinned_end`
    the left one is held along +x (:class:`PinnedEnd`, a semi-infinite soft phase)."""
    rate = _check_rate(rate)
    msh = mesh(cell)
    mat = material(case, cell).on(msh)
    terms = (Zeeman(msh, mat, (1.0, 0.0, 0.0), time_fn=Ramp(rate * 1e9)),)
    if pinned_end:
        terms += (PinnedEnd(msh, mat),)
    return make_system(msh, mat, demag=False, extra_terms=terms)


def initial_state(cell: float = CELL, centre: float = 0.0, tilt: float = 0.3):
    """The start of the ramp: ``m ∝ (±1, tilt, 0)``, ``+x`` left of `centre` (m) and
    ``−x`` right of it, as in magnum.af's script of the problem; the default, a sharp
    wall at the interface, relaxes in the first picoseconds into the wall pinned on the
    soft side. ``(3, n, 1, 1)``, normalised.

    A smooth wall placed further into the soft phase is not kept: in the short soft
    phase (4 wall widths √(A/K) when K differs alone) the free end attracts it and the
    interface repels it, so at the small fields at the start of the ramp it leaves the
    wire on the left, and the ramp then measures the nucleation field instead."""
    check_real("centre (m)", centre)
    check_real("tilt", tilt)
    x = mesh(cell).coordinates()[0]
    m = np.stack([np.where(x < centre, 1.0, -1.0), np.full_like(x, tilt), np.zeros_like(x)])
    return jnp.asarray(m / np.linalg.norm(m, axis=0))


def depinning_field(h, mx, level: float) -> float:
    """The first ``h`` at which ``mx`` rises through `level`, linearly interpolated
    between samples; NaN if it never does."""
    h, mx = np.asarray(h), np.asarray(mx)
    i = np.nonzero((mx[:-1] < level) & (mx[1:] >= level))[0]
    if i.size == 0:
        return float("nan")
    i = i[0]
    return float(h[i] + (h[i + 1] - h[i]) * (level - mx[i]) / (mx[i + 1] - mx[i]))


FOLD_EXPONENT = 2 / 3
"""The overshoot of a field ramped at rate R through a saddle-node (the depinning) grows
as ``R^(2/3)`` (the delay of a slow passage through a fold)."""


def extrapolate(rates, fields) -> tuple[float, float]:
    """``(h0, c)``: the least-squares fit ``h = h0 + c R^(2/3)`` (:data:`FOLD_EXPONENT`) of
    depinning `fields` (T) measured at ramp `rates` (T/ns, at least two distinct), so that
    ``h0`` estimates the quasi-static (R → 0) depinning field in T."""
    r = np.asarray(rates, dtype=float)
    h = np.asarray(fields, dtype=float)
    if r.ndim != 1 or r.shape != h.shape or np.unique(r).size < 2:
        raise ValueError("extrapolate needs fields at two or more distinct rates")
    check_real("rates (T/ns)", r, positive=True)
    check_real("fields (T)", h)
    X = np.stack([np.ones_like(r), r**FOLD_EXPONENT], axis=1)
    (h0, c), *_ = np.linalg.lstsq(X, h, rcond=None)
    return float(h0), float(c)


def run(
    case: str,
    rate: float = RATE,
    cell: float = CELL,
    *,
    field_step: float = 1e-3,
    chunk: float = 0.1,
    h_max: float | None = None,
    rtol: float = 1e-5,
    h_start: float | None = None,
    pinned_end: bool = False,
) -> dict:
    """Ramp μ0 H along +x at `rate` and return the depinning field.

    **Arguments:**

    - `case`: which parameters the soft phase changes, e.g. ``"A,K,Js"`` (see
      :func:`parse_case`; :data:`CASES` lists the paper's six).
    - `rate`: the ramp rate of μ0 H in T/ns (> 0).
    - `cell`: the cell edge along x in m (dividing 80 nm; the paper's is 1 nm).
    - `field_step`: μ0 H between saved states, in T (the detection interpolates between
      them).
    - `chunk`: the field in T covered by each call of :func:`jaxmag.simulate`; the ramp
      stops after the chunk in which the wall passed.
    - `h_max`: give up (a ``RuntimeError``) past this μ0 H in T; default μ0 H_K =
      2 μ0 K_hard / Js_hard, where the hard phase itself would reverse.
    - `rtol`: the integrator's tolerance (rtol = atol).
    - `h_start`: the bias μ0 H in T at which the start (:func:`initial_state`) is
      relaxed (:func:`jaxmag.minimise`) and the ramp begins; default
      :data:`START_FRACTION` × the analytic field.
    - `pinned_end`: hold the left end along +x (:class:`PinnedEnd`); default free.

    Returns ``hp_T`` (μ0 H in T as the hard phase's mean m_x crosses 0), ``analytic_T``,
    ``rel_err`` (``hp_T / analytic_T − 1``), ``rate_T_per_ns``, ``cell_nm``, ``t_s`` (the
    time of depinning), ``h_T`` and ``mx`` (the saved field and the wire's ⟨m_x⟩),
    ``rhs_evals`` and ``wall_s``.
    """
    parse_case(case)
    rate = _check_rate(rate)
    for name, v in (("field_step (T)", field_step), ("chunk (T)", chunk)):
        check_real(name, v, positive=True)
    if h_max is None:
        h_max = 2 * MU0 * HARD["K"] / HARD["Js"]
    check_real("h_max (T)", h_max, positive=True)
    analytic = analytic_depinning_field(case)
    if h_start is None:
        h_start = START_FRACTION * analytic
    check_real("h_start (T)", h_start, nonneg=True)
    t0 = time.perf_counter()
    sys_ = system(case, rate, cell, pinned_end=pinned_end)
    m = _relaxed_start(case, cell, h_start, pinned_end)
    per_ns = rate * 1e9  # T/s
    n_save = max(1, int(round(chunk / field_step)))
    hs, mxs = [h_start], [float(jnp.mean(m[0]))]
    level = 2 * DETECT_AT / LENGTH  # ⟨m_x⟩ with the wall at DETECT_AT
    evals, h0 = 0, h_start
    while True:
        h1 = h0 + chunk
        ts = np.linspace(h0, h1, n_save + 1)[1:] / per_ns
        traj = simulate(
            sys_, m, h1 / per_ns, t0=h0 / per_ns, ts=ts, rtol=rtol, atol=rtol,
            save_energies=False,
        )  # fmt: skip
        m = traj.m_final
        evals += int(traj.stats["rhs_evals"])
        hs.extend(np.asarray(traj.ts) * per_ns)
        mxs.extend(np.asarray(traj.m_avg)[:, 0])
        hp = depinning_field(hs, mxs, level)
        if not math.isnan(hp):
            break
        if h1 >= h_max:
            raise RuntimeError(
                f"pinning case {case!r}: the wall did not pass x = {DETECT_AT * 1e9:g} nm "
                f"by μ0H = {h1:.3g} T (h_max = {h_max:.3g} T)"
            )
        h0 = h1
    jax.block_until_ready(m)
    return {
        "case": case,
        "hp_T": hp,
        "analytic_T": analytic,
        "rel_err": hp / analytic - 1 if analytic > 0 else float("nan"),
        "rate_T_per_ns": rate,
        "h_start_T": h_start,
        "cell_nm": cell * 1e9,
        "t_s": (hp - h_start) / per_ns,
        "h_T": np.asarray(hs),
        "mx": np.asarray(mxs),
        "rhs_evals": evals,
        "wall_s": time.perf_counter() - t0,
    }


def _static_system(case: str, cell: float, h: float, pinned_end: bool) -> System:
    msh = mesh(cell)
    mat = material(case, cell).on(msh)
    extra = (PinnedEnd(msh, mat),) if pinned_end else ()
    H = np.array([h / MU0, 0.0, 0.0])
    return make_system(msh, mat, H=H, demag=False, extra_terms=extra)


def _relaxed_start(case: str, cell: float, h: float, pinned_end: bool = False):
    """:func:`initial_state` relaxed (minimised) at μ0 H = `h` (T) along +x."""
    from jaxmag.statics import minimise

    return minimise(_static_system(case, cell, h, pinned_end), initial_state(cell)).m


def quasi_static(
    case: str, cell: float = CELL, *, step: float = 0.02, tol: float = 1e-4,
    pinned_end: bool = False,
) -> dict:  # fmt: skip
    """The depinning field in the limit of a slow ramp, without dynamics: from the
    relaxed start at :data:`START_FRACTION` × H_p (analytic), μ0 H is raised in steps of
    `step` × the analytic field, the energy minimised at each (:func:`jaxmag.minimise`,
    from the previous state), until the wall has passed (⟨m_x⟩ > 1/2); the jump is then
    bracketed by bisection, continuing from the last pinned state, to `tol` T. Returns
    ``hp_T`` (the bracket's midpoint), ``bracket_T``, ``analytic_T``, ``rel_err`` and
    ``minimisations``."""
    from jaxmag.statics import minimise

    parse_case(case)
    check_real("step", step, positive=True)
    check_real("tol (T)", tol, positive=True)
    analytic = analytic_depinning_field(case)
    h_max = 2 * MU0 * HARD["K"] / HARD["Js"]
    h = START_FRACTION * analytic
    m = _relaxed_start(case, cell, h, pinned_end)
    level = 2 * DETECT_AT / LENGTH
    count = 1

    def relax(hh, m0):
        nonlocal count
        count += 1
        return minimise(_static_system(case, cell, hh, pinned_end), m0).m

    lo, hi = h, None
    while hi is None:
        h_next = lo + step * max(analytic, 0.05)
        if h_next > h_max:
            raise RuntimeError(f"pinning case {case!r}: no depinning below {h_max:.3g} T")
        m_next = relax(h_next, m)
        if float(jnp.mean(m_next[0])) > level:
            hi = h_next
        else:
            lo, m = h_next, m_next
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        m_mid = relax(mid, m)
        if float(jnp.mean(m_mid[0])) > level:
            hi = mid
        else:
            lo, m = mid, m_mid
    hp = 0.5 * (lo + hi)
    return {
        "case": case,
        "hp_T": hp,
        "bracket_T": [lo, hi],
        "analytic_T": analytic,
        "rel_err": hp / analytic - 1 if analytic > 0 else float("nan"),
        "cell_nm": cell * 1e9,
        "minimisations": count,
    }
