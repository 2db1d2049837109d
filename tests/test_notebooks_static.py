"""The committed notebooks, read as JSON (nothing is executed).

The notebooks are committed executed, with their outputs, so that the documentation
site (mkdocs-jupyter, execution off) shows their figures. This checks what a reader
would otherwise find broken: a notebook that forces a non-interactive matplotlib backend
(its figures never display in Jupyter; ``notebooks/conftest.py`` sets ``MPLBACKEND``
for the ``pytest --nbmake`` runs instead), one that writes figures to files nobody sees,
one stored without a figure, and one stored with a cell that raised. Each check is also
run on a doctored copy, to show that it can fail.
"""

import ast
import functools
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))

# matplotlib.use(...), mpl.use(...), pyplot.switch_backend(...), a %matplotlib magic other
# than inline, and MPLBACKEND set from code (os.environ, %env, a shell line)
_BACKEND = (
    re.compile(r"\b(matplotlib|mpl)\s*\.\s*use\s*\("),
    re.compile(r"\bswitch_backend\s*\("),
    re.compile(r"^\s*%matplotlib(?!\s+inline\s*$)", re.MULTILINE),
    re.compile(r"MPLBACKEND"),
)
_SAVEFIG = re.compile(r"\bsavefig\s*\(")


@functools.cache
def library_plotters() -> frozenset[str]:
    """The public jaxmag functions that write a figure to a file (and switch matplotlib to
    Agg on the way): a notebook calling one shows nothing and loses its inline figures."""
    names = set()
    for path in (ROOT / "jaxmag").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                body = ast.unparse(node)
                if "savefig" in body or "_save_png(" in body or "matplotlib.use" in body:
                    names.add(node.name)
    return frozenset(names)


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _code(path: Path) -> list[str]:
    return [_source(c) for c in _cells(path) if c["cell_type"] == "code"]


def problems(path: Path) -> list[str]:
    """What is wrong with the notebook at ``path`` (an empty list if nothing)."""
    found = []
    for i, src in enumerate(_code(path)):
        for pattern in _BACKEND:
            if m := pattern.search(src):
                found.append(f"code cell {i} sets a matplotlib backend: {m.group(0)!r}")
        if _SAVEFIG.search(src):
            found.append(f"code cell {i} calls savefig (show the figure instead)")
        for name in sorted(library_plotters()):
            if re.search(rf"\b{name}\s*\(", src):
                found.append(f"code cell {i} calls {name}, which writes a file and sets Agg")
    outputs = [o for c in _cells(path) if c["cell_type"] == "code" for o in c.get("outputs", [])]
    if not any("image/png" in o.get("data", {}) for o in outputs):
        found.append("no stored image/png output (commit it executed, figures shown inline)")
    for c in _cells(path):
        for o in c.get("outputs", []):
            if o.get("output_type") == "error":
                found.append(f"a stored error: {o.get('ename')}: {o.get('evalue')}")
    if not any("JAXMAG_NOTEBOOK_SMALL" in src for src in _code(path)):
        found.append("does not read JAXMAG_NOTEBOOK_SMALL")
    return found


def test_notebooks_found():
    assert len(NOTEBOOKS) >= 13, [p.name for p in NOTEBOOKS]
    assert {"plot_m_avg", "plot_roc", "plot_failure_map"} <= library_plotters()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_clean(path):
    assert problems(path) == []


def _doctor(tmp_path, path, edit) -> Path:
    nb = json.loads(path.read_text(encoding="utf-8"))
    edit(nb)
    out = tmp_path / path.name
    out.write_text(json.dumps(nb), encoding="utf-8")
    return out


def _first_code(nb) -> dict:
    return next(c for c in nb["cells"] if c["cell_type"] == "code")


def _append_code(text):
    def edit(nb):
        cell = _first_code(nb)
        cell["source"] = _source(cell) + "\n" + text

    return edit


def _drop_images(nb):
    for c in nb["cells"]:
        for o in c.get("outputs", []):
            o.get("data", {}).pop("image/png", None)


def _add_error(nb):
    _first_code(nb).setdefault("outputs", []).append(
        {"output_type": "error", "ename": "ValueError", "evalue": "boom", "traceback": []}
    )


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (_append_code('import matplotlib\nmatplotlib.use("Agg")'), "sets a matplotlib backend"),
        (_append_code('import matplotlib as mpl\nmpl.use("pdf")'), "sets a matplotlib backend"),
        (_append_code("%matplotlib agg"), "sets a matplotlib backend"),
        (_append_code('os.environ["MPLBACKEND"] = "Agg"'), "sets a matplotlib backend"),
        (_append_code('plt.switch_backend("Agg")'), "sets a matplotlib backend"),
        (_append_code('fig.savefig("x.png", dpi=80)'), "calls savefig"),
        (_append_code('plt.savefig("x.png")'), "calls savefig"),
        (_append_code('png = plot_m_avg("a.png", ts, m)'), "calls plot_m_avg"),
        (_drop_images, "no stored image/png output"),
        (_add_error, "a stored error: ValueError: boom"),
    ],
    ids=[
        "use",
        "mpl.use",
        "magic",
        "MPLBACKEND",
        "switch_backend",
        "savefig",
        "plt.savefig",
        "plot_m_avg",
        "no image",
        "error",
    ],  # fmt: skip
)
def test_each_check_can_fail(tmp_path, edit, message):
    path = next(p for p in NOTEBOOKS if p.stem == "batched")
    found = problems(_doctor(tmp_path, path, edit))
    assert any(message in f for f in found), found


def test_inline_magic_and_small_flag(tmp_path):
    """``%matplotlib inline`` is allowed; a notebook without the small switch is not."""
    path = next(p for p in NOTEBOOKS if p.stem == "batched")
    assert problems(_doctor(tmp_path, path, _append_code("%matplotlib inline"))) == []

    def no_small(nb):
        for c in nb["cells"]:
            if c["cell_type"] == "code":
                c["source"] = _source(c).replace("JAXMAG_NOTEBOOK_SMALL", "SOMETHING_ELSE")

    found = problems(_doctor(tmp_path, path, no_small))
    assert found == ["does not read JAXMAG_NOTEBOOK_SMALL"]
