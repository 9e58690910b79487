"""Requests for assistance between agencies: sent to a partner instance, status travelling back.

Both sides keep the request under the same `uuid`: `outgoing` on the asking instance, `incoming` on the
asked one. The asked organisation moves it through received → accepted → answered (or refused); the
asking instance reads the status back with its partner token and raises an alert on each change.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import requests
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from countermark.core.clock import utcnow
from countermark.core.db import unit_of_work
from countermark.core.errors import Code, Forbidden, InvalidInput, NotFound
from countermark.orgs.visibility import Principal
from countermark.share.matching_service import instance_base
from countermark.share.models import AssistanceRequest, ShareAlert, SharePartner

STATUSES = ("received", "accepted", "answered", "refused")
NEXT_STATUSES = {"received": ("accepted", "refused"), "accepted": ("answered", "refused")}


def as_dict(request: AssistanceRequest) -> dict[str, Any]:
    """What both sides may see of a request."""
    return {
        "uuid": request.uuid,
        "subject": request.subject,
        "asked": request.asked,
        "legal_basis": request.legal_basis,
        "deadline": request.deadline.isoformat() if request.deadline else None,
        "attachment_refs": request.attachment_refs,
        "status": request.status,
        "answer": request.answer,
        "history": request.history,
    }


def partner_of(session: Session, principal: Principal) -> SharePartner:
    """The partner instance a principal's organisation stands for, or 403."""
    partner = session.scalar(select(SharePartner).where(SharePartner.org_id == principal.org_id))
    if partner is None:
        raise Forbidden.of("only a partner instance may send requests for assistance")
    return partner


def receive_request(session: Session, principal: Principal, body: dict[str, Any]) -> AssistanceRequest:
    """Store a partner's request (idempotent by uuid); it is addressed to the organisation following it."""
    partner = partner_of(session, principal)
    found = session.scalar(
        select(AssistanceRequest).where(
            AssistanceRequest.uuid == body["uuid"], AssistanceRequest.direction == "incoming"
        )
    )
    if found is not None:
        if found.partner_id != partner.id:
            raise NotFound.of("no request with this id that you may see")
        return found
    request = AssistanceRequest(
        uuid=body["uuid"],
        direction="incoming",
        org_id=partner.acting_org_id,
        partner_id=partner.id,
        subject=body["subject"],
        asked=body["asked"],
        legal_basis=body["legal_basis"],
        deadline=body.get("deadline"),
        attachment_refs=list(body.get("attachment_refs") or []),
        status="received",
        history=[{"status": "received", "at": utcnow().isoformat()}],
    )
    session.add(request)
    session.flush()
    return request


def request_for_partner(session: Session, principal: Principal, request_uuid: str) -> AssistanceRequest:
    """An incoming request, for the partner that sent it only."""
    partner = partner_of(session, principal)
    found = session.scalar(
        select(AssistanceRequest).where(
            AssistanceRequest.uuid == request_uuid, AssistanceRequest.direction == "incoming"
        )
    )
    if found is None or found.partner_id != partner.id:
        raise NotFound.of("no request with this id that you may see")
    return found


def set_status(
    session: Session, principal: Principal, request_uuid: str, status: str, answer: str | None = None
) -> AssistanceRequest:
    """Move an incoming request on: only the organisation asked may, and only forward."""
    found = session.scalar(
        select(AssistanceRequest).where(
            AssistanceRequest.uuid == request_uuid, AssistanceRequest.direction == "incoming"
        )
    )
    if found is None or not (principal.is_system or found.org_id == principal.org_id):
        raise NotFound.of("no request with this id that you may see")
    if status not in NEXT_STATUSES.get(found.status, ()):
        raise InvalidInput.of(
            "a {status} request cannot become {target}", status=Code(found.status), target=Code(status)
        )
    found.status, found.answer, found.updated_at = status, answer or found.answer, utcnow()
    found.history = [*found.history, {"status": status, "at": utcnow().isoformat()}]
    session.flush()
    return found


def send_request(
    factory: sessionmaker[Session],
    *,
    partner_id: int,
    org_id: int,
    subject: str,
    asked: str,
    legal_basis: str,
    deadline: date | None = None,
    attachment_refs: list[str] | None = None,
    timeout: float = 30,
) -> str:
    """Ask a partner instance for assistance; the request's uuid."""
    check_fields(subject=subject, asked=asked, legal_basis=legal_basis, attachment_refs=attachment_refs or [])
    with unit_of_work(factory) as session:
        partner = session.get(SharePartner, partner_id)
        if partner is None:
            raise NotFound.of("no partner {partner_id}", partner_id=partner_id)
        request = AssistanceRequest(
            uuid=str(uuid.uuid4()),
            direction="outgoing",
            org_id=org_id,
            partner_id=partner.id,
            subject=subject,
            asked=asked,
            legal_basis=legal_basis,
            deadline=deadline,
            attachment_refs=attachment_refs or [],
            status="sent",
            history=[{"status": "sent", "at": utcnow().isoformat()}],
        )
        session.add(request)
        session.flush()
        body, base, token = as_dict(request), instance_base(partner.api_root_url), partner.token
    response = requests.post(
        f"{base}/api/v1/share/requests",
        json=body,
        timeout=timeout,
        headers={"Authorization": f"Bearer {token}"},
    )
    response.raise_for_status()
    return str(body["uuid"])


