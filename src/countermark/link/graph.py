"""A network's graph laid out on the server, for an SVG drawn by the page's template.

Radial layout: the root in the middle, each member on the ring of its depth (hops from the root), in the
order of the member that ties it in, so the tree of "why is this here" edges rarely crosses itself. Only
the MAX_NODES members nearest the root are drawn; the member list shows all of them.

The view box is the drawing's own extent, so the whole graph fits the frame at ×1 (the stylesheet scales
the picture down to the frame's width and height, keeping its proportions). Zooming re-centres the frame
on the asked member, or on the root, through a scroll-snap point the stylesheet places.

Names are placed so that none covers another or a node (`place_labels`): a leaf's name runs outward along
its ray, others sit beside their node where there is room. Names shrink as one zooms in (they grow on
screen as the square root of the zoom, the distances as the zoom itself), so each zoom level has room for
more of them; a name there is no room for at any level is shown when its member is pointed at or focused.
Every name is cut to LABEL_LIMIT characters, the whole of it in the node's tooltip.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from countermark.link.graph_labels import (
    FACTORS,
    HIDDEN,
    LINE,
    TEXT_SCALES,
    ZOOMS,
    Box,
    Name,
    Spot,
    node_spots,
    place_labels,
    short,
)

MAX_NODES = 150
RING = 130.0
SPACING = 30.0  # the least arc between two members of one ring
PAD = 14.0  # around the drawing
MIN_WIDTH, MIN_HEIGHT = 640.0, 420.0  # a small network is not blown up to the frame's full width
# A drawing larger than this (in its units) shows its names a few pixels high at ×1 in a phone's frame.
DENSE_SIZE = 900.0
DRAWN_SIZE = 8000  # the drawing's larger side in CSS pixels before the stylesheet fits it to the frame
FONT = 14.0  # a member's name at ×1, in the drawing's units
EDGE_FONT = 12.0  # an edge's evidence at ×1
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
SIZES = {"circle": 11.0, "square": 11.0, "diamond": 11.0, "triangle": 11.0, "dot": 5.0}
# How far a shape reaches from its centre (a square's corner, a diamond's tip): what a name keeps clear of.
REACH = {"circle": 11.0, "square": 12.5, "diamond": 14.5, "triangle": 14.0, "dot": 5.0}
# An account's listings and a shop's domains are drawn beside it without a word on the edge: what ties
# them is plain from the member list, and a "listed by" on every one of them hid the rest.
SILENT_EVIDENCE = frozenset({"listed_by", "hosted_on"})
# The priority of names when they compete for room: accounts and shops first, then the evidence of the
# edges, then consignors, domains and listings.
KIND_RANK = {"account": 0, "shop": 0, "consignor": 2, "domain": 3, "listing": 4}



@dataclass(frozen=True)
class Node:
    key: str
    kind: str
    label: str  # cut to LABEL_LIMIT characters
    full: str  # the whole name, for the tooltip
    x: float
    y: float
    shape: str
    colour: str
    points: str  # polygon points for the shapes drawn as polygons
    size: float
    text_x: float
    text_y: float
    anchor: str  # text-anchor: start, middle or end
    dy: str  # the name's baseline shift, in em (it follows the font size of the zoom level)
    rotate: float | None  # degrees about (text_x, text_y), for a name along its ray
    level: int  # the first zoom level (1-4) that shows the name; HIDDEN: on pointing or focus only
    asked: bool  # the member whose "why is this here" is shown


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
    id: int | None = None
    labelled: bool = False  # its evidence is written beside it (a tree edge, not a listing's or domain's)
    level: int = HIDDEN


@dataclass(frozen=True)
class Graph:
    nodes: list[Node]
    edges: list[Edge]
    view_box: str
    hidden: int  # members not drawn
    width: int = 0  # the drawing's size before the stylesheet fits it to the frame (CSS pixels)
    height: int = 0
    focus_x: int = 50  # where zooming centres the frame: % of the drawing's width and height
    focus_y: int = 50
    dense: bool = False  # too large for its names to be legible at ×1 on a narrow screen


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


def _radial(
    drawn: list[Any], parent: dict[str, str], rings: dict[int, list[Any]]
) -> tuple[dict[str, tuple[float, float]], dict[str, list[str]]]:
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
    return place, children


def layout(
    members: list[Any],
    edges: list[Any],
    *,
    focus: str = "",
    describe: Callable[[str], str] | None = None,
    line: float = LINE,
) -> Graph:
    """Positions for the members (objects with key, kind, label, depth, via_edge_id) and their edges
    (objects with id, a, b, evidence, detail); `focus` is the asked member's key (zoom centres on it),
    `describe` gives an edge's evidence as the page writes it and `line` the height of a line of text in
    the page's language (TALL_LINE in Chinese), to make room for them."""
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
    place, children = _radial(drawn, parent, rings)
    obstacles = []
    for member in drawn:
        x, y = place[member.key]
        reach = REACH[SHAPES.get(member.kind, "circle")]
        obstacles.append(Box(x, y, 1.0, 0.0, reach, reach, member.key))
    tree_ids = {m.via_edge_id for m in drawn if m.via_edge_id is not None}
    depth_of = {m.key: m.depth for m in drawn}
    lines: list[tuple[Any, float, float, float, float]] = []
    seen: set[tuple[str, str, str]] = set()
    for edge in edges:
        if edge.a not in keys or edge.b not in keys:
            continue
        pair = (min(edge.a, edge.b), max(edge.a, edge.b), edge.evidence)
        if pair in seen and edge.id not in tree_ids:
            continue
        seen.add(pair)
        (x1, y1), (x2, y2) = place[edge.a], place[edge.b]
        lines.append((edge, x1, y1, x2, y2))
    # Names in order of priority: the root's, accounts' and shops', the evidence of tie-in edges, then
    # consignors', domains' and listings'; nearer the root first within each.
    names: dict[str, Name] = {}
    order: list[tuple[tuple[int, int, str], str]] = []
    for member in drawn:
        x, y = place[member.key]
        shape = SHAPES.get(member.kind, "circle")
        leaf = not children.get(member.key)
        names[member.key] = Name(
            member.key, short(member.label), FONT, node_spots(x, y, REACH[shape], leaf)
        )
        rank = -1 if member.depth == 0 else KIND_RANK.get(member.kind, 4)
        order.append(((rank, member.depth, member.key), member.key))
    word = describe or (lambda code: code)
    for edge, x1, y1, x2, y2 in lines:
        if edge.id in tree_ids and edge.evidence not in SILENT_EVIDENCE:
            key = f"edge:{edge.id}"
            spot = Spot((x1 + x2) / 2, (y1 + y2) / 2, "middle", "0.35em", None, 1.0, 0.0, 0.0, 0.0)
            names[key] = Name(key, str(word(edge.evidence)), EDGE_FONT, [spot])
            depth = max(depth_of.get(edge.a, 0), depth_of.get(edge.b, 0))
            order.append(((1, depth, key), key))
    ranked = [names[key] for _, key in sorted(order)]
    place_labels(ranked, obstacles, line)
    nodes = []
    for member in drawn:
        x, y = place[member.key]
        shape = SHAPES.get(member.kind, "circle")
        name = names[member.key]
        at = name.spot
        assert at is not None
        nodes.append(
            Node(member.key, member.kind, name.text, member.label, round(x, 1), round(y, 1), shape,
                 COLOURS.get(member.kind, "#555"), _polygon(shape, x, y, SIZES[shape]), SIZES[shape],
                 round(at.x, 1), round(at.y, 1), at.anchor, at.dy,
                 None if at.rotate is None else round(at.rotate, 1), name.level, member.key == focus)
        )  # fmt: skip
    drawn_edges = []
    for edge, x1, y1, x2, y2 in lines:
        label = names.get(f"edge:{edge.id}") if edge.id in tree_ids else None
        drawn_edges.append(
            Edge(round(x1, 1), round(y1, 1), round(x2, 1), round(y2, 1), round((x1 + x2) / 2, 1),
                 round((y1 + y2) / 2, 1), edge.evidence, edge.detail, edge.id in tree_ids, edge.id,
                 label is not None, label.level if label is not None else HIDDEN)
        )  # fmt: skip
    drawn_edges.sort(key=lambda e: e.tree)  # tree edges drawn last, on top
    return _framed(nodes, drawn_edges, list(names.values()), obstacles, len(members) - len(drawn), focus)


