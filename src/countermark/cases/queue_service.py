"""What of the cases waits on an organisation: deadlines due and overdue, notices awaiting a platform.

Read-only counts for the analyst's work queue (`web/queue.py`). A case counts for an organisation only
when the organisation takes part in it (it owns the case, is its rights holder or its platform) and may
see it; a notice counts for the organisation that sent it. Each answer is (how many, the oldest moment,
the id of the next item to handle), the next item being the one whose deadline or wait is oldest.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, or_
from sqlalchemy.orm import Session

from countermark.cases.models import Case, Notice
from countermark.orgs.visibility import Principal, visible

Backlog = tuple[int, datetime | None, int | None]
AWAITING_PLATFORM = ("sent", "acknowledged")


def _backlog(session: Session, query: Select[Any], moment: Any, ident: Any) -> Backlog:
    """Count, oldest moment and the id of the oldest row of a query."""
    totals = query.with_only_columns(func.count(), func.min(moment)).order_by(None)
    count, oldest = session.execute(totals).one()
    first = session.scalar(query.with_only_columns(ident).order_by(moment, ident).limit(1))
    return int(count), oldest, first


def _open_cases_of(principal: Principal) -> Select[tuple[Case]]:
    """Open cases the principal sees and its organisation takes part in (none for the public)."""
    org = principal.org_id
    query = visible(Case, principal).where(Case.status == "open", Case.due_at.is_not(None))
    if principal.is_system:
        return query
    return query.where(or_(Case.owner_org_id == org, Case.rights_holder_org_id == org,
                           Case.platform_org_id == org))


def overdue_deadlines(*, session: Session, principal: Principal, now: datetime) -> Backlog:
    """Open cases of the principal's whose step deadline has passed; the most overdue first."""
    return _backlog(session, _open_cases_of(principal).where(Case.due_at < now), Case.due_at, Case.id)


def deadlines_due(*, session: Session, principal: Principal, now: datetime, within: timedelta) -> Backlog:
    """Open cases of the principal's whose deadline falls in the coming period (today: within a day)."""
    query = _open_cases_of(principal).where(Case.due_at >= now, Case.due_at < now + within)
    return _backlog(session, query, Case.due_at, Case.id)


def notices_awaiting_platform(*, session: Session, principal: Principal) -> Backlog:
    """Notices the organisation sent that the platform has not yet actioned or refused; the next id is the
    notice's case, where the notice is answered."""
    query = visible(Notice, principal).where(Notice.status.in_(AWAITING_PLATFORM))
    if not principal.is_system:
        query = query.where(Notice.owner_org_id == principal.org_id)
    return _backlog(session, query, Notice.updated_at, Notice.case_id)
