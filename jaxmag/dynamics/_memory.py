"""``estimate_memory``: the memory a :func:`~jaxmag.simulate` run needs, before it runs.

The figures are counts of the arrays a run holds, with the solver's and the FFT's work
arrays calibrated against XLA's own buffer assignment (``compiled.memory_analysis()``:
arguments + outputs + temporaries) of :func:`~jaxmag.simulate`'s program, on 2D and 3D
meshes with and without demag, open and periodic, ``RK4FSAL``, ``Dopri5`` and
``Tsit5``: the estimate is within a few per cent of it (``tests/test_memory.py`` holds
it to a factor 1.5).
"""

import dataclasses
import math

import diffrax
import equinox as eqx
import jax
import numpy as np

from jaxmag._memory import check_fits, format_bytes
from jaxmag._mesh import Mesh
from jaxmag._system import System
from jaxmag._validate import check_int
from jaxmag.dynamics._rk import RK4FSAL
from jaxmag.dynamics._semi_implicit import SemiImplicitBDF2
from jaxmag.energy._demag import Demag, transform_size

SOLVER_STATES_PER_STAGE: int = 2
"""Vector fields ``(3, nx, ny, nz)`` per Runge–Kutta stage that the integration holds: the
stage itself and its share of the dense output and of the right-hand side's
temporaries."""

SOLVER_STATES_EXTRA: int = 4
"""Vector fields beyond the stages: the loop's state, the step's end point, its error
estimate and the projection. With :data:`SOLVER_STATES_PER_STAGE`, XLA's temporaries
of a run without demag measured 41.6 floats per cell with ``RK4FSAL`` (5 stages;
counted 42) and 53.6 with ``Dopri5`` (7 stages; counted 54) on 64 × 64 × 1."""

SEMI_IMPLICIT_STAGES: int = 9
"""Stage-equivalents of :class:`~jaxmag.SemiImplicitBDF2` (two past states, the
extrapolated and predicted states, the linear system's right-hand side, residual and
iterate, the preconditioner's transformed fields, the lineax solve's copies), fitted to
XLA's allocation: estimate/XLA = 0.99 on 64 × 64 × 1 and 128 × 128 × 1, 0.84 on
32 × 32 × 8."""

FFT_BUFFERS: float = 3.7
"""Transformed vector fields (complex, ``3 × transform_size``) that the demag field's
FFTs hold at once: measured 3.4 to 3.5 on 2D meshes, 3.8 on 3D ones (XLA's
temporaries with demag less those without, on 64 × 64 × 1 to 128 × 128 × 1,
100 × 30 × 1, 16³, 32 × 32 × 8, 64 × 64 × 4 and periodic meshes)."""

FLOATS_PER_SAVE: int = 7
"""Floats per save time besides the energies: the time (in and out), ⟨m⟩ (3), the norm
deviation and one temporary."""


@dataclasses.dataclass(frozen=True)
class MemoryEstimate:
    """The memory a run needs, in bytes, by what holds it (see :func:`estimate_memory`).

    - `state`: the initial and the final magnetisation.
    - `parameters`: the per-cell arrays of the terms, torques and material the run
      reads (``Ms``, ``alpha``, exchange coefficients, applied fields, ...).
    - `demag_kernel`: the transformed Newell tensor on the device (six real arrays of
      the padded grid's transform).
    - `fft_buffers`: the demag field's transformed magnetisation and field (complex).
    - `solver`: the Runge–Kutta stages, dense output, error estimate and the
      right-hand side's temporaries.
    - `saved`: the save times, ⟨m⟩, norm deviations and energies.
    - `snapshots`: the saved magnetisations.
    - `host`: the demag kernel's float64 copy cached on the host.
    """

    state: int
    parameters: int
    demag_kernel: int
    fft_buffers: int
    solver: int
    saved: int
    snapshots: int
    host: int
    ncells: int
    saves: int
    n_snapshots: int
    dtype: str

    @property
    def device(self) -> int:
        """Bytes on the device (JAX's arrays): everything but `host`."""
        return self.total - self.host

    @property
    def total(self) -> int:
        """Bytes in all (device and host)."""
        return sum(getattr(self, k) for k in _PARTS)

    def largest(self) -> str:
        """The name of the largest part."""
        return max(_PARTS, key=lambda k: getattr(self, k))

    def __str__(self) -> str:
        head = (
            f"memory estimate for {self.ncells:.6g} cells ({self.dtype}), {self.saves:.6g} "
            f"save times, {self.n_snapshots:.6g} snapshots: {format_bytes(self.total)}"
        )
        rows = [f"  {k:<13}{format_bytes(getattr(self, k)):>12}" for k in _PARTS]
        return "\n".join([head, *rows])


_PARTS = ("state", "parameters", "demag_kernel", "fft_buffers", "solver", "saved")
_PARTS = (*_PARTS, "snapshots", "host")

_ADVICE = {
    "saved": "save fewer times (a larger save_every, or fewer ts)",
    "snapshots": "keep fewer snapshots (snapshots=False, or fewer snapshot times)",
}
_GENERAL = "use fewer (larger) cells or float32 (jax_enable_x64 off)"


