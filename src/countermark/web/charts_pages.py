"""The dashboards page: detentions, takedowns, the time from detection to removal and the targeting hit rate
by week, and detentions by origin, route, transport mode and HS heading, each drawn as SVG on the server
with its table for screen readers and its numbers as CSV (the export is audited, as the API's are).

The routes are plain `def`s: the queries and the drawing run in the worker threads, never on the event loop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Any

from babel import Locale
from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from countermark.core.errors import NotFound
from countermark.core.http.deps import DbSession, client_origin
from countermark.core.http.templating import environment, render, request_locale, translations
from countermark.orgs.deps import PageViewer
from countermark.orgs.service import record_audit
from countermark.orgs.visibility import Principal
from countermark.web import charts_service
from countermark.web.breakdowns import OTHER, UNKNOWN, Breakdown, breakdown_csv, horizontal_bars, top_rows
from countermark.web.charts import WeeklyChart, as_csv, grouped_bars, quantile_rows, ratio_rows, weekly_rows

router = APIRouter(include_in_schema=False)


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for a message translated later
    """Mark a message id for the catalogue without translating it here."""
    return message


SERIES_LABELS = {
    "inspected": N_("Inspected"), "detained": N_("Detained or seized"),
    "sent": N_("Notices sent"), "actioned": N_("Actioned by the platform"), "relisted": N_("Relisted"),
    "rate": N_("Hit rate"), "confirmed_removed": N_("Confirmed removed"),
    "median": N_("Median, days"), "p90": N_("90th percentile, days"),
}
TAKEDOWN_SERIES = ("sent", "actioned", "confirmed_removed", "relisted")
# Detentions by a shipment's value: (title, the table's first column), over the weekly charts' 26 weeks.
BREAKDOWNS = {
    "origin": (N_("Detentions and seizures by country of origin"), N_("Country of origin")),
    "route": (N_("Detentions and seizures by route (origin → destination)"), N_("Route")),
    "mode": (N_("Detentions and seizures by transport mode"), N_("Transport mode")),
    "product": (N_("Detentions and seizures by product (HS heading: the code's first 4 digits)"),
                N_("HS heading")),
}


def _detentions(session: Session, principal: Principal) -> WeeklyChart:
    counts = charts_service.inspections_per_day(session, principal)
    series = ("inspected", "detained")
    return WeeklyChart("detentions", N_("Inspections and detentions by week"), series,
                       weekly_rows(counts, series))


def _takedowns(session: Session, principal: Principal) -> WeeklyChart:
    counts = charts_service.takedowns_per_day(session, principal)
    for removal in charts_service.removals(session, principal):
        if removal.confirmed:
            key = (removal.removed_at.date(), "confirmed_removed")
            counts[key] = counts.get(key, 0) + 1
    return WeeklyChart("takedowns", N_("Takedowns by week"), TAKEDOWN_SERIES,
                       weekly_rows(counts, TAKEDOWN_SERIES))


def _removal_time(session: Session, principal: Principal) -> WeeklyChart:
    samples = charts_service.removal_days(session, principal)
    return WeeklyChart("removal-time", N_("Days from detection to removal, by week of removal"),
                       ("median", "p90"), quantile_rows(samples), digits=1)


def _detentions_by(dimension: str, session: Session, principal: Principal) -> Breakdown:
    title, heading = BREAKDOWNS[dimension]
    counts = charts_service.detentions_by(session, principal, dimension)
    return Breakdown(f"detentions-{dimension}", title, dimension, heading, "detained", top_rows(counts))


def _hit_rate(session: Session, principal: Principal) -> WeeklyChart:
    hits, trials = charts_service.red_lane_results_per_day(session, principal)
    return WeeklyChart("hit-rate", N_("Targeting hit rate by week (red lane inspections that found goods)"),
                       ("rate",), ratio_rows(hits, trials), percent=True)


CHARTS: dict[str, Callable[[Session, Principal], WeeklyChart | Breakdown]] = {
    "detentions": _detentions,
    **{f"detentions-{d}": partial(_detentions_by, d) for d in BREAKDOWNS},
    "takedowns": _takedowns, "removal-time": _removal_time, "hit-rate": _hit_rate,
}


def _category_labeller(locale: str, dimension: str) -> Callable[[str], str]:
    """How a breakdown's code reads in the locale: a country's name, a route, a transport mode's word."""
    gettext, countries = translations(locale).gettext, Locale.parse(locale).territories
    word = environment(locale).filters["label"]

    def country(code: str) -> str:
        return gettext("Unknown") if code in ("?", "") else str(countries.get(code, code))

    def label(code: str) -> str:
        if code in (OTHER, UNKNOWN):
            return gettext("Other") if code == OTHER else gettext("Unknown")
        if dimension == "origin":
            return country(code)
        if dimension == "route":
            origin, _, destination = code.partition(">")
            return f"{country(origin)} → {country(destination)}"
        return str(word(code)) if dimension == "mode" else code

    return label


