"""µMAG standard problem 4 against OOMMF (tests/data/sp4_oommf_field1_m.csv).

Coarse (100 × 25 × 1 cells of 5 nm) and short (0.2 ns), so that it runs in seconds: the
discretisation error at 5 nm is a few 1e-3 in ⟨m⟩ before the switching. The full
200 × 50 × 1, 1 ns comparison is the benchmark `benchmarks/sp4.py` (and a slow test).
"""

from pathlib import Path

import numpy as np
import pytest

from jaxmag.io import read_csv
from jaxmag.problems import sp4

DATA = Path(__file__).parent / "data" / "sp4_oommf_field1_m.csv"


@pytest.fixture(scope="module")
def reference():
    return read_csv(DATA)


def test_packaged_reference_is_the_test_reference(reference):
    packaged = sp4.oommf_reference()
    for k in ("t_s", "mx", "my", "mz"):
        np.testing.assert_array_equal(packaged[k], reference[k])


def test_sp4_coarse_first_200ps(reference):
    r = sp4.run(sp4.FIELD1_MT, (100, 25, 1), t1=2e-10, save_every=1e-12)
    # the published relaxed s-state, (0.9669, 0.1253, 0)
    np.testing.assert_allclose(r["m_relaxed"], [0.9669, 0.1253, 0.0], atol=2e-3)
    assert bool(r["relaxed"].converged)
    err = sp4.compare_oommf(r["ts"], r["m_avg"])
    assert err["mx"] < 0.01 and err["my"] < 0.01 and err["mz"] < 0.005, err
    # the first zero of <mx>, 0.1385 ns in OOMMF's run
    assert abs(r["first_mx_zero_s"] - sp4.first_zero(reference["t_s"], reference["mx"])) < 1e-12
    assert float(r["trajectory"].max_norm_dev) <= 1e-12


@pytest.mark.slow
def test_sp4_full_field1(reference):
    """Acceptance case 1: 200 × 50 × 1 cells, 1 ns."""
    r = sp4.run(sp4.FIELD1_MT, (200, 50, 1), t1=1e-9, save_every=1e-12)
    np.testing.assert_allclose(r["m_relaxed"], [0.9669, 0.1253, 0.0], atol=2e-3)
    assert sp4.compare_oommf(r["ts"], r["m_avg"])["my"] <= 0.02
    assert abs(r["first_mx_zero_s"] - 0.1385e-9) <= 3e-12
    assert float(r["trajectory"].max_norm_dev) <= 1e-12


def test_first_zero():
    ts = np.linspace(0, 1, 11)
    assert sp4.first_zero(ts, 0.55 - ts) == pytest.approx(0.55)
    assert np.isnan(sp4.first_zero(ts, ts + 1))
