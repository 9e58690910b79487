"""Dashboards (issue 18, item 3): weekly detentions, takedowns and targeting hit rate, as SVG with a table
and a CSV, counting only what the organisation may see."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from countermark.cases.models import Notice, NoticeStatusChange
from countermark.cases.service import open_case
from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.orgs.models import AuditEntry
from countermark.targeting.models import InspectionResult, Shipment
from countermark.web.app import create_app
from countermark.web.charts import WeeklyChart, as_csv, grouped_bars, ratio_rows, weekly_rows
from tests.service.test_pages import signed_in
from tests.service.test_workbench_queue import PASSWORD, _orgs

MONDAY = date(2026, 3, 2)


def test_weeks_are_summed_from_monday_and_gaps_are_zero() -> None:
    week = timedelta(weeks=1)
    counts = {
        (MONDAY, "a"): 2.0,
        (MONDAY + timedelta(days=6), "a"): 1.0,
        (MONDAY + timedelta(days=15), "b"): 4.0,
        (MONDAY, "ignored"): 9.0,
    }
    assert weekly_rows(counts, ("a", "b")) == (
        (MONDAY, (3.0, 0.0)),
        (MONDAY + week, (0.0, 0.0)),
        (MONDAY + 2 * week, (0.0, 4.0)),
    )
    rates = ratio_rows({MONDAY: 1, MONDAY + timedelta(days=1): 2}, {MONDAY: 4, MONDAY + 2 * week: 0})
    assert rates == ((MONDAY, (0.75,)),)  # hits over trials; a week without inspection has no rate


def test_chart_is_an_accessible_svg_with_escaped_labels() -> None:
    chart = WeeklyChart("k", "<T>", ("a", "b"), ((MONDAY, (2.0, 1.0)),))
    svg = grouped_bars(
        chart,
        labels=["<a>", "b"],
        empty_text="none",
        date_label=date.isoformat,
        number_label=lambda v: f"{v:g}",
    )
    assert svg.startswith("<svg") and 'role="img"' in svg and "<title>&lt;T&gt;</title>" in svg
    assert svg.count("<rect") == 4  # two legend keys, two bars
    assert "2026-03-02 · &lt;a&gt;: 2" in svg
    empty = WeeklyChart("k", "t", ("a",), ())
    assert "none" in grouped_bars(empty, labels=["a"], empty_text="none", date_label=str, number_label=str)
    assert as_csv(chart, chart.series) == "week,a,b\n2026-03-02,2,1\n"


def _inspection(ctx: AppContext, owner: int, n: int, day: date, lane: str, found: bool) -> None:
    with unit_of_work(ctx.sessions) as session:
        shipment = Shipment(
            source="t",
            external_id=f"s{n}",
            content_hash="0" * 64,
            declared_on=day,
            transport_mode="air",
            owner_org_id=owner,
            tlp="AMBER",
        )
        session.add(shipment)
        session.flush()
        session.add(
            InspectionResult(
                shipment_id=shipment.id,
                inspected_on=day,
                lane=lane,
                found=found,
                source="t",
                external_id=f"i{n}",
                content_hash="0" * 64,
                owner_org_id=owner,
                tlp="AMBER",
            )
        )


def _takedown(ctx: AppContext, owner: int, statuses: list[str]) -> None:
    at = datetime(2026, 3, 3, 10, tzinfo=UTC)
    with unit_of_work(ctx.sessions) as session:
        case = open_case(
            session=session,
            owner_org_id=owner,
            procedure="eu_standard",
            title="t",
            at=at,
            actor="t",
            tlp="AMBER",
        )
        notice = Notice(
            case_id=case.id,
            kind="dsa",
            status=statuses[-1],
            content_hash="0" * 64,
            created_by="t",
            owner_org_id=owner,
            tlp="AMBER",
        )
        session.add(notice)
        session.flush()
        for i, status in enumerate(statuses):
            session.add(
                NoticeStatusChange(notice_id=notice.id, at=at + timedelta(days=i), status=status, actor="t")
            )


def test_dashboards_page_and_csv_count_only_what_the_viewer_may_see(store: AppContext) -> None:
    orgs = _orgs(store)
    _inspection(store, orgs["customs"], 1, MONDAY, "red", True)
    _inspection(store, orgs["customs"], 2, MONDAY + timedelta(days=2), "red", False)
    _inspection(store, orgs["customs"], 3, MONDAY + timedelta(days=3), "yellow", True)
    _inspection(store, orgs["customs"], 4, MONDAY + timedelta(weeks=1), "red", True)
    _takedown(store, orgs["brand"], ["sent", "actioned", "relisted"])
    _takedown(store, orgs["brand"], ["sent"])
    _takedown(store, orgs["rival"], ["sent"])  # AMBER: not the brand's to count
    app = create_app(context=store)
    customs = signed_in(app, "a@customs.example", PASSWORD)
    page = customs.get("/dashboards?lang=fr")
    assert page.status_code == 200 and page.text.count("<svg") >= 3 and "Contrôles et retenues" in page.text
    detentions = customs.get("/dashboards/detentions.csv")
    assert detentions.status_code == 200 and detentions.headers["content-type"].startswith("text/csv")
    assert detentions.text == "week,inspected,detained\n2026-03-02,3,2\n2026-03-09,1,1\n"
    assert customs.get("/dashboards/hit-rate.csv").text == "week,rate\n2026-03-02,0.5000\n2026-03-09,1.0000\n"
    assert customs.get("/dashboards/takedowns.csv").text == "week,sent,actioned,confirmed_removed,relisted\n"
    assert customs.get("/dashboards/nothing.csv").status_code == 404
    brand = signed_in(app, "a@brand.example", PASSWORD)
    assert brand.get("/dashboards/detentions.csv").text == "week,inspected,detained\n"
    assert brand.get("/dashboards/takedowns.csv").text == (
        "week,sent,actioned,confirmed_removed,relisted\n2026-03-02,2,1,0,1\n"
    )
    with store.sessions() as session:
        exports = session.scalars(select(AuditEntry.subject_type).where(AuditEntry.action == "export")).all()
    assert sorted(exports).count("chart:detentions") == 2


def test_a_request_reads_the_removals_once_for_both_charts(store: AppContext) -> None:
    from sqlalchemy import event

    from countermark.orgs.visibility import Principal
    from countermark.web import charts_service

    statements: list[str] = []
    principal = Principal(org_id=1, scopes=frozenset({"read"}))
    with unit_of_work(store.sessions) as session:
        first = charts_service.removals(session, principal)

        def count(*args: object) -> None:
            statements.append(str(args[2]))

        event.listen(store.engine, "before_cursor_execute", count)
        try:
            again = charts_service.removals(session, principal)
        finally:
            event.remove(store.engine, "before_cursor_execute", count)
    assert again == first and not statements
    with unit_of_work(store.sessions) as session:  # another request reads them afresh
        assert charts_service.removals(session, principal) == first
