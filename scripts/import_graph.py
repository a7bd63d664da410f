"""The import graph of ``portal/`` between its parts: each package (accounts, audit, datasets, …)
and each top-level module (db, web, errors, …) is one node; ``portal`` itself is the app factory.

Every ``import`` counts, wherever it stands (a function-level import hides a dependency, it does
not remove it), except those under ``if TYPE_CHECKING:``, which never run.

Prints each part with the parts it imports, then the problems, and exits 1 if there is one:

- a cycle between parts (the imports that close it are named);
- a view module of a package (one that makes a blueprint) importing another package's view
  module. ``portal.web``, the plumbing every page shares, is a module, not a package's views.

    .venv/bin/python scripts/import_graph.py [--root portal]
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
BLUEPRINT_MAKERS = {"Blueprint", "language_blueprint"}


@dataclass(frozen=True)
class Edge:
    source: str  # dotted module names
    target: str
    line: int


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """The import statements of *tree*, at any depth, but not those only for the type checker."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _type_checking_only(node):
            for other in node.orelse:
                yield from _imports(ast.Module(body=[other], type_ignores=[]))
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        yield from _imports(node)


def imported_modules(
    name: str, is_package: bool, tree: ast.AST, known: set[str], package: str
) -> Iterator[tuple[str, int]]:
    """Dotted names of the modules of *package* that *tree* imports, with their lines."""
    for node in _imports(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
            continue
        base = node.module or ""
        if node.level:  # relative: from the module's own package upwards
            anchor = name.split(".") if is_package else name.split(".")[:-1]
            anchor = anchor[: len(anchor) - (node.level - 1)]
            base = ".".join([*anchor, *([base] if base else [])])
        for alias in node.names:
            candidate = f"{base}.{alias.name}"
            yield (candidate if candidate in known else base), node.lineno


def makes_blueprint(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if called in BLUEPRINT_MAKERS:
                return True
    return False


def part_of(module: str, package: str) -> str:
    """The node a module belongs to: ``portal.accounts.views`` → ``accounts``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else package


def read_tree(root: Path) -> tuple[list[Edge], set[str]]:
    """Every import between modules of *root*, and the view modules of its packages."""
    package = root.name
    files = {module_name(root, path): path for path in sorted(root.rglob("*.py"))}
    known = set(files)
    edges: list[Edge] = []
    views: set[str] = set()
    for name, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        if name.count(".") >= 2 and makes_blueprint(tree):
            views.add(name)
        is_package = path.name == "__init__.py"
        for target, line in imported_modules(name, is_package, tree, known, package):
            edge = Edge(name, target, line)
            if (target == package or target.startswith(package + ".")) and edge not in edges:
                edges.append(edge)
    return edges, views


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm: the groups of nodes that reach each other (only groups of two or more)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def part_graph(edges: list[Edge], package: str) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for edge in edges:
        source, target = part_of(edge.source, package), part_of(edge.target, package)
        graph[source]  # every part is listed, even one that imports no other
        if source != target:
            graph[source].add(target)
    return graph


def problems(root: Path) -> dict[str, str]:
    """Each problem of the tree at *root*: a short key (``cycle: a, b`` or ``views: x -> y``)
    and the imports behind it."""
    package = root.name
    edges, views = read_tree(root)
    found = {}
    for group in strongly_connected(part_graph(edges, package)):
        closing = [
            f"    {e.source}:{e.line} imports {e.target}"
            for e in edges
            if part_of(e.source, package) in group
            and part_of(e.target, package) in group
            and part_of(e.source, package) != part_of(e.target, package)
        ]
        found["cycle: " + ", ".join(group)] = "\n".join(closing)
    for e in edges:
        if (
            e.source in views
            and e.target in views
            and part_of(e.source, package) != part_of(e.target, package)
        ):
            key = f"views: {e.source} -> {e.target}"
            found[key] = found.get(key, "") + f"    {e.source}:{e.line} imports {e.target}\n"
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=PROJECT / "portal")
    root: Path = parser.parse_args(argv).root.resolve()
    graph = part_graph(read_tree(root)[0], root.name)
    for node in sorted(set(graph).union(*graph.values())):
        print(f"{node} -> {', '.join(sorted(graph[node])) or '(nothing)'}")
    found = problems(root)
    print()
    for key, detail in found.items():
        print(f"{key}\n{detail.rstrip()}")
    print(f"{len(found)} problem(s)" if found else "no cycle, no view importing another's views")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
