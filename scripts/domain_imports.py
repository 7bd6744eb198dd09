"""The import graph of ``contest.domain``: its cycles, else its layers, lowest first.

Every import counts, also one inside a function (a "lazy" import still ties the modules
together). Run ``python scripts/domain_imports.py [-v]``: it prints the cycles and exits 1,
or prints the layers (a module imports only modules of lower layers) and exits 0; ``-v``
prints every module's imports too. ``tests/test_domain_imports.py`` runs it.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

DOMAIN = Path(__file__).resolve().parent.parent / "contest" / "domain"
PACKAGE = "contest.domain"


def _imported(node: ast.AST) -> list[str]:
    """The ``contest.domain`` modules that one import statement names."""
    if isinstance(node, ast.Import):
        return [a.name.split(".")[2] for a in node.names if a.name.startswith(PACKAGE + ".")]
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level:  # relative: ``from . import x`` or ``from .x import y``
        return [node.module.split(".")[0]] if node.module else [a.name for a in node.names]
    if node.module == PACKAGE:
        return [a.name for a in node.names]
    if node.module and node.module.startswith(PACKAGE + "."):
        return [node.module.split(".")[2]]
    return []


def import_graph(folder: Path = DOMAIN) -> dict[str, set[str]]:
    """``{module: the domain modules it imports}``, by module name (``awards``, ``gallery``…)."""
    modules = {path.stem: path for path in folder.glob("*.py") if path.stem != "__init__"}
    return {name: {target for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                   for target in _imported(node) if target in modules and target != name}
            for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while not component or component[-1] != v:
                component.append(stack.pop())
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


def layers(graph: dict[str, set[str]]) -> list[list[str]]:
    """For a graph without cycles: layer 0 imports no domain module, layer n only modules of
    the layers below it (at least one of layer n − 1)."""
    level: dict[str, int] = {}

    def depth(v: str) -> int:
        if v not in level:
            level[v] = 1 + max((depth(w) for w in graph[v]), default=-1)
        return level[v]

    for v in graph:
        depth(v)
    return [sorted(v for v in level if level[v] == n) for n in range(max(level.values(), default=-1) + 1)]


def main(argv: list[str]) -> int:
    graph = import_graph()
    if "-v" in argv:
        for name in sorted(graph):
            print(f"{name} -> {', '.join(sorted(graph[name])) or '-'}")
    found = cycles(graph)
    for component in found:
        print("cycle:", " ".join(component))
        for v in component:
            print(f"    {v} -> {', '.join(sorted(graph[v] & set(component)))}")
    if found:
        return 1
    for n, names in enumerate(layers(graph)):
        print(f"{n}: {' '.join(names)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
