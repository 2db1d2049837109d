"""benchmarks/sp3.py --quick: runs in seconds and ends with one JSON object."""

import pytest

pytestmark = pytest.mark.slow  # a benchmark run: CI's slow set (.ci/run)


def test_sp3_benchmark_quick(bench, tmp_path):
    png = tmp_path / "sp3.png"
    f = bench("sp3.py", "--quick", "--png", str(png)).figures
    for key in (
        "L_crit_over_lex", "cells_per_edge", "energies", "anisotropy_convention",
        "convergence", "wall_s", "compile_s", "dtype", "device", "jax",
    ):  # fmt: skip
        assert key in f, key
    assert f["dtype"] == "float64" and f["cells_per_edge"] == 6
    assert "1 - (m.u)^2" in f["anisotropy_convention"]
    assert 8.0 < f["L_crit_over_lex"] < 8.6  # 6³ cells: below the converged 8.47
    e = f["energies"]
    assert set(e) == {"flower", "vortex"}
    for state in e.values():
        assert set(state) == {"demag", "exchange", "anisotropy", "total"}
        parts = state["demag"] + state["exchange"] + state["anisotropy"]
        assert state["total"] == pytest.approx(parts)
        assert 0.28 < state["total"] < 0.33
    # equal energies at L_c, to within what xtol = 1e-2 allows (dE/dL ~ 0.04 per l_ex)
    assert abs(e["flower"]["total"] - e["vortex"]["total"]) < 1e-3
    assert e["flower"]["demag"] > 0.25 > e["vortex"]["demag"]
    assert e["vortex"]["exchange"] > 0.13 > e["flower"]["exchange"]
    conv = {r["N"]: r["L_crit_over_lex"] for r in f["convergence"]}
    assert set(conv) == {4, 6}
    assert conv[6] == f["L_crit_over_lex"]
    assert 7.5 < conv[4] < conv[6]  # coarser grids cross earlier
    assert f["wall_s"] > 0 and f["compile_s"] > 0
    assert png.stat().st_size > 1000
