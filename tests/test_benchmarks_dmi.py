"""benchmarks/dmi.py: the DMI standard problem's wire and disk, smoke-run with --quick."""

import numpy as np
import pytest

from jaxmag.io import read_csv

pytestmark = pytest.mark.slow  # a benchmark run: CI's slow set (.ci/run)


def test_dmi_wire_bulk(bench, tmp_path):
    """Bulk DMI gives the published interfacial wire turned in spin space."""
    csv = tmp_path / "wire.csv"
    f = bench("dmi.py", "--case", "wire", "--kind", "bulk", "--quick", "--out", str(csv)).figures
    assert f["converged"] and f["kind"] == "bulk"
    assert f["max_abs_dm_vs_published_worst"] <= 1e-4
    assert set(f["max_abs_dm_vs_published"]) == {"fidimag", "oommf", "mumax3_pbcy"}
    assert f["edge_m"][1] > 0.6 and abs(f["edge_mx"]) < 1e-9  # bulk: my at the left end
    assert abs(f["edge_sin_theta"] - 0.6134517) < 1e-5 and f["continuum_sin_theta"] == 0.657794
    rows = read_csv(csv)
    assert list(rows) == ["x_nm", "y_nm", "z_nm", "mx", "my", "mz"]
    assert rows["x_nm"].shape == (100,) and rows["x_nm"][0] == -49.5
    np.testing.assert_allclose(rows["mx"] ** 2 + rows["my"] ** 2 + rows["mz"] ** 2, 1, atol=1e-12)


def test_dmi_disk_quick(bench, tmp_path):
    csv = tmp_path / "disk.csv"
    f = bench("dmi.py", "--case", "disk", "--kind", "d2d", "--quick", "--out", str(csv)).figures
    assert f["converged"] and f["cells"] == [25, 25, 1]
    # 4 nm cells are coarse: a skyrmion, smaller than at 2 nm (21.9 nm) or in the ODE
    assert 19 < f["skyrmion_radius_nm"] < 22.03 and f["mz_centre"] > 0.99
    assert f["max_abs_dmz_vs_ode_radial"] < 0.2
    rows = read_csv(csv)
    assert rows["x_nm"].shape == (f["n_magnetic"],)
    assert np.all(np.hypot(rows["x_nm"], rows["y_nm"]) < 50)
