"""The watchlist pages: what the organisation watches for, the records seen again, add, remove, mark seen.

Entries are the organisation's own (no marking, never shared); a browser form carries the CSRF token and a
read-only user (the viewer role, or a session without the write scope) may look but not change them.
"""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from countermark.core.errors import CountermarkError, Forbidden
from countermark.core.http.deps import DbSession
from countermark.core.http.error_text import page_error
from countermark.core.http.params import RecordId
from countermark.core.http.templating import render
from countermark.observe.watchlists import WATCH_KINDS
from countermark.orgs.deps import PageViewer, Viewer, check_csrf
from countermark.web import watchlist_service as service

router = APIRouter(include_in_schema=False)


def may_change(viewer: Viewer) -> bool:
    """Whether the viewer may change the organisation's watchlist."""
    principal = viewer.principal
    return principal.org_id is not None and "write" in principal.scopes and principal.role != "viewer"


def _changer(viewer: Viewer, csrf_token: str) -> None:
    check_csrf(viewer.web_session, csrf_token)
    if not may_change(viewer):
        raise Forbidden.of("changing the watchlist needs a user who may write")


def _local(path: str, fallback: str) -> str:
    """A path on this site to go back to (never another site)."""
    return path if path.startswith("/") and not path.startswith("//") and "\\" not in path else fallback


def _list_page(
    request: Request,
    session: DbSession,
    viewer: Viewer,
    *,
    error: str | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    rows = [
        (entry, service.hits(session=session, principal=viewer.principal, entry=entry))
        for entry in service.entries(session=session, principal=viewer.principal)
    ]
    return render(
        request,
        "workbench_watchlist.html",
        {
            "viewer": viewer,
            "rows": rows,
            "kinds": WATCH_KINDS,
            "error": error,
            "form": form or {},
            "may_change": may_change(viewer),
            "active": "watchlist",
        },
        status_code=status_code,
    )


@router.get("/watchlist")
def watchlist_page(request: Request, session: DbSession, viewer: PageViewer) -> Response:
    """The organisation's watched brands, sellers, identifiers and domains, each with its new records."""
    return _list_page(request, session, viewer)


@router.post("/watchlist")
def add_page(
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    csrf_token: str = Form(""),
    kind: str = Form("", max_length=16),
    value: str = Form("", max_length=2000),
    next: str = Form("/watchlist", max_length=500),
) -> Response:
    """Watch for a value from now on; an unusable value is shown back with the reason."""
    _changer(viewer, csrf_token)
    try:
        service.add_entry(
            session=session, principal=viewer.principal, kind=kind, value=value, actor=viewer.principal.email
        )
    except CountermarkError as exc:
        if exc.status >= 500:
            raise
        session.rollback()
        return _list_page(
            request,
            session,
            viewer,
            error=page_error(request, exc),
            form={"kind": kind, "value": value},
            status_code=exc.status,
        )
    return RedirectResponse(_local(next, "/watchlist"), status_code=303)


@router.get("/watchlist/{record_id}")
def entry_page(record_id: RecordId, request: Request, session: DbSession, viewer: PageViewer) -> Response:
    """One watched value and the records stored since the organisation last looked."""
    entry = service.entry_of(session=session, principal=viewer.principal, entry_id=record_id)
    found = service.hits(session=session, principal=viewer.principal, entry=entry)
    return render(
        request,
        "workbench_watch_entry.html",
        {
            "viewer": viewer,
            "entry": entry,
            "hits": found,
            "may_change": may_change(viewer),
            "active": "watchlist",
        },
    )


@router.post("/watchlist/{record_id}/seen")
def seen_page(
    record_id: RecordId, session: DbSession, viewer: PageViewer, csrf_token: str = Form("")
) -> Response:
    """The records shown so far have been looked at: only later ones count as new."""
    _changer(viewer, csrf_token)
    service.mark_seen(
        session=session, principal=viewer.principal, entry_id=record_id, actor=viewer.principal.email
    )
    return RedirectResponse("/watchlist", status_code=303)


@router.post("/watchlist/{record_id}/delete")
def delete_page(
    record_id: RecordId, session: DbSession, viewer: PageViewer, csrf_token: str = Form("")
) -> Response:
    """Stop watching for a value."""
    _changer(viewer, csrf_token)
    service.remove_entry(
        session=session, principal=viewer.principal, entry_id=record_id, actor=viewer.principal.email
    )
    return RedirectResponse("/watchlist", status_code=303)
