"""Notices of a case: built from its links and the notifier's statements, stored with their status history."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from countermark.cases.models import Case, CaseLink, Notice, NoticeStatusChange
from countermark.cases.notices import NoticeFacts, build_notice, check_status_change
from countermark.cases.service import content_hash, record_in_ledger
from countermark.observe.service import listing_facts
from countermark.orgs.service import record_audit
from countermark.orgs.visibility import Principal
from countermark.rights.service import visible_rights


def facts_for_case(*, session: Session, principal: Principal, case: Case, **statements: Any) -> NoticeFacts:
    """Notice facts from the notifier's statements, completed by the case's visible listings and right."""
    links = session.scalars(select(CaseLink).where(CaseLink.case_id == case.id)).all()
    listing_ids = [link.subject_id for link in links if link.subject_type == "listing"]
    right_ids = [link.subject_id for link in links if link.subject_type == "right"]
    listings = list(listing_facts(session=session, principal=principal, ids=listing_ids).values())
    right = next(iter(visible_rights(session=session, principal=principal, ids=right_ids).values()), None)
    values: dict[str, Any] = {
        "infringing_urls": tuple(listing.url for listing in listings),
        "platform": listings[0].platform if listings else "",
        "right_kind": right.kind if right else "trademark",
        "right_name": right.name if right else "",
        "holder_name": right.holder_name if right else "",
        "registration_number": right.registration_number if right else "",
        "countries": tuple(right.jurisdictions) if right else (),
        "notifier_name": "",
        "notifier_email": "",
        "explanation": "",
    }
    values.update(
        {k: (tuple(v) if isinstance(v, list) else v) for k, v in statements.items() if v not in (None, "")}
    )
    names = {f.name for f in dataclasses.fields(NoticeFacts)}
    return NoticeFacts(**{k: v for k, v in values.items() if k in names})


def generate_notice(
    *,
    session: Session,
    case: Case,
    kind: str,
    facts: NoticeFacts,
    actor: str,
    org_id: int | None,
    at: datetime,
    reason_code: str = "9052",
) -> Notice:
    """Build, validate and store a notice of the case as a draft."""
    body = build_notice(kind, facts, reason_code=reason_code)
    digest = content_hash(body)
    listing_url = facts.infringing_urls[0] if facts.infringing_urls else None
    notice = Notice(
        case_id=case.id,
        kind=kind,
        platform=facts.platform or None,
        target_url=listing_url,
        body=body,
        status="draft",
        content_hash=digest,
        created_by=actor,
        created_at=at,
        owner_org_id=org_id or case.owner_org_id,
        tlp=case.tlp,
        sharing_group_id=case.sharing_group_id,
    )
    session.add(notice)
    session.flush()
    session.add(NoticeStatusChange(notice_id=notice.id, at=at, status="draft", actor=actor))
    record_in_ledger(
        session=session,
        kind="notice",
        subject_type="case_notice",
        subject_id=str(notice.id),
        content_hash=digest,
        metadata={"case_id": case.id, "notice_kind": kind},
        marked_like=notice,
    )
    record_audit(
        session=session,
        actor=actor,
        org_id=org_id,
        action="notice",
        subject_type="case",
        subject_id=str(case.id),
        detail={"kind": kind, "notice_id": notice.id},
    )
    return notice


def set_notice_status(
    *, session: Session, notice: Notice, status: str, actor: str, at: datetime, note: str | None = None
) -> Notice:
    """Move a notice to its next status (sent, acknowledged, actioned, refused, counter-notice, relisted)."""
    check_status_change(notice.status, status)
    notice.status = status
    session.add(NoticeStatusChange(notice_id=notice.id, at=at, status=status, actor=actor, note=note))
    session.flush()
    return notice


def notice_history(*, session: Session, notice: Notice) -> list[NoticeStatusChange]:
    """A notice's status changes, oldest first."""
    return list(
        session.scalars(
            select(NoticeStatusChange)
            .where(NoticeStatusChange.notice_id == notice.id)
            .order_by(NoticeStatusChange.at, NoticeStatusChange.id)
        )
    )
