"""Every benchmark script runs with --quick and ends with one JSON object whose figures
are checked at quick-mode tolerances. The runs are CI's slow set (``pytest -m slow``);
the checks of the scripts' structure are fast."""

from pathlib import Path

import jax
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


def test_every_benchmark_takes_quick_and_prints_json_last():
    """Each script has a --quick flag and ends by printing one JSON object (through
    ``_common.emit`` or ``json.dumps``), and each dedicated test file runs its script
    with --quick."""
    assert len(SCRIPTS) >= 20, [p.name for p in SCRIPTS]
    for p in SCRIPTS:
        src = p.read_text()
        assert '"--quick"' in src, p.name
        assert "emit(" in src or "json.dumps(" in src, p.name
    for name in DEDICATED:
        text = (Path(__file__).parent / f"test_benchmarks_{name}.py").read_text()
        assert f'"{name}.py"' in text and '"--quick"' in text, name


REQUIRED = {
    "afm.py": (
        "afmr_case1_rel_err",
        "afmr_case2_rel_err",
        "afmr_split_rel_err",
        "dispersion_max_rel_err",
        "wall_width_rel_err",
        "wall_speed_rel_err",
        "n1_sp4_unchanged",
    ),
    "sot.py": (
        "unit_field_rel_err",
        "tilt_deg_err_max",
        "ramp_threshold_over_bk",
        "inplane_stable_at_0p9",
        "inplane_switches_at_1p1",
        "slonczewski_map_rel_err",
    ),
    "magnetoelastic.py": (
        "uniaxial_equiv_rel_err",
        "random_cell_rel_err",
        "sine_semi_rel_err",
        "force_max_err",
        "field_vs_energy_grad_rel_err",
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
        "macrospin_domain",
        "macrospin_switching_rel_l2",
        "macrospin_switching_domain",
        "macrospin_rel_l2_ci95",
        "macrospin_switching_rel_l2_ci95",
        "macrospin_switching_rel_l2_by_h",
    ),
    "throughput.py": ("rows", "largest", "protocol"),
    "hybrid_sp4.py": (
        "coarse_err_median_p",
        "hybrid_err_median_p",
        "coarse_err_median_s",
        "hybrid_err_median_s",
        "hybrid_err_max_p",
        "speedup",
        "transfer_ratio_ellipse",
        "transfer_ratio_small",
        "grad_fd_rel_err",
        "n_train",
        "cells_fine",
        "cells_coarse",
    ),
    "latent_sensitivity.py": ("sensitivity", "nn_field_err", "n_below_target", "n_test"),
    "peers.py": ("codes", "ratios_jaxmag_over_peer", "fft_floor_s", "jaxmag_s_per_eval_over_floor"),
    "pinning.py": ("cases", "max_rel_err"),
    "scale.py": (
        "max_field_rel_err",
        "traj_max_err",
        "grad_rel_err",
        "mem_per_device_ratio_n8",
        "whole_array_collectives",
        "cells_evals_per_s",
        "scaling_model",
    ),
    "semi_implicit.py": (
        "order_slope",
        "grad_rel_err",
        "sp4",
        "ratios",
        "rough",
        "stiff_1nm_m_avg_err",
    ),
}
"""Figures an issue asks a benchmark to report."""


def _batched(f):
    """vmap gives every system the same path as a run of its own."""
    for case in ("macrospin", "sp4"):
        assert f[case]["batch"] == f["batch"] == 4
        assert f[case]["max_abs_diff_batched_vs_sequential"] <= 1e-12, case
        assert f[case]["throughput_batched"] > 0 and f[case]["throughput_sequential"] > 0


def _field_angle(f):
    """The adjoint gradient agrees with finite differences; 20 Adam steps cut the loss."""
    assert f["grad_vs_fd_rel_err"] < 1e-4
    assert f["final_loss"] < 0.1 * f["initial_loss"] and f["iterations"] == 20
    assert 0.99 < np.linalg.norm(f["m_final"]) <= 1 + 1e-12  # a cell average of unit vectors


def _gradients(f):
    """Reverse-mode gradients of the SP4 loss agree with 4th-order finite differences."""
    assert f["fd_rel_err"] < 1e-5 and set(f["fd_rel_err_by_param"]) >= {"Ms", "A", "alpha"}
    assert f["relax_converged"] and f["loss"] > 0
    assert f["grad_rel_diff_between_checkpoints"] < 1e-10
    for run in f["by_checkpoints"].values():
        assert run["loss_rel_diff_vs_forward"] < 1e-12


LATENT_KEYS = ("d", "n_train", "train_err_median", "train_err_max", "p_max_err_heldout",
               "s_outcome_correct", "s_within_floor", "s_median_err", "s_median_err_ci95",
               "s_median_err_seeds", "s_median_err_seed_std", "s_nn_median_err",
               "s_nn_median_err_ci95", "speedup_p", "speedup_s", "design_miss")  # fmt: skip


