"""No two modules of modelyard import each other, at any level of the package tree (issue 18).

The graph is read from the source with ``ast``, not by importing it. Every ``import`` statement
counts wherever it stands (at the top, under ``if TYPE_CHECKING``, inside a function: a lazy
import is still a dependency, as import-linter counts it); ``from package import name`` imports
``package.name`` when that is a module, else ``package``. Two modules that import each other
fail, and so do two sibling packages when a module of each imports a module of the other
(``core.data`` and ``core.serving`` once did). The layers contract in ``pyproject.toml`` orders
the core's domains; this test keeps every package, the edges included, free of such pairs.
"""

from __future__ import annotations

import ast
import textwrap
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import modelyard

SOURCE = Path(modelyard.__file__).parent


@dataclass(frozen=True, order=True)
class Edge:
    """``importer`` imports ``imported`` at ``line`` of its file."""

    importer: str
    imported: str
    line: int

    def __str__(self) -> str:
        return f"{self.importer} -> {self.imported} (line {self.line})"


def modules_of(package: Path) -> dict[str, Path]:
    """Every module under ``package`` by dotted name (a package by its ``__init__.py``)."""
    found = {}
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _targets(node: ast.Import | ast.ImportFrom, base: str, modules: dict[str, Path]) -> set[str]:
    if isinstance(node, ast.Import):
        names = [alias.name.split(".") for alias in node.names]
        prefixes = ([".".join(parts[:n]) for n in range(len(parts), 0, -1)] for parts in names)
        return {next((p for p in prefix if p in modules), "") for prefix in prefixes} - {""}
    found = set()
    for alias in node.names:
        if f"{base}.{alias.name}" in modules:
            found.add(f"{base}.{alias.name}")
        elif base in modules:
            found.add(base)
    return found


def _base(node: ast.ImportFrom, name: str, *, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    parts = name.split(".") if is_package else name.split(".")[:-1]
    parts = parts[: len(parts) - node.level + 1]
    return ".".join([*parts, *([node.module] if node.module else [])])


def import_edges(modules: dict[str, Path]) -> Iterator[Edge]:
    """Each module-to-module import, once per importing statement and imported module."""
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                targets = _targets(node, "", modules)
            elif isinstance(node, ast.ImportFrom):
                targets = _targets(node, _base(node, name, is_package=is_package), modules)
            else:
                continue
            yield from (Edge(name, target, node.lineno) for target in targets if target != name)


def mutual_modules(edges: list[Edge]) -> list[tuple[Edge, Edge]]:
    """Pairs of modules that import each other directly."""
    first = {(e.importer, e.imported): e for e in edges}
    return sorted(
        (edge, first[(edge.imported, edge.importer)])
        for edge in first.values()
        if edge.importer < edge.imported and (edge.imported, edge.importer) in first
    )


def mutual_siblings(edges: list[Edge]) -> dict[tuple[str, str], list[Edge]]:
    """Sibling packages or modules that import each other through any of their modules, with
    the imports each way (an import between a package and its own contents is no such pair)."""
    between: dict[tuple[str, str], list[Edge]] = defaultdict(list)
    for edge in edges:
        left, right = edge.importer.split("."), edge.imported.split(".")
        common = 0
        while common < min(len(left), len(right)) and left[common] == right[common]:
            common += 1
        if common < min(len(left), len(right)):
            pair = (".".join(left[: common + 1]), ".".join(right[: common + 1]))
            between[pair].append(edge)
    return {
        (a, b): between[(a, b)] + between[(b, a)]
        for a, b in sorted(between)
        if a < b and (b, a) in between
    }


def _explain(pairs: dict[tuple[str, str], list[Edge]]) -> str:
    lines = []
    for (a, b), edges in pairs.items():
        lines.append(f"{a} <-> {b}:")
        lines.extend(f"    {edge}" for edge in edges)
    return "\n".join(lines)


class TestModelyard:
    def test_the_graph_is_read(self) -> None:
        edges = {(e.importer, e.imported) for e in import_edges(modules_of(SOURCE))}
        assert ("modelyard.storage.registry", "modelyard.storage.s3") in edges
        assert ("modelyard.core.schedules.service", "modelyard.core.pipelines.batch") in edges

    def test_no_two_modules_import_each_other(self) -> None:
        pairs = mutual_modules(list(import_edges(modules_of(SOURCE))))
        assert not pairs, "\n".join(f"{there}  and  {back}" for there, back in pairs)

    def test_no_two_sibling_packages_import_each_other(self) -> None:
        pairs = mutual_siblings(list(import_edges(modules_of(SOURCE))))
        assert not pairs, _explain(pairs)


def write_package(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root / "app"


class TestTheCheck:
    def test_a_lazy_import_back_is_a_pair(self, tmp_path: Path) -> None:
        package = write_package(
            tmp_path,
            {
                "app/__init__.py": "",
                "app/store/__init__.py": "",
                "app/store/base.py": "def open():\n    from app.store import local\n",
                "app/store/local.py": "from app.store.base import open\n",
            },
        )
        pairs = mutual_modules(list(import_edges(modules_of(package))))
        assert [(a.importer, b.importer) for a, b in pairs] == [
            ("app.store.base", "app.store.local")
        ]

    def test_packages_importing_each_other_through_their_modules_are_a_pair(
        self, tmp_path: Path
    ) -> None:
        package = write_package(
            tmp_path,
            {
                "app/__init__.py": "",
                "app/data/__init__.py": "",
                "app/data/rules.py": "from app.serving.schemas import Field\n",
                "app/serving/__init__.py": "",
                "app/serving/schemas.py": "Field = str\n",
                "app/serving/batch.py": "from ..data import rules\n",
            },
        )
        edges = list(import_edges(modules_of(package)))
        assert mutual_modules(edges) == []
        pairs = mutual_siblings(edges)
        assert list(pairs) == [("app.data", "app.serving")]
        assert [str(e) for e in pairs[("app.data", "app.serving")]] == [
            "app.data.rules -> app.serving.schemas (line 1)",
            "app.serving.batch -> app.data.rules (line 1)",
        ]

    def test_a_package_using_its_own_modules_is_no_pair(self, tmp_path: Path) -> None:
        package = write_package(
            tmp_path,
            {
                "app/__init__.py": "from app import kinds\n",
                "app/kinds/__init__.py": "from app.kinds.mysql import MySQL\n",
                "app/kinds/base.py": "class Kind: ...\n",
                "app/kinds/mysql.py": "from app.kinds import base\nMySQL = base.Kind\n",
            },
        )
        edges = list(import_edges(modules_of(package)))
        assert ("app.kinds.mysql", "app.kinds.base") in {(e.importer, e.imported) for e in edges}
        assert mutual_modules(edges) == []
        assert mutual_siblings(edges) == {}
