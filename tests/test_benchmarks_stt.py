"""benchmarks/stt.py: each case runs with --quick and ends with one JSON object.

(``tests/test_benchmarks.py`` runs the default case, sp5, with --quick.)
"""

import numpy as np
import pytest

pytestmark = pytest.mark.slow  # a benchmark run: CI's slow set (.ci/run)


@pytest.mark.parametrize("case", ["slonczewski", "wall"])
def test_stt_benchmark_quick(case, bench, tmp_path):
    csv = tmp_path / "m.csv"
    f = bench("stt.py", "--case", case, "--quick", "--out", str(csv)).figures
    assert f["case"] == case
    assert csv.read_text().splitlines()[0] == "t_s,mx,my,mz"
    if case == "slonczewski":
        for key in ("first_mx_zero_s", "oommf_first_mx_zero_s", "m_t1", "final_max_abs_diff"):
            assert key in f, key
        assert f["max_norm_dev"] <= 1e-12 and f["rhs_evals"] > 0
        # 16 x 8 cells over 0.1 ns: the C-state precesses as OOMMF's does (0.0098 here)
        assert f["final_max_abs_diff"] < 0.03
    else:
        assert len(f["rows"]) == 3
        for r in f["rows"]:
            # 0.2 ns on 2 nm cells: not yet steady, but moving along u at about u
            assert (
                r["below_walker"] and 0.5 * r["u_m_per_s"] < r["v_m_per_s"] < 2.5 * r["u_m_per_s"]
            )


def test_stt_benchmark_sp5_quick_figures(bench, tmp_path):
    f = bench("stt.py", "--case", "sp5", "--quick").figures
    np.testing.assert_allclose(f["u_m_per_s"], [-72.174, 0, 0], atol=1e-3)
    assert f["relax_converged"] and f["m_relaxed"][2] > 0.02  # a vortex, core along +z
    for key in ("max_abs_dm_vs_magnumnp", "max_abs_dm_vs_mumax2", "mx_min", "t_mx_min_s"):
        assert key in f, key
    assert max(f["max_abs_dm_vs_magnumnp"].values()) < 0.03  # 20 x 20 x 1, 0.1 ns: 0.007
