"""Case pages: the list with deadline countdowns coloured by urgency, and the case with its forms."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from countermark.cases.access_service import can_write, case_roles, require_notice_owner, writable_case
from countermark.cases.api import MAX_EVIDENCE_BYTES
from countermark.cases.detail_service import case_detail
from countermark.cases.evidence_service import add_evidence
from countermark.cases.models import Case
from countermark.cases.notice_service import facts_for_case, generate_notice, set_notice_status
from countermark.cases.notices import NEXT_STATUSES, NOTICE_KINDS
from countermark.cases.packs import RulePackError, default_packs
from countermark.cases.platform_service import name_platform, platform_choices
from countermark.cases.service import get_case, record_decision
from countermark.cases.wording import WORDS
from countermark.core.clock import utcnow
from countermark.core.errors import CountermarkError, Forbidden, InvalidInput
from countermark.core.http.deps import DbSession, app_context
from countermark.core.http.error_text import page_error
from countermark.core.http.params import RecordId
from countermark.core.http.templating import render
from countermark.orgs.deps import PageViewer, Viewer, check_csrf
from countermark.orgs.service import organisation_names
from countermark.orgs.visibility import visible

router = APIRouter(include_in_schema=False)
# The largest evidence file the page accepts (the API's limit); a larger one re-renders the page.
MAX_UPLOAD_BYTES = MAX_EVIDENCE_BYTES


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
    titles = {(c.procedure, c.step): _step_title(c.procedure, c.step) for c, _, _ in rows}
    procedures = {c.procedure: _procedure_title(c.procedure) for c, _, _ in rows}
    values = {"viewer": viewer, "active": "cases", "rows": rows, "status": status, "words": WORDS}
    return render(request, "case_list.html", {**values, "titles": titles, "procedures": procedures})


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _step_title(procedure: str, step: str) -> str:
    try:
        return default_packs().procedure(procedure).step(step).title
    except RulePackError:  # a step of a pack no longer shipped: its code is all there is
        return f"{procedure}.{step}"


def _procedure_title(procedure: str) -> str:
    try:
        return default_packs().procedure(procedure).title
    except RulePackError:
        return procedure


def _with_times(detail: dict[str, Any]) -> dict[str, Any]:
    """The detail with real times (the template formats them in the reader's locale) and step titles."""
    for event in detail["timeline"]:
        event["at_time"] = _time(event["at"])
        event["step_title"] = _step_title(event["procedure"], event["step"])
    for task in detail["tasks"]:
        task["due_time"] = _time(task["due_at"])
    for item in detail["evidence"]:
        for entry in item["custody"]:
            entry["at_time"] = _time(entry["at"])
    return detail


def _case_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    case: Case,
    *,
    error: str | None = None,
    form: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    detail = _with_times(case_detail(session=session, principal=viewer.principal, case=case))
    # Forms only for who may use them: a participant of the case, in its roles; a notice's status form
    # only for the organisation that issued it (the template compares the notice's owner).
    roles = case_roles(session=session, principal=viewer.principal, case=case)
    writer = roles is not None and can_write(viewer.principal)
    mine = {role: names for role, names in detail["allowed"].items() if writer and role in (roles or ())}
    level, days = urgency(case.due_at, utcnow())
    defaults = {
        "notifier_name": viewer.user.display_name if viewer.user else "",
        "notifier_email": viewer.principal.email or "",
    }
    if writer:  # the explanation generated from the case, for the notifier to edit before sending
        draft = facts_for_case(session=session, principal=viewer.principal, case=case, link_rights=False)
        defaults["explanation"] = draft.explanation
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
            "error": error,
            "form": {**defaults, **(form or {})},
            "notice_kinds": NOTICE_KINDS,
            "next_statuses": NEXT_STATUSES,
            "can_write": writer,
            "words": WORDS,
            "procedure_title": _procedure_title(case.procedure),
            "platforms": platform_choices(session=session, principal=viewer.principal, case=case)
            if writer
            else [],
            "platform_name": organisation_names(
                session=session, ids=[case.platform_org_id] if case.platform_org_id else []
            ).get(case.platform_org_id or 0),
            "max_upload_mb": MAX_UPLOAD_BYTES // (1024 * 1024),
            "notice_checks": getattr(request.app.state, "notice_checks", lambda **_: {})(
                session=session, notice_ids=[n["id"] for n in detail["notices"]]
            ),
        },
        status_code=status_code,
    )


