"""Pages of requests for assistance: the organisation's incoming and outgoing requests, one request, and
the forms that send one, accept, answer or refuse one (incoming only) or read back the partners' answers.

A request is its organisation's only (the asker's or the one asked): anything else is the same 404.
Reading needs a signed-in member, changing needs the `write` scope; forms carry the CSRF token and every
change is audited. Sending and reading back talk to the partner inside the request (a sync route, in the
thread pool); a partner that does not answer gives a page saying so, not a 500.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

import requests as http
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from countermark.core.errors import InvalidInput, NotFound
from countermark.core.http.deps import DbSession, app_context, client_origin
from countermark.core.http.error_text import page_error
from countermark.core.http.params import MAX_ID, RecordId
from countermark.core.http.templating import render
from countermark.orgs.deps import PageViewer, Viewer, check_csrf
from countermark.orgs.service import record_audit
from countermark.share.models import SharePartner
from countermark.share.requests_service import (
    get_request,
    list_requests,
    refresh_requests,
    send_request,
    set_status,
)
from countermark.share.token_vault import VaultError, use_keys
from countermark.share.views_service import partner_of_org, partners_of

router = APIRouter(include_in_schema=False)


def _page(request: Request, template: str, viewer: Viewer, **values: Any) -> Response:
    return render(request, template, {"viewer": viewer, "active": "share", **values})


def _writer(viewer: Viewer) -> None:
    if "write" not in viewer.principal.scopes or viewer.principal.org_id is None:
        raise NotFound.of("no request with this id that you may change")


def _requests_page(request: Request, session: DbSession, viewer: Viewer, direction: str, *,
                   error: str | None = None, form: dict[str, str] | None = None,
                   status_code: int = 200) -> Response:  # fmt: skip
    partners = partners_of(session, viewer.principal)
    return render(request, "share_requests.html", {
        "viewer": viewer, "active": "share", "direction": direction, "partners": partners,
        "names": {p.id: p.name for p in partners}, "error": error, "form": form or {},
        "requests": list_requests(session, viewer.principal, direction=direction or None),
        "can_send": "write" in viewer.principal.scopes,
    }, status_code=status_code)  # fmt: skip


@router.get("/share/requests")
def requests_page(
    request: Request, session: DbSession, viewer: PageViewer,
    direction: Annotated[Literal["", "incoming", "outgoing"], Query()] = "",
) -> Response:  # fmt: skip
    """The organisation's requests for assistance, newest first."""
    return _requests_page(request, session, viewer, direction)


@router.post("/share/requests")
def send_page(
    request: Request, session: DbSession, viewer: PageViewer, csrf_token: str = Form(""),
    partner: int = Form(0, ge=0, le=MAX_ID), subject: str = Form("", max_length=300),
    asked: str = Form("", max_length=20_000), legal_basis: str = Form("", max_length=300),
    deadline: str = Form("", max_length=10), attachments: str = Form("", max_length=30_000),
) -> Response:  # fmt: skip
    """Send a request for assistance to a partner the organisation follows."""
    check_csrf(viewer.web_session, csrf_token)
    _writer(viewer)
    found = partner_of_org(session, viewer.principal, partner)
    form = {"subject": subject, "asked": asked, "legal_basis": legal_basis, "deadline": deadline,
            "attachments": attachments, "partner": str(partner)}  # fmt: skip
    try:
        wanted_by = date.fromisoformat(deadline) if deadline else None
    except ValueError:
        return _requests_page(request, session, viewer, "", error="deadline", form=form, status_code=422)
    ctx = app_context(request)
    use_keys(ctx.engine, ctx.settings.keys_dir)
    session.commit()  # the request is stored in its own transaction by the service
    try:
        sent = send_request(
            ctx.sessions, partner_id=found.id, org_id=viewer.principal.org_id or 0, subject=subject,
            asked=asked, legal_basis=legal_basis, deadline=wanted_by,
            attachment_refs=[ref for ref in attachments.split() if ref],
        )  # fmt: skip
    except InvalidInput as exc:
        message = page_error(request, exc)
        return _requests_page(request, session, viewer, "", error=message, form=form, status_code=422)
    except (http.RequestException, ValueError, VaultError):
        return _requests_page(request, session, viewer, "", error="unreachable", form=form, status_code=502)
    record_audit(
        session=session, actor=viewer.principal.email, action="share.request.send",
        subject_type="share_request", subject_id=sent, org_id=viewer.principal.org_id,
        origin=client_origin(request), detail={"partner": found.name},
    )  # fmt: skip
    return RedirectResponse("/share/requests?direction=outgoing", status_code=303)


@router.post("/share/requests/refresh")
def refresh_page(
    request: Request, session: DbSession, viewer: PageViewer, csrf_token: str = Form("")
) -> Response:
    """Read back from each partner the status of the organisation's open outgoing requests."""
    check_csrf(viewer.web_session, csrf_token)
    _writer(viewer)
    ctx = app_context(request)
    use_keys(ctx.engine, ctx.settings.keys_dir)
    ids = [p.id for p in partners_of(session, viewer.principal) if p.enabled]
    session.commit()
    failed = 0
    for partner_id in ids:
        try:
            refresh_requests(ctx.sessions, partner_id=partner_id)
        except (http.RequestException, ValueError, VaultError):  # that partner's statuses wait
            failed += 1
    return RedirectResponse(f"/share/requests?direction=outgoing{'&unreachable=1' if failed else ''}",
                            status_code=303)  # fmt: skip


@router.get("/share/requests/{request_id}")
def request_page(request_id: RecordId, request: Request, session: DbSession, viewer: PageViewer) -> Response:
    """One request: what is asked, on what basis, by when, its history and its answer."""
    found = get_request(session, viewer.principal, request_id)
    partner = session.get(SharePartner, found.partner_id) if found.partner_id else None
    can_move = found.direction == "incoming" and "write" in viewer.principal.scopes
    return _page(request, "share_request.html", viewer, item=found, partner=partner, can_move=can_move)


@router.post("/share/requests/{request_id}/status")
def move_request(
    request_id: RecordId, request: Request, session: DbSession, viewer: PageViewer,
    csrf_token: str = Form(""),
    status: Literal["accepted", "answered", "refused"] = Form(...), answer: str = Form("", max_length=20_000),
) -> Response:  # fmt: skip
    """Accept, answer or refuse an incoming request (the asking instance reads it back)."""
    check_csrf(viewer.web_session, csrf_token)
    _writer(viewer)
    found = get_request(session, viewer.principal, request_id)
    if found.direction != "incoming":
        raise NotFound.of("no request with this id that you may change")
    if status == "answered" and not answer.strip():
        raise InvalidInput.of("an answer needs a text")
    set_status(session, viewer.principal, found.uuid, status, answer.strip() or None)
    record_audit(
        session=session, actor=viewer.principal.email, action=f"share.request.{status}",
        subject_type="share_request", subject_id=found.uuid, org_id=viewer.principal.org_id,
        origin=client_origin(request), detail={"status": status},
    )  # fmt: skip
    return RedirectResponse(f"/share/requests/{found.id}", status_code=303)
