"""The home page as a work queue (issue 18, item 1): what waits on my organisation, counted, dated, linked.

Each queue counts only what the organisation must handle — cases it takes part in, its own reports,
alerts, notices and red lane — and never what another organisation's records would reveal; the "next"
link sends to the item to handle at the moment of the click; a kind of organisation sees its own queues.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi import FastAPI

from countermark.cases import queue_service as case_queues
from countermark.cases.models import Notice
from countermark.cases.service import open_case
from countermark.codes import queue_service as code_queues
from countermark.codes.models import CloneAlert, ConsumerReport, ProductCode
from countermark.core.clock import utcnow
from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.orgs.auth_service import set_password
from countermark.orgs.service import create_organisation, create_user
from countermark.orgs.visibility import Principal
from countermark.targeting import queue_service as targeting_queues
from countermark.targeting.models import InspectionResult, Shipment, TargetingDecision
from countermark.web.app import create_app
from countermark.web.queue import Backlog, QueueSource, sources_for, work_queue
from tests.service.codes_fixtures import add_product, issue_codes
from tests.service.test_pages import signed_in

PASSWORD = "correct horse battery"
DAY = date(2026, 3, 2)


def _orgs(ctx: AppContext) -> dict[str, int]:
    kinds = {"brand": "rights_holder", "rival": "rights_holder", "customs": "customs", "platform": "platform"}
    ids = {}
    with unit_of_work(ctx.sessions) as session:
        for key, kind in kinds.items():
            org = create_organisation(session=session, name=key, kind=kind, country="FR")
            user = create_user(session=session, org_id=org.id, email=f"a@{key}.example", display_name=key,
                               role="analyst")
            set_password(session=session, user=user, password=PASSWORD)
            ids[key] = org.id
    return ids


def _case(ctx: AppContext, owner: int, due: datetime, *, holder: int | None = None,
          tlp: str = "GREEN") -> int:
    with unit_of_work(ctx.sessions) as session:
        case = open_case(session=session, owner_org_id=owner, procedure="eu_standard", title="Totes",
                         at=utcnow() - timedelta(days=20), actor="t", tlp=tlp, rights_holder_org_id=holder)
        case.due_at = due
        return case.id


def _notice(ctx: AppContext, case_id: int, owner: int, status: str, at: datetime) -> None:
    with unit_of_work(ctx.sessions) as session:
        session.add(Notice(case_id=case_id, kind="dsa", status=status, content_hash="0" * 64, created_by="t",
                           created_at=at, updated_at=at, owner_org_id=owner, tlp="GREEN"))


def _report(ctx: AppContext, owner: int, status: str, at: datetime) -> int:
    with unit_of_work(ctx.sessions) as session:
        report = ConsumerReport(bought_at_kind="online", status=status, created_at=at, owner_org_id=owner,
                                tlp="GREEN")
        session.add(report)
        session.flush()
        return report.id


def _alerts(ctx: AppContext, owner: int, statuses: list[tuple[str, float]]) -> list[int]:
    batch_id, _ = issue_codes(ctx, owner, add_product(ctx, owner), quantity=len(statuses))
    with unit_of_work(ctx.sessions) as session:
        codes = session.scalars(ProductCode.__table__.select().where(ProductCode.batch_id == batch_id)).all()
        ids = []
        for code_id, (status, score) in zip(codes, statuses, strict=True):
            alert = CloneAlert(code_id=code_id, score=score, status=status, owner_org_id=owner, tlp="AMBER")
            session.add(alert)
            session.flush()
            ids.append(alert.id)
        return ids


def _decision(ctx: AppContext, owner: int, n: int, lane: str, score: float, day: date,
              inspected: bool = False) -> int:
    with unit_of_work(ctx.sessions) as session:
        shipment = Shipment(source="t", external_id=f"s{n}", content_hash="0" * 64, declared_on=day,
                            transport_mode="air", owner_org_id=owner, tlp="AMBER")
        session.add(shipment)
        session.flush()
        session.add(TargetingDecision(shipment_id=shipment.id, selected_on=day, score=score, lane=lane,
                                      owner_org_id=owner, tlp="AMBER"))
        if inspected:
            session.add(InspectionResult(shipment_id=shipment.id, inspected_on=day, lane=lane, found=False,
                                         source="t", external_id=f"i{n}", content_hash="0" * 64,
                                         owner_org_id=owner, tlp="AMBER"))
        return shipment.id


def _as(org_id: int) -> Principal:
    return Principal(org_id=org_id, role="analyst", scopes=frozenset({"read", "write"}))


def test_case_queues_count_only_cases_the_organisation_takes_part_in(store: AppContext) -> None:
    orgs = _orgs(store)
    now = utcnow()
    late = _case(store, orgs["customs"], now - timedelta(days=3), holder=orgs["brand"])
    _case(store, orgs["customs"], now - timedelta(days=1), holder=orgs["brand"])
    soon = _case(store, orgs["customs"], now + timedelta(hours=3), holder=orgs["brand"])
    _case(store, orgs["customs"], now + timedelta(days=5), holder=orgs["brand"])  # not today
    _case(store, orgs["rival"], now - timedelta(days=9))  # GREEN, visible to the brand, not its case
    _case(store, orgs["customs"], now - timedelta(days=9), tlp="AMBER")  # the brand does not see it
    _notice(store, late, orgs["brand"], "sent", now - timedelta(days=4))
    _notice(store, soon, orgs["brand"], "acknowledged", now - timedelta(days=2))
    _notice(store, soon, orgs["brand"], "actioned", now - timedelta(days=8))
    _notice(store, soon, orgs["rival"], "sent", now - timedelta(days=8))
    with store.sessions() as session:
        brand, customs = _as(orgs["brand"]), _as(orgs["customs"])
        count, oldest, first = case_queues.overdue_deadlines(session=session, principal=brand, now=now)
        assert (count, first) == (2, late)
        assert oldest is not None and oldest.date() == (now - timedelta(days=3)).date()
        assert case_queues.overdue_deadlines(session=session, principal=customs, now=now)[0] == 3
        due = case_queues.deadlines_due(session=session, principal=brand, now=now, within=timedelta(days=1))
        assert due[0] == 1 and due[2] == soon
        platform = _as(orgs["platform"])
        assert case_queues.overdue_deadlines(session=session, principal=platform, now=now)[0] == 0
        waiting = case_queues.notices_awaiting_platform(session=session, principal=brand)
        assert waiting[0] == 2 and waiting[2] == late
        assert case_queues.notices_awaiting_platform(session=session, principal=customs)[0] == 0


def test_code_queues_count_the_brands_own_new_reports_and_open_alerts(store: AppContext) -> None:
    orgs = _orgs(store)
    now = utcnow()
    oldest_report = _report(store, orgs["brand"], "new", now - timedelta(days=6))
    _report(store, orgs["brand"], "new", now - timedelta(days=1))
    _report(store, orgs["brand"], "matched", now - timedelta(days=30))
    _report(store, orgs["rival"], "new", now - timedelta(days=40))  # GREEN: visible, not the brand's
    alerts = _alerts(store, orgs["brand"], [("open", 0.5), ("open", 0.9), ("confirmed", 0.99)])
    with store.sessions() as session:
        brand = _as(orgs["brand"])
        assert code_queues.new_consumer_reports(session=session, principal=brand)[::2] == (2, oldest_report)
        count, _, first = code_queues.open_clone_alerts(session=session, principal=brand)
        assert (count, first) == (2, alerts[1])
        assert code_queues.open_clone_alerts(session=session, principal=_as(orgs["rival"]))[0] == 0


def test_red_lane_is_the_latest_days_uninspected_red_decisions(store: AppContext) -> None:
    orgs = _orgs(store)
    _decision(store, orgs["customs"], 1, "red", 0.99, DAY - timedelta(days=1))  # an earlier day
    low = _decision(store, orgs["customs"], 2, "red", 0.7, DAY)
    high = _decision(store, orgs["customs"], 3, "red", 0.95, DAY)
    _decision(store, orgs["customs"], 4, "red", 0.99, DAY, inspected=True)
    _decision(store, orgs["customs"], 5, "yellow", 0.5, DAY)
    with store.sessions() as session:
        red = targeting_queues.red_lane_to_inspect
        assert red(session=session, principal=_as(orgs["customs"])) == (2, DAY, high)
        assert red(session=session, principal=_as(orgs["brand"])) == (0, None, None)
    assert low != high


def test_each_kind_of_organisation_gets_its_queues_and_a_new_source_is_one_line(store: AppContext) -> None:
    from countermark.web import queue_pages  # noqa: F401 - registers the built-in queues

    customs = {s.key for s in sources_for("customs")}
    brand = {s.key for s in sources_for("rights_holder")}
    assert "red_lane" in customs and "red_lane" not in brand
    assert {"consumer_reports", "clone_alerts", "notices"} <= brand and "clone_alerts" not in customs
    extra = QueueSource("alerts", "New alerts", "/alerts", lambda s, p, n: Backlog(3, None, "/alerts/1"))
    broken = QueueSource("broken", "Broken", "/x", lambda s, p, n: Backlog(1 // 0))
    with store.sessions() as session:
        lines = work_queue(session, _as(1), "customs", utcnow(), sources=[extra, broken])
    assert lines[0].backlog == Backlog(3, None, "/alerts/1") and lines[1].backlog is None


@pytest.fixture
def app(store: AppContext) -> FastAPI:
    return create_app(context=store)


def test_home_page_shows_the_queue_and_next_sends_to_the_item(store: AppContext, app: FastAPI) -> None:
    orgs = _orgs(store)
    now = utcnow()
    late = _case(store, orgs["customs"], now - timedelta(days=3), holder=orgs["brand"])
    report = _report(store, orgs["brand"], "new", now - timedelta(days=6))
    shipment = _decision(store, orgs["customs"], 1, "red", 0.9, DAY)
    brand = signed_in(app, "a@brand.example", PASSWORD)
    home = brand.get("/?lang=fr")
    assert home.status_code == 200
    assert "/queue/consumer_reports/next" in home.text and "/queue/deadlines_overdue/next" in home.text
    assert "/queue/red_lane/" not in home.text
    hop = brand.get("/queue/consumer_reports/next", follow_redirects=False)
    assert hop.status_code == 303 and hop.headers["location"] == f"/codes/reports/{report}"
    hop = brand.get("/queue/deadlines_overdue/next", follow_redirects=False)
    assert hop.headers["location"] == f"/cases/{late}"
    assert brand.get("/queue/red_lane/next", follow_redirects=False).status_code == 404
    assert brand.get("/queue/nothing/next", follow_redirects=False).status_code == 404
    customs = signed_in(app, "a@customs.example", PASSWORD)
    hop = customs.get("/queue/red_lane/next", follow_redirects=False)
    assert hop.headers["location"] == f"/targeting/declarations/{shipment}"
    empty = signed_in(app, "a@platform.example", PASSWORD)
    assert empty.get("/queue/deadlines_due/next", follow_redirects=False).headers["location"] == "/cases"
    assert datetime.now(UTC) > now


def test_requests_from_partners_wait_in_the_receiving_agencys_queue_until_answered(
    store: AppContext, app: FastAPI
) -> None:
    from countermark.share.models import AssistanceRequest
    from countermark.share.requests_service import incoming_backlog

    orgs = _orgs(store)
    with unit_of_work(store.sessions) as session:
        rows = [
            AssistanceRequest(uuid=f"00000000-0000-4000-8000-00000000000{i}", direction=direction,
                              org_id=orgs[org], subject=f"request {i}", asked="who ships these?",
                              legal_basis="Reg. 515/97", status=status,
                              created_at=utcnow() - timedelta(days=i))
            for i, (org, direction, status) in enumerate([
                ("customs", "incoming", "received"), ("customs", "incoming", "accepted"),
                ("customs", "incoming", "answered"), ("customs", "outgoing", "sent"),
                ("platform", "incoming", "received"),
            ], start=1)
        ]
        session.add_all(rows)
        session.flush()
        ids = [row.id for row in rows]
    with store.sessions() as session:
        count, oldest, first = incoming_backlog(session=session, principal=_as(orgs["customs"]))
    # Received and accepted wait on customs; answered and its own outgoing request do not; the oldest first.
    assert (count, first) == (2, ids[1]) and oldest is not None
    customs = signed_in(app, "a@customs.example", PASSWORD)
    assert "/queue/partner_requests/next" in customs.get("/?lang=zh").text
    hop = customs.get("/queue/partner_requests/next", follow_redirects=False)
    assert hop.status_code == 303 and hop.headers["location"] == f"/share/requests/{ids[1]}"
    brand = signed_in(app, "a@brand.example", PASSWORD)
    assert brand.get("/queue/partner_requests/next", follow_redirects=False).status_code == 404
