"""Weekly grouped bar charts drawn as inline SVG on the server: no script, no library, no outside asset.

A chart is a list of weeks (Monday first) with one value per series. The SVG carries a title and a
tooltip per bar for sighted readers; the page prints the same numbers as a table for screen readers and
offers them as CSV, so the picture is never the only way to the figures.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from markupsafe import Markup, escape

# Colours with at least 3:1 contrast against the white panel (WCAG non-text contrast).
PALETTE = ("#1f5fa8", "#b3541e", "#2e7d4f", "#6b3fa0")
MAX_WEEKS = 26


@dataclass(frozen=True)
class WeeklyChart:
    """Series of values per week: names of the series (catalogue ids) and one row per week."""

    key: str
    title: str
    series: tuple[str, ...]
    rows: tuple[tuple[date, tuple[float, ...]], ...]
    percent: bool = False
    digits: int = 0  # decimals shown (and written to the CSV) when the values are not a percentage


def week_of(day: date) -> date:
    """The Monday starting the day's week."""
    return day - timedelta(days=day.weekday())


def weekly_rows(counts: Mapping[tuple[date, str], float], series: Sequence[str],
                max_weeks: int = MAX_WEEKS) -> tuple[tuple[date, tuple[float, ...]], ...]:
    """Sum (day, series) counts into consecutive weeks, gaps filled with zero, the latest `max_weeks` kept."""
    totals: dict[date, list[float]] = {}
    for (day, name), value in counts.items():
        if name in series:
            totals.setdefault(week_of(day), [0.0] * len(series))[series.index(name)] += value
    if not totals:
        return ()
    first, last = min(totals), max(totals)
    first = max(first, last - timedelta(weeks=max_weeks - 1))
    weeks = [first + timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]
    return tuple((w, tuple(totals.get(w, [0.0] * len(series)))) for w in weeks)


def ratio_rows(hits: Mapping[date, int], trials: Mapping[date, int],
               max_weeks: int = MAX_WEEKS) -> tuple[tuple[date, tuple[float, ...]], ...]:
    """Weekly hits / trials (a rate between 0 and 1) from daily counts; weeks without trials are left out."""
    counts: dict[tuple[date, str], float] = {}
    for day, n in trials.items():
        counts[(day, "trials")] = counts.get((day, "trials"), 0) + n
    for day, n in hits.items():
        counts[(day, "hits")] = counts.get((day, "hits"), 0) + n
    rows = weekly_rows(counts, ("hits", "trials"), max_weeks)
    return tuple((week, (h / t,)) for week, (h, t) in rows if t)


def quantile_rows(samples: Mapping[date, Sequence[float]],
                  max_weeks: int = MAX_WEEKS) -> tuple[tuple[date, tuple[float, ...]], ...]:
    """Weekly (median, 90th percentile) of daily samples; weeks without a sample are left out.

    The percentile interpolates between ranks (`statistics.quantiles`, inclusive method): with one sample,
    both are that sample."""
    weeks: dict[date, list[float]] = {}
    for day, values in samples.items():
        weeks.setdefault(week_of(day), []).extend(values)
    if not weeks:
        return ()
    cutoff = max(weeks) - timedelta(weeks=max_weeks - 1)
    rows = []
    for week in sorted(w for w in weeks if w >= cutoff and weeks[w]):
        values = sorted(weeks[week])
        p90 = statistics.quantiles(values, n=10, method="inclusive")[8] if len(values) > 1 else values[0]
        rows.append((week, (statistics.median(values), p90)))
    return tuple(rows)


def grouped_bars(chart: WeeklyChart, *, labels: Sequence[str], empty_text: str,
                 date_label: Callable[[date], str], number_label: Callable[[float], str],
                 width: int = 720, height: int = 240) -> Markup:
    """The chart as an SVG of grouped bars (one group per week, one bar per series) with a legend."""
    left, right, top, bottom = 52, 12, 28, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    title = escape(chart.title)
    parts = [f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'role="img" aria-label="{title}" preserveAspectRatio="xMidYMid meet"><title>{title}</title>']
    if not chart.rows:
        parts.append(f'<text class="chart-empty" x="{width / 2:.0f}" y="{height / 2:.0f}" '
                     f'text-anchor="middle">{escape(empty_text)}</text></svg>')
        return Markup("".join(parts))
    for index, label in enumerate(labels):
        x = left + index * 170
        parts.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{PALETTE[index % len(PALETTE)]}"/>'
                     f'<text class="chart-axis" x="{x + 16}" y="16">{escape(label)}</text>')
    peak = 1.0 if chart.percent else max(max(values) for _, values in chart.rows) or 1.0
    for value in (0.0, peak / 2, peak):
        y = top + plot_h - value / peak * plot_h
        parts.append(f'<line class="chart-grid" x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}"/>'
                     f'<text class="chart-axis" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">'
                     f"{escape(number_label(value))}</text>")
    slot = plot_w / len(chart.rows)
    bar_w = max(slot * 0.8 / len(chart.series), 1.0)
    for index, (week, values) in enumerate(chart.rows):
        for s, value in enumerate(values):
            bar_h = value / peak * plot_h
            bar_x = left + index * slot + slot * 0.1 + s * bar_w
            tip = f"{date_label(week)} · {labels[s]}: {number_label(value)}"
            fill = PALETTE[s % len(PALETTE)]
            parts.append(f'<rect x="{bar_x:.1f}" y="{top + plot_h - bar_h:.1f}" width="{bar_w:.1f}" '
                         f'height="{bar_h:.1f}" fill="{fill}"><title>{escape(tip)}</title></rect>')
    for index in sorted({0, len(chart.rows) - 1}):
        anchor = "start" if index == 0 else "end"
        tick_x = left + index * slot + (0 if index == 0 else slot)
        parts.append(f'<text class="chart-axis" x="{tick_x:.1f}" y="{height - 10}" text-anchor="{anchor}">'
                     f"{escape(date_label(chart.rows[index][0]))}</text>")
    parts.append("</svg>")
    return Markup("".join(parts))


def as_csv(chart: WeeklyChart, header: Iterable[str]) -> str:
    """The chart's numbers as CSV: the week's Monday (ISO date), then one column per series."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["week", *header])
    for week, values in chart.rows:
        writer.writerow([week.isoformat(), *(_csv_number(chart, v) for v in values)])
    return out.getvalue()


def _csv_number(chart: WeeklyChart, value: float) -> str:
    if chart.percent:
        return f"{value:.4f}"
    return f"{value:.{chart.digits}f}" if chart.digits else f"{value:g}"
