"""benchmarks/thermal.py --quick: runs in seconds and ends with one JSON object."""

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "thermal.py"


def test_thermal_benchmark_quick(tmp_path):
    out = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick"],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    f = json.loads(out.stdout.strip().splitlines()[-1])
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
