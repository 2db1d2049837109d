"""The public API: every package's ``__all__`` (pinned here, so that a change to it is a
deliberate change to this file), the public/private split of modules, the one result type
of every time integration and the one save/load signature of every model package."""

import dataclasses
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import jaxmag
import jaxmag as jm

PUBLIC = {
    "jaxmag": (
        "AbstractDMI",
        "AbstractEnergy",
        "AbstractTorque",
        "BulkDMI",
        "CubicAnisotropy",
        "D2dDMI",
        "Demag",
        "Exchange",
        "InsufficientMemoryError",
        "InterfacialDMI",
        "MagnetoElastic",
        "Material",
        "MemoryEstimate",
        "Mesh",
        "ProjectedSolver",
        "RK4FSAL",
        "RelaxResult",
        "SemiImplicitBDF2",
        "Slonczewski",
        "SpinOrbitTorque",
        "System",
        "Trajectory",
        "UniaxialAnisotropy",
        "Zeeman",
        "ZhangLi",
        "available_memory",
        "batch",
        "constants",
        "dynamics",
        "energy",
        "equilibrium",
        "estimate_memory",
        "field_from_energy",
        "field_torque",
        "io",
        "llg_rhs",
        "make_system",
        "max_norm_deviation",
        "mean_m",
        "minimise",
        "normalise",
        "pulses",
        "relax_llg",
        "shapes",
        "simulate",
        "simulate_checkpointed",
        "simulate_fixed",
        "simulate_thermal",
        "statics",
        "thermal",
        "torques",
    ),
    "jaxmag.cli": (
        "ConfigError",
        "add_sp4_arguments",
        "main",
        "parse_triple",
    ),
    "jaxmag.distributed": (
        "COLLECTIVES",
        "H100_HBM_BYTES_PER_S",
        "H100_NVLINK_BYTES_PER_S",
        "ShardedDemag",
        "collectives",
        "device_slabs",
        "halo_pad",
        "kernel_slabs",
        "local_axes",
        "scaling_model",
        "shard",
        "sharded_demag_field",
        "transpose_bytes",
        "whole_array_collectives",
    ),
    "jaxmag.dynamics": (
        "IntegrationError",
        "MemoryEstimate",
        "PreconditionedRichardson",
        "ProjectedSolver",
        "RK4FSAL",
        "SOLVER_NAMES",
        "SemiImplicitBDF2",
        "TIME_UNIT",
        "Trajectory",
        "clip_times",
        "default_controller",
        "default_solver",
        "dense_jacobian_jvp",
        "estimate_memory",
        "field_torque",
        "llg_rhs",
        "max_norm_deviation",
        "mean_m",
        "save_times",
        "simulate",
        "simulate_checkpointed",
        "simulate_fixed",
        "solver_from_name",
    ),
    "jaxmag.energy": (
        "AbstractDMI",
        "AbstractEnergy",
        "BulkDMI",
        "CubicAnisotropy",
        "D2dDMI",
        "DMI_KINDS",
        "Demag",
        "Exchange",
        "InterfacialDMI",
        "MagnetoElastic",
        "UniaxialAnisotropy",
        "Zeeman",
        "face_stiffness",
        "field_from_energy",
        "magnetoelastic_constants",
        "make_dmi",
        "prism_demag_factors",
        "strain_from_displacement",
    ),
    "jaxmag.io": (
        "atomic_write",
        "load_config",
        "load_model",
        "ovf",
        "read_csv",
        "read_npz",
        "read_table",
        "save_model",
        "write_csv",
        "write_table",
    ),
    "jaxmag.mx3": ("Mx3Error", "parse", "run", "run_source"),
    "jaxmag.ml": (
        "fit",
        "make_optimiser",
        "r2_pooled",
        "r2_variance_weighted",
    ),
    "jaxmag.ml.grains": (
        "CNN_SPACE",
        "FOREST_SPACE",
        "GrainForest",
        "GrainMap",
        "NdFeB",
        "cnn_features",
        "cnn_inputs",
        "cnn_targets",
        "dataset_inputs",
        "dataset_scores",
        "dataset_targets",
        "demagnetisation_curves",
        "fit_cnn",
        "fit_forest",
        "flagged_grain_cnn",
        "grain_features",
        "grain_field_map",
        "grain_fields",
        "grain_map",
        "grain_material",
        "grain_switching_fields",
        "grain_weights",
        "load_grain_dataset",
        "load_model",
        "make_grain_dataset",
        "per_grain",
        "predict_maps",
        "random_grain_map",
        "reversed_fraction",
        "save_grain_dataset",
        "save_model",
        "score_cnn",
        "score_forest",
        "sw_baseline",
        "sw_grain_fields",
        "train_grain_cnn",
    ),
    "jaxmag.ml.homogenisation": (
        "GENERATOR_VERSION",
        "ImageStatisticsRegressor",
        "PermeabilityCNN",
        "bruggeman",
        "dual_permeability",
        "effective_medium",
        "effective_permeability",
        "hashin_shtrikman",
        "hs_trace_margins",
        "inside_hs_bounds",
        "load_dataset",
        "load_model",
        "make_dataset",
        "maxwell_garnett",
        "permeability_map",
        "predict",
        "primal_permeability",
        "r2_components",
        "refinement_check",
        "sample_cells",
        "sample_dataset_maps",
        "save_dataset",
        "save_model",
        "solve_batch",
        "solve_fields",
        "train_cnn",
        "two_phase",
        "wiener_bounds",
    ),
    "jaxmag.ml.imaging": (
        "ImageGeometry",
        "ImagePairs",
        "UNet",
        "bce_dice_loss",
        "from_image",
        "gaussian_blur",
        "image_to_cells",
        "iou",
        "load_image_pairs",
        "load_model",
        "mean_iou",
        "predict_proba",
        "render_micrograph",
        "save_image",
        "save_model",
        "segment",
        "synthetic_segmentation_set",
        "to_image",
        "train_unet",
    ),
    "jaxmag.ml.hybrid": (
        "CoarseModel",
        "CorrectionNet",
        "ELLIPSE",
        "ENERGY_SCALE",
        "FACTOR",
        "Geometry",
        "LearnedCorrection",
        "SMALL_FILM",
        "SP4_FILM",
        "WindowLoss",
        "average_rollouts",
        "block_mean",
        "family_data",
        "features",
        "geometry_trajectories",
        "gradient_check",
        "load_model",
        "load_pretrained",
        "mean_m",
        "restrict",
        "rollout",
        "save_model",
        "train_correction",
        "window_loss",
        "windows_of",
    ),
    "jaxmag.ml.latent": (
        "ANGLE_RANGE_DEG",
        "AbstractLatentStepper",
        "B_RANGE_MT",
        "FAMILIES",
        "FIELD_SCALE_MT",
        "KernelStepper",
        "NeuralStepper",
        "NystroemKPCA",
        "NystroemKRR",
        "TEST_FIELDS_MT",
        "average_errors",
        "average_rollouts",
        "cached_trajectories",
        "design_field",
        "family_ranges",
        "fields_from_polar",
        "fit_kernel_stepper",
        "load_model",
        "random_fields",
        "relaxed_s_state",
        "rollout_error",
        "rollout_errors",
        "save_model",
        "simulate_fields",
        "sobol_fields",
        "sp4_family",
        "train_neural_stepper",
        "trajectory_fn",
    ),
    "jaxmag.ml.pinn": (
        "Film1DPINN",
        "Film2DPINN",
        "MacrospinPINN",
        "Net",
        "failure_map",
        "film1d",
        "film1d_residual",
        "from_config",
        "load_model",
        "macrospin_case",
        "macrospin_residual",
        "manufactured_forcing",
        "manufactured_solution",
        "plot_failure_map",
        "save_model",
        "static",
        "task_start",
        "time_derivative",
        "train",
    ),
    "jaxmag.ml.switching": (
        "BASELINES",
        "DEFAULT_GRID",
        "FEATURES",
        "SwitchingMLP",
        "auc",
        "cv_search",
        "design_matrix",
        "fit_baselines",
        "fit_dnn",
        "load_model",
        "make_baseline",
        "make_split",
        "plot_roc",
        "save_model",
        "train_mlp",
    ),
    "jaxmag.ml.trust": (
        "ApplicabilityDomain",
        "Flagged",
        "FlaggedPredictor",
        "SearchResult",
        "cross_validated_search",
        "holdout_split",
        "kfold_indices",
        "noise_sensitivity",
        "seed_spread",
        "y_randomisation",
    ),
    "jaxmag.ml.trust.adapters": (
        "HomogenisationTrust",
        "KernelStepperTrust",
        "NeuralStepperTrust",
        "SwitchingTrust",
        "TrustAdapter",
        "all_adapters",
        "trust_report",
    ),
    "jaxmag.problems": (
        "fmr",
        "pinning",
        "slonczewski",
        "sp2",
        "sp3",
        "sp4",
        "sp5",
    ),
    "jaxmag.statics": (
        "Loop",
        "RelaxResult",
        "anisotropy_field",
        "coercivity",
        "equilibrium",
        "hysteresis",
        "loop_fields",
        "minimise",
        "relax_llg",
        "sw_coercive_field",
        "sw_equilibrium",
        "sw_uniaxial_coercive_field",
    ),
    "jaxmag.thermal": (
        "ALPHA_RANGE",
        "H_RANGE",
        "NOISE_CHUNK_BYTES",
        "PSI_DEG_RANGE",
        "TAU_RANGE",
        "TILT_DEG",
        "brown_asymptotic",
        "brown_eigenvalues",
        "brown_lambda1",
        "brown_lambda1_fd",
        "check_solver",
        "check_temperature",
        "langevin",
        "macrospin_sde",
        "macrospin_sde_coupled",
        "neel_time",
        "pulse_field",
        "reduced_rhs",
        "sample_features",
        "simulate_pulses",
        "simulate_thermal",
        "switching_dataset",
        "switching_labels",
        "thermal_field_strength",
        "thermal_stability",
        "to_si",
        "uniaxial_bin_probabilities",
        "uniaxial_mz2",
        "uniaxial_mz_pdf",
    ),
    "jaxmag.sublattices": (
        "AbstractSublatticeEnergy",
        "HomogeneousExchange",
        "InhomogeneousExchange",
        "OnSublattice",
        "SublatticeSystem",
        "SublatticeTrajectory",
        "TotalDemag",
        "make_sublattice_system",
        "max_torque",
        "neel_vector",
        "net_magnetisation",
        "relax_sublattices",
        "simulate_sublattices",
        "simulate_sublattices_thermal",
        "sublattice_rhs",
        "write_ovf",
        "write_table",
    ),
    "jaxmag.torques": (
        "AbstractTorque",
        "Slonczewski",
        "SpinOrbitTorque",
        "ZhangLi",
        "polarisation_from_current",
    ),
}
"""Each package's public names, as its ``__init__`` lists them in ``__all__``."""