def _framed(
    nodes: list[Node], edges: list[Edge], names: list[Name], obstacles: list[Box], hidden: int, focus: str
) -> Graph:
    """The graph with the view box around everything drawn (names at their largest included, even those
    shown only on pointing), its intrinsic size, and the point zooming centres on (the asked member, else
    the root, at the origin)."""
    boxes = list(obstacles)
    for name in names:
        if name.spot is not None:
            boxes.append(name.spot.box(name.text, name.font * TEXT_SCALES[0], name.owner))
    if boxes:
        extents = [(b, *b.extent()) for b in boxes]
        left = min(b.cx - w for b, w, _ in extents) - PAD
        right = max(b.cx + w for b, w, _ in extents) + PAD
        top = min(b.cy - h for b, _, h in extents) - PAD
        bottom = max(b.cy + h for b, _, h in extents) + PAD
    else:
        left, right, top, bottom = -MIN_WIDTH / 2, MIN_WIDTH / 2, -MIN_HEIGHT / 2, MIN_HEIGHT / 2
    if right - left < MIN_WIDTH:
        middle = (left + right) / 2
        left, right = middle - MIN_WIDTH / 2, middle + MIN_WIDTH / 2
    if bottom - top < MIN_HEIGHT:
        middle = (top + bottom) / 2
        top, bottom = middle - MIN_HEIGHT / 2, middle + MIN_HEIGHT / 2
    width, height = right - left, bottom - top
    scale = DRAWN_SIZE / max(width, height)
    asked = next((n for n in nodes if n.key == focus), None) if focus else None
    fx, fy = (asked.x, asked.y) if asked is not None else (0.0, 0.0)  # else the root, in the middle
    return Graph(
        nodes,
        edges,
        f"{left:.0f} {top:.0f} {math.ceil(width)} {math.ceil(height)}",
        hidden,
        round(width * scale),
        round(height * scale),
        min(100, max(0, round(100 * (fx - left) / width))),
        min(100, max(0, round(100 * (fy - top) / height))),
        max(width, height) > DENSE_SIZE,
    )


