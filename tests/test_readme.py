"""The README is a user's document: short, its quick start the two commands CI runs, its
links alive; the documentation site's navigation names pages that exist."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _section(text: str, title: str) -> str:
    start = text.index(f"## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else None]


def _bash_lines(section: str) -> list[str]:
    blocks = re.findall(r"```bash\n(.*?)```", section, flags=re.S)
    return [ln.strip() for b in blocks for ln in b.splitlines() if ln.strip()]


def test_readme_is_short():
    assert len(README.splitlines()) < 150


def test_quick_start_is_two_commands_and_ci_runs_the_test_command():
    commands = _bash_lines(_section(README, "Quick start"))
    assert len(commands) == 2, commands
    assert commands[0].startswith("pip install -e . && jaxmag sp4")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert commands[1] in ci, "the README's test command must be a line of .ci/run"


def test_readme_names_the_gpu_install_and_the_site_build():
    install = " ".join(_bash_lines(_section(README, "Install")))
    assert '".[cuda12]"' in install and "jaxmag info" in install
    assert "mkdocs build --strict" in " ".join(_bash_lines(_section(README, "Documentation")))
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")


def _links(text: str) -> list[str]:
    return [
        t for t in re.findall(r"\]\(([^)\s#]+)(?:#[^)]*)?\)", text) if not re.match(r"[a-z]+://", t)
    ]


def test_readme_links_exist():
    links = _links(README)
    assert links
    for target in links:
        assert (ROOT / target).exists(), target


def _nav_pages(node) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [p for v in node.values() for p in _nav_pages(v)]
    return [p for v in node for p in _nav_pages(v)]


def test_site_navigation_names_existing_pages():
    yaml = pytest.importorskip("yaml")
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    nav = yaml.safe_load(text[text.index("\nnav:") :])["nav"]
    pages = _nav_pages(nav)
    assert len(pages) > 20
    for page in pages:
        assert (ROOT / "docs" / page).is_file(), page
    notebooks = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert sorted(Path(p).name for p in pages if p.endswith(".ipynb")) == notebooks


def test_no_placeholder_left_in_the_docs():
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"PLACEHOLDER|\bTODO\b|\bXXX\b", text), page
