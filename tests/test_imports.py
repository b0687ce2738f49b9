"""The import graph of ``autograder``: no module imports itself back at import time.

Read from the source with ``ast``, nothing is imported. An edge ``a -> b`` means that executing
``a``'s module body imports ``b``: a module-level import (inside ``if``/``try`` too, not under
``if TYPE_CHECKING:``), and the packages above ``b`` that Python initialises on the way (a
submodule's own packages are already initialising, so they are no edge). Imports inside functions
run later and are listed apart (``deferred``): they are how a lower module may call a higher one.

``python tests/test_imports.py`` prints the graph's summary: cycles, the most-imported modules.
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

from autograder.loading.syntax import module_name

PACKAGE = Path(__file__).resolve().parents[1] / "autograder"


def module_names(package: Path) -> dict[str, Path]:
    """Every module of ``package`` by dotted name (a package by its ``__init__.py``)."""
    return {module_name(path.relative_to(package.parent)): path for path in package.rglob("*.py")}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(body: list[ast.stmt], at_import: bool):
    """Yield ``(import node, runs at import time)`` for every import under ``body``."""
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node, at_import
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield from _imports(node.body, False)
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from _imports(node.orelse, at_import)
        else:
            for field in ("body", "orelse", "finalbody", "handlers"):
                yield from _imports(getattr(node, field, []), at_import)


def _targets(node: ast.Import | ast.ImportFrom, name: str, is_package: bool, known) -> list[str]:
    """The dotted names an import statement in module ``name`` loads."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        base = name.split(".") if is_package else name.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        source = ".".join(base + ([node.module] if node.module else []))
    else:
        source = node.module or ""
    return [
        f"{source}.{alias.name}" if f"{source}.{alias.name}" in known else source
        for alias in node.names
    ]


def import_graph(package: Path = PACKAGE) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """``(at import time, deferred)``: each module's edges to other modules of ``package``."""
    known = module_names(package)
    eager: dict[str, set[str]] = {name: set() for name in known}
    deferred: dict[str, set[str]] = {name: set() for name in known}
    for name, path in known.items():
        own = {".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 2)}
        tree = ast.parse(path.read_text(), filename=str(path))
        for node, at_import in _imports(tree.body, True):
            for target in _targets(node, name, path.name == "__init__.py", known):
                parts = target.split(".")
                loaded = {".".join(parts[:i]) for i in range(1, len(parts) + 1)}
                edges = eager if at_import else deferred
                edges[name] |= {module for module in loaded - own if module in known}
    return eager, deferred


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def most_imported(graph: dict[str, set[str]], n: int = 5) -> list[tuple[str, int]]:
    """The ``n`` modules that the most other modules import (at import time)."""
    return Counter(t for targets in graph.values() for t in targets).most_common(n)


def test_no_cycle_at_import_time():
    """Does every module of autograder import only modules that never import it back?"""
    eager, _ = import_graph()
    assert cycles(eager) == []


def test_no_cycle_through_deferred_imports():
    """Counting the imports inside functions too, is the package still free of cycles (a lazy
    import is for a cost, such as matplotlib's, never for a way back up)?"""
    eager, deferred = import_graph()
    assert cycles({name: eager[name] | deferred[name] for name in eager}) == []


def test_graph_sees_the_package():
    """Does the scan find the package's real imports (so an empty graph cannot pass as acyclic)?"""
    eager, _ = import_graph()
    assert "autograder.checks.step" in eager["autograder.checks"]
    assert sum(len(targets) for targets in eager.values()) > 50


def test_cycle_is_found(tmp_path):
    """Is a cycle through a package's ``__init__`` found, and a deferred import left out of it?"""
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("from . import low\n")
    (package / "sub" / "low.py").write_text("from .. import high\n")
    (package / "high.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "from .sub import low\n"
        "if TYPE_CHECKING:\n    from . import late\n"
        "def f():\n    from . import late\n"
    )
    (package / "late.py").write_text("from . import high\n")
    eager, deferred = import_graph(package)
    assert cycles(eager) == [["pkg.high", "pkg.sub", "pkg.sub.low"]]
    assert deferred["pkg.high"] == {"pkg.late"}


if __name__ == "__main__":
    eager, deferred = import_graph()
    print("edges at import time:", sum(map(len, eager.values())))
    print("deferred edges:", sum(map(len, deferred.values())))
    print("cycles at import time:", cycles(eager) or "none")
    both = {name: eager[name] | deferred[name] for name in eager}
    print("cycles counting deferred imports:", len(cycles(both)))
    for name, count in most_imported(eager):
        print(f"  {count:3d}  {name}")
