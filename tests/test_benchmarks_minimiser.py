"""benchmarks/minimiser.py --quick: the BB minimiser's iterations on SP2, SP3 and SP4."""

import pytest

pytestmark = pytest.mark.slow  # a benchmark run: CI's slow set (.ci/run)


def test_minimiser_benchmark_quick(bench):
    f = bench("minimiser.py", "--quick").figures
    for key in ("relaxations", "iterations", "wall_min_s", "dtype", "device", "jax"):
        assert key in f, key
    rows = {r["name"]: r for r in f["relaxations"]}
    assert set(rows) == set(f["iterations"]) == set(f["wall_min_s"])
    assert "sp4 50x13x1" in rows
    for name, r in rows.items():
        assert r["iterations"] > 0 and r["wall"]["min"] > 0, name
        if "converged" in r:  # one relaxation each: SP4, SP3
            assert r["converged"] and r["reason"] == 0 and r["max_torque"] < 1e-7, name
        if name.startswith("sp3"):
            assert r["state"] == name.split()[1], name  # the flower stays a flower
        if name.startswith("sp2 d="):
            assert r["unconverged_steps"] == 0
            assert r["Hc_over_Ms"] == pytest.approx(0.0569, abs=1e-3)
    sweep = rows["sp2 sweep tau0=1e-2 d=1 cells=5x1x1"]
    # The switching step (m_par jumps from < 0 to > 0) leaves an unstable state: with
    # tau0 = 1e-2 as the fallback step it took 6854 iterations; doubling, 123.
    assert sweep["m_par"][5] < 0 < sweep["m_par"][6]
    assert max(sweep["iterations_per_step"]) < 500 and sweep["unconverged_steps"] == 0
