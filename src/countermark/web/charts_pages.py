"""The dashboards page: detentions, takedowns and the targeting hit rate by week, each drawn as SVG on the
server with its table for screen readers and its numbers as CSV (the export is audited, as the API's are).

The routes are plain `def`s: the queries and the drawing run in the worker threads, never on the event loop.
"""

from __future__ import annotations

from collections.abc import Callable

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
from countermark.web.charts import WeeklyChart, as_csv, grouped_bars, ratio_rows, weekly_rows

router = APIRouter(include_in_schema=False)


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for a message translated later
    """Mark a message id for the catalogue without translating it here."""
    return message


SERIES_LABELS = {
    "inspected": N_("Inspected"), "detained": N_("Detained or seized"),
    "sent": N_("Notices sent"), "actioned": N_("Actioned by the platform"), "relisted": N_("Relisted"),
    "rate": N_("Hit rate"),
}


def _detentions(session: Session, principal: Principal) -> WeeklyChart:
    counts = charts_service.inspections_per_day(session, principal)
    series = ("inspected", "detained")
    return WeeklyChart("detentions", N_("Inspections and detentions by week"), series,
                       weekly_rows(counts, series))


def _takedowns(session: Session, principal: Principal) -> WeeklyChart:
    counts = charts_service.takedowns_per_day(session, principal)
    series = charts_service.TAKEDOWN_STATUSES
    return WeeklyChart("takedowns", N_("Takedowns by week"), series, weekly_rows(counts, series))


def _hit_rate(session: Session, principal: Principal) -> WeeklyChart:
    hits, trials = charts_service.red_lane_results_per_day(session, principal)
    return WeeklyChart("hit-rate", N_("Targeting hit rate by week (red lane inspections that found goods)"),
                       ("rate",), ratio_rows(hits, trials), percent=True)


CHARTS: dict[str, Callable[[Session, Principal], WeeklyChart]] = {
    "detentions": _detentions, "takedowns": _takedowns, "hit-rate": _hit_rate,
}


@router.get("/dashboards")
def dashboards_page(request: Request, session: DbSession, viewer: PageViewer) -> Response:
    """Every chart the viewer's organisation may see the numbers of, each with its table and CSV link."""
    locale = request_locale(request)
    env, gettext = environment(locale), translations(locale).gettext
    date_label, number = env.filters["date"], env.filters["number"]
    drawn = []
    for build in CHARTS.values():
        chart = build(session, viewer.principal)
        translated = WeeklyChart(chart.key, gettext(chart.title), chart.series, chart.rows, chart.percent)
        labels = [gettext(SERIES_LABELS[s]) for s in chart.series]

        def label(value: float, percent: bool = chart.percent) -> str:
            return f"{number(value * 100, 0)} %" if percent else str(number(value, 0))

        svg = grouped_bars(translated, labels=labels, empty_text=gettext("Nothing recorded yet."),
                           date_label=date_label, number_label=label)
        rows = [(week, [label(v) for v in values]) for week, values in chart.rows]
        drawn.append({"key": chart.key, "title": translated.title, "labels": labels, "svg": svg,
                      "rows": rows})
    return render(request, "dashboard_charts.html",
                  {"viewer": viewer, "charts": drawn, "active": "dashboards"})


@router.get("/dashboards/{key}.csv")
def chart_csv(key: str, request: Request, session: DbSession, viewer: PageViewer) -> Response:
    """One chart's weekly numbers as CSV (week, then one column per series), recorded in the audit log."""
    build = CHARTS.get(key)
    if build is None:
        raise NotFound("no such chart")
    chart = build(session, viewer.principal)
    principal = viewer.principal
    record_audit(session=session, actor=principal.email, org_id=principal.org_id, action="export",
                 subject_type=f"chart:{key}", origin=client_origin(request), detail={"rows": len(chart.rows)})
    return Response(as_csv(chart, chart.series), media_type="text/csv",
                    headers={"content-disposition": f'attachment; filename="{key}.csv"'})
