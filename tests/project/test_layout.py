"""The code's layers and sizes (STYLE.md): aecore is a library that never imports Streamlit or the
app; modules stay small; pages only lay out; the module map in docs/design.md is the tree."""

import ast
import re
from pathlib import Path

import pytest

from tests.builders import ROOT

LIBRARY = sorted((ROOT / "aecore").rglob("*.py"))
UI = sorted((ROOT / "aecore_app").glob("*.py"))
PAGES = sorted((ROOT / "aecore_app" / "app_pages").rglob("*.py"))
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


@pytest.mark.parametrize("path", LIBRARY, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_library_never_imports_streamlit_the_app_or_the_benchmarks(path):
    assert not _imports(path) & {"streamlit", "aecore_app", "app_pages", "bench"}


@pytest.mark.parametrize("path", LIBRARY + UI + sorted((ROOT / "bench").rglob("*.py")),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_is_over_the_limit(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MODULE_LINES


@pytest.mark.parametrize("path", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_pages_only_lay_out(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= PAGE_LINES


def test_the_design_module_map_is_the_tree():
    design = (ROOT / "docs" / "design.md").read_text(encoding="utf-8")
    block = design.split("# Design", 1)[1].split("```", 2)[1]
    listed = {"aecore": set(), "aecore_app": set()}
    package = sub = None
    for line in block.splitlines():
        top = re.match(r"^(\w+)/", line)
        if top:
            package, sub = top.group(1), None
        folder = re.match(r"^  (\w+)/", line)
        if folder:
            sub = folder.group(1)
        entry = re.match(r"^  (\w+\.py)\b", line)
        if entry and package in listed:
            sub = None
            listed[package].add(entry.group(1))
        nested = re.match(r"^    (\w+\.py)\b", line)
        if nested and sub and package in listed:
            listed[package].add(f"{sub}/{nested.group(1)}")
    for package, names in listed.items():
        tree = {p.relative_to(ROOT / package).as_posix() for p in (ROOT / package).rglob("*.py")}
        tree -= {"__init__.py", "__main__.py"}
        tree = {name for name in tree if not name.endswith("/__init__.py") and not name.startswith("app_pages/")}
        assert names == tree, package


#: Imports inside a function that point up the layers on purpose, each with its reason.
UPWARD_ON_CALL = {
    ("aecore.presets", "aecore.reducer"): "TrainConfig.to_reducer() builds the estimator it configures",
    ("aecore", "aecore.reducer"): "aecore.AutoencoderReducer is loaded on first use",
}


def _library_imports() -> dict[str, set[str]]:
    """Each aecore module's imports of other aecore modules (inside functions too; not the
    ``if TYPE_CHECKING`` ones), by dotted name."""
    modules = {}
    for path in LIBRARY:
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        context = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        typing_only = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If)
                       and getattr(block.test, "id", "") == "TYPE_CHECKING" for n in ast.walk(block)}
        targets = set()
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(context[: len(context) - node.level + 1] + ([base] if base else []))
                subs = {f"{base}.{alias.name}" for alias in node.names} & modules.keys()
                targets.update(subs or {base})
        graph[name] = {t for t in targets if t in modules and t != name} - {
            t for (a, t) in UPWARD_ON_CALL if a == name}
    return graph


def test_the_library_has_few_top_level_modules_and_no_import_circles():
    top_level = sorted(p.name for p in (ROOT / "aecore").glob("*.py"))
    assert len(top_level) <= 15, top_level
    graph = _library_imports()
    seen, on_path = set(), []

    def visit(module):
        assert module not in on_path, " -> ".join(on_path[on_path.index(module):] + [module])
        if module in seen:
            return
        on_path.append(module)
        for target in sorted(graph[module]):
            visit(target)
        on_path.pop()
        seen.add(module)

    for module in sorted(graph):
        visit(module)


def test_every_folder_of_the_library_is_a_package_git_keeps():
    """A folder without a tracked ``__init__.py`` imports in a checkout (as a namespace package) but
    leaves the wheel without it: a clean clone and an install would not have it."""
    import subprocess

    tracked = set(subprocess.run(["git", "ls-files", "aecore"], cwd=ROOT, capture_output=True, text=True,
                                 check=True).stdout.split())
    folders = {p.parent for p in (ROOT / "aecore").rglob("*.py") if "__pycache__" not in p.parts}
    missing = sorted(str(folder.relative_to(ROOT)) for folder in folders
                     if (folder / "__init__.py").relative_to(ROOT).as_posix() not in tracked)
    assert not missing, f"no tracked __init__.py in {missing}"


def test_the_two_copies_of_the_apps_settings_are_the_same():
    """.streamlit/config.toml (a checkout, Community Cloud) and aecore_app/.streamlit/config.toml (the
    installed app) are edited together."""
    assert (ROOT / "aecore_app" / ".streamlit" / "config.toml").read_bytes() == (
        ROOT / ".streamlit" / "config.toml").read_bytes()
