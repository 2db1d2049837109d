"""Every benchmark script runs with --quick and ends with one JSON object."""

from pathlib import Path

import numpy as np
import pytest
from helpers import BENCHMARKS as BENCH

SCRIPTS = sorted(p for p in BENCH.glob("*.py") if not p.name.startswith("_"))
DEDICATED = {
    p.stem.removeprefix("test_benchmarks_")
    for p in Path(__file__).parent.glob("test_benchmarks_*.py")
}
"""Scripts whose --quick runs are tested, with their figures, in ``test_benchmarks_<name>.py``."""
OWN_TEST = {"sp4.py"}
"""Scripts whose --quick run is a test of its own below (one run, not two)."""


def test_there_are_benchmarks():
    assert SCRIPTS


REQUIRED = {
    "switching.py": (
        "n_train",
        "n_test",
        "pos_fraction",
        "auc",
        "oracle_auc_delta60",
        "auc_delta60",
        "sims_per_s",
    ),
    "pinn.py": (
        "macrospin_rel_l2",
        "llg1d_rel_l2",
        "static_energy_rel_err",
        "max_norm_dev",
        "macrospin_train_s",
        "llg1d_train_s",
        "static_train_s",
        "failure_map",
    ),
    "throughput.py": ("rows", "largest", "protocol"),
    "latent_sensitivity.py": ("sensitivity", "nn_field_err", "n_below_target", "n_test"),
    "peers.py": ("codes", "ratios_jaxmag_over_peer", "fft_floor_s", "jaxmag_s_per_eval_over_floor"),
}
"""Figures an issue asks a benchmark to report."""


def test_every_benchmark_has_a_quick_test():
    """Each script is run with --quick here or in its own test file."""
    assert DEDICATED <= {p.stem for p in SCRIPTS}, DEDICATED - {p.stem for p in SCRIPTS}
    assert OWN_TEST <= {p.name for p in SCRIPTS}, OWN_TEST - {p.name for p in SCRIPTS}


@pytest.mark.parametrize(
    "script",
    [p for p in SCRIPTS if p.stem not in DEDICATED and p.name not in OWN_TEST],
    ids=lambda p: p.name,
)
def test_benchmark_quick(script, bench):
    figures = bench(script, "--quick").figures
    assert isinstance(figures, dict) and figures
    for key in REQUIRED.get(script.name, ()):
        assert key in figures, key
    if script.name == "switching.py":
        for per_model in (figures["auc"], figures["auc_delta60"]):
            assert set(per_model) == {"dnn", "rf", "svm", "logreg"}
            assert all(0.5 < v <= 1 for v in per_model.values()), per_model
        assert 0.2 < figures["pos_fraction"] < 0.8
        assert figures["sims_per_s"] > 0
    if script.name == "pinn.py":
        assert figures["max_norm_dev"] <= 1e-12
        assert figures["macrospin_reload_max_diff"] == 0.0
        assert {r["h"] for r in figures["failure_map"]} == {0.3, 2.0}
    if script.name == "throughput.py":
        for r in figures["rows"]:
            assert r["cell_evals_per_s"] > 0 and r["ratio_to_floor"] > 0
            assert abs(r["m_final_avg"][0] - 1) < 1e-3  # 1 fs of dynamics from +x
    if script.name == "latent_sensitivity.py":
        sens = np.asarray(figures["sensitivity"])
        assert sens.shape == (figures["n_test"],) and np.all(sens > 0)
        assert figures["n_below_target"] == int((sens <= figures["target"]).sum())
    if script.name == "peers.py":
        codes = figures["codes"]
        assert set(codes) == {"jaxmag", "magnum.np", "neuralmag"}
        present = {n for n, f in codes.items() if "missing" not in f}  # peers are optional
        assert "jaxmag" in present
        assert set(figures["ratios_jaxmag_over_peer"]) == present - {"jaxmag"}
        for n in present:
            assert codes[n]["rhs_evals"] > 0 and codes[n]["s_per_eval"] > 0, n
            # one s-state, 20 ps on 20 x 5 cells: every code stays near OOMMF's path
            assert codes[n]["max_abs_dmy_vs_oommf"] < 0.1, n
        assert figures["fft_floor_s"] > 0


def test_sp4_benchmark_figures(bench, tmp_path):
    """sp4.py's quick run (the parametrised test leaves it to this one)."""
    csv = tmp_path / "f1.csv"
    f = bench("sp4.py", "--quick", "--out", str(csv)).figures
    assert isinstance(f, dict) and f
    for key in (
        "m_relaxed",
        "first_mx_zero_s",
        "m_t1",
        "max_norm_dev",
        "rhs_evals",
        "wall_relax_s",
        "wall_dynamics_s",
        "compile_s",
    ):
        assert key in f, key
    assert f["max_norm_dev"] <= 1e-12
    assert f["rhs_evals"] > 0 and f["wall_dynamics_s"] > 0
    header = csv.read_text().splitlines()[0]
    assert header == "t_s,mx,my,mz"


def test_sp4_benchmark_float32(bench, tmp_path):
    """float32 runs relax to their own (looser) default tolerance and stay on the sphere."""
    f = bench("sp4.py", "--quick", "--dtype", "float32").figures
    assert f["dtype"] == "float32"
    assert f["relax_converged"] and f["relax_max_torque"] < 1e-5
    assert f["max_norm_dev"] <= 1e-6
    # the same 50 x 13 x 1 s-state as in float64, within what a torque of 1e-5 allows
    np.testing.assert_allclose(f["m_relaxed"], [0.968804, 0.121703, 0.0], atol=2e-4)