def _latent_sp4(f):
    """Both steppers report every figure the issue names, consistently with their
    per-field errors (the quick sizes are too small to be accurate: |Δ<m>| < 2 bounds
    any bounded rollout)."""
    n_s = len(f["s_sensitivity"])
    for r in (f, f["neural"]):
        missing = [k for k in LATENT_KEYS if k not in r and k not in f]
        assert not missing, missing
        err = np.asarray(r["s_err_heldout"])
        assert len(err) == n_s and r["s_median_err"] == pytest.approx(np.median(err))
        lo, hi = r["s_median_err_ci95"]  # bootstrap over the held-out fields
        assert min(err) <= lo <= r["s_median_err"] <= hi <= max(err)
        seeds = r["s_median_err_seeds"]  # seed 0 is the model above
        assert len(seeds) == 3 and seeds[0] == r["s_median_err"]
        assert r["s_median_err_seed_std"] == pytest.approx(np.std(seeds))
        assert r["s_within_floor"] == int(
            (err <= np.maximum(0.1, 2 * np.asarray(f["s_sensitivity"]))).sum()
        )
        assert 0 <= r["s_outcome_correct"] <= n_s
        assert r["p_max_err_heldout"] == max(r["p_err_heldout"]) and r["p_max_err_heldout"] < 2
        assert 0 <= r["train_err_median"] <= r["train_err_max"]
        assert r["speedup_p"] > 0 and r["speedup_s"] > 0 and r["design_miss"] >= 0
    assert f["s_nn_median_err"] == pytest.approx(np.median(f["s_nn_err"]))
    lo, hi = f["s_nn_median_err_ci95"]
    assert lo <= f["s_nn_median_err"] <= hi and f["seed_spread_covers"]
    assert [c["n_train"] for c in f["learning_curve"]] == sorted(
        c["n_train"] for c in f["learning_curve"]
    )


