"""REST routes of cases: list by deadline, detail with timeline, open, decide, evidence, notices."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile

from countermark.cases.access_service import can_write, require_notice_owner, writable_case
from countermark.cases.detail_service import case_detail, case_fields, notice_payload
from countermark.cases.evidence_service import add_evidence
from countermark.cases.intake_service import open_from_listing, open_from_shipment
from countermark.cases.models import Case, Notice
from countermark.cases.notice_service import (
    facts_for_case,
    generate_notice,
    set_notice_status,
)
from countermark.cases.platform_service import name_platform
from countermark.cases.schemas import CaseOpen, DecisionIn, NoticeIn, PlatformIn, StatusIn
from countermark.cases.service import get_case, open_case, record_decision
from countermark.core.clock import utcnow
from countermark.core.errors import Forbidden, InvalidInput
from countermark.core.http.deps import DbSession, app_context
from countermark.core.http.params import RecordId
from countermark.orgs.deps import require_scope
from countermark.orgs.visibility import Principal, visible

router = APIRouter(prefix="/api/v1/cases", tags=["cases"])
Reader = Annotated[Principal, Depends(require_scope("read"))]
Writer = Annotated[Principal, Depends(require_scope("write"))]
MAX_EVIDENCE_BYTES = 25 * 1024 * 1024


@router.get("", summary="List cases, soonest deadline first")
def list_cases(
    session: DbSession,
    principal: Reader,
    status: str | None = None,
    procedure: str | None = None,
    due_before: datetime | None = None,
    limit: int = 100,
) -> dict[str, Any]:
    """Visible cases, optionally only open ones whose deadline falls before a time."""
    if not 1 <= limit <= 500:
        raise InvalidInput.of("limit must be between 1 and 500")
    query = visible(Case, principal)
    if status:
        query = query.where(Case.status == status)
    if procedure:
        query = query.where(Case.procedure == procedure)
    if due_before is not None:
        if due_before.tzinfo is None:
            raise InvalidInput.of("give due_before with a timezone, e.g. 2025-05-05T00:00:00Z")
        query = query.where(Case.due_at.is_not(None), Case.due_at < due_before)
    rows = session.scalars(query.order_by(Case.due_at.is_(None), Case.due_at, Case.id).limit(limit)).all()
    return {"items": [case_fields(c) for c in rows]}


@router.get("/{case_id}", summary="One case with its timeline")
def get_case_route(case_id: RecordId, session: DbSession, principal: Reader) -> dict[str, Any]:
    """The case, if visible; 404 otherwise."""
    case = get_case(session=session, principal=principal, case_id=case_id)
    return case_detail(session=session, principal=principal, case=case)


@router.post("", status_code=201, summary="Open a case")
def open_case_route(body: CaseOpen, session: DbSession, principal: Writer) -> dict[str, Any]:
    """Open a case by hand, from a shipment or from a listing."""
    if principal.org_id is None:
        raise Forbidden.of("cases belong to an organisation: use a user's token")
    if not can_write(principal):
        raise Forbidden.of("a read-only user or token never opens a case")
    now, actor = utcnow(), principal.email
    holder = body.rights_holder_org_id
    if body.shipment_id and body.platform_org_id:
        raise InvalidInput.of("a border case has no platform: platform_org_id goes with a listing or by hand")
    if body.shipment_id:
        case = open_from_shipment(
            session=session,
            principal=principal,
            at=now,
            actor=actor,
            rights_holder_org_id=holder,
            shipment_id=body.shipment_id,
            procedure=body.procedure,
            perishable=body.perishable,
        )
    elif body.listing_id:
        case = open_from_listing(
            session=session,
            principal=principal,
            at=now,
            actor=actor,
            rights_holder_org_id=holder,
            platform_org_id=body.platform_org_id,
            listing_id=body.listing_id,
            procedure=body.procedure or "notice_and_takedown",
        )
    else:
        if not body.procedure or not body.title:
            raise InvalidInput.of("name a procedure and a title, or give a shipment_id or a listing_id")
        case = open_case(
            session=session,
            owner_org_id=principal.org_id,
            procedure=body.procedure,
            title=body.title,
            at=now,
            actor=actor,
            country=body.country,
            perishable=body.perishable,
            rights_holder_org_id=body.rights_holder_org_id,
            platform_org_id=body.platform_org_id,
            tlp=body.tlp,
        )
    return case_detail(session=session, principal=principal, case=case)


@router.post("/{case_id}/decisions", status_code=201, summary="Record a decision")
def decide_route(
    case_id: RecordId, body: DecisionIn, session: DbSession, principal: Writer
) -> dict[str, Any]:
    """Record a decision in the principal's role on the case; refused to non-participants, out of turn, for
    another role, or after a lapse."""
    part = writable_case(session=session, principal=principal, case_id=case_id)
    case, role = part.case, part.role_for(body.role)
    record_decision(
        session=session,
        case=case,
        decision=body.decision,
        role=role,
        at=utcnow(),
        actor=principal.email,
        org_id=principal.org_id,
        note=body.note,
    )
    return case_detail(session=session, principal=principal, case=case)


@router.put("/{case_id}/platform", summary="Name the platform an online case's takedown is asked of")
def platform_route(
    case_id: RecordId, body: PlatformIn, session: DbSession, principal: Writer
) -> dict[str, Any]:
    """Name or change the case's platform organisation, which then takes the platform's decisions; only
    the case's owner may, and not on a border case."""
    platform_org_id = body.platform_org_id
    case = name_platform(
        session=session, principal=principal, case_id=case_id, platform_org_id=platform_org_id, at=utcnow()
    )
    return case_detail(session=session, principal=principal, case=case)


