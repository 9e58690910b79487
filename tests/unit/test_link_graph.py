"""The network graph's layout (`link.graph`) and the words the network pages use (`link.wording`): a view box
around the drawing and nothing more, names cut short with the whole name kept, the point zooming centres on,
names placed so that none covers another at the zoom level that shows it; counts of members by kind in the
pages' order; the photo an edge rests on found among a party's own."""

from __future__ import annotations

import math
from dataclasses import dataclass

from countermark.link.graph import EDGE_FONT, FONT, GRAPH_CSS, layout
from countermark.link.graph_labels import HIDDEN, LABEL_LIMIT, TEXT_SCALES, ZOOMS, Box, overlap, text_width
from countermark.link.wording import kind_counts, nearest_photo


@dataclass
class Member:
    key: str
    kind: str
    label: str
    depth: int
    via_edge_id: int | None


@dataclass
class Edge:
    id: int
    a: str
    b: str
    evidence: str
    detail: str


def _crowd(accounts: int = 6, listings: int = 12) -> tuple[list[Member], list[Edge]]:
    """A root account, accounts tied to it by an e-mail, each with listings of long titles."""
    members = [Member("account:0", "account", "shopmarket/root-seller", 0, None)]
    edges: list[Edge] = []
    for n in range(1, accounts + 1):
        edges.append(Edge(len(edges) + 1, "account:0", f"account:{n}", "exact:email", "email ring@x.example"))
        members.append(Member(f"account:{n}", "account", f"shopmarket/seller-{n}", 1, len(edges)))
        for i in range(listings):
            key = f"listing:{n * 100 + i}"
            edges.append(Edge(len(edges) + 1, f"account:{n}", key, "listed_by", f"listed by seller-{n}"))
            members.append(
                Member(key, "listing", f"Glimmerhold Anniversary Edition {i} (PC) bundle", 2, len(edges))
            )
    return members, edges


def _view(graph: object) -> tuple[float, float, float, float]:
    left, top, width, height = (float(v) for v in graph.view_box.split())  # type: ignore[attr-defined]
    return left, top, width, height


def test_the_view_box_is_the_drawings_extent_and_holds_every_node() -> None:
    members, edges = _crowd()
    graph = layout(members, edges)
    left, top, width, height = _view(graph)
    for node in graph.nodes:
        assert left < node.x - node.size and node.x + node.size < left + width
        assert top < node.y - node.size and node.y + node.size < top + height
    # Not a square around the farthest member with a wide margin: the drawing reaches near every side.
    xs = [n.x for n in graph.nodes] + [n.text_x for n in graph.nodes]
    ys = [n.y for n in graph.nodes] + [n.text_y for n in graph.nodes]
    assert min(xs) - left < 0.25 * width and left + width - max(xs) < 0.25 * width
    assert min(ys) - top < 0.25 * height and top + height - max(ys) < 0.25 * height
    # Drawn in proportion: the intrinsic size the stylesheet scales down has the view box's ratio.
    assert math.isclose(graph.width / graph.height, width / height, rel_tol=0.01)


def test_names_are_cut_short_and_kept_whole_for_the_tooltip() -> None:
    members, edges = _crowd(accounts=1, listings=1)
    members[-1].label = "A very long listing title that goes on and on about the product"
    graph = layout(members, edges)
    node = next(n for n in graph.nodes if n.kind == "listing")
    assert len(node.label) == LABEL_LIMIT and node.label.endswith("…") and node.full == members[-1].label
    # A listing's edge is drawn without a word on it; an account's evidence is written.
    assert {e.evidence for e in graph.edges if e.labelled} == {"exact:email"}


def test_zoom_centres_on_the_root_or_on_the_asked_member() -> None:
    members, edges = _crowd()
    left, top, width, height = _view(layout(members, edges))
    plain = layout(members, edges)
    assert (plain.focus_x, plain.focus_y) == (round(-100 * left / width), round(-100 * top / height))
    asked = layout(members, edges, focus="listing:305")
    node = next(n for n in asked.nodes if n.key == "listing:305")
    assert node.asked and sum(n.asked for n in asked.nodes) == 1
    left, top, width, height = _view(asked)
    assert abs(asked.focus_x - 100 * (node.x - left) / width) <= 0.5
    assert abs(asked.focus_y - 100 * (node.y - top) / height) <= 0.5


