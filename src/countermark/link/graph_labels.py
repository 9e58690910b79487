"""Where a network graph's names go: their size in the drawing, boxes that must not overlap, and a greedy
placement over the zoom levels (`place_labels`), for `link.graph`'s layout.

A name is measured from its characters (wide ones, Chinese, count double) in the drawing's units; its box
is tried at the spots around its node in order, at the smallest zoom level where no placed name or node
covers it; a name with room at no level gets HIDDEN, shown when its member is pointed at or focused.
"""

from __future__ import annotations

import math
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

ZOOMS = (("1", "×1"), ("2", "×1.6"), ("3", "×2.5"), ("4", "×4"))
FACTORS = tuple(float(name.removeprefix("×")) for _, name in ZOOMS)
# The size of names at each zoom level, in the drawing's units: on screen they grow as √zoom.
TEXT_SCALES = tuple(1 / math.sqrt(factor) for factor in FACTORS)
HIDDEN = len(ZOOMS) + 1  # the level of a name no zoom level has room for: shown on pointing or focus
LABEL_LIMIT = 24
GAP = 3.0  # between a node and its name


def short(text: str, limit: int = LABEL_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WF"


def text_width(text: str, size: float) -> float:
    """A generous estimate of a line's width in a sans-serif font of this size (wide script counted whole)."""
    return sum(size if _wide(ch) else size * 0.62 for ch in text)


LINE = 1.2  # a line's height in font sizes, in a Latin page
TALL_LINE = 1.45  # in a Chinese page, or for Chinese text: the fonts a browser takes for it stand taller


def text_height(text: str, size: float, line: float = LINE) -> float:
    """A line's height (its box as the browser measures it, not the ink)."""
    return size * max(line, TALL_LINE if any(_wide(ch) for ch in text) else LINE)


@dataclass(frozen=True)
class Box:
    """A rectangle turned by its unit axis (ux, uy): centre, half length along the axis, half across."""

    cx: float
    cy: float
    ux: float
    uy: float
    along: float
    across: float
    owner: str = ""  # the member whose node or name it is (a name never clashes with its own node)

    def extent(self) -> tuple[float, float]:
        """Half width and half height of the upright box around it."""
        return (
            abs(self.ux) * self.along + abs(self.uy) * self.across,
            abs(self.uy) * self.along + abs(self.ux) * self.across,
        )


def overlap(p: Box, q: Box) -> bool:
    """Whether two turned rectangles overlap (separating axis test)."""
    (pw, ph), (qw, qh) = p.extent(), q.extent()
    dx, dy = q.cx - p.cx, q.cy - p.cy
    if abs(dx) >= pw + qw or abs(dy) >= ph + qh:
        return False
    for nx, ny in ((p.ux, p.uy), (-p.uy, p.ux), (q.ux, q.uy), (-q.uy, q.ux)):
        reach_p = p.along * abs(p.ux * nx + p.uy * ny) + p.across * abs(-p.uy * nx + p.ux * ny)
        reach_q = q.along * abs(q.ux * nx + q.uy * ny) + q.across * abs(-q.uy * nx + q.ux * ny)
        if abs(dx * nx + dy * ny) >= reach_p + reach_q:
            return False
    return True


class _Room:
    """Boxes already taken, bucketed on a grid so that a new box is tested against its neighbours only."""

    CELL = 64.0

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int], list[Box]] = defaultdict(list)

    def _cells(self, box: Box) -> Iterator[tuple[int, int]]:
        w, h = box.extent()
        for i in range(math.floor((box.cx - w) / self.CELL), math.floor((box.cx + w) / self.CELL) + 1):
            for j in range(math.floor((box.cy - h) / self.CELL), math.floor((box.cy + h) / self.CELL) + 1):
                yield i, j

    def add(self, box: Box) -> None:
        for cell in self._cells(box):
            self.cells[cell].append(box)

    def free(self, box: Box) -> bool:
        for cell in self._cells(box):
            for other in self.cells.get(cell, ()):
                if not (other.owner and other.owner == box.owner) and overlap(box, other):
                    return False
        return True


@dataclass(frozen=True)
class Spot:
    """One way of writing a name: where its anchor is, how it is aligned, and its box at a font size."""

    x: float
    y: float
    anchor: str
    dy: str
    rotate: float | None
    # The box's centre as the anchor plus (along * width + across_x * size, across_y * size), turned.
    ux: float
    uy: float
    shift: float  # 0.5 for a name starting at the anchor, 0 for one centred on it, -0.5 ending at it
    lift: float  # the box's centre above (−) or below (+) the anchor, in font sizes

    def box(self, text: str, size: float, owner: str, line: float = LINE) -> Box:
        width = text_width(text, size)
        cx = self.x + self.ux * width * self.shift - self.uy * self.lift * size
        cy = self.y + self.uy * width * self.shift + self.ux * self.lift * size
        return Box(cx, cy, self.ux, self.uy, width / 2 + 1, text_height(text, size, line) / 2, owner)


def node_spots(x: float, y: float, reach: float, leaf: bool) -> list[Spot]:
    """Where a node's name may go: along its ray for a leaf (outward, never upside down), else below,
    above, right or left of it."""
    beside = [
        Spot(x, y + reach + GAP, "middle", "0.85em", None, 1.0, 0.0, 0.0, 0.6),
        Spot(x, y - reach - GAP, "middle", "-0.3em", None, 1.0, 0.0, 0.0, -0.6),
        Spot(x + reach + GAP, y, "start", "0.35em", None, 1.0, 0.0, 0.5, 0.0),
        Spot(x - reach - GAP, y, "end", "0.35em", None, 1.0, 0.0, -0.5, 0.0),
    ]
    if not leaf or math.hypot(x, y) < 1:
        return beside
    theta = math.atan2(y, x)
    ux, uy = math.cos(theta), math.sin(theta)
    ax, ay = x + ux * (reach + GAP), y + uy * (reach + GAP)
    if ux >= 0:
        ray = Spot(ax, ay, "start", "0.35em", math.degrees(theta), ux, uy, 0.5, 0.0)
    else:  # on the left, turned half a turn back and ending at the node, so that it reads left to right
        turn = math.degrees(theta) + (180 if theta < 0 else -180)
        ray = Spot(ax, ay, "end", "0.35em", turn, -ux, -uy, -0.5, 0.0)
    return [ray, *beside]


@dataclass
class Name:
    owner: str
    text: str
    font: float
    spots: list[Spot]
    spot: Spot | None = None
    level: int = HIDDEN


def place_labels(names: list[Name], obstacles: list[Box], line: float = LINE) -> None:
    """Give each name (in order of priority) a spot and the first zoom level at which it covers no node
    and no name already shown there. A name shown at one level is shown at every higher one: names only
    shrink towards their anchor as one zooms in, so what was clear stays clear."""
    for level, scale in enumerate(TEXT_SCALES, start=1):
        room = _Room()
        for box in obstacles:
            room.add(box)
        for name in names:
            if name.spot is not None:
                room.add(name.spot.box(name.text, name.font * scale, name.owner, line))
        for name in names:
            if name.spot is not None:
                continue
            for spot in name.spots:
                box = spot.box(name.text, name.font * scale, name.owner, line)
                if room.free(box):
                    name.spot, name.level = spot, level
                    room.add(box)
                    break
    for name in names:
        if name.spot is None:
            name.spot = name.spots[0]