@router.post("/{case_id}/evidence", status_code=201, summary="Add an evidence file")
async def evidence_route(
    case_id: RecordId,
    request: Request,
    session: DbSession,
    principal: Writer,
    file: Annotated[UploadFile, File()],
    description: Annotated[str, Form(max_length=1000)],
    source: Annotated[str, Form(max_length=200)],
    derived_from: Annotated[str | None, Form(max_length=500)] = None,
) -> dict[str, Any]:
    """Store an uploaded file by digest as evidence of a case you take part in; its custody starts."""
    case = writable_case(session=session, principal=principal, case_id=case_id).case
    data = await file.read(MAX_EVIDENCE_BYTES + 1)
    if len(data) > MAX_EVIDENCE_BYTES:
        raise InvalidInput.of("the file is larger than 25 MB")
    item = add_evidence(
        session=session,
        blobs=app_context(request).blobs,
        case=case,
        data=data,
        media_type=file.content_type or "application/octet-stream",
        description=description,
        source=source,
        derived_from=derived_from,
        actor=principal.email,
        org_id=principal.org_id,
        at=utcnow(),
    )
    return {"id": item.id, "sha256": item.blob_sha256, "case_id": case.id}


@router.get("/{case_id}/notices", summary="Notices of a case")
def notices_route(case_id: RecordId, session: DbSession, principal: Reader) -> dict[str, Any]:
    """The case's visible notices with their status history."""
    case = get_case(session=session, principal=principal, case_id=case_id)
    rows = session.scalars(
        visible(Notice, principal).where(Notice.case_id == case.id).order_by(Notice.id)
    ).all()
    return {"items": [notice_payload(session=session, notice=n) for n in rows]}


@router.post("/{case_id}/notices", status_code=201, summary="Generate a notice")
def generate_notice_route(
    case_id: RecordId, body: NoticeIn, session: DbSession, principal: Writer
) -> dict[str, Any]:
    """Build and store a notice of a case you take part in; 422 lists the missing required elements."""
    case = writable_case(session=session, principal=principal, case_id=case_id).case
    statements = body.model_dump(exclude={"kind", "reason_code"})
    facts = facts_for_case(session=session, principal=principal, case=case, **statements)
    notice = generate_notice(
        session=session,
        case=case,
        kind=body.kind,
        facts=facts,
        actor=principal.email,
        org_id=principal.org_id,
        at=utcnow(),
        reason_code=body.reason_code,
    )
    return notice_payload(session=session, notice=notice)


@router.post("/{case_id}/notices/{notice_id}/status", summary="Record a notice's new status")
def notice_status_route(
    case_id: RecordId, notice_id: RecordId, body: StatusIn, session: DbSession, principal: Writer
) -> dict[str, Any]:
    """Move your notice along its life: sent, acknowledged, actioned, refused, counter-notice, relisted."""
    case = writable_case(session=session, principal=principal, case_id=case_id).case
    notice = require_notice_owner(session=session, principal=principal, case=case, notice_id=notice_id)
    set_notice_status(
        session=session, notice=notice, status=body.status, actor=principal.email, at=utcnow(), note=body.note
    )
    return notice_payload(session=session, notice=notice)