def _hybrid_sp4(f):
    """The gradient through the solver agrees with finite differences; every median and
    ratio is the one of its per-field errors (the quick sizes are too small to train)."""
    assert f["grad_fd_rel_err"] < 1e-4
    for name in ("coarse", "hybrid"):
        for fam in "ps":
            err = np.asarray(f[f"{name}_err_{fam}"])
            assert f[f"{name}_err_median_{fam}"] == pytest.approx(np.median(err))
            assert np.all((err >= 0) & (err < 2))
    assert f["hybrid_err_max_p"] == max(f["hybrid_err_p"])
    for geo in ("ellipse", "small"):
        ratio = np.median(f[f"transfer_{geo}_hybrid_err"]) / np.median(
            f[f"transfer_{geo}_coarse_err"]
        )
        assert f[f"transfer_ratio_{geo}"] == pytest.approx(ratio)
    assert [n // c for n, c in zip(f["cells_fine"], f["cells_coarse"], strict=True)] == [2, 2, 1]
    assert f["speedup"] > 0 and f["n_train"] == 4 and f["train_steps"] == 2


def _sp4_field_recovery(f):
    """Levenberg–Marquardt recovers SP4's field 1 from its own <m>(t) within 0.1 mT."""
    assert f["converged"] and f["error_mT"] < f["target_mT"] == 0.1
    np.testing.assert_allclose(f["recovered_mT"], f["truth_mT"], atol=0.1)
    assert f["jacobian_vs_fd_rel_err"] < 1e-4 and f["final_loss"] < 1e-6 * f["initial_loss"]


def _spinwave_lens(f):
    """Two steps of gradient descent on the lens raise the target probe's share."""
    assert f["loss_after"] < f["loss_before"] and f["ratio_gain"] > 1.5
    i = f["target_probe"]
    assert f["I_after"][i] > f["I_before"][i]
    assert abs(f["wavelength_m"] / f["wavelength_infinite_film_m"] - 1) < 0.3


def _semi_implicit(f):
    """Second order, exact gradients, on the sphere, stable where RK4 is not."""
    assert 1.8 <= f["order_slope"] <= 2.2
    assert f["grad_rel_err"] <= 1e-6
    for run in f["sp4"].values():
        assert run["max_norm_dev"] <= 1e-14 and run["max_abs_dmy_vs_oommf"] < 0.02
    err = f["stiff_1nm_m_avg_err"]
    assert err["semi-implicit"] < 6e-3 and err["RK4FSAL"] > 0.1


def _scale(f):
    """A film on 4 CPU devices: exact fields, trajectory and gradient, less memory per
    device (field and simulate programs), no whole-array collective, the transposes'
    bytes as the scaling model counts them, a throughput per N and dtype."""
    assert f["max_field_rel_err"] < 1e-12 and f["traj_max_err"] < 1e-10
    assert f["grad_rel_err"] < 1e-10
    assert f["whole_array_collectives"] == 0
    assert f["field_mem_ratio"]["4"] < 0.5 and f["simulate_mem_ratio"]["4"] < 0.5
    assert all(hlo == model for hlo, model in f["transpose_bytes"].values())
    assert {"all-to-all", "collective-permute"} <= set(f["simulate_collectives"]["4"])
    for speeds in f["cells_evals_per_s"].values():
        assert speeds["float32"] > 0 and speeds["float64"] > 0
    for effs in f["scaling_model"].values():
        assert all(0 < e < 1 for e in effs.values())


def _homogenisation_speed(f):
    solve, cnn = f["solve_s_per_cell_by_batch"], f["cnn_s_per_cell_by_batch"]
    assert set(solve) == set(cnn) == set(f["speedup_by_batch"]) == {"1", "4"}
    assert all(t > 0 for t in (*solve.values(), *cnn.values()))
    for k, ratio in f["speedup_by_batch"].items():
        assert ratio == pytest.approx(solve[k] / cnn[k])
    # the headline is each method at its own fastest batch size
    assert f["solve_s_per_cell"] == min(solve.values()) == solve[str(f["solve_best_batch"])]
    assert f["cnn_s_per_cell"] == min(cnn.values()) == cnn[str(f["cnn_best_batch"])]
    assert f["speedup"] == pytest.approx(f["solve_s_per_cell"] / f["cnn_s_per_cell"])
    assert f["n_cells"] == 4 and f["device"].startswith(jax.default_backend())


CHECKS = {
    "batched.py": _batched,
    "field_angle.py": _field_angle,
    "gradients.py": _gradients,
    "homogenisation_speed.py": _homogenisation_speed,
    "hybrid_sp4.py": _hybrid_sp4,
    "latent_sp4.py": _latent_sp4,
    "scale.py": _scale,
    "semi_implicit.py": _semi_implicit,
    "sp4_field_recovery.py": _sp4_field_recovery,
    "spinwave_lens.py": _spinwave_lens,
}
"""The figures each benchmark exists for, at quick-mode tolerances."""


def test_every_benchmark_has_a_quick_test():
    """Each script is run with --quick here or in its own test file."""
    assert DEDICATED <= {p.stem for p in SCRIPTS}, DEDICATED - {p.stem for p in SCRIPTS}
    assert OWN_TEST <= {p.name for p in SCRIPTS}, OWN_TEST - {p.name for p in SCRIPTS}


@pytest.mark.slow
def test_pinn_only_case1_stops_after_the_seed_spread(bench):
    """``pinn.py --only-case1`` fits case 1 and its seeds, as the full run does, and no
    other case."""
    figures = bench("pinn.py", "--quick", "--only-case1").figures
    seeds = figures["macrospin_rel_l2_seeds"]
    assert figures["only_case1"] and len(seeds) == 2 and seeds[0] == figures["macrospin_rel_l2"]
    assert seeds[1] != seeds[0] and figures["macrospin_rel_l2_seed_std"] > 0
    assert set(figures["met"]) == {"macrospin_rel_l2"} and figures["max_norm_dev"] <= 1e-12
    assert not {"macrospin_switching_rel_l2", "llg1d_rel_l2", "failure_map"} & set(figures)


@pytest.mark.slow
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
    if script.name == "pinn.py":
        assert figures["max_norm_dev"] <= 1e-12
        assert figures["macrospin_reload_max_diff"] == 0.0
        assert {r["h"] for r in figures["failure_map"]} == {0.3, 2.0}
        seeds = figures["macrospin_rel_l2_seeds"]
        assert len(seeds) == 2 and seeds[0] == figures["macrospin_rel_l2"]
        assert seeds[1] != seeds[0] and figures["macrospin_rel_l2_seed_std"] > 0
        # each macrospin figure names its field range: no switching, then switching
        assert (
            figures["macrospin_domain"]["h"][1]
            < 0.5
            <= figures["macrospin_switching_domain"]["h"][0]
        )
    if script.name == "throughput.py":
        for r in figures["rows"]:
            assert r["cell_evals_per_s"] > 0 and r["ratio_to_floor"] > 0
            assert abs(r["m_final_avg"][0] - 1) < 1e-3  # 1 fs of dynamics from +x
    if script.name == "latent_sensitivity.py":
        sens = np.asarray(figures["sensitivity"])
        assert sens.shape == (figures["n_test"],) and np.all(sens > 0)
        assert figures["n_below_target"] == int((sens <= figures["target"]).sum())
    if script.name in CHECKS:
        CHECKS[script.name](figures)
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


@pytest.mark.slow
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


@pytest.mark.slow
def test_sp4_benchmark_float32(bench, tmp_path):
    """float32 runs relax to their own (looser) default tolerance and stay on the sphere."""
    f = bench("sp4.py", "--quick", "--dtype", "float32").figures
    assert f["dtype"] == "float32"
    assert f["relax_converged"] and f["relax_max_torque"] < 1e-5
    assert f["max_norm_dev"] <= 1e-6
    # the same 50 x 13 x 1 s-state as in float64, within what a torque of 1e-5 allows
    np.testing.assert_allclose(f["m_relaxed"], [0.968804, 0.121703, 0.0], atol=2e-4)