def _name_box(node: object, scale: float) -> Box:
    """A node's name as drawn (anchor, alignment, turn), at a font size, with the page's font metrics."""
    size = FONT * scale
    width = text_width(node.label, size)  # type: ignore[attr-defined]
    turn = math.radians(node.rotate or 0.0)  # type: ignore[attr-defined]
    ux, uy = math.cos(turn), math.sin(turn)
    shift = {"start": 0.5, "middle": 0.0, "end": -0.5}[node.anchor]  # type: ignore[attr-defined]
    lift = {"0.85em": 0.6, "-0.3em": -0.6, "0.35em": 0.0}[node.dy]  # type: ignore[attr-defined]
    x, y = node.text_x, node.text_y  # type: ignore[attr-defined]
    return Box(x + ux * width * shift - uy * lift * size, y + uy * width * shift + ux * lift * size, ux, uy,
               width / 2, 0.5 * size)  # fmt: skip


def test_no_two_names_shown_at_a_zoom_level_cover_each_other_and_more_show_as_one_zooms_in() -> None:
    members, edges = _crowd(accounts=12, listings=12)
    graph = layout(members, edges)  # an edge's evidence written as its code
    assert all(1 <= n.level <= HIDDEN for n in graph.nodes)
    shown = []
    for level, scale in enumerate(TEXT_SCALES, start=1):
        boxes = [_name_box(n, scale) for n in graph.nodes if n.level <= level]
        size = EDGE_FONT * scale
        boxes += [
            Box(e.mx, e.my, 1, 0, text_width(e.evidence, size) / 2, 0.5 * size)
            for e in graph.edges
            if e.labelled and e.level <= level
        ]
        shown.append(len(boxes))
        clashes = [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :] if overlap(a, b)]
        assert clashes == [], (level, len(clashes))
    assert shown == sorted(shown) and shown[0] > 100 and shown[-1] > shown[0], shown
    # A leaf's name runs along its ray from the root, never upside down.
    for node in graph.nodes:
        if node.kind == "listing" and node.rotate is not None:
            ray = math.degrees(math.atan2(node.y, node.x))
            assert min(abs((node.rotate - ray) % 180), 180 - abs((node.rotate - ray) % 180)) < 0.2
            assert -90 <= node.rotate <= 90 and (node.anchor == "end") == (node.x < 0)


def test_turned_rectangles_overlap_only_when_they_meet() -> None:
    flat = Box(0, 0, 1, 0, 10, 2)
    turned = Box(0, 8, math.cos(math.pi / 4), math.sin(math.pi / 4), 10, 2)
    assert overlap(flat, turned)
    assert not overlap(flat, Box(0, 30, 1, 0, 10, 2))
    # Their upright boxes meet, the rectangles do not.
    assert not overlap(Box(0, 0, math.cos(0.7), math.sin(0.7), 20, 1), Box(14, -6, 1, 0, 3, 1))


def test_the_stylesheet_has_a_rule_per_zoom_level_and_nothing_from_elsewhere() -> None:
    assert "http" not in GRAPH_CSS and "url(" not in GRAPH_CSS and "@import" not in GRAPH_CSS
    for value, _ in ZOOMS[1:]:
        assert f"#graph-zoom-{value}:checked ~ .graph-viewport svg" in GRAPH_CSS
    assert "scroll-snap-align: center" in GRAPH_CSS and ".graph-at-x100 { left: 100%; }" in GRAPH_CSS


def test_members_are_counted_by_kind_in_the_pages_order() -> None:
    counted = kind_counts({"listing": 73, "account": 11, "domain": 3, "shop": 1, "consignor": 0, "zz": 2})
    assert [(kind, count) for kind, _, count in counted] == [
        ("account", 11), ("shop", 1), ("domain", 3), ("listing", 73), ("zz", 2)
    ]  # fmt: skip
    assert counted[0][1] == ("%(num)s account", "%(num)s accounts") and counted[-1][1] == ("", "")


def test_the_photo_an_edge_rests_on_is_the_partys_nearest_one() -> None:
    group = "f" * 64 + ":0042"
    near = "f" * 63 + "e"  # one bit off
    far = "0" * 64
    assert nearest_photo(group, [("far", far, None), ("near", near, "0042")]) == "near"
    assert nearest_photo("framed " + group, [("near", near, None)]) == "near"
    assert (
        nearest_photo(group, [("far", far, None)]) is None
    )  # not the one shared: none rather than a wrong one
