"""Inline SVG bar chart of observations over time: a pure function of the counts, no script, no library."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, timedelta

from markupsafe import Markup, escape

MAX_BARS = 92


def bucket_counts(
    counts: Mapping[date, int], *, max_bars: int = MAX_BARS
) -> tuple[str, list[tuple[date, int]]]:
    """The counts as consecutive day, week (from Monday) or month buckets, gaps filled with zero.

    Returns the bucket unit ("day", "week" or "month") and the (bucket start, count) pairs, oldest first.
    """
    if not counts:
        return "day", []
    first, last = min(counts), max(counts)
    for unit in ("day", "week", "month"):
        starts = _bucket_starts(first, last, unit)
        if len(starts) <= max_bars or unit == "month":
            break
    totals = dict.fromkeys(starts, 0)
    for day, count in counts.items():
        totals[_bucket_of(day, unit)] += count
    return unit, sorted(totals.items())


def _bucket_of(day: date, unit: str) -> date:
    if unit == "week":
        return day - timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    return day


def _bucket_starts(first: date, last: date, unit: str) -> list[date]:
    starts = []
    current, end = _bucket_of(first, unit), _bucket_of(last, unit)
    while current <= end:
        starts.append(current)
        if unit == "day":
            current += timedelta(days=1)
        elif unit == "week":
            current += timedelta(days=7)
        else:
            current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return starts


def observations_chart(
    counts: Mapping[date, int],
    *,
    title: str,
    empty_text: str,
    date_label: Callable[[date], str] = date.isoformat,
    number_label: Callable[[int], str] = str,
    width: int = 720,
    height: int = 220,
    max_bars: int = MAX_BARS,
) -> Markup:
    """An accessible SVG bar chart of counts per day (or week, or month when the span is long).

    Every bar carries a tooltip with its period and count; the labels come from the caller's formatters,
    so dates and numbers follow the page's locale. Example:

    >>> svg = observations_chart({date(2025, 1, 1): 3}, title="Listings", empty_text="None")
    >>> svg.startswith("<svg") and "<title>Listings</title>" in svg
    True
    """
    unit, buckets = bucket_counts(counts, max_bars=max_bars)
    left, right, top, bottom = 48, 12, 12, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}" preserveAspectRatio="xMidYMid meet">',
        f"<title>{escape(title)}</title>",
    ]
    if not buckets:
        parts.append(f'<text class="chart-empty" x="{width / 2:.0f}" y="{height / 2:.0f}" '
                     f'text-anchor="middle">{escape(empty_text)}</text></svg>')
        return Markup("".join(parts))
    peak = max(count for _, count in buckets) or 1
    ticks = (0, peak // 2, peak) if peak >= 4 else (0, peak)
    for value in ticks:
        y = top + plot_h - value / peak * plot_h
        parts.append(f'<line class="chart-grid" x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text class="chart-axis" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">'
                     f"{escape(number_label(value))}</text>")
    slot = plot_w / len(buckets)
    bar_w = max(slot * 0.8, 1.0)
    for index, (start, count) in enumerate(buckets):
        bar_h = count / peak * plot_h
        x = left + index * slot + (slot - bar_w) / 2
        y = top + plot_h - bar_h
        tooltip = f"{date_label(start)}: {number_label(count)}"
        parts.append(f'<rect class="chart-bar" data-{unit}="{start.isoformat()}" x="{x:.1f}" y="{y:.1f}" '
                     f'width="{bar_w:.1f}" height="{bar_h:.1f}"><title>{escape(tooltip)}</title></rect>')
    label_indexes = sorted({0, len(buckets) // 2, len(buckets) - 1})
    for index in label_indexes:
        x = left + index * slot + slot / 2
        anchor = "middle"
        if len(buckets) > 1 and index in (0, len(buckets) - 1):
            anchor = "start" if index == 0 else "end"
        parts.append(f'<text class="chart-axis" x="{x:.1f}" y="{height - 10}" text-anchor="{anchor}">'
                     f"{escape(date_label(buckets[index][0]))}</text>")
    parts.append("</svg>")
    return Markup("".join(parts))
