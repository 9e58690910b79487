"""The house runs one way: no two top-level packages reach each other, and every package has its floor.

import-linter (in `make lint`) enforces the contracts written in pyproject.toml; these tests check the two
promises the README makes about them without it, over every import statement of the package, including
those inside functions (imports under `if TYPE_CHECKING:` are left out: they never run).
"""

from __future__ import annotations

import ast
import tomllib
from collections import defaultdict
from pathlib import Path

import countermark

PACKAGE_DIR = Path(countermark.__file__).resolve().parent
PYPROJECT = PACKAGE_DIR.parent.parent / "pyproject.toml"


def _top_level(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "countermark" else None


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(inner) for statement in node.body for inner in ast.walk(statement))
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            if node.module == "countermark":
                found.update(f"countermark.{alias.name}" for alias in node.names)
    return found


def package_graph() -> dict[str, set[str]]:
    """Top-level package → the top-level packages its modules import."""
    graph: dict[str, set[str]] = defaultdict(set)
    for path in PACKAGE_DIR.rglob("*.py"):
        source = path.relative_to(PACKAGE_DIR).parts[0].removesuffix(".py")
        if source == "__init__":
            continue
        for module in _imported_modules(path):
            target = _top_level(module)
            if target is not None and target != source:
                graph[source].add(target)
    return graph


def _reach(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = list(graph.get(start, ()))
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(graph.get(node, ()))
    return seen


def test_no_two_packages_reach_each_other() -> None:
    graph = package_graph()
    assert len(graph) >= 10  # the walk found the house
    cycles = sorted(
        {tuple(sorted((a, b))) for a in graph for b in _reach(graph, a) if a != b and a in _reach(graph, b)}
    )
    assert cycles == [], f"packages that reach each other both ways: {cycles}"


def test_every_top_level_package_has_its_floor() -> None:
    contracts = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["importlinter"]["contracts"]
    floors = next(c for c in contracts if c["id"] == "floors")
    assert floors["exhaustive"] is True
    named = {name.strip() for layer in floors["layers"] for name in layer.replace(":", "|").split("|")}
    packages = {path.name for path in PACKAGE_DIR.iterdir() if (path / "__init__.py").exists()}
    packages |= {path.stem for path in PACKAGE_DIR.glob("*.py") if path.stem != "__init__"}
    assert packages - named == set(), "place every new top-level package on a floor in pyproject.toml"
    assert named - packages == set(), "the floors name a package that no longer exists"


def test_capability_tables_are_protected() -> None:
    contracts = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["importlinter"]["contracts"]
    protected = {m for c in contracts if c["type"] == "protected" for m in c["protected_modules"]}
    with_tables = {
        f"countermark.{path.parent.name}.models"
        for path in PACKAGE_DIR.glob("*/models.py")
        if path.parent.name != "core"
    }
    assert with_tables - protected == set(), "protect every capability's tables with a contract"
