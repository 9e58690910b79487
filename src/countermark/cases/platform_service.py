"""Naming the platform an online case's takedown is asked of, after the case was opened.

A case opened before the platform column existed (migration 0013), or opened before anyone knew which
platform hosts the listing, names no platform, so nobody can take the platform's decisions except the
command line. The organisation that owns the case names (or changes) its platform here: the named
platform becomes a participant (`cases.access_service`), an open task waiting for the platform moves to
it, and the change is a case event (hashed into the ledger like every event) and an audit entry.

Only the owner names the platform: the rights holder and the platform take part in the case, but whom a
takedown is asked of is the case owner's call. A border case (linked to a shipment) has no platform.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from countermark.cases.access_service import writable_case
from countermark.cases.models import Case, CaseLink, CaseTask
from countermark.cases.service import record_note_event
from countermark.core.errors import Forbidden, InvalidInput
from countermark.orgs.service import (
    OrganisationSummary,
    organisation_summary,
    organisations_of_kind,
    record_audit,
)
from countermark.orgs.visibility import Principal


def _platform_named(session: Session, platform_org_id: int) -> OrganisationSummary:
    platform = organisation_summary(session=session, org_id=platform_org_id)
    if platform is None or platform.kind != "platform":
        raise InvalidInput.of(
            "no platform organisation {org_id} to name as the case's platform", org_id=platform_org_id
        )
    return platform


def _is_border_case(session: Session, case: Case) -> bool:
    query = select(CaseLink.id).where(CaseLink.case_id == case.id, CaseLink.subject_type == "shipment")
    return session.scalar(query.limit(1)) is not None


def name_platform(
    *, session: Session, principal: Principal, case_id: int, platform_org_id: int, at: datetime
) -> Case:
    """Name the case's platform: 404 when the case is unseen, 403 unless the principal owns it."""
    part = writable_case(session=session, principal=principal, case_id=case_id)
    case = part.case
    if not part.is_system and principal.org_id != case.owner_org_id:
        raise Forbidden.of("only the organisation that owns the case names the platform it is asked of")
    if case.status == "closed":
        raise InvalidInput.of("the case is closed: reopen it before naming its platform")
    if _is_border_case(session, case):
        raise InvalidInput.of("a border case (linked to a shipment) has no platform")
    platform = _platform_named(session, platform_org_id)
    if platform.id == case.owner_org_id:
        raise InvalidInput.of("the case's owner cannot also be named as its platform")
    if case.platform_org_id == platform.id:
        return case
    before = case.platform_org_id
    case.platform_org_id = platform.id
    waiting = select(CaseTask).where(
        CaseTask.case_id == case.id, CaseTask.status == "open", CaseTask.role == "platform"
    )
    for task in session.scalars(waiting):
        task.org_id = platform.id
    record_note_event(
        session=session,
        case=case,
        kind="platform_named",
        at=at,
        actor=principal.email,
        org_id=principal.org_id,
        note=f"platform: {platform.name}",
    )
    record_audit(
        session=session,
        actor=principal.email,
        action="case_platform_named",
        subject_type="case",
        subject_id=str(case.id),
        org_id=principal.org_id,
        detail={"platform_org_id": platform.id, "previous_platform_org_id": before},
    )
    session.flush()
    return case


def platform_choices(*, session: Session, principal: Principal, case: Case) -> list[OrganisationSummary]:
    """The platforms the principal may name on this case: none unless it owns an open online case."""
    owner = principal.is_system or (principal.org_id is not None and principal.org_id == case.owner_org_id)
    if not owner or case.status == "closed" or _is_border_case(session, case):
        return []
    platforms = organisations_of_kind(session=session, kind="platform")
    return [org for org in platforms if org.id != case.owner_org_id]
