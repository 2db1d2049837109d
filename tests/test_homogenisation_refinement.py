"""The ground truth's own error: refinement and primal–dual spread (``refinement_check``)
against maps whose continuum value is known."""

import numpy as np
import pytest

from jaxmag.ml.homogenisation import effective_permeability, refinement_check, two_phase
from jaxmag.ml.homogenisation._refinement import upsample

N = 8
_i = np.arange(N)
_x = _i + 0.5 - N / 2
LAMINATE = np.broadcast_to((_i % 4 < 1)[:, None], (N, N))
BOARD = (_i[:, None] < N // 2) ^ (_i[None, :] < N // 2)
DISC = _x[:, None] ** 2 + _x[None, :] ** 2 < (0.4 * N) ** 2  # an octagon, not a square


@pytest.fixture(scope="module")
def checked():
    maps = np.stack([LAMINATE, BOARD, DISC])
    return refinement_check(maps, np.array([50.0, 50.0, 100.0]), factor=2, verbose=False)


def test_exact_maps_show_no_refinement_error_but_the_checkerboard_a_spread(checked):
    """A laminate is exact for each network at every resolution (refinement and spread
    ~0); a checkerboard is exact only for their geometric mean, so its refinement error
    is ~0 while the two networks disagree widely."""
    assert checked["refine_rel"][0] < 1e-10 and checked["spread_rel"][0] < 1e-10
    assert checked["refine_rel"][1] < 1e-10
    np.testing.assert_allclose(checked["fine"][1], np.sqrt(50.0) * np.eye(2), atol=1e-8)
    assert checked["spread_rel"][1] > 0.1  # primal low, dual high: the estimate is loose here


def test_a_disc_converges_and_the_spread_covers_the_refinement_error(checked):
    """A disc's tensor changes under refinement; the coarse tensor is the solver's own
    answer, the networks bracket it, and the spread is larger than the refinement error."""
    np.testing.assert_allclose(
        checked["coarse"][2],
        np.asarray(effective_permeability(two_phase(DISC, 100.0))),
        rtol=1e-10,
    )
    assert 1e-5 < checked["refine_rel"][2] < checked["spread_rel"][2]
    p, d, m = (checked[k][2, 0, 0] for k in ("primal", "dual", "coarse"))
    assert p < m < d


def test_upsample_and_bad_input():
    a = np.array([[True, False], [False, False]])
    np.testing.assert_array_equal(upsample(a, 2)[:2, :2], True)
    assert upsample(a, 3).shape == (6, 6) and upsample(a, 3).sum() == 9
    with pytest.raises(ValueError, match="boolean maps"):
        refinement_check(np.zeros((1, 4, 4)), np.array([2.0]))
    with pytest.raises(ValueError, match="factor"):
        refinement_check(np.zeros((1, 4, 4), bool), np.array([2.0]), factor=1)
    with pytest.raises(ValueError, match="contrasts"):
        refinement_check(np.zeros((1, 4, 4), bool), np.array([-2.0]))
