"""benchmarks/afm.py --quick: antiferromagnetic resonance against Kittel, N = 1 against
the ferromagnet."""

import pytest

pytestmark = pytest.mark.slow  # a benchmark run: CI's slow set (.ci/run)


def test_afm_benchmark_quick(bench):
    from test_benchmarks import REQUIRED

    f = bench("afm.py", "--quick").figures
    assert set(REQUIRED["afm.py"]) <= set(f)
    assert f["afmr_case1_rel_err"] < 0.01 and f["afmr_case2_rel_err"] < 0.01
    assert f["afmr_split_rel_err"] < 0.01
    assert [r["B0_T"] for r in f["afmr_case1"]] == [0.0, 2.0, 4.0]
    assert all(r["collinear"] and r["rel_err"] < 0.01 for r in f["afmr_case1"])
    assert f["n1_sp4_unchanged"] and f["n1_sp4"]["max_abs_dm"] < 1e-9
    assert f["dispersion_max_rel_err"] < 0.03  # mumax+'s protocol: in units of f_max = 50 THz
    assert f["wall_width_rel_err"] < 0.005 and f["wall_speed_rel_err"] < 0.005
    fe = f["ferrimagnet"]  # the branches split by the net moment, at the linearised LLG's
    assert fe["ferri_rel_err"] < 0.005 and fe["split_GHz"] > 50 and fe["relax_converged"]
    assert f["ferri_wall_fastest_at_compensation"]  # the speed peaks where δs = 0
