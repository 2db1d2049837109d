"""Run the Python code blocks of documentation pages, as CI does, and keep their figures.

Every fenced ``python`` block of a page runs, top to bottom, in one namespace, with the
working directory set to the page's ``figures/`` folder beside it (``docs/figures`` for
the README). A page shows what its
code saved there (``![...](figures/NAME.png)``); ``tests/test_docs.py`` runs the same
blocks in a temporary folder and checks that they write every figure the page shows.

    python docs/make_figures.py docs/howto/dmi.md          # one page
    python docs/make_figures.py                            # every page with figures
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import time
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
FIGURE_LINK = re.compile(r"!\[[^\]]*\]\((?:docs/)?figures/([^)\s]+)\)")


def figures_dir(path: Path) -> Path:
    """Where a page's figures live: ``figures/`` beside it (``docs/figures`` for the README)."""
    path = Path(path).resolve()
    return DOCS / "figures" if path == ROOT / "README.md" else path.parent / "figures"


def code_blocks(path: Path) -> list[str]:
    """The page's fenced ``python`` blocks, dedented, in order."""
    from mktestdocs import grab_code_blocks

    return grab_code_blocks(Path(path).read_text(encoding="utf-8"), lang="python")


def shown_figures(path: Path) -> list[str]:
    """File names of the figures the page shows from its ``figures/`` folder."""
    return FIGURE_LINK.findall(Path(path).read_text(encoding="utf-8"))


def run_page(path: Path, workdir: Path) -> dict:
    """Execute the page's blocks in ``workdir``; return the namespace they filled."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    import matplotlib.pyplot as plt

    path = Path(path).resolve()
    namespace: dict = {"__name__": "__main__", "__file__": str(path)}
    previous = Path.cwd()
    workdir.mkdir(parents=True, exist_ok=True)
    os.chdir(workdir)
    try:
        for i, block in enumerate(code_blocks(path)):
            code = compile(block, f"{path.name}[block {i + 1}]", "exec")
            exec(code, namespace)  # noqa: S102 - documentation code is ours
    finally:
        os.chdir(previous)
        plt.close("all")
    return namespace


def main(argv: list[str]) -> int:
    every = [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]
    pages = [Path(a) for a in argv] or [p for p in every if shown_figures(p)]
    for page in pages:
        start = time.perf_counter()
        with contextlib.redirect_stdout(sys.stderr):
            run_page(page, figures_dir(page))
        missing = [f for f in shown_figures(page) if not (figures_dir(page) / f).exists()]
        status = "ok" if not missing else f"MISSING {missing}"
        print(f"{page}: {time.perf_counter() - start:.1f} s, {status}")
        if missing:
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
