"""Inline SVG line chart of weekly rates (precision, hit rate): a pure function, no script, no library."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date

from markupsafe import Markup, escape

COLOURS = ("#1f5fa8", "#c2410c", "#15803d", "#7c3aed")
# Each line is drawn wider and plainer than the next, so that a line hidden under another (precision equal to
# the hit rate, week after week) still shows around it; the legend draws each line's own stroke.
STROKES = (("5", ""), ("2", "6 4"), ("2", "2 3"), ("2", ""))


def _percent(value: float) -> str:
    return f"{value * 100:.0f} %"


def rate_line_chart(
    series: Mapping[str, Sequence[tuple[date, float | None]]],
    *,
    title: str,
    empty_text: str,
    date_label: Callable[[date], str] = date.isoformat,
    value_label: Callable[[float], str] = _percent,
    width: int = 720,
    height: int = 240,
) -> Markup:
    """An accessible SVG line chart of rates between 0 and 1 per date, one line per named series.

    A missing value (None) breaks its line; every point carries a tooltip with its date and value.
    """
    dates = sorted({day for points in series.values() for day, value in points if value is not None})
    left, right, top, bottom = 48, 12, 28, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    parts = [
        f'<svg class="chart chart-lines" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}" preserveAspectRatio="xMidYMid meet">',
        f"<title>{escape(title)}</title>",
    ]
    if not dates:
        parts.append(
            f'<text class="chart-empty" x="{width / 2:.0f}" y="{height / 2:.0f}" '
            f'text-anchor="middle">{escape(empty_text)}</text></svg>'
        )
        return Markup("".join(parts))
    first, last = dates[0], dates[-1]
    span = (last - first).days or 1

    def x_of(day: date) -> float:
        return left + plot_w / 2 if first == last else left + (day - first).days / span * plot_w

    def y_of(value: float) -> float:
        return top + plot_h - min(max(value, 0.0), 1.0) * plot_h

    for tick in (0.0, 0.5, 1.0):
        y = y_of(tick)
        parts.append(
            f'<line class="chart-grid" x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="#ddd"/>'
        )
        parts.append(
            f'<text class="chart-axis" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(value_label(tick))}</text>"
        )
    drawn = [(name, points) for name, points in series.items() if any(v is not None for _, v in points)]
    for index, (name, points) in enumerate(drawn):
        colour = COLOURS[index % len(COLOURS)]
        width_px, dashes = STROKES[index % len(STROKES)]
        dash = f' stroke-dasharray="{dashes}"' if dashes else ""
        segments: list[list[tuple[float, float]]] = [[]]
        for day, value in sorted(points):
            if value is None:
                segments.append([])
                continue
            segments[-1].append((x_of(day), y_of(value)))
            parts.append(
                f'<circle class="chart-point" cx="{x_of(day):.1f}" cy="{y_of(value):.1f}" r="3" '
                f'fill="{colour}"><title>{escape(name)} {escape(date_label(day))}: '
                f"{escape(value_label(value))}</title></circle>"
            )
        for segment in segments:
            if len(segment) == 1:  # a week between two gaps: a ring, so that the series still shows
                x, y = segment[0]
                parts.append(
                    f'<circle class="chart-lone" cx="{x:.1f}" cy="{y:.1f}" r="6" fill="none" '
                    f'stroke="{colour}" stroke-width="2"/>'
                )
            if len(segment) > 1:
                coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in segment)
                parts.append(
                    f'<polyline class="chart-line" fill="none" stroke="{colour}" stroke-width="{width_px}"'
                    f'{dash} points="{coords}"/>'
                )
        legend_x = left + index * 160
        parts.append(
            f'<line x1="{legend_x - 4}" x2="{legend_x + 14}" y1="12" y2="12" stroke="{colour}" '
            f'stroke-width="{width_px}"{dash}/>'
        )
        parts.append(f'<text class="chart-legend" x="{legend_x + 18}" y="16">{escape(name)}</text>')
    parts.append(f'<text class="chart-axis" x="{left}" y="{height - 10}">{escape(date_label(first))}</text>')
    if last != first:
        parts.append(
            f'<text class="chart-axis" x="{width - right}" y="{height - 10}" text-anchor="end">'
            f"{escape(date_label(last))}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
