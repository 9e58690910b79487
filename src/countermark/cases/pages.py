"""Case pages: the list with deadline countdowns coloured by urgency, and the case with its forms."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from countermark.cases.api import case_detail
from countermark.cases.models import Case
from countermark.cases.service import get_case, record_decision, roles_of
from countermark.core.clock import utcnow
from countermark.core.errors import Forbidden
from countermark.orgs.visibility import visible
from countermark.web.deps import DbSession, check_csrf
from countermark.web.pages.common import PageViewer, RecordId
from countermark.web.templating import render

router = APIRouter(include_in_schema=False)


def urgency(due_at: datetime | None, now: datetime) -> tuple[str, float | None]:
    """A colour class and the days left before a deadline (negative once passed)."""
    if due_at is None:
        return "none", None
    days = (due_at - now).total_seconds() / 86400
    if days < 0:
        return "lapsed", days
    return ("critical" if days < 1 else "soon" if days < 3 else "later"), days


@router.get("/cases")
def cases_page(request: Request, session: DbSession, viewer: PageViewer, status: str = "open") -> Response:
    """The viewer's visible cases, soonest deadline first, with a countdown for each."""
    query = visible(Case, viewer.principal).order_by(Case.due_at.is_(None), Case.due_at, Case.id).limit(200)
    if status in ("open", "closed"):
        query = query.where(Case.status == status)
    now = utcnow()
    rows = [(case, *urgency(case.due_at, now)) for case in session.scalars(query)]
    values = {"viewer": viewer, "active": "cases", "rows": rows, "status": status}
    return render(request, "case_list.html", values)


@router.get("/cases/{record_id}")
def case_page(record_id: RecordId, request: Request, session: DbSession, viewer: PageViewer) -> Response:
    """One case: its step and deadline, timeline, tasks, evidence, notices and the viewer's decisions."""
    case = get_case(session=session, principal=viewer.principal, case_id=record_id)
    detail = case_detail(session, viewer.principal, case)
    org_kind = viewer.organisation.kind if viewer.organisation else None
    mine = {role: names for role, names in detail["allowed"].items() if role in roles_of(org_kind)}
    level, days = urgency(case.due_at, utcnow())
    return render(
        request,
        "case_detail.html",
        {
            "viewer": viewer,
            "active": "cases",
            "case": case,
            "detail": detail,
            "mine": mine,
            "level": level,
            "days": days,
        },
    )


@router.post("/cases/{record_id}/decisions")
def decide_page(
    record_id: RecordId,
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    csrf_token: str = Form(""),
    decision: str = Form(""),
    role: str = Form(""),
    note: str = Form("", max_length=2000),
) -> Response:
    """Record a decision from the case page's form."""
    check_csrf(viewer.web_session, csrf_token)
    if "write" not in viewer.principal.scopes:
        raise Forbidden("recording a decision needs the 'write' scope")
    case = get_case(session=session, principal=viewer.principal, case_id=record_id)
    org_kind = viewer.organisation.kind if viewer.organisation else None
    if role not in roles_of(org_kind):
        raise Forbidden("your organisation does not take decisions in this role")
    record_decision(
        session=session,
        case=case,
        decision=decision,
        role=role,
        at=utcnow(),
        actor=viewer.principal.email,
        org_id=viewer.principal.org_id,
        note=note or None,
    )
    return RedirectResponse(f"/cases/{case.id}", status_code=303)
