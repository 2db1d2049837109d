"""``jaxmag run``: TOML problem descriptions against ``jaxmag sp4``, mumax3 tables, and
bad configurations with errors that name the key."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import TINY_CONFIG

from jaxmag.cli import _config as config
from jaxmag.cli import _run_config as run_config
from jaxmag.cli import main
from jaxmag.io import read_csv, read_table, write_table
from jaxmag.problems import sp4

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "sp4.toml"


def _small(tmp_path, cells="[20, 5, 1]", t="5e-11"):
    text = EXAMPLE.read_text().replace("cells = [200, 50, 1]", f"cells = {cells}")
    text = text.replace("t = 1e-9 ", f"t = {t} ")
    path = tmp_path / "small.toml"
    path.write_text(text)
    return path


# fast companion: test_cli.py::test_sp4_command, test_regions_shapes_and_initial_states
@pytest.mark.slow
def test_run_reproduces_sp4_command(tmp_path):
    cfg = _small(tmp_path)
    assert main(["run", str(cfg), "--out", str(tmp_path / "run"), "--quiet"]) == 0
    assert main(["sp4", "--cells", "20,5,1", "--t1", "5e-11", "--out", str(tmp_path / "sp4")]) == 0
    tab = read_table(tmp_path / "run" / "table.txt")
    ref = read_csv(tmp_path / "sp4" / "sp4_m.csv")
    np.testing.assert_allclose(tab["t"], ref["t_s"], rtol=1e-9, atol=1e-20)
    for c in "xyz":  # the CSV keeps 10 digits
        np.testing.assert_allclose(tab[f"m{c}"], ref[f"m{c}"], atol=1e-10)
    assert tab["units"]["t"] == "s" and tab["units"]["E_total"] == "J"
    np.testing.assert_allclose(tab["E_total"], tab["E_exchange"] + tab["E_demag"] + tab["E_zeeman"])
    np.testing.assert_allclose(tab["B_extx"], -24.6e-3)


def test_table_is_mumax3_format_and_reads_in_pandas(tmp_path):
    t = np.linspace(0, 1e-10, 5)
    path = write_table(tmp_path / "table.txt", {"t": t, "mx": np.cos(t), "E_total": t * 2})
    assert path.read_text().splitlines()[0] == "# t (s)\tmx ()\tE_total (J)"
    df = pd.read_csv(path, sep="\t")
    np.testing.assert_array_equal(df["# t (s)"].to_numpy(), t)
    np.testing.assert_array_equal(read_table(path)["mx"], np.cos(t))
    with pytest.raises(ValueError, match="unknown observable"):
        write_table(tmp_path / "bad.txt", {"speed": [1.0]})
    (tmp_path / "junk.txt").write_text("t mx\n1 2\n")
    with pytest.raises(ValueError, match="junk.txt: not a mumax3 table"):
        read_table(tmp_path / "junk.txt")


def test_regions_shapes_and_initial_states(tmp_path):
    text = """
