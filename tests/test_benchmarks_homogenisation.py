"""benchmarks/homogenisation.py --quick ends with one JSON object holding the figures."""

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "homogenisation.py"


def test_homogenisation_benchmark_quick(tmp_path):
    out = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick"],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    f = json.loads(out.stdout.strip().splitlines()[-1])
    keys = (
        "r2_cnn",
        "r2_baselines",
        "inside_hs_bounds",
        "solver_laminate_rel_err",
        "solver_checkerboard_rel_err",
        "speedup",
        "unet_iou",
        "n_train",
        "n_test",
    )
    for k in keys:
        assert k in f, k
    assert f["solver_checkerboard_rel_err"] < 1e-6 and f["solver_laminate_rel_err"] < 1e-6
    assert f["inside_hs_bounds"] == 1.0 and f["n_train"] + f["n_test"] == 160
    assert set(f["r2_baselines"]) == {
        "maxwell_garnett",
        "bruggeman",
        "random_forest",
        "gradient_boosting",
    }
    assert 0.0 <= f["unet_iou"] <= 1.0 and f["speedup"] > 0
