"""The switching MLP learns the reduced-unit pulse task from solver data."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxmag import thermal as ms
from jaxmag.ml.switching import design_matrix, train_mlp


def _auc(y, p):
    """Rank-based ROC AUC (Mann–Whitney), independent of scikit-learn."""
    y, p = np.asarray(y), np.asarray(p)
    order = np.argsort(p)
    ranks = np.empty(len(p))
    ranks[order] = np.arange(1, len(p) + 1)
    npos = y.sum()
    return (ranks[y == 1].sum() - npos * (npos + 1) / 2) / (npos * (len(y) - npos))


def test_mlp_learns_switching():
    f, y = ms.switching_dataset(jax.random.PRNGKey(0), 6000)
    X = design_matrix(f)
    model, hist = train_mlp(
        X[:4000],
        y[:4000],
        X[4000:5000],
        y[4000:5000],
        key=jax.random.PRNGKey(1),
        width=64,
        depth=2,
        batch=128,
        max_epochs=80,
    )
    auc = _auc(y[5000:], model.predict_proba(X[5000:]))
    assert auc > 0.97, auc
    assert min(hist["val"]) < hist["val"][0]


def test_design_matrix_checks_columns():
    with pytest.raises(ValueError, match="missing feature columns"):
        design_matrix({"h": jnp.ones(2), "psi_deg": jnp.ones(2), "alpha": jnp.ones(2)})
    X = design_matrix({"h": [1.0], "psi_deg": [30.0], "alpha": [0.1], "tau": [10.0]})
    np.testing.assert_allclose(X[0], [1.0, 30.0, np.log(0.1), np.log(10.0)])
