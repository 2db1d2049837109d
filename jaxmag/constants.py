"""Physical constants (SI)."""

MU0: float = 1.25663706212e-6
"""Vacuum permeability μ0, in T m / A (= N / A²)."""

GAMMA_LL: float = 2.211e5
"""Gyromagnetic ratio in the Landau–Lifshitz form, γ0 = μ0 |γe|, in m / (A s)."""

MU_B: float = 9.2740100783e-24
"""Bohr magneton, in J / T."""

E_CHARGE: float = 1.602176634e-19
"""Elementary charge, in C."""

HBAR: float = 1.054571817e-34
"""Reduced Planck constant, in J s."""

K_B: float = 1.380649e-23
"""Boltzmann constant, in J / K."""