@router.get("/cases/{record_id}")
def case_page(record_id: RecordId, request: Request, session: DbSession, viewer: PageViewer) -> Response:
    """One case: its step and deadline, timeline, tasks, evidence, notices and the viewer's decisions."""
    case = get_case(session=session, principal=viewer.principal, case_id=record_id)
    return _case_page(request, session, viewer, case)


def _writer(viewer: Viewer, csrf_token: str, what: str) -> None:
    check_csrf(viewer.web_session, csrf_token)
    if "write" not in viewer.principal.scopes:
        raise Forbidden.of("{what} needs the 'write' scope", what=what)


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
    _writer(viewer, csrf_token, "recording a decision")
    part = writable_case(session=session, principal=viewer.principal, case_id=record_id)
    case = part.case
    record_decision(
        session=session,
        case=case,
        decision=decision,
        role=part.role_for(role or None),
        at=utcnow(),
        actor=viewer.principal.email,
        org_id=viewer.principal.org_id,
        note=note or None,
    )
    return RedirectResponse(f"/cases/{case.id}", status_code=303)


@router.post("/cases/{record_id}/platform")
def platform_page(
    record_id: RecordId,
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    csrf_token: str = Form(""),
    platform_org_id: int = Form(0, ge=0, le=2_147_483_647),
) -> Response:
    """Name the platform an online case's takedown is asked of, from the case page."""
    _writer(viewer, csrf_token, "naming the case's platform")
    case = get_case(session=session, principal=viewer.principal, case_id=record_id)
    try:
        name_platform(
            session=session,
            principal=viewer.principal,
            case_id=record_id,
            platform_org_id=platform_org_id,
            at=utcnow(),
        )
    except InvalidInput as exc:
        session.rollback()
        return _case_page(
            request, session, viewer, case, error=page_error(request, exc), status_code=exc.status
        )
    return RedirectResponse(f"/cases/{case.id}", status_code=303)


@router.post("/cases/{record_id}/evidence")
def evidence_page(
    record_id: RecordId,
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    file: UploadFile | None = File(None),
    csrf_token: str = Form(""),
    description: str = Form(""),
    source: str = Form(""),
) -> Response:
    """Store an uploaded evidence file from the case page; a refusal re-renders the page with its reason."""
    _writer(viewer, csrf_token, "adding evidence")
    case = writable_case(session=session, principal=viewer.principal, case_id=record_id).case
    form = {"description": description[:1000], "source": source[:200]}
    try:
        if file is None or not file.filename:
            raise InvalidInput.of("choose a file to upload")
        if len(description) > 1000 or len(source) > 200:
            raise InvalidInput.of("the description is limited to 1000 characters and the source to 200")
        data = file.file.read(MAX_UPLOAD_BYTES + 1)
        if len(data) > MAX_UPLOAD_BYTES:
            raise InvalidInput.of(
                "the file is larger than {mb} MB ({size} bytes): it was not stored",
                mb=MAX_UPLOAD_BYTES // (1024 * 1024),
                size=MAX_UPLOAD_BYTES,
            )
        add_evidence(
            session=session,
            blobs=app_context(request).blobs,
            case=case,
            data=data,
            media_type=file.content_type or "application/octet-stream",
            description=description,
            source=source,
            actor=viewer.principal.email,
            org_id=viewer.principal.org_id,
            at=utcnow(),
        )
    except CountermarkError as exc:
        session.rollback()
        return _case_page(
            request, session, viewer, case, error=page_error(request, exc), form=form, status_code=exc.status
        )
    return RedirectResponse(f"/cases/{case.id}#evidence", status_code=303)


