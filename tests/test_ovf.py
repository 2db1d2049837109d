"""OVF files: round trips, OVF 1.0, cross-checks with discretisedfield, bad files, the CLI."""

import argparse
import re
import struct

import jax.numpy as jnp
import numpy as np
import pytest

from jaxmag.cli import _ovf as cli_ovf
from jaxmag.io import ovf

N = (4, 3, 2)
CELL = (2e-9, 3e-9, 5e-9)
ORIGIN = (1e-9, -4e-9, 7e-9)
FORMATS = [("text", "txt"), ("binary4", "bin4"), ("binary8", "bin8")]


def _values(dim, seed=0):
    return np.random.default_rng(seed).normal(size=(dim, *N)) * 8e5


def _expected(v, fmt):
    return v.astype(np.float32).astype(np.float64) if fmt == "binary4" else v


def _fmt_header(p):
    return p.read_bytes().split(b"# Begin: Data")[0].decode()


# --- round trips through our own reader and writer -------------------------------------


@pytest.mark.parametrize("fmt", ["text", "binary4", "binary8"])
@pytest.mark.parametrize("dim", [1, 3, 2])
def test_round_trip(tmp_path, fmt, dim):
    v = _values(dim)
    labels = [f"c{i}" for i in range(dim)]
    units = ["A/m"] * dim
    p = ovf.write(tmp_path / "a.ovf", jnp.asarray(v), CELL, ORIGIN, fmt, labels, units, "t=0")
    f = ovf.read(p)
    assert f.values.dtype == np.float64 and f.values.shape == (dim, *N)
    np.testing.assert_array_equal(f.values, _expected(v, fmt))
    assert f.cell == CELL and f.origin == ORIGIN and f.nodes == N
    assert (f.valuedim, f.version, f.fmt) == (dim, 2, fmt)
    assert f.labels == tuple(labels) and f.units == tuple(units)
    assert f.title == "jaxmag" and f.desc == ["t=0"]


def test_labels_with_spaces_desc_and_title(tmp_path):
    labels = ["Total field_x", "Total field_y", "Total field_z"]
    desc = ["Total simulation time: 1e-9 s", "jaxmag: alpha = 0.02"]
    p = ovf.write(tmp_path / "a.ovf", _values(3), CELL, labels=labels, desc=desc, title="H")
    assert "# valuelabels: {Total field_x} {Total field_y} {Total field_z}" in _fmt_header(p)
    f = ovf.read(p)
    assert f.labels == tuple(labels) and f.desc == desc and f.title == "H"
    assert f.units == ("1",) * 3 and f.origin == (0.0, 0.0, 0.0)


def test_only_standard_header_keys(tmp_path):
    """mumax3's reader (oommf/oommf.go readHeader) panics on any other key."""
    mumax3_keys = {"oommf", "segment count", "begin", "end", "", "title", "desc", "meshunit"}
    mumax3_keys |= {"meshtype", "valuedim", "valuelabels", "valueunits"}
    mumax3_keys |= {f"{c}{k}" for c in "xyz" for k in ("base", "min", "max", "nodes")}
    mumax3_keys |= {f"{c}stepsize" for c in "xyz"}
    p = ovf.write(tmp_path / "a.ovf", _values(3), CELL, ORIGIN, desc=["extra: 1"])
    lines = _fmt_header(p).splitlines()
    assert lines[0] == "# OOMMF OVF 2.0"
    keys = {line.split(":", 1)[0].strip("# ").lower() for line in lines[1:]}
    assert keys <= mumax3_keys
    text = p.read_bytes()
    assert text.endswith(b"\n# End: Data Binary 8\n# End: Segment\n")
    assert re.search(rb"# xbase: 2e-09\n# ybase: -2.5e-09\n", text)


def test_crlf_header_and_comments(tmp_path):
    p = ovf.write(tmp_path / "a.ovf", _values(3), CELL, ORIGIN, "binary8")
    head, data = p.read_bytes().split(b"# Begin: Data Binary 8\n")
    head = head.replace(b"# xnodes", b"#\tX Nodes").replace(b"\n", b" ## note\r\n")
    p.write_bytes(head + b"# Begin: Data Binary 8\r\n" + data)
    np.testing.assert_array_equal(ovf.read(p).values, _values(3))


