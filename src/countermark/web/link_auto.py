"""New observations join the standing networks on their own: every `Settings.link_auto_seconds`
(COUNTERMARK_LINK_AUTO_SECONDS; 0: off), the server queues an incremental linking job for each
organisation that was linked before and has accounts, listings or consignments stored or changed since
its last run, and the linking runner (`link.runner`) does it in a process of its own.

It lives at the web floor because it reads other capabilities' tables to find who is due; the job
itself is the one an analyst asks for with "Add what is new" (`link.jobs`), asked for by "scheduler".
Several server workers may look at once: the jobs' unique index keeps one queued per organisation.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from countermark.core.clock import utcnow
from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.core.errors import Conflict
from countermark.link.jobs import ACTIVE, request_job
from countermark.link.models import LinkJob, LinkRun
from countermark.observe.models import Account, Listing
from countermark.orgs.service import group_ids_of
from countermark.orgs.visibility import Principal, visible_clause
from countermark.targeting.models import Shipment

log = logging.getLogger("countermark.web.link_auto")
ACTOR = "scheduler"


def _changed_since(session: Session, principal: Principal, since: datetime) -> bool:
    for model in (Account, Listing, Shipment):
        model_: Any = model
        found = session.scalar(
            select(model_.id)
            .where(
                visible_clause(model_, principal),
                or_(model_.created_at > since, model_.updated_at > since),
            )
            .limit(1)
        )
        if found is not None:
            return True
    return False


def organisations_due(session: Session, *, now: datetime, every_seconds: float) -> list[int]:
    """Organisations linked before, not linked in the last `every_seconds`, with no job queued or
    running, and with records stored or changed since their last run."""
    last_runs = session.execute(
        select(LinkRun.owner_org_id, func.max(LinkRun.started_at)).group_by(LinkRun.owner_org_id)
    ).all()
    busy = set(session.scalars(select(LinkJob.owner_org_id).where(LinkJob.status.in_(ACTIVE))))
    due = []
    for org, since in sorted(last_runs):
        if org in busy or since is None or since > now - timedelta(seconds=every_seconds):
            continue
        principal = Principal(org_id=org, group_ids=group_ids_of(session, org))
        if _changed_since(session, principal, since):
            due.append(org)
    return due


def queue_increments(ctx: AppContext) -> list[int]:
    """Queue an incremental job for each organisation due; the ids of the jobs queued."""
    queued = []
    with unit_of_work(ctx.sessions) as session:
        for org in organisations_due(session, now=utcnow(), every_seconds=ctx.settings.link_auto_seconds):
            principal = Principal(org_id=org, scopes=frozenset({"read", "write"}), email=ACTOR)
            try:
                queued.append(request_job(session=session, principal=principal, mode="incremental").id)
            except Conflict:  # another worker queued it, or an analyst did, meanwhile
                continue
    for job_id in queued:
        log.info("linking job %s queued: new records since the last run", job_id)
    return queued
