"""A network's graph laid out on the server, for an SVG drawn by the page's template.

Radial layout: the root in the middle, each member on the ring of its depth (hops from the root), in the
order of the member that ties it in, so the tree of "why is this here" edges rarely crosses itself. Only
the MAX_NODES members nearest the root are drawn; the member list shows all of them.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

MAX_NODES = 150
RING = 130.0
SPACING = 30.0  # the least arc between two members of one ring
MARGIN = 90.0
SHAPES = {
    "account": "circle",
    "shop": "square",
    "domain": "diamond",
    "listing": "dot",
    "consignor": "triangle",
}
COLOURS = {
    "account": "#2f6fb0",
    "shop": "#7a4fb3",
    "domain": "#2c8a6e",
    "listing": "#8a8f98",
    "consignor": "#c0632b",
}


@dataclass(frozen=True)
class Node:
    key: str
    kind: str
    label: str
    x: float
    y: float
    shape: str
    colour: str
    points: str  # polygon points for the shapes drawn as polygons


@dataclass(frozen=True)
class Edge:
    x1: float
    y1: float
    x2: float
    y2: float
    mx: float
    my: float
    evidence: str
    detail: str
    tree: bool  # the edge that ties a member in (labelled); others are drawn lighter


@dataclass(frozen=True)
class Graph:
    nodes: list[Node]
    edges: list[Edge]
    view_box: str
    hidden: int  # members not drawn


def _polygon(shape: str, x: float, y: float, r: float) -> str:
    if shape == "square":
        corners = [(x - r, y - r), (x + r, y - r), (x + r, y + r), (x - r, y + r)]
    elif shape == "diamond":
        corners = [(x, y - r * 1.3), (x + r * 1.3, y), (x, y + r * 1.3), (x - r * 1.3, y)]
    elif shape == "triangle":
        corners = [(x, y - r * 1.3), (x + r * 1.2, y + r), (x - r * 1.2, y + r)]
    else:
        return ""
    return " ".join(f"{a:.1f},{b:.1f}" for a, b in corners)


def _short(text: str, limit: int = 26) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _radial(
    drawn: list[Any], parent: dict[str, str], rings: dict[int, list[Any]]
) -> dict[str, tuple[float, float]]:
    """A radial tree: each member gets a sector of its parent's in proportion to the members under it,
    and sits in its middle on the ring of its depth (rings spread out so that members keep apart)."""
    children: dict[str, list[str]] = defaultdict(list)
    drawn_keys = {m.key for m in drawn}
    roots = []
    for member in drawn:
        if parent.get(member.key, member.key) != member.key and parent[member.key] in drawn_keys:
            children[parent[member.key]].append(member.key)
        else:
            roots.append(member.key)
    size: dict[str, int] = {}

    def weigh(key: str) -> int:
        size[key] = 1 + sum(weigh(child) for child in children.get(key, ()))
        return size[key]

    for root in roots:
        weigh(root)
    radius: dict[int, float] = {0: 0.0}
    for depth in sorted(rings):
        if depth:
            spread = len(rings[depth]) * SPACING / (2 * math.pi)
            radius[depth] = max(radius.get(depth - 1, 0.0) + RING, spread)
    depth_of = {m.key: m.depth for m in drawn}
    place: dict[str, tuple[float, float]] = {}
    total = sum(size.get(r, 1) for r in roots) or 1
    pending = []
    start = -math.pi / 2
    for root in sorted(roots):
        share = 2 * math.pi * size.get(root, 1) / total
        pending.append((root, start, start + share))
        start += share
    while pending:
        key, low, high = pending.pop()
        depth = depth_of.get(key, 0)
        theta = (low + high) / 2
        ring = radius.get(depth, RING * depth)
        place[key] = (ring * math.cos(theta), ring * math.sin(theta))
        under = sorted(children.get(key, ()))
        weight = sum(size[c] for c in under) or 1
        cursor = low
        for child in under:
            share = (high - low) * size[child] / weight
            pending.append((child, cursor, cursor + share))
            cursor += share
    return place


def layout(members: list[Any], edges: list[Any]) -> Graph:
    """Positions for the members (objects with key, kind, label, depth, via_edge_id) and their edges
    (objects with id, a, b, evidence, detail)."""
    drawn = sorted(members, key=lambda m: (m.depth, m.key))[:MAX_NODES]
    keys = {m.key for m in drawn}
    by_id = {e.id: e for e in edges}
    parent: dict[str, str] = {}
    for member in drawn:
        edge = by_id.get(member.via_edge_id) if member.via_edge_id is not None else None
        if edge is not None:
            parent[member.key] = edge.a if edge.b == member.key else edge.b
    rings: dict[int, list[Any]] = defaultdict(list)
    for member in drawn:
        rings[member.depth].append(member)
    place = _radial(drawn, parent, rings)
    nodes = []
    for member in drawn:
        x, y = place[member.key]
        shape = SHAPES.get(member.kind, "circle")
        size = 5.0 if shape == "dot" else 11.0
        nodes.append(
            Node(member.key, member.kind, _short(member.label), round(x, 1), round(y, 1), shape,
                 COLOURS.get(member.kind, "#555"), _polygon(shape, x, y, size))
        )  # fmt: skip
    tree_ids = {m.via_edge_id for m in drawn if m.via_edge_id is not None}
    lines = []
    seen: set[tuple[str, str, str]] = set()
    for edge in edges:
        if edge.a not in keys or edge.b not in keys:
            continue
        pair = (min(edge.a, edge.b), max(edge.a, edge.b), edge.evidence)
        if pair in seen and edge.id not in tree_ids:
            continue
        seen.add(pair)
        (x1, y1), (x2, y2) = place[edge.a], place[edge.b]
        lines.append(
            Edge(round(x1, 1), round(y1, 1), round(x2, 1), round(y2, 1), round((x1 + x2) / 2, 1),
                 round((y1 + y2) / 2, 1), edge.evidence, edge.detail, edge.id in tree_ids)
        )  # fmt: skip
    lines.sort(key=lambda e: e.tree)  # tree edges drawn last, on top
    extent = max((max(abs(x), abs(y)) for x, y in place.values()), default=0.0) + MARGIN
    return Graph(
        nodes,
        lines,
        f"{-extent:.0f} {-extent:.0f} {2 * extent:.0f} {2 * extent:.0f}",
        len(members) - len(drawn),
    )


ZOOMS = (("1", "×1"), ("2", "×1.6"), ("3", "×2.5"), ("4", "×4"))
GRAPH_CSS = """/* The network graph: pan by scrolling its frame, zoom by the levels above it. No script. */
.graph-zoom { display: flex; gap: .4rem; align-items: center; flex-wrap: wrap; margin: .3rem 0; }
.graph-zoom input { margin: 0 .1rem 0 .6rem; }
.graph-viewport { overflow: auto; max-height: 640px; border: 1px solid #d8dce3; border-radius: 6px;
  background: #fcfcfd; }
.graph-viewport svg { display: block; width: 100%; height: auto; max-width: none; }
#graph-zoom-2:checked ~ .graph-viewport svg { width: 160%; }
#graph-zoom-3:checked ~ .graph-viewport svg { width: 250%; }
#graph-zoom-4:checked ~ .graph-viewport svg { width: 400%; }
.graph-viewport a:focus circle, .graph-viewport a:focus polygon { stroke: #111; stroke-width: 3; }
"""
