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
        # the quasi-static field (R -> 0, by minimisation) at 1 nm: within 2 %, except
        # where 1 nm cells under-resolve the soft wall of sqrt(A/K) = 1.6 nm (A: +2.1 %,
        # A,Js: +3.2 %; 0.5 nm cells bring all six within 0.6 %: docs/validation.md)
        bound = {"A,Js": 0.035, "A": 0.025}.get(c["name"], 0.02)
        assert 0 < c["rel_err_static"] < bound, c
        # the ramp extrapolated to R -> 0 (h0 + c R^(2/3)) meets the quasi-static field
        assert abs(c["hp_extrapolated_T"] - c["hp_static_T"]) < 0.01 * c["analytic_T"], c
    assert f["max_rel_err"] == max(abs(c["rel_err"]) for c in f["cases"])
