"""The DCT/FFT-diagonalised exchange Laplacian (dynamics/_dct.py) against the exchange
stencil and a dense solve."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxmag as jm
from jaxmag.constants import MU0
from jaxmag.dynamics._dct import laplacian_eigenvalues, solve_shifted_laplacian


@pytest.mark.parametrize("pbc", [(0, 0, 0), (1, 0, 0), (1, 1, 0)])
def test_solve_inverts_the_exchange_stencil(pbc):
    mesh = jm.Mesh((6, 5, 3), (2e-9, 3e-9, 4e-9), pbc=pbc)
    Ms, A = 8e5, 1.3e-11
    ex = jm.Exchange(mesh, jm.Material(Ms=Ms, A=A))

    def lap(v):  # Δ_h v (1/m²) from the exchange field H = (2A/(μ0 Ms)) Δ_h v
        return ex.field(v) * MU0 * Ms / (2 * A)

    r = jax.random.normal(jax.random.PRNGKey(0), (3, *mesh.shape))
    a, b = 2.0, 3e-18
    x = solve_shifted_laplacian(r, mesh, a, b)
    np.testing.assert_allclose(a * x - b * lap(x), r, rtol=1e-10, atol=1e-10)


def test_eigenvalues_are_the_dense_matrix_spectrum():
    mesh = jm.Mesh((5, 4, 1), (1e-9, 2e-9, 1e-9), pbc=(0, 1, 0))
    ex = jm.Exchange(mesh, jm.Material(Ms=1.0, A=1.0))
    n = int(np.prod(mesh.shape))
    basis = jnp.eye(n).reshape(n, *mesh.shape)
    cols = jax.vmap(lambda e: ex.field(jnp.stack([e, 0 * e, 0 * e]))[0].reshape(-1))(basis)
    L = -np.asarray(cols).T * MU0 / 2  # −Δ_h as a matrix
    want = np.sort(np.linalg.eigvalsh(0.5 * (L + L.T)))
    np.testing.assert_allclose(np.sort(laplacian_eigenvalues(mesh).reshape(-1)), want,
                               rtol=1e-9, atol=1e-9 * want.max())  # fmt: skip


def test_bad_shift():
    mesh = jm.Mesh((2, 2, 1), (1e-9,) * 3)
    with pytest.raises(ValueError, match="a"):
        solve_shifted_laplacian(jnp.ones((2, 2, 1)), mesh, 0.0, 1.0)
