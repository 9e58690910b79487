"""Dashboards (issue 18, item 3): detentions by origin, route, transport mode and HS heading, takedowns
confirmed removed by the monitor's re-crawl, and the days from detection to removal, counting only what the
organisation may see."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from countermark.cases.models import CaseLink, Notice, NoticeStatusChange
from countermark.cases.service import open_case
from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.detect.models import DetectionAlert
from countermark.monitor.models import NoticeCheck
from countermark.observe.models import Listing
from countermark.orgs.models import AuditEntry
from countermark.targeting.models import InspectionResult, Shipment
from countermark.web.app import create_app
from countermark.web.breakdowns import OTHER, UNKNOWN, Breakdown, breakdown_csv, horizontal_bars, top_rows
from countermark.web.charts import quantile_rows
from tests.service.test_pages import signed_in
from tests.service.test_workbench_queue import PASSWORD, _orgs

MONDAY = date(2026, 3, 2)


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 3, 1, hour, tzinfo=UTC) + timedelta(days=day - 1)


def test_top_ten_then_other_and_unknown() -> None:
    counts: dict[str | None, float] = {f"C{i:02d}": float(20 - i) for i in range(12)}
    counts[None] = 1.0
    counts[""] = 2.0
    counts["ZERO"] = 0.0
    rows = top_rows(counts)
    assert len(rows) == 11 and rows[0] == ("C00", 20.0) and rows[9] == ("C09", 11.0)
    assert rows[10] == (OTHER, 10.0 + 9.0 + 3.0)  # C10, C11 and the three unknown
    assert top_rows({None: 2.0, "FR": 2.0}) == ((UNKNOWN, 2.0), ("FR", 2.0))
    assert top_rows({}) == ()


def test_breakdown_svg_and_csv() -> None:
    chart = Breakdown("k", "<T>", "origin", "Country", "detained", (("CN", 3.0), (OTHER, 1.0)))
    svg = horizontal_bars(chart, labels=["<China>", "Other"], empty_text="none",
                          number_label=lambda v: f"{v:g}")
    assert svg.startswith("<svg") and 'role="img"' in svg and "<title>&lt;T&gt;</title>" in svg
    assert svg.count("<rect") == 2 and "&lt;China&gt;: 3" in svg
    assert "none" in horizontal_bars(Breakdown("k", "t", "o", "h", "d", ()), labels=[], empty_text="none",
                                     number_label=str)
    assert breakdown_csv(chart) == "origin,detained\nCN,3\n(other),1\n"


def test_median_and_90th_percentile_by_week() -> None:
    rows = quantile_rows({MONDAY: [4.0], MONDAY + timedelta(days=2): [2.0],
                          MONDAY + timedelta(days=7): [3.0]})
    assert rows == ((MONDAY, (3.0, 3.8)), (MONDAY + timedelta(weeks=1), (3.0, 3.0)))


def _detention(ctx: AppContext, owner: int, n: int, day: date, *, origin: str | None,
               destination: str | None, mode: str, hs: str | None, found: bool = True) -> None:
    with unit_of_work(ctx.sessions) as session:
        shipment = Shipment(source="t", external_id=f"s{n}", content_hash="0" * 64, declared_on=day,
                            transport_mode=mode, origin_country=origin, consignee_country=destination,
                            hs_code=hs, owner_org_id=owner, tlp="AMBER")
        session.add(shipment)
        session.flush()
        session.add(InspectionResult(shipment_id=shipment.id, inspected_on=day, lane="red", found=found,
                                     source="t", external_id=f"i{n}", content_hash="0" * 64,
                                     owner_org_id=owner, tlp="AMBER"))


def _removal(ctx: AppContext, owner: int, n: int, *, observed: datetime,
             history: list[tuple[str, datetime]], checks: list[tuple[str, datetime]],
             alerted: datetime | None = None) -> None:
    """A listing observed once, its case and notice with a status history, and the monitor's re-crawls."""
    url = f"https://shop.example/item/{owner}-{n}"
    with unit_of_work(ctx.sessions) as session:
        listing = Listing(platform="shop", url=url, title="Bag", observed_at=observed, created_at=observed,
                          source="t", external_id=f"l{n}", content_hash="0" * 64, owner_org_id=owner,
                          tlp="AMBER")
        session.add(listing)
        case = open_case(session=session, owner_org_id=owner, procedure="eu_standard", title="t", at=observed,
                         actor="t", tlp="AMBER")
        session.flush()
        session.add(CaseLink(case_id=case.id, subject_type="listing", subject_id=listing.id))
        if alerted is not None:
            session.add(DetectionAlert(listing_id=listing.id, owner_org_id=owner, created_at=alerted))
        notice = Notice(case_id=case.id, kind="dsa", status=history[-1][0], target_url=url,
                        content_hash="0" * 64, created_by="t", owner_org_id=owner, tlp="AMBER")
        session.add(notice)
        session.flush()
        for status, when in history:
            session.add(NoticeStatusChange(notice_id=notice.id, at=when, status=status, actor="t"))
        for outcome, when in checks:
            session.add(NoticeCheck(notice_id=notice.id, url=url, checked_at=when, outcome=outcome))


