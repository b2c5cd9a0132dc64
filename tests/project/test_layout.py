"""The code's layers and sizes (STYLE.md): aecore is a library that never imports Streamlit or the
app; modules stay small; pages only lay out; the module map in docs/design.md is the tree."""

import ast
import re
from pathlib import Path

import pytest

from tests.builders import ROOT

LIBRARY = sorted((ROOT / "aecore").glob("*.py"))
UI = sorted((ROOT / "app_ui").glob("*.py"))
PAGES = sorted((ROOT / "app_pages").rglob("*.py"))
#: Lists of small builders, which STYLE.md lets grow past the module limit.
BUILDER_LISTS = {"figures.py", "models.py"}
MODULE_LINES = 450
PAGE_LINES = 150


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", LIBRARY, ids=lambda p: p.name)
def test_the_library_never_imports_streamlit_the_app_or_the_benchmarks(path):
    assert not _imports(path) & {"streamlit", "app_ui", "app_pages", "bench"}


@pytest.mark.parametrize("path", LIBRARY + UI + sorted((ROOT / "bench").glob("*.py")), ids=lambda p: p.name)
def test_no_module_is_over_the_limit(path):
    if path.name in BUILDER_LISTS:
        return
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MODULE_LINES


@pytest.mark.parametrize("path", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_pages_only_lay_out(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= PAGE_LINES


def test_the_design_module_map_is_the_tree():
    design = (ROOT / "docs" / "design.md").read_text(encoding="utf-8")
    block = design.split("# Design", 1)[1].split("```", 2)[1]
    listed = {"aecore": set(), "app_ui": set()}
    package = None
    for line in block.splitlines():
        top = re.match(r"^(\w+)/", line)
        if top:
            package = top.group(1)
        entry = re.match(r"^  (\w+\.py)\b", line)
        if entry and package in listed:
            listed[package].add(entry.group(1))
    for package, names in listed.items():
        tree = {p.name for p in (ROOT / package).glob("*.py")} - {"__init__.py", "__main__.py"}
        assert names == tree, package