[mesh]
cells = [16, 16, 1]
cell = [5e-9, 5e-9, 5e-9]
[[regions]]
shape = { kind = "disk", radius = 40e-9 }
Ms = 8e5
A = 1.3e-11
alpha = 0.5
[[regions]]
shape = { kind = "cuboid", size = [20e-9, 20e-9, 5e-9] }
Ms = 4e5
A = 1e-11
alpha = 0.5
[initial]
kind = "vortex"
polarity = -1
chirality = 1
[[stages]]
kind = "relax"
"""
    cfg = config.parse(text)
    mesh, mat, mask = run_config.build(cfg)
    Ms = np.asarray(mat.Ms)[:, :, 0]
    assert Ms[8, 8] == 4e5 and Ms[8, 1] == 8e5 and Ms[0, 0] == 0
    assert mask[8, 1, 0] and not mask[0, 0, 0]
    m = run_config.initial_state(cfg, mesh)
    assert float(m[2, 8, 8, 0]) < -0.5  # polarity -1 at the core
    assert float(m[1, 15, 8, 0]) > 0.9  # counter-clockwise (chirality +1) at +x
    r = run_config.run(cfg, tmp_path / "out", progress=False)
    assert r["table"] == {} and r["files"] == []
    rnd = config.parse(text.replace('kind = "vortex"\npolarity = -1\nchirality = 1',
                                    'kind = "random"\nseed = 3'))  # fmt: skip
    a, b = (run_config.initial_state(rnd, mesh) for _ in range(2))
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(np.linalg.norm(np.asarray(a), axis=0), 1, atol=1e-14)


BASE = TINY_CONFIG


@pytest.mark.parametrize(
    "change, key",
    [
        (("[mesh]", "[mesh]\nspeed = 3"), "mesh.speed: unknown key"),
        (("cells = [4, 4, 1]", "cells = [4, 0, 1]"), "mesh.cells: must be 3 positive integers"),
        (("cells = [4, 4, 1]\n", ""), "mesh.cells: missing"),
        (
            (
                "size = [20e-9, 20e-9, 3e-9]",
                "size = [20e-9, 20e-9, 3e-9]\ncell = [1e-9, 1e-9, 1e-9]",
            ),
            "give exactly one of size and cell",
        ),
        (
            ("size = [20e-9, 20e-9, 3e-9]", "size = [20e-9, 0.0, 3e-9]"),
            r"mesh.size\[1\]: must be > 0",
        ),
        (("Ms = 8e5", "Ms = -8e5"), "material.Ms: must be >= 0"),
        (("Ms = 8e5", "Ms = nan"), "material.Ms: must be a finite number"),
        (("alpha = 0.1", "alpha = 0.1\ngamma = 2"), "material.gamma: unknown key"),
        (('kind = "run"', 'kind = "sprint"'), r"stages\[0\].kind: must be one of"),
        (("t = 1e-11", "B_mT = [1, 2, 3]"), r"stages\[0\].t: missing"),
        (("t = 1e-11", 't = 1e-11\nsolver = "RK4"'), r"stages\[0\].solver: must be one of"),
        (("t = 1e-11", "t = 1e-11\nB_mT = [1, 2]"), r"stages\[0\].B_mT: must be a list of 3"),
        (
            ("[material]", '[initial]\nkind = "vortex"\npolarity = 2\n[material]'),
            "initial.polarity: must be 1 or -1",
        ),
        (("[material]", '[initial]\nkind = "spiral"\n[material]'), "initial.kind: must be one of"),
        (("[material]", '[[shapes]]\nkind = "disk"\n[material]'), r"shapes\[0\].radius: missing"),
        (
            ("[material]", "[output]\ntable_every = 0\n[material]"),
            "output.table_every: must be > 0",
        ),
        (("[mesh]", "[mesh\n"), "not valid TOML"),
    ],
)
def test_bad_configurations_name_the_key(change, key):
    text = BASE.replace(*change)
    assert text != BASE
    with pytest.raises(config.ConfigError, match=key):
        config.parse(text, "case.toml")


def test_bad_configurations_at_run_time(tmp_path, capsys):
    cfg = config.parse(BASE.replace("t = 1e-11", "t = 1.5e-12"), "odd.toml")
    with pytest.raises(config.ConfigError, match=r"odd.toml:stages\[0\].t: .* whole number"):
        run_config.run(cfg, tmp_path, progress=False)
    assert main(["run", str(tmp_path / "missing.toml")]) == 2
    assert "missing.toml: cannot read" in capsys.readouterr().err


@pytest.mark.slow
def test_example_file_reproduces_sp4(tmp_path):
    assert main(["run", str(EXAMPLE), "--out", str(tmp_path / "run"), "--quiet"]) == 0
    r = sp4.run(t1=1e-9, save_every=1e-12)
    tab = read_table(tmp_path / "run" / "table.txt")
    np.testing.assert_allclose(np.stack([tab["mx"], tab["my"], tab["mz"]], 1), r["m_avg"],
                               atol=1e-12)  # fmt: skip


def test_ovf_snapshots_and_ovf_initial_state(tmp_path):
    from jaxmag.io import ovf

    text = BASE.replace("t = 1e-11", "t = 2e-12").replace(
        "[material]", "[output]\ntable_every = 1e-12\novf_every = 1e-12\n[material]"
    )
    cfg = config.parse(text, "snap.toml", base=tmp_path)
    r = run_config.run(cfg, tmp_path / "out", progress=False)
    snaps = sorted((tmp_path / "out").glob("m*.ovf"))
    assert [p.name for p in snaps] == ["m000000.ovf", "m000001.ovf", "m000002.ovf"]
    last = ovf.read(snaps[-1])
    np.testing.assert_allclose(last.cell, (5e-9, 5e-9, 3e-9))
    np.testing.assert_allclose(last.values, np.asarray(r["m"]), atol=1e-12)
    # an OVF file as the initial state of another run, relative to the config's folder
    text2 = BASE.replace(
        "[material]", '[initial]\nkind = "ovf"\npath = "out/m000002.ovf"\n[material]'
    )
    cfg2 = config.parse(text2, "again.toml", base=tmp_path)
    np.testing.assert_allclose(run_config.initial_state(cfg2, r["mesh"]), last.values, atol=1e-15)
    wrong = BASE.replace("cells = [4, 4, 1]", "cells = [2, 2, 1]").replace(
        "[material]", '[initial]\nkind = "ovf"\npath = "out/m000002.ovf"\n[material]'
    )
    cfg3 = config.parse(wrong, "wrong.toml", base=tmp_path)
    mesh3 = run_config.build(cfg3)[0]
    with pytest.raises(config.ConfigError, match="wrong.toml:initial.path: .* holds"):
        run_config.initial_state(cfg3, mesh3)


def test_run_with_checkpoints_resumes(tmp_path):
    text = BASE.replace("t = 1e-11", "t = 4e-12").replace(
        "[material]", "[output]\ntable_every = 1e-12\ncheckpoint_every = 2e-12\n[material]"
    )
    cfg = config.parse(text, "ck.toml")
    r1 = run_config.run(cfg, tmp_path / "out", progress=False)
    assert (tmp_path / "out" / "checkpoints" / "stage0").is_dir()
    r2 = run_config.run(cfg, tmp_path / "out", progress=False)  # restores the finished run
    np.testing.assert_array_equal(r1["m"], r2["m"])
    np.testing.assert_array_equal(r1["table"]["mx"], r2["table"]["mx"])
    assert len(r1["table"]["t"]) == 5


def test_fine_table_interval_saves_up_to_the_stage_end(tmp_path):
    """``t = 1e-11`` with ``table_every = 1e-13``: 100 · 1e-13 is a rounding step past
    1e-11, which diffrax refused after compiling; the table now ends at the stage end."""
    text = BASE.replace(
        "[material]", "[output]\ntable_every = 1e-13\novf_every = 5e-12\n[material]"
    )
    r = run_config.run(config.parse(text, "fine.toml"), tmp_path / "out", progress=False)
    t = np.asarray(r["table"]["t"])
    assert t.size == 101 and t[0] == 0.0 and t[-1] == 1e-11
    np.testing.assert_allclose(np.diff(t), 1e-13, rtol=1e-9)
    assert len(sorted((tmp_path / "out").glob("m*.ovf"))) == 3


def test_checkpointed_run_writes_what_an_uncheckpointed_run_writes(tmp_path):
    """With ``checkpoint_every`` the table kept only ⟨m⟩ (7 columns, not 11) and no OVF
    file was written, silently: both runs now write the same columns and files."""
    out = "[output]\ntable_every = 1e-12\novf_every = 2e-12\n"
    plain = BASE.replace("t = 1e-11", "t = 4e-12").replace("[material]", out + "[material]")
    ck = plain.replace("ovf_every", "checkpoint_every = 2e-12\novf_every")
    runs = {}
    for name, text in (("plain", plain), ("ck", ck)):
        r = run_config.run(config.parse(text, f"{name}.toml"), tmp_path / name, progress=False)
        files = sorted(p.name for p in (tmp_path / name).glob("*.*"))
        runs[name] = (r, files, read_table(tmp_path / name / "table.txt"))
    (r0, f0, t0), (r1, f1, t1) = runs["plain"], runs["ck"]
    assert f0 == f1 == ["m000000.ovf", "m000001.ovf", "m000002.ovf", "table.txt"]
    assert list(t0) == list(t1) and "E_exchange" in t1 and "E_total" in t1
    e_scale = np.max(np.abs(r0["table"]["E_exchange"]))
    for c in r0["table"]:  # segments cut steps at their ends: equal to the tolerance
        atol = 1e-5 if c[0] == "m" else 1e-4 * e_scale if c[0] == "E" else 0.0
        np.testing.assert_allclose(r1["table"][c], r0["table"][c], rtol=1e-4, atol=atol)
    from jaxmag.io import ovf

    for f in f0[:3]:
        a, b = ovf.read(tmp_path / "plain" / f), ovf.read(tmp_path / "ck" / f)
        np.testing.assert_allclose(b.values, a.values, atol=1e-4)
    # run again: restored from the finished checkpoint, the same output bitwise
    before = {f: (tmp_path / "ck" / f).read_bytes() for f in f1}
    run_config.run(config.parse(ck, "ck.toml"), tmp_path / "ck", progress=False)
    assert {f: (tmp_path / "ck" / f).read_bytes() for f in f1} == before


def _no_run(*args, **kwargs):
    raise AssertionError("a stage ran before the configuration was refused")


def test_every_stage_is_checked_before_the_first_runs(tmp_path, monkeypatch):
    monkeypatch.setattr(run_config, "simulate", _no_run)
    monkeypatch.setattr(run_config, "minimise", _no_run)
    two = BASE.replace("[material]", "[output]\ntable_every = 1e-12\n[material]")
    two = two.replace("[[stages]]\n", '[[stages]]\nkind = "relax"\n[[stages]]\n', 1)
    odd = two + '[[stages]]\nkind = "run"\nt = 2.5e-12\n'
    with pytest.raises(config.ConfigError, match=r"odd.toml:stages\[2\].t: .* whole number"):
        run_config.run(config.parse(odd, "odd.toml"), tmp_path / "a", progress=False)
    ck = two.replace("table_every", "checkpoint_every = 2e-11\ntable_every")
    with pytest.raises(config.ConfigError, match="ck.toml:output.checkpoint_every: .* longer"):
        run_config.run(config.parse(ck, "ck.toml"), tmp_path / "b", progress=False)
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_unusable_output_folder_and_missing_initial_file(tmp_path, monkeypatch):
    monkeypatch.setattr(run_config, "simulate", _no_run)
    (tmp_path / "file").write_text("a regular file")
    cfg = config.parse(BASE, "out.toml")
    with pytest.raises(config.ConfigError, match="out.toml:output.dir: cannot create"):
        run_config.run(cfg, tmp_path / "file" / "out", progress=False)
    text = BASE.replace("[material]", '[initial]\nkind = "ovf"\npath = "nope.ovf"\n[material]')
    cfg = config.parse(text, "init.toml", base=tmp_path)
    with pytest.raises(config.ConfigError, match="init.toml:initial.path: cannot read .*nope"):
        run_config.run(cfg, tmp_path / "out", progress=False)
    (tmp_path / "nope.ovf").write_text("# OOMMF OVF 2.0\n# junk\n")
    with pytest.raises(config.ConfigError, match="init.toml:initial.path: .*nope.ovf"):
        run_config.run(cfg, tmp_path / "out", progress=False)