def refresh_requests(factory: sessionmaker[Session], *, partner_id: int, timeout: float = 30) -> int:
    """Read back the status of our open requests to a partner; how many changed (each raises an alert)."""
    with unit_of_work(factory) as session:
        partner = session.get(SharePartner, partner_id)
        if partner is None:
            raise NotFound.of("no partner {partner_id}", partner_id=partner_id)
        base, token = instance_base(partner.api_root_url), partner.token
        open_ids = list(
            session.scalars(
                select(AssistanceRequest.uuid).where(
                    AssistanceRequest.partner_id == partner_id,
                    AssistanceRequest.direction == "outgoing",
                    AssistanceRequest.status.not_in(("answered", "refused")),
                )
            )
        )
    changed = 0
    for request_uuid in open_ids:
        response = requests.get(
            f"{base}/api/v1/share/requests/{request_uuid}",
            timeout=timeout,
            headers={"Authorization": f"Bearer {token}"},
        )
        response.raise_for_status()
        remote = response.json()
        with unit_of_work(factory) as session:
            mine = session.scalar(
                select(AssistanceRequest).where(
                    AssistanceRequest.uuid == request_uuid, AssistanceRequest.direction == "outgoing"
                )
            )
            if mine is None or remote.get("status") == mine.status or remote.get("status") not in STATUSES:
                continue
            mine.status, mine.answer, mine.updated_at = remote["status"], remote.get("answer"), utcnow()
            mine.history = [*mine.history, {"status": remote["status"], "at": utcnow().isoformat()}]
            session.add(
                ShareAlert(
                    org_id=mine.org_id,
                    partner_id=partner_id,
                    kind="request_status",
                    message=f"request {mine.subject!r}: {remote['status']}"[:1000],
                )
            )
            changed += 1
    return changed


def check_fields(*, subject: str, asked: str, legal_basis: str, attachment_refs: list[str]) -> None:
    """The limits the partner's API enforces, checked before anything is stored or sent."""
    for name, value, most in (
        ("subject", subject, 300),
        ("asked", asked, 20_000),
        ("legal basis", legal_basis, 300),
    ):
        if not value.strip() or len(value) > most:
            raise InvalidInput.of("the {name} must be 1 to {most} characters", name=Code(name), most=most)
    if len(attachment_refs) > 200 or any(len(ref) > 120 or "--" not in ref for ref in attachment_refs):
        raise InvalidInput.of("attachments are at most 200 STIX ids (type--uuid)")


def list_requests(
    session: Session, principal: Principal, *, direction: str | None = None, limit: int = 200
) -> list[AssistanceRequest]:
    """The requests of the principal's organisation (sent by it or addressed to it), newest first."""
    query = select(AssistanceRequest).order_by(
        AssistanceRequest.updated_at.desc(), AssistanceRequest.id.desc()
    )
    if not principal.is_system:
        query = query.where(AssistanceRequest.org_id == principal.org_id)
    if direction is not None:
        if direction not in ("incoming", "outgoing"):
            raise InvalidInput.of("direction is incoming or outgoing")
        query = query.where(AssistanceRequest.direction == direction)
    return list(session.scalars(query.limit(limit)))


def get_request(session: Session, principal: Principal, request_id: int) -> AssistanceRequest:
    """One request of the principal's organisation; the same 404 for absent and someone else's."""
    found = session.get(AssistanceRequest, request_id)
    if found is None or not (principal.is_system or found.org_id == principal.org_id):
        raise NotFound.of("no request with this id that you may see")
    return found


# Incoming requests waiting for us: to accept or refuse (received), to answer (accepted).
AWAITING_US = ("received", "accepted")


def incoming_backlog(*, session: Session, principal: Principal) -> tuple[int, datetime | None, int | None]:
    """How many requests partners sent the principal's organisation still wait for its move, when the
    oldest arrived, and that one's id (the home page's queue)."""
    query = select(AssistanceRequest).where(
        AssistanceRequest.direction == "incoming", AssistanceRequest.status.in_(AWAITING_US)
    )
    if not principal.is_system:
        query = query.where(AssistanceRequest.org_id == principal.org_id)
    count, oldest = session.execute(
        query.with_only_columns(func.count(AssistanceRequest.id), func.min(AssistanceRequest.created_at))
    ).one()
    first = session.scalar(
        query.with_only_columns(AssistanceRequest.id)
        .order_by(AssistanceRequest.created_at, AssistanceRequest.id)
        .limit(1)
    )
    return int(count or 0), oldest, first
