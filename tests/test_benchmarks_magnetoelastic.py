"""benchmarks/magnetoelastic.py with --quick: each figure below its target."""

import pytest

pytestmark = pytest.mark.slow  # a benchmark run: CI's slow set (.ci/run)

TARGETS = {
    "uniaxial_equiv_rel_err": 1e-10,  # uniform ε_xx = ε ≡ uniaxial Ku1 = -B1 ε along x
    "random_cell_rel_err": 1e-12,  # single cells against the closed-form field
    "sine_semi_rel_err": 1e-4,  # mumax+'s sine displacement; fourth order gives 3.1e-6
    "force_max_err": 1e-4,  # semi-relative; fourth order in m (chain rule) gives 3.1e-6
    "field_vs_energy_grad_rel_err": 1e-12,  # hand-written field against autodiff
}


def test_magnetoelastic_benchmark_quick(bench):
    f = bench("magnetoelastic.py", "--quick").figures
    for key, target in TARGETS.items():
        assert 0 <= f[key] < target, (key, f[key])
    assert f["force_free_interior_err"] < 1e-4
    assert f["field_wall"]["repeats"] == 3 and f["field_ns_per_cell"] > 0
