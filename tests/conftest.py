"""Test configuration: float64 everywhere.

Rank promotion is left at JAX's default: scalar fields ``(nx, ny, nz)`` broadcast against
vector fields ``(3, nx, ny, nz)`` throughout the library, by design.
"""

import jax

jax.config.update("jax_enable_x64", True)
