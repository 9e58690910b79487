"""Breakdowns drawn as horizontal bars in inline SVG on the server: no script, no library, no outside asset.

A breakdown is a count per category (a country, a route, a transport mode, an HS heading): the ten largest
and one "other" row summing the rest. As with the weekly charts (`web/charts.py`), the SVG carries a title
and a tooltip per bar; the page prints the same numbers as a table and offers them as CSV.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from countermark.web.charts import PALETTE

TOP = 10
OTHER = "(other)"  # the row summing the categories after the top ten (a code no category takes)
UNKNOWN = "(unknown)"  # records without the value (no origin given, no HS code…)


@dataclass(frozen=True)
class Breakdown:
    """Counts per category, largest first: `dimension` and `measure` name the CSV's two columns, `heading`
    (a catalogue id) the table's first."""

    key: str
    title: str
    dimension: str
    heading: str
    measure: str
    rows: tuple[tuple[str, float], ...]


def top_rows(counts: Mapping[str | None, float], top: int = TOP) -> tuple[tuple[str, float], ...]:
    """The `top` largest categories (ties by code), then OTHER with the rest when there is a rest; a missing
    category (None or '') is counted as UNKNOWN; categories counting zero are left out."""
    merged: dict[str, float] = {}
    for code, value in counts.items():
        if value:
            name = code or UNKNOWN
            merged[name] = merged.get(name, 0) + value
    ranked = sorted(merged.items(), key=lambda item: (-item[1], item[0]))
    rest = sum(value for _, value in ranked[top:])
    return tuple(ranked[:top]) + (((OTHER, rest),) if rest else ())


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def horizontal_bars(breakdown: Breakdown, *, labels: Sequence[str], empty_text: str,
                    number_label: Callable[[float], str], width: int = 720) -> Markup:
    """The breakdown as an SVG of one horizontal bar per category, its label on the left and its count
    at the end of the bar; a long label is shortened in the picture and given whole in the bar's tooltip."""
    left, right, top, row_h = 232, 56, 8, 24
    height = top * 2 + max(len(breakdown.rows), 1) * row_h
    title = escape(breakdown.title)
    parts = [f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'role="img" aria-label="{title}" preserveAspectRatio="xMidYMid meet"><title>{title}</title>']
    if not breakdown.rows:
        parts.append(f'<text class="chart-empty" x="{width / 2:.0f}" y="{height / 2 + 5:.0f}" '
                     f'text-anchor="middle">{escape(empty_text)}</text></svg>')
        return Markup("".join(parts))
    peak = max(value for _, value in breakdown.rows) or 1.0
    plot_w = width - left - right
    parts.append(f'<line class="chart-grid" x1="{left}" x2="{left}" y1="{top}" y2="{height - top}"/>')
    for index, ((_, value), label) in enumerate(zip(breakdown.rows, labels, strict=True)):
        y = top + index * row_h
        bar_w = max(value / peak * plot_w, 1.0)
        shown = number_label(value)
        parts.append(f'<text class="chart-axis" x="{left - 6}" y="{y + 16}" text-anchor="end">'
                     f"{escape(_short(label, 36))}</text>"
                     f'<rect x="{left}" y="{y + 4}" width="{bar_w:.1f}" height="{row_h - 8}" '
                     f'fill="{PALETTE[0]}"><title>{escape(label)}: {escape(shown)}</title></rect>'
                     f'<text class="chart-axis" x="{left + bar_w + 4:.1f}" y="{y + 16}">'
                     f"{escape(shown)}</text>")
    parts.append("</svg>")
    return Markup("".join(parts))


def breakdown_csv(breakdown: Breakdown) -> str:
    """The breakdown's numbers as CSV: the category's code (OTHER, UNKNOWN as such), then its count."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([breakdown.dimension, breakdown.measure])
    for code, value in breakdown.rows:
        writer.writerow([code, f"{value:g}"])
    return out.getvalue()
