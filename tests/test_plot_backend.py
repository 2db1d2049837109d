"""The library's plotting functions write files without choosing matplotlib's backend or
leaving figures in pyplot: in a notebook, a call that switched to Agg would stop every
later inline figure."""

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest

from jaxmag.ml.pinn._failure_map import plot_failure_map
from jaxmag.ml.switching import plot_roc
from jaxmag.plot import plot_hysteresis, plot_m_avg, plot_magnetisation_map, plot_sp2
from jaxmag.statics import Loop


@pytest.fixture
def svg_backend():
    before = matplotlib.get_backend()
    plt.close("all")
    matplotlib.use("svg")  # any backend other than Agg, standing in for a notebook's
    yield
    matplotlib.use(before)


def _calls(tmp_path):
    ts = np.linspace(0, 1e-9, 11)
    m = np.tile([1.0, 0.0, 0.0], (11, 1))
    yield plot_m_avg(tmp_path / "a.png", ts, m)
    mm = np.zeros((3, 4, 3, 1))
    mm[0] = 1.0
    yield plot_magnetisation_map(tmp_path / "b.png", mm, cell=(1e-9, 1e-9, 1e-9))
    yield plot_sp2(tmp_path / "c.png", [1, 2], [[1, 0, 0], [0.9, 0.1, 0]], [0.05, 0.04])
    B = np.linspace(-0.1, 0.1, 5)
    m_par = np.r_[np.ones(5), -np.ones(5)]
    loop = Loop(B=np.r_[B[::-1], B], m_par=m_par, m_avg=np.outer(m_par, [1.0, 0, 0]),
                converged=np.ones(10, bool), iterations=np.ones(10, int),
                max_torque=np.zeros(10), direction=np.array([1.0, 0, 0]),
                m=np.ones((3, 1, 1, 1)))  # fmt: skip
    yield plot_hysteresis(tmp_path / "d.png", loop)
    yield plot_roc(
        tmp_path / "e.png", np.array([0, 1, 0, 1]), {"m": np.array([0.1, 0.8, 0.3, 0.6])}
    )
    err = np.array([[1e-3, 2e-1], [5e-4, 1e-2]])
    yield plot_failure_map(tmp_path / "f.png", {"rel_l2": err, "h": [0.1, 0.2], "k": [1.0, 2.0],
                                                 "threshold": 0.1, "t_max": 1.0, "psi_deg": 30.0,
                                                 "alpha": 0.1})  # fmt: skip


def test_plotters_keep_the_backend_and_pyplot_clean(tmp_path, svg_backend):
    written = list(_calls(tmp_path))
    assert len(written) == 6
    for path in written:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", path
    assert matplotlib.get_backend() == "svg"
    assert plt.get_fignums() == []