# --- OVF 1.0, written by hand (independently of our writer) ----------------------------


def _ovf1_header(data_kind, multiplier=1.0):
    return (
        "# OOMMF: rectangular mesh v1.0\n#\n# Segment count: 1\n#\n# Begin: Segment\n"
        "# Begin: Header\n# Title: Oxs_TimeDriver::Magnetization\n"
        "# Desc: Iteration: 0\n# Desc: Stage: 0\n"
        "# MeshUnit: nm  ## lengths below are in nm\n# ValueUnit: A/m\n"
        f"# ValueMultiplier: {multiplier}\n"
        "# ValueRangeMinMag: 1e-8\n# ValueRangeMaxMag: 800000\n"
        "# meshtype: rectangular\n# xbase: 2\n# ybase: -2.5\n# zbase: 9.5\n"
        "# XStepSize: 2\n# YStepSize: 3\n# ZStepSize: 5\n"
        "# xnodes: 4\n# ynodes: 3\n# znodes: 2\n"
        "# xmin: 1\n# ymin: -4\n# zmin: 7\n# xmax: 9\n# ymax: 5\n# zmax: 17\n"
        f"# End: Header\n# Begin: Data {data_kind}\n"
    ).encode()


def _ovf1_value(c, ix, iy, iz):
    return 1000.0 * c + ix + 10.0 * iy + 100.0 * iz + 0.25


def _file_order():
    return [(ix, iy, iz) for iz in range(N[2]) for iy in range(N[1]) for ix in range(N[0])]


def _check_ovf1(f, fmt, scale=1.0):
    assert (f.version, f.fmt, f.valuedim) == (1, fmt, 3)
    np.testing.assert_allclose(f.cell, CELL, rtol=1e-15)
    np.testing.assert_allclose(f.origin, ORIGIN, rtol=1e-15)
    assert f.units == ("A/m",) * 3 and f.title == "Oxs_TimeDriver::Magnetization"
    assert f.desc == ["Iteration: 0", "Stage: 0"]
    for c in range(3):
        for ix, iy, iz in _file_order():
            assert f.values[c, ix, iy, iz] == scale * _ovf1_value(c, ix, iy, iz)


@pytest.mark.parametrize("size,code", [(8, ">d"), (4, ">f")])
def test_ovf1_big_endian_binary(tmp_path, size, code):
    body = struct.pack(code, {4: 1234567.0, 8: 123456789012345.0}[size])
    for ix, iy, iz in _file_order():
        body += b"".join(struct.pack(code, _ovf1_value(c, ix, iy, iz)) for c in range(3))
    p = tmp_path / "m.omf"
    p.write_bytes(
        _ovf1_header(f"Binary {size}")
        + body
        + f"\n# End: Data Binary {size}\n# End: Segment\n".encode()
    )
    _check_ovf1(ovf.read(p), f"binary{size}")


def test_ovf1_text(tmp_path):
    rows = "".join(
        "  " + "  ".join(f"{_ovf1_value(c, *i):.2f}" for c in range(3)) + "\n"
        for i in _file_order()
    )
    p = tmp_path / "m.omf"
    p.write_bytes(
        _ovf1_header("Text", multiplier=2.0)
        + ("# a comment inside the data\n" + rows + "# End: Data Text\n").encode()
        + b"# End: Segment\n"
    )
    _check_ovf1(ovf.read(p), "text", scale=2.0)


# --- cross-checks with Ubermag's discretisedfield ---------------------------------------


@pytest.fixture(scope="module")
def df():
    """Ubermag's discretisedfield, from the optional ``crosscheck`` extra. Its import sets a
    seaborn style in matplotlib's global rcParams; `rc_context` puts them back, so later
    tests in the same worker draw with matplotlib's own defaults."""
    import matplotlib

    with matplotlib.rc_context():
        return pytest.importorskip("discretisedfield", reason='pip install -e ".[crosscheck]"')


def _df_mesh(df):
    p2 = tuple(o + n * d for o, n, d in zip(ORIGIN, N, CELL, strict=True))
    return df.Mesh(p1=ORIGIN, p2=p2, cell=CELL)