def _graph_css() -> str:
    levels = len(ZOOMS)
    zoomed = "".join(
        f"#graph-zoom-{value}:checked ~ .graph-viewport .graph-label {{ font-size: {FONT * scale:.2f}px; }}\n"
        f"#graph-zoom-{value}:checked ~ .graph-viewport .graph-edge-label"
        f" {{ font-size: {EDGE_FONT * scale:.2f}px; }}\n"
        + "".join(
            f"#graph-zoom-{value}:checked ~ .graph-viewport .graph-from-{shown} {{ display: inline; }}\n"
            for shown in range(2, level + 1)
        )
        for level, ((value, _), scale) in enumerate(zip(ZOOMS, TEXT_SCALES, strict=True), 1)
        if level > 1
    )
    sizes = "".join(
        f"#graph-zoom-{value}:checked ~ .graph-viewport svg {{ max-width: {100 * factor:g}cqw;"
        f" max-height: calc({factor:g} * var(--graph-height)); }}\n"
        for (value, _), factor in zip(ZOOMS[1:], FACTORS[1:], strict=True)
    )
    hidden = ", ".join(f".graph-from-{level}" for level in range(2, levels + 2))
    places = "".join(
        f".graph-at-x{n} {{ left: {n}%; }} .graph-at-y{n} {{ top: {n}%; }}\n" for n in range(101)
    )
    return f"""/* The network graph: pan by scrolling its frame, zoom by the levels above it. No script. */
/* The frame: the whole drawing fits it at ×1, its proportions kept; a zoom level multiplies both bounds. A
   scroll-snap point on the asked member (or the root) keeps it in view when the zoom level changes. */
.graph-viewport {{ --graph-height: min(680px, 76vh); container-type: inline-size; display: flex;
  overflow: auto; max-height: calc(var(--graph-height) + 2px); border: 1px solid #d8dce3; border-radius: 6px;
  background: #fcfcfd; scroll-snap-type: both proximity; overscroll-behavior: contain; }}
.graph-canvas {{ position: relative; margin: auto; flex: none; line-height: 0; }}
.graph-viewport svg {{ display: block; width: auto; height: auto; max-width: 100cqw;
  max-height: var(--graph-height); }}
{sizes}.graph-focus {{ position: absolute; width: 1px; height: 1px; scroll-snap-align: center;
  pointer-events: none; }}
{places}/* Names: those there is room for at the zoom level shown, smaller in the drawing as one zooms in so
   that they grow on screen more slowly than the distances between them; any name on pointing or focus. */
.graph-label {{ font-size: {FONT:g}px; }}
.graph-edge-label {{ font-size: {EDGE_FONT:g}px; }}
.graph-label, .graph-edge-label {{ paint-order: stroke; stroke: #fff; stroke-width: 3px;
  stroke-linejoin: round; }}
{hidden} {{ display: none; }}
/* A narrow screen shows the drawing small at ×1: there names keep their size in the drawing as one zooms
   in, so that they grow legible, and only those with room at ×1 are written (the others on a tap); a
   large drawing writes none below ×2.5, where they would be a few pixels high, but the one pointed at. */
@media (min-width: 40rem) {{
{zoomed}}}
.graph-node:hover .graph-label, .graph-node:focus-within .graph-label {{ display: inline; font-weight: 600; }}
@media (max-width: 40rem) {{
:is(#graph-zoom-1, #graph-zoom-2):checked ~ .graph-viewport .graph-dense
  :is(.graph-label, .graph-edge-label) {{ display: none; }}
:is(#graph-zoom-1, #graph-zoom-2):checked ~ .graph-viewport .graph-dense
  .graph-node:is(:hover, :focus-within) .graph-label {{ display: inline; }}
}}
.graph-asked {{ fill: none; stroke: #111; stroke-width: 2.5; }}
.graph-viewport a:focus circle, .graph-viewport a:focus polygon {{ stroke: #111; stroke-width: 3; }}
"""


GRAPH_CSS = _graph_css()
