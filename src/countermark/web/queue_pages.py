"""The queues every organisation starts with, and the one-click "next item" link of each.

The titles are catalogue message ids (marked with `N_` so the catalogue test finds them; the home page
translates them). `/queue/{key}/next` asks the queue again at the moment of the click, so two analysts
working the same queue are each sent to what is still waiting, and an empty queue sends to its list.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import APIRouter
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from countermark.cases import queue_service as case_queues
from countermark.codes import queue_service as code_queues
from countermark.core.clock import utcnow
from countermark.core.errors import NotFound
from countermark.core.http.deps import DbSession
from countermark.detect import alert_service as detect_alerts
from countermark.orgs.deps import PageViewer
from countermark.orgs.visibility import Principal
from countermark.share import requests_service as share_requests
from countermark.targeting import queue_service as targeting_queues
from countermark.web import watchlist_service
from countermark.web.queue import Backlog, QueueSource, register, source, sources_for

router = APIRouter(include_in_schema=False)
DAY = timedelta(days=1)


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for a message translated later
    """Mark a message id for the catalogue without translating it here."""
    return message


def _href(pattern: str, ident: int | None) -> str | None:
    return pattern.format(id=ident) if ident is not None else None


def _overdue(session: Session, principal: Principal, now: datetime) -> Backlog:
    count, oldest, first = case_queues.overdue_deadlines(session=session, principal=principal, now=now)
    return Backlog(count, oldest, _href("/cases/{id}", first))


def _due_today(session: Session, principal: Principal, now: datetime) -> Backlog:
    count, oldest, first = case_queues.deadlines_due(
        session=session, principal=principal, now=now, within=DAY
    )
    return Backlog(count, oldest, _href("/cases/{id}", first))


def _red_lane(session: Session, principal: Principal, now: datetime) -> Backlog:
    count, day, first = targeting_queues.red_lane_to_inspect(session=session, principal=principal)
    return Backlog(count, day, _href("/targeting/declarations/{id}", first))


def _reports(session: Session, principal: Principal, now: datetime) -> Backlog:
    count, oldest, first = code_queues.new_consumer_reports(session=session, principal=principal)
    return Backlog(count, oldest, _href("/codes/reports/{id}", first))


def _clone_alerts(session: Session, principal: Principal, now: datetime) -> Backlog:
    count, oldest, first = code_queues.open_clone_alerts(session=session, principal=principal)
    # The alerts page lists the alerts with their decision buttons; an alert has no page of its own.
    return Backlog(count, oldest, "/codes/alerts" if first is not None else None)


def _notices(session: Session, principal: Principal, now: datetime) -> Backlog:
    count, oldest, case_id = case_queues.notices_awaiting_platform(session=session, principal=principal)
    return Backlog(count, oldest, _href("/cases/{id}#notices", case_id))


register(QueueSource("deadlines_overdue", N_("Overdue case deadlines"), "/cases", _overdue, overdue=True))
register(QueueSource("deadlines_due", N_("Case deadlines due today"), "/cases", _due_today))
register(QueueSource("red_lane", N_("Red lane to inspect"), "/targeting", _red_lane,
                     kinds=frozenset({"customs"})))
register(QueueSource("consumer_reports", N_("New consumer reports"), "/codes/reports", _reports,
                     kinds=frozenset({"rights_holder"})))
register(QueueSource("clone_alerts", N_("Clone alerts to decide"), "/codes/alerts", _clone_alerts,
                     kinds=frozenset({"rights_holder"})))
register(QueueSource("notices", N_("Notices awaiting a platform's answer"), "/cases", _notices,
                     kinds=frozenset({"rights_holder", "police"})))


def _watchlist(session: Session, principal: Principal, now: datetime) -> Backlog:
    # Found by a query when the home page is read (web/watchlist_service.py), not by a hook in ingestion.
    found = watchlist_service.new_hits(session=session, principal=principal)
    if not found:
        return Backlog(0)
    oldest = min(hit.stored_at for _, hits in found for hit in hits)
    return Backlog(sum(len(hits) for _, hits in found), oldest, f"/watchlist/{found[0][0].id}")


register(QueueSource("watchlist", N_("Watched values seen again"), "/watchlist", _watchlist))


def _detection_alerts(session: Session, principal: Principal, now: datetime) -> Backlog:
    count, oldest, first = detect_alerts.new_alert_backlog(session=session, principal=principal)
    return Backlog(count, oldest, _href("/alerts/{id}", first))


register(QueueSource("detection_alerts", N_("Detection alerts to review"), "/alerts", _detection_alerts,
                     kinds=frozenset({"rights_holder", "platform", "police", "other"})))


def _partner_requests(session: Session, principal: Principal, now: datetime) -> Backlog:
    count, oldest, first = share_requests.incoming_backlog(session=session, principal=principal)
    return Backlog(count, oldest, _href("/share/requests/{id}", first))


register(QueueSource("partner_requests", N_("Requests from partners to answer"), "/share/requests",
                     _partner_requests, kinds=frozenset({"customs", "police"})))


@router.get("/queue/{key}/next")
def next_item(key: str, session: DbSession, viewer: PageViewer) -> RedirectResponse:
    """Send the analyst to the item of this queue to handle now, or to the queue's list when none waits."""
    kind = viewer.organisation.kind if viewer.organisation else None
    chosen = source(key)
    if chosen is None or chosen not in sources_for(kind):
        raise NotFound.of("no such work queue")
    backlog = chosen.load(session, viewer.principal, utcnow())
    return RedirectResponse(backlog.next_href or chosen.list_href, status_code=303)