@pytest.mark.parametrize("fmt,rep", FORMATS)
@pytest.mark.parametrize("dim", [1, 3])
def test_jaxmag_to_discretisedfield(tmp_path, fmt, rep, dim, df):
    v = _values(dim, seed=1)
    p = ovf.write(tmp_path / "a.ovf", v, CELL, ORIGIN, fmt)
    f = df.Field.from_file(p)
    assert f.nvdim == dim and tuple(f.mesh.n) == N
    np.testing.assert_array_equal(np.moveaxis(f.array, -1, 0), _expected(v, fmt))
    np.testing.assert_array_equal(f.mesh.cell, CELL)
    np.testing.assert_array_equal(f.mesh.region.pmin, ORIGIN)
    np.testing.assert_allclose(f.mesh.region.pmax, np.add(ORIGIN, np.multiply(N, CELL)))


@pytest.mark.parametrize("fmt,rep", FORMATS)
@pytest.mark.parametrize("dim", [1, 3])
def test_discretisedfield_to_jaxmag(tmp_path, fmt, rep, dim, df):
    v = _values(dim, seed=2)
    p = tmp_path / "d.ovf"
    df.Field(_df_mesh(df), nvdim=dim, value=np.moveaxis(v, 0, -1)).to_file(p, representation=rep)
    f = ovf.read(p)
    assert (f.version, f.fmt, f.valuedim, f.nodes) == (2, fmt, dim, N)
    np.testing.assert_array_equal(f.values, _expected(v, fmt))
    np.testing.assert_array_equal(f.cell, CELL)
    np.testing.assert_array_equal(f.origin, ORIGIN)


# --- bad files --------------------------------------------------------------------------


def _good(tmp_path, fmt="binary8", dim=3):
    return ovf.write(tmp_path / f"bad_{fmt}.ovf", _values(dim), CELL, ORIGIN, fmt)


def _edit(p, old, new):
    raw = p.read_bytes()
    assert old in raw
    p.write_bytes(raw.replace(old, new, 1))
    return p


def _raises(p, what):
    with pytest.raises(ValueError, match=re.escape(str(p)) + ".*" + what):
        ovf.read(p)


def test_truncated_binary(tmp_path):
    p = _good(tmp_path)
    p.write_bytes(p.read_bytes()[:-100])
    _raises(p, "truncated binary data: the header says 4x3x2 nodes x valuedim 3")


def test_wrong_check_value(tmp_path):
    p = _edit(_good(tmp_path, "binary4"), struct.pack("<f", 1234567.0), struct.pack(">f", 1.0))
    _raises(p, r"wrong check value .* expected 1234567\.0")


def test_big_endian_check_value_in_ovf2(tmp_path):
    check = 123456789012345.0
    p = _edit(_good(tmp_path), struct.pack("<d", check), struct.pack(">d", check))
    _raises(p, "wrong check value.*byte order")


def test_missing_xnodes(tmp_path):
    _raises(_edit(_good(tmp_path), b"# xnodes: 4\n", b""), "no 'xnodes' entry")


def test_header_node_count_larger_than_data(tmp_path):
    _raises(_edit(_good(tmp_path), b"# xnodes: 4", b"# xnodes: 5"), "truncated.*5x3x2 nodes")
    p = _edit(_good(tmp_path, "text"), b"# znodes: 2", b"# znodes: 3")
    _raises(p, "text data has 72 values, the header says 4x3x3 nodes .*truncated")


def test_header_node_counts_that_overflow(tmp_path):
    """Node counts whose product overflows int64 gave a numpy reshape error."""
    p = _good(tmp_path)
    for c, k in zip("xyz", N, strict=True):
        _edit(p, f"# {c}nodes: {k}".encode(), f"# {c}nodes: {2**40}".encode())
    _raises(p, "more than the .* bytes of data can hold")


