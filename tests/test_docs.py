"""Every Python block of the README and of the documentation runs, as a user would run it.

Each page's blocks run top to bottom in one namespace, in a temporary folder. A page that
shows figures from its ``figures/`` folder must write each of them (the committed images
are made by the same code: ``python docs/make_figures.py PAGE``). The pages run at small
sizes but still simulate, so they are in the slow set, which ``.ci/run`` runs.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("make_figures", ROOT / "docs" / "make_figures.py")
make_figures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_figures)

PAGES = [ROOT / "README.md"] + sorted((ROOT / "docs").rglob("*.md"))
PAGES = [p for p in PAGES if make_figures.code_blocks(p)]


def test_pages_found():
    assert ROOT / "README.md" in PAGES
    assert len(PAGES) >= 2, PAGES


def test_block_extraction_sees_every_python_fence(tmp_path):
    page = tmp_path / "p.md"
    page.write_text(
        "text\n\n```python\nx = 1\n```\n\n```bash\nnot python\n```\n\n"
        "!!! note\n    ```python\n    y = x + 1\n    ```\n\n![f](figures/a.png)\n"
    )
    assert [b.strip() for b in make_figures.code_blocks(page)] == ["x = 1", "y = x + 1"]
    assert make_figures.shown_figures(page) == ["a.png"]
    ns = make_figures.run_page(page, tmp_path / "w")
    assert ns["y"] == 2


def test_a_failing_block_fails(tmp_path):
    page = tmp_path / "p.md"
    page.write_text("```python\nraise ValueError('boom')\n```\n")
    with pytest.raises(ValueError, match="boom"):
        make_figures.run_page(page, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_page_code_runs(page, tmp_path):
    make_figures.run_page(page, tmp_path)
    for name in make_figures.shown_figures(page):
        assert (tmp_path / name).is_file(), f"{page.name} shows figures/{name} but never writes it"