def _stage_count(solver) -> int:
    """Stage arrays of an explicit Runge–Kutta solver (1 for a solver without a tableau)."""
    inner = getattr(solver, "solver", solver)  # ProjectedSolver
    if isinstance(inner, SemiImplicitBDF2):
        return SEMI_IMPLICIT_STAGES
    tab = getattr(inner, "tableau", None)
    return 1 if tab is None else len(tab.c) + 1


def estimate_memory(
    system: System | Mesh,
    *,
    saves: int = 101,
    snapshots: int = 0,
    solver: diffrax.AbstractSolver | None = None,
    demag: bool = True,
    energies: int | None = None,
    dtype=None,
) -> MemoryEstimate:
    """The memory in bytes that :func:`~jaxmag.simulate` needs (an estimate, within a
    factor 1.5 of XLA's buffer assignment; see :mod:`jaxmag.dynamics`), without
    building or compiling anything. :func:`~jaxmag.simulate` refuses a run whose
    estimate exceeds :func:`~jaxmag.available_memory`.

    **Arguments:**

    - `system`: the :class:`~jaxmag.System` (its terms, torques and demag kernels are
      counted), or a :class:`~jaxmag.Mesh` (then a system of exchange, demag if
      `demag`, and a per-cell ``Ms`` and ``alpha``).
    - `saves`: the number of save times (101 by default, as :func:`simulate` saves).
    - `snapshots`: the number of saved magnetisations (0: none).
    - `solver`: the diffrax solver (default :class:`~jaxmag.RK4FSAL`); its stage count
      matters.
    - `demag`: with a mesh, whether the system has demag (ignored for a system).
    - `energies`: energies saved per save time (default: one per term; 0 with
      ``save_energies=False``).
    - `dtype`: the float dtype of the run (default JAX's: float64 with x64 on).

    Returns a :class:`MemoryEstimate` (bytes by part; ``.total``, and ``print`` it).
    """
    if isinstance(system, System):
        mesh = system.mesh
    elif isinstance(system, Mesh):
        mesh = system
    else:
        raise TypeError(f"estimate_memory needs a System or a Mesh, got {system!r}")
    saves = check_int("saves", saves)
    snapshots = check_int("snapshots", snapshots, minimum=0)
    solver = RK4FSAL() if solver is None else solver
    if not isinstance(solver, diffrax.AbstractSolver):
        raise TypeError(f"solver must be a diffrax solver, got {solver!r}")
    if not isinstance(demag, bool | np.bool_):
        raise TypeError(f"demag must be True or False, got {demag!r}")
    dtype = jax.dtypes.canonicalize_dtype(float if dtype is None else dtype)
    if not np.issubdtype(dtype, np.floating):
        raise TypeError(f"dtype must be a float dtype, got {dtype}")
    f = np.dtype(dtype).itemsize
    N = mesh.ncells
    state = 3 * N * f
    if isinstance(system, System):
        kernels = [t for t in system.terms if isinstance(t, Demag)]
        n_terms = len(system.terms)
        leaves = jax.tree.leaves(
            (
                [t.Ms for t in kernels],  # the kernel is counted on its own
                [t for t in system.terms if not isinstance(t, Demag)],
                system.torques,
                system.material.Ms,
                system.material.alpha,
            )
        )
        unique = {id(x): x for x in leaves if eqx.is_array(x)}
        parameters = sum(math.prod(x.shape) * f for x in unique.values())
        kernel = sum(math.prod(t.kernel.shape) for t in kernels)
        transforms = len(kernels) * transform_size(mesh.n, mesh.pbc)
    else:
        n_terms = 1 + demag
        parameters = 6 * N * f  # exchange (3 faces + 1/(μ0 Ms)), Ms, alpha
        transforms = demag * transform_size(mesh.n, mesh.pbc)
        kernel = 6 * transforms
    energies = n_terms if energies is None else check_int("energies", energies, minimum=0)
    stages = _stage_count(solver)
    return MemoryEstimate(
        state=2 * state,
        parameters=int(parameters),
        demag_kernel=int(kernel * f),
        fft_buffers=int(FFT_BUFFERS * 6 * transforms * f),
        solver=(SOLVER_STATES_PER_STAGE * stages + SOLVER_STATES_EXTRA) * state,
        saved=saves * (FLOATS_PER_SAVE + energies) * f,
        snapshots=snapshots * (state + f),
        host=int(kernel * 8),
        ncells=N,
        saves=saves,
        n_snapshots=snapshots,
        dtype=np.dtype(dtype).name,
    )


def check_run_fits(estimate: MemoryEstimate) -> None:
    """Refuse (:class:`~jaxmag.InsufficientMemoryError`) a run whose `estimate` exceeds the
    free memory, naming its largest part and what to change."""
    part = estimate.largest()
    advice = _ADVICE.get(part, _GENERAL)
    what = (
        f"This run ({estimate.ncells:.6g} cells, {estimate.saves:.6g} save times, "
        f"{estimate.n_snapshots:.6g} snapshots; {part.replace('_', ' ')} "
        f"{format_bytes(getattr(estimate, part))})"
    )
    check_fits(estimate.total, what, advice + " (see jaxmag.estimate_memory)")
