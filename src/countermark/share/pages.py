"""Sharing pages: partners and their tokens, agreements (collections) and who may use them, sync runs.

Every page is for the viewer's organisation (`share.views_service`): a partner it follows, a collection
it owns; anything else is the same 404 as an absent record. Reading needs a signed-in member, changes
need the organisation's administrators; every form carries the CSRF token and every change is audited.
A sync started here runs after the answer (the runs page shows its progress and errors). Requests for
assistance have their own pages (`share.request_pages`).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Form, Request
from fastapi.responses import RedirectResponse, Response

from countermark.core.context import AppContext
from countermark.core.errors import InvalidInput, NotFound
from countermark.core.http.deps import DbSession, app_context, client_origin
from countermark.core.http.params import MAX_ID, QueryId, RecordId
from countermark.core.http.templating import render
from countermark.orgs.deps import PageViewer, Viewer, check_csrf
from countermark.orgs.service import group_names, record_audit
from countermark.share import request_pages
from countermark.share.collections_service import create_collection, grant
from countermark.share.partners_service import (
    MATCHING_MODES,
    issued_token,
    register_partner,
    reissue_token,
    set_partner_token,
    subscriptions_of,
    update_partner,
)
from countermark.share.sync_service import sync_partner
from countermark.share.token_vault import use_keys
from countermark.share.views_service import (
    collection_of_org,
    collections_of,
    grants_of,
    groups_of,
    object_counts,
    partner_of_org,
    partners_of,
    require_admin,
    revoke_grant,
    runs_of,
    update_collection,
)

router = APIRouter(include_in_schema=False)
router.include_router(request_pages.router)
log = logging.getLogger(__name__)
KINDS = ("customs", "police", "rights_holder", "platform", "other")


def _page(request: Request, template: str, viewer: Viewer, **values: Any) -> Response:
    return render(request, template, {"viewer": viewer, "active": "share", **values})


def _audit(request: Request, session: DbSession, viewer: Viewer, action: str, kind: str, subject: int,
           **detail: Any) -> None:  # fmt: skip
    record_audit(
        session=session, actor=viewer.principal.email, action=action, subject_type=kind,
        subject_id=str(subject), org_id=viewer.principal.org_id, origin=client_origin(request), detail=detail,
    )  # fmt: skip


def keyed_context(request: Request) -> AppContext:
    """The app's context with the store's key for partner secrets registered (`share.token_vault`)."""
    ctx = app_context(request)
    use_keys(ctx.engine, ctx.settings.keys_dir)
    return ctx


@router.get("/share")
def share_page(request: Request, session: DbSession, viewer: PageViewer) -> Response:
    """The organisation's partners, agreements and latest sync runs."""
    partners = partners_of(session, viewer.principal)
    collections = collections_of(session, viewer.principal)
    counts = object_counts(session, [f"c:{c.id}" for c in collections])
    return _page(
        request, "share.html", viewer, partners=partners, collections=collections, counts=counts,
        runs=runs_of(session, viewer.principal, limit=10), groups=groups_of(session, viewer.principal),
        kinds=KINDS, matching_modes=MATCHING_MODES, names={p.id: p.name for p in partners},
        group_names=group_names(session=session, ids=groups_of(session, viewer.principal)),
    )  # fmt: skip


@router.post("/share/partners")
def add_partner(
    request: Request, session: DbSession, viewer: PageViewer, csrf_token: str = Form(""),
    name: str = Form("", max_length=200), kind: str = Form("customs", max_length=20),
    country: str = Form("", max_length=2), api_root_url: str = Form("", max_length=1000),
    token: str = Form("", max_length=500), matching: str = Form("psi", max_length=16),
) -> Response:  # fmt: skip
    """Register a partner followed by the viewer's organisation; its token is shown once."""
    check_csrf(viewer.web_session, csrf_token)
    require_admin(viewer.principal)
    keyed_context(request)
    new = register_partner(
        session, name=name.strip(), kind=kind, country=country.upper(),
        acting_org_id=viewer.principal.org_id or 0,
        api_root_url=api_root_url.strip(), token=token.strip() or None, matching=matching,
    )  # fmt: skip
    _audit(
        request, session, viewer, "share.partner.add", "share_partner", new.partner.id, name=new.partner.name
    )
    return _partner_page(request, session, viewer, new.partner.id, new_token=new.token_for_partner)