PUBLIC_MODULES = {
    "jaxmag.batch", "jaxmag.constants", "jaxmag.observables", "jaxmag.plot", "jaxmag.pulses",
    "jaxmag.shapes", "jaxmag.vectors", "jaxmag.io.ovf",
    "jaxmag.problems.fmr", "jaxmag.problems.pinning", "jaxmag.problems.slonczewski",
    "jaxmag.problems.sp2", "jaxmag.problems.sp3", "jaxmag.problems.sp4", "jaxmag.problems.sp5",
    "jaxmag.ml.pinn.film1d", "jaxmag.ml.pinn.macrospin_case", "jaxmag.ml.pinn.static",
}  # fmt: skip
"""Modules that are public namespaces on purpose (ARCHITECTURE.md); every other module
that is not a package is private (``_name.py``)."""

MODEL_PACKAGES = ("grains", "homogenisation", "hybrid", "imaging", "latent", "pinn", "switching")


def _packages():
    return ["jaxmag"] + sorted(
        m.name for m in pkgutil.walk_packages(jaxmag.__path__, "jaxmag.") if m.ispkg
    )


def _modules():
    root = Path(jaxmag.__file__).parent
    for p in sorted(root.rglob("*.py")):
        parts = p.relative_to(root.parent).with_suffix("").parts
        if parts[-1] not in ("__init__", "__main__"):
            yield ".".join(parts)


