"""benchmarks/fmr.py --quick: the CSV, the PNG and one closing JSON object."""

import numpy as np
import pytest

from jaxmag.io import read_csv

pytestmark = pytest.mark.slow  # a benchmark run: CI's slow set (.ci/run)


def test_fmr_benchmark_quick(bench, tmp_path):
    run = bench("fmr.py", "--quick", "--out", "tmp.csv")
    assert any("main peaks" in line for line in run.lines)
    f = run.figures
    keys = {"peaks_GHz", "f1_GHz", "f2_GHz", "wall_s", "relax_s", "dynamics_s", "compile_s"}
    keys |= {"cells", "t1_s", "fwhm_GHz", "rhs_evals", "dtype", "device", "jax"}
    assert keys <= set(f), keys - set(f)
    assert f["dtype"] == "float64" and f["relax_converged"]
    assert f["peaks_GHz"] == [f["f1_GHz"], f["f2_GHz"]]
    assert abs(f["f1_GHz"] - 8.25) < 0.3  # 2 ns at 10 nm cells: bins of 0.5 GHz
    assert f["wall_s"] >= f["relax_s"] + f["dynamics_s"] > 0
    m = read_csv(tmp_path / "tmp.csv")
    assert list(m) == ["t_s", "mx", "my", "mz"]
    assert m["t_s"].size == round(f["t1_s"] / f["save_every_s"]) + 1
    norm = np.sqrt(m["mx"] ** 2 + m["my"] ** 2 + m["mz"] ** 2)  # of <m>: below 1, near it
    assert np.all((norm > 0.9) & (norm <= 1 + 1e-12))
    assert np.ptp(m["my"]) > 1e-3  # it rings
    assert f["png"] == "tmp.png"  # next to the CSV
    assert (tmp_path / "tmp.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
