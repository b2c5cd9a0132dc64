"""Modules per folder of aecore and its import circles, from the source (no import runs):

    python scripts/import_graph.py [ROOT]

Counts the .py files of each folder, then the strongly connected parts of the graph of aecore's
imports of itself: once with the module-level imports only, once with those inside functions too
(``if TYPE_CHECKING`` blocks left out). tests/project/test_layout.py fails on any circle but the
ones it names."""

import ast
import sys
from collections import Counter
from pathlib import Path


def modules(root: Path) -> dict[str, Path]:
    found = {}
    for path in (root / "aecore").rglob("*.py"):
        parts = list(path.relative_to(root).with_suffix("").parts)
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports(name: str, path: Path, known: dict, top_only: bool) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    context = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    typing_only = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If)
                   and getattr(block.test, "id", "") == "TYPE_CHECKING" for n in ast.walk(block)}
    nodes = tree.body if top_only else ast.walk(tree)
    targets = set()
    for node in nodes:
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            targets |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(context[: len(context) - node.level + 1] + ([base] if base else []))
            subs = {f"{base}.{alias.name}" for alias in node.names} & known.keys()
            targets |= subs or {base}
    return {t for t in targets if t in known and t != name}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components with more than one module."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            part = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                part.append(w)
                if w == v:
                    break
            if len(part) > 1:
                found.append(sorted(part))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def main(root: Path) -> None:
    known = modules(root)
    per_folder = Counter(str(path.parent.relative_to(root)) for path in known.values())
    print("modules per folder (.py files):", dict(sorted(per_folder.items())))
    for top_only, what in ((True, "module-level imports"), (False, "imports inside functions too")):
        found = circles({name: imports(name, path, known, top_only) for name, path in known.items()})
        print(f"import circles, {what}: {len(found)}")
        for part in found:
            print("   ", " <-> ".join(part))


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve())
