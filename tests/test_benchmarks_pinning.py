"""benchmarks/pinning.py: the six depinning cases, ramped at 0.1 and 0.05 T/ns (--quick)."""

import pytest

pytestmark = pytest.mark.slow  # a benchmark run: CI's slow set (.ci/run)

ANALYTIC_T = {"A,K,Js": 1.568, "A,K": 1.089, "A,Js": 1.206, "A": 0.838, "K,Js": 1.005, "K": 0.565}


def test_pinning_benchmark_quick(bench):
    f = bench("pinning.py", "--quick").figures
    assert "max_rel_err" in f and f["rate_T_per_ns"] == 0.05
    assert [c["name"] for c in f["cases"]] == list(ANALYTIC_T)
    assert [c["rate_T_per_ns"] for c in f["convergence"]] == [0.1, 0.05]
    for c in f["cases"]:
        assert abs(c["analytic_T"] - ANALYTIC_T[c["name"]]) < 1e-3
        # quick bound: at 0.05 T/ns the ramp overshoots by 1.6 … 4.7 % (the 2 % target is
        # for the quasi-static field, below); a slower ramp overshoots less
        assert 0 < c["rel_err"] < 0.06, c
        assert 0 < c["hp_by_rate_T"]["0.05"] < c["hp_by_rate_T"]["0.1"], c
        # extrapolated to R -> 0 (h0 + c R^(2/3)): within 2 %, except where 1 nm cells
        # under-resolve the soft wall of sqrt(A/K) = 1.6 nm (A,Js: +3.0 %; 0.5 nm cells
        # bring it within 1 %, see docs/validation.md)
        bound = 0.035 if c["name"] == "A,Js" else 0.02
        assert abs(c["rel_err_extrapolated"]) < bound, c
    assert f["max_rel_err"] == max(abs(c["rel_err"]) for c in f["cases"])