@pytest.mark.parametrize("fmt", ["text", "binary8"])
def test_non_finite_values_are_refused_unless_allowed(tmp_path, fmt):
    v = _values(3)
    v[1, 2, 0, 1], v[0, 0, 0, 0] = 7.5, 8.5  # markers, made NaN and inf below
    p = tmp_path / f"nan_{fmt}.ovf"
    raw = ovf.write(p, v, CELL, ORIGIN, fmt).read_bytes()
    if fmt == "text":  # the writer refuses NaN: put it in the text by hand
        p.write_bytes(raw.replace(b"7.5", b"nan", 1).replace(b"8.5", b"inf", 1))
    else:
        p.write_bytes(raw.replace(struct.pack("<d", 7.5), struct.pack("<d", np.nan), 1))
    _raises(p, "values are NaN or infinite.*allow_nonfinite=True")
    got = ovf.read(p, allow_nonfinite=True).values
    assert np.isnan(got[1, 2, 0, 1])


def test_header_node_count_smaller_than_data(tmp_path):
    p = _edit(_good(tmp_path), b"# ynodes: 3", b"# ynodes: 2")
    _raises(p, "node count is smaller than the data")
    p = _edit(_good(tmp_path, "text"), b"# ynodes: 3", b"# ynodes: 2")
    _raises(p, "text data has 72 values, the header says 4x2x2 nodes")


@pytest.mark.parametrize("content", [b"", b"hello\n", b"\x89PNG\r\n\x1a\n\x00\x00", b"# OVF\n"])
def test_not_an_ovf_file(tmp_path, content):
    p = tmp_path / "x.ovf"
    p.write_bytes(content)
    _raises(p, "not an OVF file")


def test_irregular_mesh(tmp_path):
    _raises(_edit(_good(tmp_path), b"rectangular", b"irregular"), "meshtype 'irregular'")
    p = tmp_path / "i.omf"
    p.write_bytes(_ovf1_header("Text").replace(b"rectangular mesh", b"irregular mesh"))
    _raises(p, "meshtype 'irregular' is not supported")


def test_unknown_data_format(tmp_path):
    p = _edit(_good(tmp_path), b"# Begin: Data Binary 8", b"# Begin: Data Binary 16")
    _raises(p, "unknown data format 'Data Binary 16'")


def test_non_numeric_text(tmp_path):
    p = _good(tmp_path, "text")
    raw = p.read_bytes()
    first = raw.split(b"# Begin: Data Text\n")[1].split()[0]
    _raises(_edit(p, b"\n" + first + b" ", b"\n0.5abc "), "non-numeric text data.*0.5abc")


def test_incomplete_header_and_bad_numbers(tmp_path):
    p = _good(tmp_path)
    p.write_bytes(_fmt_header(p).encode())
    _raises(p, "no '# Begin: Data' line")
    _raises(_edit(_good(tmp_path), b"# xstepsize: 2e-09", b"# xstepsize: two"), "not a number")
    _raises(_edit(_good(tmp_path), b"# xstepsize: 2e-09", b"# xstepsize: 0"), "positive")
    _raises(_edit(_good(tmp_path), b"labels: x y z", b"labels: x y"), "valuelabels has 2")
    _raises(_edit(_good(tmp_path), b"meshunit: m", b"meshunit: furlong"), "meshunit")


# --- bad inputs to write ----------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"values": np.zeros((3, 4, 3))}, "shape"),
        ({"values": np.zeros((3, 0, 3, 2))}, "shape"),
        ({"cell": (2e-9, 0.0, 5e-9)}, "cell"),
        ({"cell": (2e-9, np.inf, 5e-9)}, "cell"),
        ({"cell": (2e-9, 3e-9)}, "cell"),
        ({"origin": (0.0, np.nan, 0.0)}, "origin"),
        ({"values": np.full((3, *N), np.nan)}, "finite"),
        ({"values": np.ones((3, *N), complex)}, "real"),
        ({"fmt": "binary2"}, "fmt"),
        ({"fmt": "binary4", "values": np.full((1, *N), 1e300)}, "float32"),
        ({"labels": ("x", "y")}, "labels has 2"),
        ({"units": ("A/m",) * 4}, "units has 4"),
        ({"labels": ("x", "{y}", "z")}, "label"),
        ({"title": "two\nlines"}, "title"),
        ({"desc": ["ok", "bad ## comment"]}, "desc"),
    ],
)
def test_write_rejects_bad_input(tmp_path, kwargs, match):
    args = {"values": _values(3), "cell": CELL} | kwargs
    with pytest.raises(ValueError, match=match):
        ovf.write(tmp_path / "a.ovf", **args)
    assert list(tmp_path.iterdir()) == []


