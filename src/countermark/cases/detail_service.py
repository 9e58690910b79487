"""A case as the API, the pages and the command line show it: fields, timeline, tasks, links, evidence."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from countermark.cases.evidence_service import custody_of
from countermark.cases.models import Case, CaseLink, CaseTask, EvidenceItem, Notice
from countermark.cases.notice_service import notice_history
from countermark.cases.service import events_of, state_of
from countermark.orgs.visibility import Principal, visible


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def case_fields(case: Case) -> dict[str, Any]:
    """The fields of a case shown in lists."""
    return {
        "id": case.id,
        "reference": case.reference,
        "title": case.title,
        "jurisdiction": case.jurisdiction,
        "procedure": case.procedure,
        "step": case.step,
        "status": case.status,
        "outcome": case.outcome,
        "due_at": _iso(case.due_at),
        "overdue_since": _iso(case.overdue_since),
        "country": case.country,
        "opened_at": _iso(case.opened_at),
        "tlp": case.tlp,
        "rights_holder_org_id": case.rights_holder_org_id,
        "platform_org_id": case.platform_org_id,
    }


def case_detail(*, session: Session, principal: Principal, case: Case) -> dict[str, Any]:
    """A case with its timeline, tasks, links, evidence (with custody), notices and allowed decisions."""
    state = state_of(session=session, case=case)
    evidence = session.scalars(
        visible(EvidenceItem, principal).where(EvidenceItem.case_id == case.id).order_by(EvidenceItem.id)
    ).all()
    notices = session.scalars(
        visible(Notice, principal).where(Notice.case_id == case.id).order_by(Notice.id)
    ).all()
    tasks = session.scalars(select(CaseTask).where(CaseTask.case_id == case.id).order_by(CaseTask.id)).all()
    links = session.scalars(select(CaseLink).where(CaseLink.case_id == case.id).order_by(CaseLink.id)).all()
    deadline = state.step.deadline
    return {
        **case_fields(case),
        "step_title": state.step.title,
        "deadline": None
        if deadline is None
        else {
            "count": deadline.days(perishable=case.perishable),
            "unit": deadline.unit,
            "article": deadline.article,
            "confirmed": deadline.confirmed,
            "on_lapse": state.lapse.effect if state.lapse else None,
        },
        "allowed": {role: list(names) for role, names in state.allowed().items()},
        "timeline": [
            {
                "seq": e.seq,
                "at": _iso(e.at),
                "kind": e.kind,
                "procedure": e.procedure,
                "step": e.step,
                "decision": e.decision,
                "role": e.role,
                "effect": e.effect,
                "actor": e.actor,
                "note": e.note,
                "content_hash": e.content_hash,
            }
            for e in events_of(session=session, case=case)
        ],
        "tasks": [
            {
                "id": t.id,
                "role": t.role,
                "title": t.title,
                "step": t.step,
                "due_at": _iso(t.due_at),
                "status": t.status,
            }
            for t in tasks
        ],
        "links": [{"type": link.subject_type, "id": link.subject_id, "note": link.note} for link in links],
        "evidence": [
            {
                "id": e.id,
                "sha256": e.blob_sha256,
                "description": e.description,
                "source": e.source,
                "derived_from": e.derived_from,
                "added_by": e.added_by,
                "added_at": _iso(e.added_at),
                "custody": [
                    {"at": _iso(c.at), "action": c.action, "actor": c.actor}
                    for c in custody_of(session=session, evidence=e)
                ],
            }
            for e in evidence
        ],
        "notices": [notice_payload(session=session, notice=n) for n in notices],
    }


def notice_payload(*, session: Session, notice: Notice) -> dict[str, Any]:
    """A notice with its body and status history."""
    return {
        "id": notice.id,
        "owner_org_id": notice.owner_org_id,
        "kind": notice.kind,
        "status": notice.status,
        "platform": notice.platform,
        "target_url": notice.target_url,
        "body": notice.body,
        "content_hash": notice.content_hash,
        "history": [
            {"at": _iso(h.at), "status": h.status, "actor": h.actor}
            for h in notice_history(session=session, notice=notice)
        ],
    }
