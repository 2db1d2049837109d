"""benchmarks/sp2.py --quick: one bar and a two-point sweep, each ending with one JSON object."""

import pytest

pytestmark = pytest.mark.slow  # a benchmark run: CI's slow set (.ci/run)


def test_sp2_benchmark_quick(bench, tmp_path):
    f = bench("sp2.py", "--quick").figures
    for key in ("m_remanent", "Hc_over_Ms", "Hs_over_Ms", "cells", "cell_lex", "field_steps"):
        assert key in f, key
    assert {"wall_s", "dtype", "device"} <= set(f) and f["dtype"] == "float64"
    assert f["cells"] == [5, 1, 1] and f["m_remanent"][0] > 0.99
    assert 0.05 < f["Hc_over_Ms"] <= f["Hs_over_Ms"] < 0.06
    assert abs(f["small_particle_limit_Hc_over_Ms"] - 0.057069478) < 1e-7


def test_sp2_benchmark_quick_sweep(bench, tmp_path):
    f = bench("sp2.py", "--quick", "--sweep", "--out", "s.csv").figures
    assert [r["d_lex"] for r in f["rows"]] == [0.5, 1.0]
    header = (tmp_path / "s.csv").read_text().splitlines()[0]
    assert header.startswith("d_lex,mx_rem,my_rem,mz_rem,Hc_over_Ms,Hs_over_Ms")
    assert (tmp_path / "s.png").stat().st_size > 1000