def _partner_page(request: Request, session: DbSession, viewer: Viewer, partner_id: int,
                  new_token: str | None = None) -> Response:  # fmt: skip
    partner = partner_of_org(session, viewer.principal, partner_id)
    return _page(
        request, "share_partner.html", viewer, partner=partner, issued=issued_token(session, partner),
        subscriptions=subscriptions_of(session, partner), runs=runs_of(session, viewer.principal,
        partner_id=partner.id, limit=20), new_token=new_token, matching_modes=MATCHING_MODES,
        can_edit=viewer.is_admin,
        received=object_counts(session, [f"p:{partner.id}"]).get(f"p:{partner.id}", 0),
    )  # fmt: skip


@router.get("/share/partners/{partner_id}")
def partner_page(partner_id: RecordId, request: Request, session: DbSession, viewer: PageViewer) -> Response:
    """One partner: where it is, the tokens (never their secret), collections followed, runs."""
    return _partner_page(request, session, viewer, partner_id)


@router.post("/share/partners/{partner_id}")
def edit_partner(
    partner_id: RecordId, request: Request, session: DbSession, viewer: PageViewer,
    csrf_token: str = Form(""),
    api_root_url: str = Form("", max_length=1000), matching: str = Form("psi", max_length=16),
    enabled: str = Form(""),
) -> Response:  # fmt: skip
    """Change where a partner is, how we match with it, whether the schedule syncs it."""
    check_csrf(viewer.web_session, csrf_token)
    partner = partner_of_org(session, viewer.principal, partner_id)
    require_admin(viewer.principal)
    update_partner(session, partner=partner, api_root_url=api_root_url.strip(), matching=matching,
                   enabled=enabled == "yes")  # fmt: skip
    _audit(
        request, session, viewer, "share.partner.edit", "share_partner", partner.id, enabled=partner.enabled
    )
    return RedirectResponse(f"/share/partners/{partner.id}", status_code=303)


@router.post("/share/partners/{partner_id}/token")
def set_token(
    partner_id: RecordId, request: Request, session: DbSession, viewer: PageViewer,
    csrf_token: str = Form(""),
    token: str = Form("", max_length=500),
) -> Response:  # fmt: skip
    """Keep (sealed) the token the partner issued us; empty forgets it."""
    check_csrf(viewer.web_session, csrf_token)
    partner = partner_of_org(session, viewer.principal, partner_id)
    require_admin(viewer.principal)
    keyed_context(request)
    set_partner_token(session, partner=partner, raw=token.strip() or None)
    _audit(
        request, session, viewer, "share.partner.token", "share_partner", partner.id, hint=partner.token_hint
    )
    return RedirectResponse(f"/share/partners/{partner.id}", status_code=303)


@router.post("/share/partners/{partner_id}/reissue")
def reissue(partner_id: RecordId, request: Request, session: DbSession, viewer: PageViewer,
            csrf_token: str = Form("")) -> Response:  # fmt: skip
    """Revoke the token we issued the partner and show a new one, once."""
    check_csrf(viewer.web_session, csrf_token)
    partner = partner_of_org(session, viewer.principal, partner_id)
    require_admin(viewer.principal)
    raw = reissue_token(session, partner=partner)
    _audit(request, session, viewer, "share.partner.reissue", "share_partner", partner.id)
    return _partner_page(request, session, viewer, partner.id, new_token=raw)


@router.post("/share/partners/{partner_id}/sync")
def sync_now(
    partner_id: RecordId, request: Request, session: DbSession, viewer: PageViewer, tasks: BackgroundTasks,
    csrf_token: str = Form(""),
) -> Response:  # fmt: skip
    """Pull the partner's collections now (after this answer); the runs page shows how it goes."""
    check_csrf(viewer.web_session, csrf_token)
    partner = partner_of_org(session, viewer.principal, partner_id)
    if "write" not in viewer.principal.scopes:
        raise NotFound("no partner with this id that you may see")
    ctx = keyed_context(request)
    tasks.add_task(_sync_quietly, ctx, partner.id)
    _audit(request, session, viewer, "share.partner.sync", "share_partner", partner.id)
    return RedirectResponse(f"/share/runs?partner={partner.id}", status_code=303)


def _sync_quietly(ctx: AppContext, partner_id: int) -> None:
    """A sync started from a page: what failed is in the run's errors, the page shows it."""
    try:
        sync_partner(ctx.sessions, partner_id)
    except Exception as exc:  # a partner that does not answer fails its run, not the server
        log.warning("sync with partner %s failed: %s: %s", partner_id, type(exc).__name__, exc)


