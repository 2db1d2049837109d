"""benchmarks/sot.py --quick: every figure of the issue's SOT checks, at its target."""

import pytest

pytestmark = pytest.mark.slow  # a benchmark run: CI's slow set (.ci/run)


def test_sot_benchmark_quick(bench):
    f = bench("sot.py", "--quick").figures
    assert f["unit_field_rel_err"] < 1e-12
    assert f["unit_field_vs_quoted_abs_err_A_per_m"] <= 0.005  # quoted to 0.01 A/m
    assert f["slonczewski_map_rel_err"] < 1e-13
    assert f["tilt_deg_err_max"] < 0.01 and len(f["tilt"]) == 3
    for b in f["ramp_threshold_over_bk"].values():
        assert abs(b - 0.5) < 0.005  # ±1 % of B_K/2
    assert f["inplane_stable_at_0p9"] and f["inplane_switches_at_1p1"]