@router.post("/cases/{record_id}/notices")
def notice_page(
    record_id: RecordId,
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    csrf_token: str = Form(""),
    kind: str = Form(""),
    notifier_name: str = Form(""),
    notifier_email: str = Form(""),
    explanation: str = Form(""),
    signature: str = Form(""),
    notifier_address: str = Form(""),
    notifier_phone: str = Form(""),
    good_faith: str = Form(""),
    accurate_under_penalty: str = Form(""),
    work: str = Form(""),
    original_url: str = Form(""),
    infringing_url: str = Form(""),
) -> Response:
    """Generate a notice of the chosen kind from the case; a refusal re-renders the page with its reason."""
    _writer(viewer, csrf_token, "generating a notice")
    case = writable_case(session=session, principal=viewer.principal, case_id=record_id).case
    statements: dict[str, Any] = {
        "notifier_name": notifier_name.strip()[:300],
        "notifier_email": notifier_email.strip()[:254],
        "explanation": explanation.strip()[:5000],
        "signature": signature.strip()[:300],
        "notifier_address": notifier_address.strip()[:500],
        "notifier_phone": notifier_phone.strip()[:50],
        "good_faith": bool(good_faith),
        "accurate_under_penalty": bool(accurate_under_penalty),
    }
    # Where the infringing content is, when the case links no listing (the notice checks it is a URL).
    if infringing_url.strip():
        statements["infringing_urls"] = (infringing_url.strip()[:2000],)
    # A DMCA notice names the copyrighted work and where the original is; the case may link neither.
    if kind == "dmca" and work.strip():
        statements.update(right_kind="copyright", right_name=work.strip()[:300])
    if kind == "dmca" and original_url.strip():
        statements["original_urls"] = (original_url.strip()[:2000],)
    typed = {"work": work[:300], "original_url": original_url[:2000], "infringing_url": infringing_url[:2000]}
    form = {"kind": kind, **statements, **typed}
    try:
        if kind not in NOTICE_KINDS:
            raise InvalidInput.of("choose a notice type: {kinds}", kinds=", ".join(NOTICE_KINDS))
        facts = facts_for_case(
            session=session, principal=viewer.principal, case=case, kind=kind, **statements
        )
        generate_notice(
            session=session,
            case=case,
            kind=kind,
            facts=facts,
            actor=viewer.principal.email,
            org_id=viewer.principal.org_id,
            at=utcnow(),
        )
    except CountermarkError as exc:
        session.rollback()
        return _case_page(
            request, session, viewer, case, error=page_error(request, exc), form=form, status_code=exc.status
        )
    return RedirectResponse(f"/cases/{case.id}#notices", status_code=303)


@router.post("/cases/{record_id}/notices/{notice_id}/status")
def notice_status_page(
    record_id: RecordId,
    notice_id: RecordId,
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    csrf_token: str = Form(""),
    status: str = Form(""),
    note: str = Form(""),
) -> Response:
    """Move a notice to its next status from the case page."""
    _writer(viewer, csrf_token, "updating a notice")
    case = writable_case(session=session, principal=viewer.principal, case_id=record_id).case
    notice = require_notice_owner(session=session, principal=viewer.principal, case=case, notice_id=notice_id)
    try:
        set_notice_status(
            session=session,
            notice=notice,
            status=status,
            actor=viewer.principal.email,
            at=utcnow(),
            note=note.strip()[:2000] or None,
        )
    except CountermarkError as exc:
        session.rollback()
        return _case_page(
            request, session, viewer, case, error=page_error(request, exc), status_code=exc.status
        )
    return RedirectResponse(f"/cases/{case.id}#notices", status_code=303)
