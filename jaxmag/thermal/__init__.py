"""Temperature: the stochastic Landau–Lifshitz–Gilbert equation (Brown's thermal field).

**The thermal field.** Brown (Phys. Rev. 130, 1677 (1963)) adds to the effective field of
each cell a Gaussian random field ``H_th``, white in time and uncorrelated between cells
and components, ``<H_th,i(t) H_th,j(t')> = D² δ_ij δ(t - t')``. The fluctuation–
dissipation theorem fixes its strength so that the Boltzmann distribution
``∝ exp(-E / k_B T)`` is stationary. jaxmag integrates the Landau–Lifshitz form

    ``dm/dt = -γ/(1+α²) [m × H + α m × (m × H)]``,

which is the Gilbert equation ``dm/dt = -γ m × H + α m × dm/dt`` solved for ``dm/dt``,
with the *same* ``γ`` (m/(A s)). Adding ``H_th`` to ``H`` in the Gilbert equation (as
Brown and García-Palacios & Lázaro, PRB 58, 14937 (1998), eqs. (2.5)–(2.8), do) puts it
into both terms of the LL form, with the Gilbert result

    ``D² = 2 α k_B T / (γ μ0 Ms V)``   (A²/m² · s),

``V`` the cell (particle) volume, ``Ms`` and ``α`` per cell. (In García-Palacios &
Lázaro's notation ``D = λ k_B T / (γ m)`` with ``<H H> = 2 D δ``, ``m = μ0 Ms V`` the
moment in their field units, ``λ = α``.) The reduced form of :mod:`jaxmag.thermal`,
``<h h> = (α/Δ) δ(s)``, is the same formula. The Boltzmann tests of
``tests/test_thermal.py`` check it (Langevin function, ``exp(σ m_z²)``, equipartition).

**The SDE.** ``dm = f(m) dt + g(m) ∘ dW`` in the Stratonovich sense, where ``f`` is the
deterministic LLG (:func:`jaxmag.llg_rhs`) and ``g(m) dW = -γ/(1+α²) [m × D dW
+ α m × (m × D dW)]`` the LL operator applied to the thermal field. It is built from
diffrax terms, ``MultiTerm(ODETerm(f), ControlTerm(g, brownian))``. The noise is
multiplicative and non-commutative: strong order 1/2 and weak order 1 at best.

**Which solvers.** The Itô and Stratonovich readings differ by the noise-induced drift
``½ Σ (g·∇)g``, which for this ``g`` is purely radial (``∝ -m``, it keeps ``|m| = 1``
in the Stratonovich calculus). Projecting onto ``|m| = 1`` after each step
(:class:`~jaxmag.ProjectedSolver`) removes radial errors, so every *Stratonovich*
solver of diffrax converges, under projection, to the Stratonovich solution:
``Heun`` (2 drift evaluations per step, weak order 1, tested: slope ≥ 1),
``EulerHeun`` (1 drift evaluation per step: the cheap choice when the demag FFT
dominates; tested pathwise), ``Midpoint``, and ``SPaRK`` (uses space–time Lévy area;
adaptive; tested pathwise, fixed and adaptive). ``ReversibleHeun`` is refused (its cached
vector field cannot hold the matrix-free diffusion operator in diffrax 0.7).
An Itô solver (``Euler`` = Euler–Maruyama) converges to the Itô solution,
whose tangential drift differs, so it is refused here; an unprojected Euler–Maruyama
run drifts off the sphere and has the wrong equilibrium (tested).

**Brownian paths.** Keys are explicit. ``VirtualBrownianTree`` (the default of
:func:`simulate_thermal`) gives a path that is a function of the key alone, so the same
key gives the same path at any step size, fixed or adaptive (its resolution is a
power-of-two fraction of the run). ``UnsafeBrownianPath`` draws each increment from
``(key, t0, t1)``: exactly repeatable at a fixed step, fast, but not consistent across
step sizes, and unusable with adaptive steps.

**Macrospins.** :func:`macrospin_sde` integrates a batch of independent particles with
the state ``(3, B)`` (components first) in a ``lax.scan`` of fixed steps; its default
``"heun"`` is a hand-written projected Heun step, identical to ``ProjectedSolver(Heun())``
on the same ``UnsafeBrownianPath`` increments (tested). Both reach ~1.3–1.4e7
replica·steps/s on 2 CPU cores in float64 (B = 1e4 … 1e5, 1000 steps); the hand-written
step draws its noise in blocks of steps (``brownian="block"``), which keeps the random
number generation out of the fused step. :func:`macrospin_sde_coupled` runs the same
step at ``h`` and ``2h`` on one Brownian path (the coarse run sums pairs of the fine
increments), so that Heun's ``O(h)`` weak error can be cancelled by Talay–Tubaro
extrapolation at little statistical cost (``benchmarks/thermal.py`` does this for the
escape rates).

**Layout.** :mod:`.field` (the strength ``D``, temperature and solver checks),
:mod:`.macrospin` (:func:`macrospin_sde`, :func:`macrospin_sde_coupled`), :mod:`.grid`
(:func:`simulate_thermal`).
"""

