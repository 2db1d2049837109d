"""benchmarks/thermal.py --quick: runs in seconds and ends with one JSON object."""

import pytest

pytestmark = pytest.mark.slow  # a benchmark run: CI's slow set (.ci/run)


def test_thermal_benchmark_quick(bench, tmp_path):
    f = bench("thermal.py", "--quick").figures
    for key in ("langevin", "escape", "weak_order", "replica_steps_per_s", "device", "dtype"):
        assert key in f, key
    assert f["dtype"] == "float64"
    for r in f["langevin"]:
        assert {"xi", "m_par", "stderr", "theory", "z", "replicas"} <= set(r)
        assert r["stderr"] > 0 and abs(r["z"]) < 5  # 256 replicas: loose, a smoke run
    for r in f["uniaxial"]:
        assert {"sigma", "mz2", "stderr", "exact", "histogram_p", "replicas"} <= set(r)
        assert r["stderr"] > 0 and abs(r["mz2"] - r["exact"]) < 5 * r["stderr"]
    for r in f["escape"]:
        assert {"sigma", "h", "alpha", "lambda1_tauN", "stderr", "exact", "asymptotic"} <= set(r)
        assert {"rel_err_exact", "replicas"} <= set(r)
        assert r["stderr"] > 0 and abs(r["lambda1_tauN"] - r["exact"]) < 5 * r["stderr"]
    assert len(f["weak_order"]["points"]) >= 2 and "slope" in f["weak_order"]
    assert f["replica_steps_per_s"] > 0