def test_failed_write_leaves_old_file(tmp_path, monkeypatch):
    p = tmp_path / "a.ovf"
    p.write_text("old")
    monkeypatch.setattr(ovf, "_CHECK", {})  # fail inside the open file, after the header
    with pytest.raises(KeyError):
        ovf.write(p, _values(3), CELL)
    assert p.read_text() == "old" and [q.name for q in tmp_path.iterdir()] == ["a.ovf"]


# --- the CLI ----------------------------------------------------------------------------


def _run(argv):
    parser = argparse.ArgumentParser(prog="jaxmag")
    cli_ovf.add_parser(parser.add_subparsers(dest="command", required=True))
    return cli_ovf.run(parser.parse_args(argv))


def test_cli_info(tmp_path, capsys):
    v = np.zeros((3, *N))
    v[0], v[2, 1, 2, 1] = 1.0, -4.0
    p = ovf.write(tmp_path / "m.ovf", v, CELL, ORIGIN, labels=["m_x", "m_y", "m_z"], title="m")
    assert _run(["ovf", "info", str(p)]) == 0
    out = capsys.readouterr().out
    for s in [
        "OVF 2.0",
        "binary8",
        "4 x 3 x 2",
        "2e-09 x 3e-09 x 5e-09 m",
        "(1e-09, -4e-09, 7e-09)",
    ]:
        assert s in out
    assert "valuedim: 3" in out and "title:    m" in out
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines()}
    assert [float(x) for x in rows["m_x"][1:]] == [1.0, 1.0, 1.0]
    assert [float(x) for x in rows["m_z"][1:]] == pytest.approx([-4.0, -4.0 / 24, 0.0], rel=1e-5)


def test_cli_convert(tmp_path, capsys):
    v = _values(3)
    src = ovf.write(tmp_path / "a.ovf", v, CELL, ORIGIN, desc="d", labels=["a", "b", "c"])
    txt, b4 = tmp_path / "a_txt.ovf", tmp_path / "a_b4.ovf"
    assert _run(["ovf", "convert", str(src), str(txt), "--format", "text"]) == 0
    assert "Begin: Data Text" in txt.read_text()
    f = ovf.read(txt)
    np.testing.assert_array_equal(f.values, v)
    assert (f.cell, f.origin, f.labels, f.desc, f.fmt) == (
        CELL,
        ORIGIN,
        ("a", "b", "c"),
        ["d"],
        "text",
    )
    assert _run(["ovf", "convert", str(txt), str(b4), "--format", "binary4"]) == 0
    np.testing.assert_array_equal(ovf.read(b4).values, _expected(v, "binary4"))
    assert _run(["ovf", "convert", str(b4), str(tmp_path / "a_b8.ovf")]) == 0
    assert ovf.read(tmp_path / "a_b8.ovf").fmt == "binary8"
    assert "wrote" in capsys.readouterr().out


def test_cli_missing_file(tmp_path):
    with pytest.raises(ValueError, match="nope.ovf: No such file"):
        _run(["ovf", "info", str(tmp_path / "nope.ovf")])


def test_cli_plot_writes_a_map_and_rejects_scalars(tmp_path, capsys):
    from jaxmag.cli import main

    rng = np.random.default_rng(5)
    m = rng.normal(size=(3, 6, 4, 1))
    ovf.write(tmp_path / "v.ovf", m / np.linalg.norm(m, axis=0), (2e-9, 3e-9, 5e-9))
    ovf.write(tmp_path / "s.ovf", m[:1], (2e-9, 3e-9, 5e-9))
    assert main(["ovf", "plot", str(tmp_path / "v.ovf")]) == 0
    assert (tmp_path / "v.png").read_bytes()[:4] == b"\x89PNG"
    assert main(["ovf", "plot", str(tmp_path / "s.ovf")]) == 2
    assert "s.ovf: a map needs a vector field" in capsys.readouterr().err