@router.get("/share/runs")
def runs_page(
    request: Request, session: DbSession, viewer: PageViewer, partner: QueryId | None = None
) -> Response:
    """Sync runs with their progress and errors; the page refreshes itself while one is running."""
    if partner is not None:
        partner_of_org(session, viewer.principal, partner)
    runs = runs_of(session, viewer.principal, partner_id=partner, limit=100)
    names = {p.id: p.name for p in partners_of(session, viewer.principal)}
    running = any(run.status == "running" for run in runs)
    response = _page(
        request, "share_runs.html", viewer, runs=runs, names=names, running=running, partner=partner
    )
    if running:
        response.headers["Refresh"] = "5"  # the browser reloads the page while a run goes on
    return response


@router.post("/share/collections")
def add_collection(
    request: Request, session: DbSession, viewer: PageViewer, csrf_token: str = Form(""),
    title: str = Form("", max_length=200), description: str = Form("", max_length=5000),
    group: int | None = Form(None, ge=1, le=MAX_ID),
) -> Response:  # fmt: skip
    """A new agreement: a collection of the records marked for one of our sharing groups."""
    check_csrf(viewer.web_session, csrf_token)
    require_admin(viewer.principal)
    if group is not None and group not in groups_of(session, viewer.principal):
        raise InvalidInput.of("choose one of your organisation's sharing groups")
    collection = create_collection(
        session, title=title.strip() or "-", owner_org_id=viewer.principal.org_id or 0,
        sharing_group_id=group, description=description.strip() or None,
    )  # fmt: skip
    _audit(request, session, viewer, "share.collection.add", "share_collection", collection.id)
    return RedirectResponse(f"/share/collections/{collection.id}", status_code=303)


@router.get("/share/collections/{collection_id}")
def collection_page(
    collection_id: RecordId, request: Request, session: DbSession, viewer: PageViewer
) -> Response:
    """One agreement: what it carries, who may read and write it."""
    collection = collection_of_org(session, viewer.principal, collection_id)
    scope = f"c:{collection.id}"
    return _page(
        request, "share_collection.html", viewer, collection=collection,
        grants=grants_of(session, collection),
        partners=partners_of(session, viewer.principal), count=object_counts(session, [scope]).get(scope, 0),
        can_edit=viewer.is_admin,
        group_names=group_names(session=session, ids=groups_of(session, viewer.principal)),
    )  # fmt: skip


@router.post("/share/collections/{collection_id}")
def edit_collection(
    collection_id: RecordId, request: Request, session: DbSession, viewer: PageViewer,
    csrf_token: str = Form(""), title: str = Form("", max_length=200),
    description: str = Form("", max_length=5000),
) -> Response:  # fmt: skip
    """Rename or describe an agreement."""
    check_csrf(viewer.web_session, csrf_token)
    collection = collection_of_org(session, viewer.principal, collection_id)
    require_admin(viewer.principal)
    update_collection(session, collection=collection, title=title, description=description)
    _audit(request, session, viewer, "share.collection.edit", "share_collection", collection.id)
    return RedirectResponse(f"/share/collections/{collection.id}", status_code=303)


@router.post("/share/collections/{collection_id}/grants")
def grant_partner(
    collection_id: RecordId, request: Request, session: DbSession, viewer: PageViewer,
    csrf_token: str = Form(""), partner: int = Form(0, ge=0, le=MAX_ID), can_read: str = Form(""),
    can_write: str = Form(""),
) -> Response:  # fmt: skip
    """Let one of our partners read and/or write the collection (both unticked takes access away)."""
    check_csrf(viewer.web_session, csrf_token)
    collection = collection_of_org(session, viewer.principal, collection_id)
    require_admin(viewer.principal)
    found = partner_of_org(session, viewer.principal, partner)
    if can_read or can_write:
        grant(session, collection=collection, org_id=found.org_id, can_read=bool(can_read),
              can_write=bool(can_write))  # fmt: skip
    else:
        revoke_grant(session, collection=collection, org_id=found.org_id)
    _audit(request, session, viewer, "share.collection.grant", "share_collection", collection.id,
           partner=found.name, read=bool(can_read), write=bool(can_write))  # fmt: skip
    return RedirectResponse(f"/share/collections/{collection.id}", status_code=303)