def test_breakdowns_and_removals_count_only_what_the_viewer_may_see(store: AppContext) -> None:
    orgs = _orgs(store)
    customs, brand, rival = orgs["customs"], orgs["brand"], orgs["rival"]
    _detention(store, customs, 1, MONDAY, origin="CN", destination="FR", mode="air", hs="640399")
    _detention(store, customs, 2, MONDAY + timedelta(days=1), origin="CN", destination="DE", mode="post",
               hs="420221")
    _detention(store, customs, 3, MONDAY + timedelta(days=2), origin="TR", destination="FR", mode="air",
               hs="640399", found=False)  # inspected, nothing found: not a detention
    _detention(store, customs, 4, MONDAY + timedelta(days=8), origin=None, destination="FR", mode="sea",
               hs=None)
    _detention(store, customs, 5, MONDAY - timedelta(weeks=30), origin="CN", destination="FR", mode="air",
               hs="640399")  # before the 26 weeks of the charts
    _detention(store, rival, 6, MONDAY, origin="VN", destination="FR", mode="road", hs="910211")  # AMBER
    removed = [("sent", at(2)), ("actioned", at(5))]
    _removal(store, brand, 1, observed=at(1), history=removed, checks=[("confirmed_removed", at(6))])
    _removal(store, brand, 2, observed=at(1) - timedelta(days=9), alerted=at(1),
             history=[("sent", at(2)), ("actioned", at(3))],
             checks=[("confirmed_removed", at(4)), ("still_online", at(6))])
    _removal(store, brand, 3, observed=at(8), history=[("sent", at(9))],
             checks=[("confirmed_removed", at(11))])
    _removal(store, rival, 4, observed=at(1), history=removed, checks=[("confirmed_removed", at(6))])  # AMBER
    app = create_app(context=store)
    officer = signed_in(app, "a@customs.example", PASSWORD)
    csv = {key: officer.get(f"/dashboards/detentions-{key}.csv").text
           for key in ("origin", "route", "mode", "product")}
    assert csv == {
        "origin": f"origin,detained\nCN,2\n{UNKNOWN},1\n",
        "route": "route,detained\n?>FR,1\nCN>DE,1\nCN>FR,1\n",
        "mode": "mode,detained\nair,1\npost,1\nsea,1\n",
        "product": f"product,detained\n{UNKNOWN},1\n4202,1\n6403,1\n",
    }
    weekly = officer.get("/dashboards/detentions.csv").text.splitlines()
    assert len(weekly) == 27 and weekly[-2:] == ["2026-03-02,3,2", "2026-03-09,1,1"]  # the same 26 weeks
    assert officer.get("/dashboards/removal-time.csv").text == "week,median,p90\n"
    analyst = signed_in(app, "a@brand.example", PASSWORD)
    assert analyst.get("/dashboards/detentions-origin.csv").text == "origin,detained\n"
    # Removed after 4 days, after 2 days (from the alert, not the older observation), after 3 days.
    assert analyst.get("/dashboards/removal-time.csv").text == (
        "week,median,p90\n2026-03-02,3.0,3.8\n2026-03-09,3.0,3.0\n"
    )
    assert analyst.get("/dashboards/takedowns.csv").text == (
        "week,sent,actioned,confirmed_removed,relisted\n2026-03-02,2,2,1,0\n2026-03-09,1,0,1,0\n"
    )
    page = officer.get("/dashboards?lang=fr")
    assert page.status_code == 200 and page.text.count("<svg") >= 8
    for title in ("Retenues et saisies par pays d’origine", "Retenues et saisies par mode de transport",
                  "Délai de la détection au retrait", "Chine → France", "Position SH"):
        assert title in page.text, title
    assert "Vietnam" not in page.text and "Viêt Nam" not in page.text
    chinese = analyst.get("/dashboards?lang=zh")
    assert chinese.status_code == 200 and "从发现到删除" in chinese.text
    with store.sessions() as session:
        exports = session.scalars(select(AuditEntry.subject_type).where(AuditEntry.action == "export")).all()
    assert {"chart:detentions-route", "chart:removal-time", "chart:takedowns"} <= set(exports)
