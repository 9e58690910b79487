"""What of the codes waits on a brand: new consumer reports and open clone alerts.

Read-only counts for the analyst's work queue (`web/queue.py`): only the organisation's own records (a
GREEN report of another brand is visible but is not this brand's to handle). Each answer is (how many, the
oldest moment, the id of the oldest item).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlalchemy.orm import Session

from countermark.codes.models import CloneAlert, ConsumerReport
from countermark.orgs.visibility import Principal, visible

Backlog = tuple[int, datetime | None, int | None]


def new_consumer_reports(*, session: Session, principal: Principal) -> Backlog:
    """Reports from the public nobody has looked at yet (status 'new')."""
    query = visible(ConsumerReport, principal).where(ConsumerReport.status == "new")
    if not principal.is_system:
        query = query.where(ConsumerReport.owner_org_id == principal.org_id)
    count, oldest = session.execute(
        query.with_only_columns(func.count(), func.min(ConsumerReport.created_at)).order_by(None)
    ).one()
    first = session.scalar(
        query.with_only_columns(ConsumerReport.id)
        .order_by(ConsumerReport.created_at, ConsumerReport.id).limit(1)
    )
    return int(count), oldest, first


def open_clone_alerts(*, session: Session, principal: Principal) -> Backlog:
    """Clone alerts awaiting a person's decision; the next is the highest score (the alerts page's order)."""
    query = visible(CloneAlert, principal).where(CloneAlert.status == "open")
    if not principal.is_system:
        query = query.where(CloneAlert.owner_org_id == principal.org_id)
    count, oldest = session.execute(
        query.with_only_columns(func.count(), func.min(CloneAlert.created_at)).order_by(None)
    ).one()
    first = session.scalar(
        query.with_only_columns(CloneAlert.id).order_by(CloneAlert.score.desc(), CloneAlert.id).limit(1)
    )
    return int(count), oldest, first