def test_every_package_is_listed():
    assert _packages() == sorted(PUBLIC), set(_packages()) ^ set(PUBLIC)


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_public_names(name):
    module = importlib.import_module(name)
    names = module.__all__
    assert len(set(names)) == len(names), "a name is listed twice"
    assert tuple(sorted(names)) == PUBLIC[name]
    for n in names:
        assert hasattr(module, n), n
        assert not n.startswith("_"), n


def test_implementation_modules_are_private():
    public = {m for m in _modules() if not any(p.startswith("_") for p in m.split("."))}
    assert public == PUBLIC_MODULES, public ^ PUBLIC_MODULES
    for name in PUBLIC_MODULES:  # a public namespace module documents itself
        assert importlib.import_module(name).__doc__, name


def test_no_private_object_leaks_through_a_public_name():
    """A name exported twice (from a package and from its parent) is the same object, and
    nothing exported is a private module."""
    for pkg, names in PUBLIC.items():
        module = importlib.import_module(pkg)
        for n in names:
            obj = getattr(module, n)
            if inspect.ismodule(obj):
                assert not obj.__name__.rsplit(".", 1)[-1].startswith("_"), (pkg, n)
    for n in PUBLIC["jaxmag"]:
        for sub in ("dynamics", "statics", "energy", "torques", "thermal"):
            if n in PUBLIC[f"jaxmag.{sub}"]:
                assert getattr(jm, n) is getattr(getattr(jm, sub), n), (sub, n)


def test_one_result_type_for_every_time_integration():
    fields = [f.name for f in dataclasses.fields(jm.Trajectory)]
    assert fields[:5] == ["ts", "m_avg", "m_final", "t_final", "stats"]
    assert {"snapshots", "energies"} <= set(fields)
    for run in (jm.simulate, jm.simulate_fixed, jm.simulate_checkpointed, jm.simulate_thermal):
        sig = inspect.signature(run)
        assert sig.return_annotation is jm.Trajectory, run.__name__
        # one keyword for the save interval (s) and one for snapshots
        assert "save_every" in sig.parameters and "snapshots" in sig.parameters, run.__name__
        for old in ("save_every_n", "save_snapshots", "snapshot_ts", "n_saves"):
            assert old not in sig.parameters, (run.__name__, old)


@pytest.mark.parametrize("package", MODEL_PACKAGES)
def test_one_save_load_signature(package):
    module = importlib.import_module(f"jaxmag.ml.{package}")
    save = inspect.signature(module.save_model).parameters
    load = inspect.signature(module.load_model).parameters
    assert list(save) == ["folder", "model", "metadata"]
    assert save["metadata"].kind is inspect.Parameter.KEYWORD_ONLY
    assert list(load) == ["folder"]
