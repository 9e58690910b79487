"""Draw docs/architecture.svg from the code: the floors of pyproject.toml and the imports that really exist.

Run `.venv/bin/python scripts/architecture_svg.py`. Each row is a floor of the import-linter layers
contract (top floor first); each box is a top-level package; each line is a package importing another,
found by reading every import statement of `src/countermark` (function-level ones included). Lines only
ever go down: a line going up would be a broken contract.
"""

from __future__ import annotations

import ast
import sys
import tomllib
from collections import defaultdict
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DIR = ROOT / "src" / "countermark"
OUT = ROOT / "docs" / "architecture.svg"
BOX_W, BOX_H, GAP_X, ROW_H, MARGIN = 118, 30, 14, 62, 20
# Where each floor starts, by the first package of its row.
FLOOR_NAMES = {
    "cli": "top floor",
    "sim": "the world",
    "ingest": "capabilities",
    "orgs": "access",
    "core": "ground floor",
}


def imports_between_packages() -> dict[str, set[str]]:
    """Top-level package → top-level packages it imports (TYPE_CHECKING blocks left out)."""
    graph: dict[str, set[str]] = defaultdict(set)
    for path in PACKAGE_DIR.rglob("*.py"):
        source = path.relative_to(PACKAGE_DIR).parts[0].removesuffix(".py")
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skipped = {
            id(inner)
            for node in ast.walk(tree)
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
            for statement in node.body
            for inner in ast.walk(statement)
        }
        for node in ast.walk(tree):
            if id(node) in skipped:
                continue
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                parts = name.split(".")
                if len(parts) > 1 and parts[0] == "countermark" and parts[1] != source:
                    graph[source].add(parts[1])
    return graph


def floors() -> list[list[str]]:
    """The layers of the 'floors' contract, each a list of packages."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contract = next(c for c in config["tool"]["importlinter"]["contracts"] if c["id"] == "floors")
    return [[name.strip() for name in layer.split("|")] for layer in contract["layers"]]


def draw() -> str:
    rows = floors()
    widest = max(len(row) for row in rows)
    width = 2 * MARGIN + 110 + widest * (BOX_W + GAP_X)
    height = 2 * MARGIN + len(rows) * ROW_H
    where: dict[str, tuple[float, float]] = {}
    boxes: list[str] = []
    for index, row in enumerate(rows):
        y = MARGIN + index * ROW_H
        span = len(row) * BOX_W + (len(row) - 1) * GAP_X
        x0 = 110 + MARGIN + ((widest * (BOX_W + GAP_X) - GAP_X) - span) / 2
        if row[0] in FLOOR_NAMES:
            boxes.append(f'<text x="{MARGIN}" y="{y + 20}" class="floor">{FLOOR_NAMES[row[0]]}</text>')
        for position, name in enumerate(row):
            x = x0 + position * (BOX_W + GAP_X)
            where[name] = (x + BOX_W / 2, y)
            boxes.append(
                f'<rect x="{x:.0f}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="5"/>'
                f'<text x="{x + BOX_W / 2:.0f}" y="{y + 20}" class="name">{escape(name)}</text>'
            )
    lines = []
    for source, targets in sorted(imports_between_packages().items()):
        for target in sorted(targets):
            if source in where and target in where:
                (x1, y1), (x2, y2) = where[source], where[target]
                marked = ' class="up"' if y2 <= y1 else ""
                lines.append(f'<line x1="{x1:.0f}" y1="{y1 + BOX_H}" x2="{x2:.0f}" y2="{y2}"{marked}/>')
    style = (
        "rect{fill:#f4f6f8;stroke:#33475b}line{stroke:#8aa0b4;stroke-opacity:.45}"
        "line.up{stroke:#c0392b;stroke-opacity:1;stroke-width:2}"
        "text{font:13px sans-serif;fill:#1d2b38}.name{text-anchor:middle}"
        ".floor{font-style:italic;fill:#5b6b7a}"
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height}" '
        f'viewBox="0 0 {width:.0f} {height}" role="img" aria-label="Countermark package floors and imports">'
        f"<style>{style}</style>{''.join(lines)}{''.join(boxes)}</svg>\n"
    )


def main() -> int:
    OUT.write_text(draw(), encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