def _draw_breakdown(chart: Breakdown, locale: str) -> dict[str, Any]:
    env, gettext = environment(locale), translations(locale).gettext
    number = env.filters["number"]
    category = _category_labeller(locale, chart.dimension)
    names = [category(code) for code, _ in chart.rows]
    title, empty = gettext(chart.title), gettext("Nothing recorded yet.")
    svg = horizontal_bars(replace(chart, title=title), labels=names, empty_text=empty,
                          number_label=lambda value: str(number(value, 0)))
    rows = [(name, [number(value, 0)]) for name, (_, value) in zip(names, chart.rows, strict=True)]
    return {"key": chart.key, "title": title, "head": gettext(chart.heading),
            "labels": [gettext(SERIES_LABELS[chart.measure])], "svg": svg, "rows": rows, "weekly": False}


def _draw_weekly(chart: WeeklyChart, locale: str) -> dict[str, Any]:
    env, gettext = environment(locale), translations(locale).gettext
    date_label, number = env.filters["date"], env.filters["number"]
    translated = replace(chart, title=gettext(chart.title))
    labels = [gettext(SERIES_LABELS[s]) for s in chart.series]

    def label(value: float) -> str:
        return f"{number(value * 100, 0)} %" if chart.percent else str(number(value, chart.digits))

    svg = grouped_bars(translated, labels=labels, empty_text=gettext("Nothing recorded yet."),
                       date_label=date_label, number_label=label)
    rows = [(date_label(week), [label(v) for v in values]) for week, values in chart.rows]
    return {"key": chart.key, "title": translated.title, "head": gettext("Week of"), "labels": labels,
            "svg": svg, "rows": rows, "weekly": True}


@router.get("/dashboards")
def dashboards_page(request: Request, session: DbSession, viewer: PageViewer) -> Response:
    """Every chart the viewer's organisation may see the numbers of, each with its table and CSV link."""
    locale = request_locale(request)
    drawn = []
    for build in CHARTS.values():
        chart = build(session, viewer.principal)
        if isinstance(chart, Breakdown):
            drawn.append(_draw_breakdown(chart, locale))
        else:
            drawn.append(_draw_weekly(chart, locale))
    return render(request, "dashboard_charts.html",
                  {"viewer": viewer, "charts": drawn, "active": "dashboards"})


@router.get("/dashboards/{key}.csv")
def chart_csv(key: str, request: Request, session: DbSession, viewer: PageViewer) -> Response:
    """One chart's weekly numbers as CSV (week, then one column per series), recorded in the audit log."""
    build = CHARTS.get(key)
    if build is None:
        raise NotFound.of("no such chart")
    chart = build(session, viewer.principal)
    principal = viewer.principal
    record_audit(session=session, actor=principal.email, org_id=principal.org_id, action="export",
                 subject_type=f"chart:{key}", origin=client_origin(request), detail={"rows": len(chart.rows)})
    body = breakdown_csv(chart) if isinstance(chart, Breakdown) else as_csv(chart, chart.series)
    return Response(body, media_type="text/csv",
                    headers={"content-disposition": f'attachment; filename="{key}.csv"'})