from ._field import (
    check_solver as check_solver,
)
from ._field import (
    check_temperature as check_temperature,
)
from ._field import (
    thermal_field_strength as thermal_field_strength,
)
from ._grid import (
    simulate_thermal as simulate_thermal,
)
from ._macrospin import (
    NOISE_CHUNK_BYTES as NOISE_CHUNK_BYTES,
)
from ._macrospin import (
    macrospin_sde as macrospin_sde,
)
from ._macrospin import (
    macrospin_sde_coupled as macrospin_sde_coupled,
)
from ._pulses import (
    ALPHA_RANGE as ALPHA_RANGE,
)
from ._pulses import (
    H_RANGE as H_RANGE,
)
from ._pulses import (
    PSI_DEG_RANGE as PSI_DEG_RANGE,
)
from ._pulses import (
    TAU_RANGE as TAU_RANGE,
)
from ._pulses import (
    TILT_DEG as TILT_DEG,
)
from ._pulses import (
    pulse_field as pulse_field,
)
from ._pulses import (
    reduced_rhs as reduced_rhs,
)
from ._pulses import (
    sample_features as sample_features,
)
from ._pulses import (
    simulate_pulses as simulate_pulses,
)
from ._pulses import (
    switching_dataset as switching_dataset,
)
from ._pulses import (
    switching_labels as switching_labels,
)
from ._pulses import (
    thermal_stability as thermal_stability,
)
from ._pulses import (
    to_si as to_si,
)
from ._theory import (
    brown_asymptotic as brown_asymptotic,
)
from ._theory import (
    brown_eigenvalues as brown_eigenvalues,
)
from ._theory import (
    brown_lambda1 as brown_lambda1,
)
from ._theory import (
    brown_lambda1_fd as brown_lambda1_fd,
)
from ._theory import (
    langevin as langevin,
)
from ._theory import (
    neel_time as neel_time,
)
from ._theory import (
    uniaxial_bin_probabilities as uniaxial_bin_probabilities,
)
from ._theory import (
    uniaxial_mz2 as uniaxial_mz2,
)
from ._theory import (
    uniaxial_mz_pdf as uniaxial_mz_pdf,
)

__all__ = [
    "ALPHA_RANGE",
    "H_RANGE",
    "NOISE_CHUNK_BYTES",
    "PSI_DEG_RANGE",
    "TAU_RANGE",
    "TILT_DEG",
    "brown_asymptotic",
    "brown_eigenvalues",
    "brown_lambda1",
    "brown_lambda1_fd",
    "check_solver",
    "check_temperature",
    "langevin",
    "macrospin_sde",
    "macrospin_sde_coupled",
    "neel_time",
    "pulse_field",
    "reduced_rhs",
    "sample_features",
    "simulate_pulses",
    "simulate_thermal",
    "switching_dataset",
    "switching_labels",
    "thermal_field_strength",
    "thermal_stability",
    "to_si",
    "uniaxial_bin_probabilities",
    "uniaxial_mz2",
    "uniaxial_mz_pdf",
]
