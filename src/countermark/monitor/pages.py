"""Monitoring pages: sources (add, edit, pause), crawl runs with live progress, errors and counts."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from countermark.core.errors import Forbidden, InvalidInput, NotFound
from countermark.core.http.deps import DbSession
from countermark.core.http.params import RecordId
from countermark.core.http.templating import render
from countermark.monitor.models import CrawlRun, MonitorSource
from countermark.monitor.snapshot_service import listing_snapshots
from countermark.monitor.source_service import (
    create_source,
    get_visible_source,
    update_source,
    visible_sources,
)
from countermark.orgs.deps import PageViewer, check_csrf
from countermark.orgs.visibility import owns, visible

router = APIRouter(include_in_schema=False)
MAX_CONFIG_CHARS = 200_000


def _page(request: Request, template: str, viewer: PageViewer, **values: Any) -> Response:
    return render(request, template, {"viewer": viewer, "active": "monitor", **values})


def _config_from_form(config_json: str | None, start_urls: str | None) -> dict[str, Any]:
    config: dict[str, Any] = {}
    if config_json and config_json.strip():
        if len(config_json) > MAX_CONFIG_CHARS:
            raise InvalidInput.of("the configuration is too long (at most 200,000 characters)")
        try:
            config = json.loads(config_json)
        except ValueError as exc:
            raise InvalidInput.of("the configuration is not JSON: {reason}", reason=str(exc)) from None
        if not isinstance(config, dict):
            raise InvalidInput.of("the configuration must be a JSON object")
    urls = [line.strip() for line in (start_urls or "").splitlines() if line.strip()]
    if urls:
        config["start_urls"] = urls
    return config


def _can_change(viewer: PageViewer) -> None:
    if "write" not in viewer.principal.scopes or viewer.principal.role == "viewer":
        raise Forbidden.of("a read-only user never changes a source")


@router.get("/monitor")
def monitor_page(request: Request, session: DbSession, viewer: PageViewer) -> Response:
    """The sources the viewer may see and the latest runs of them."""
    sources = visible_sources(session=session, principal=viewer.principal)
    ids = [s.id for s in sources]
    runs = (
        session.scalars(
            select(CrawlRun).where(CrawlRun.source_id.in_(ids)).order_by(CrawlRun.id.desc()).limit(30)
        ).all()
        if ids
        else []
    )
    names = {s.id: s.name for s in sources}
    return _page(request, "monitor_sources.html", viewer, sources=sources, runs=runs, names=names)


@router.post("/monitor/sources")
def add_source_form(
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    name: Annotated[str, Form(max_length=100)],
    platform: Annotated[str, Form(max_length=100)],
    csrf_token: Annotated[str | None, Form()] = None,
    start_urls: Annotated[str | None, Form(max_length=100_000)] = None,
    config_json: Annotated[str | None, Form(max_length=MAX_CONFIG_CHARS)] = None,
    frequency_minutes: Annotated[int, Form(ge=5, le=60 * 24 * 90)] = 1440,
) -> Response:
    """Add a source of the viewer's organisation."""
    check_csrf(viewer.web_session, csrf_token)
    _can_change(viewer)
    if viewer.principal.org_id is None:
        raise Forbidden.of("sources belong to an organisation")
    source = create_source(
        session=session,
        owner_org_id=viewer.principal.org_id,
        name=name,
        platform=platform,
        config=_config_from_form(config_json, start_urls),
        actor=viewer.principal.email,
        frequency_minutes=frequency_minutes,
        tlp=viewer.organisation.default_tlp if viewer.organisation else "AMBER",
    )
    return RedirectResponse(f"/monitor/sources/{source.id}", status_code=303)


@router.get("/monitor/sources/{source_id}")
def source_page(source_id: RecordId, request: Request, session: DbSession, viewer: PageViewer) -> Response:
    """One source: its configuration (editable by its owner) and its runs."""
    source = get_visible_source(session=session, principal=viewer.principal, source_id=source_id)
    runs = session.scalars(
        select(CrawlRun).where(CrawlRun.source_id == source.id).order_by(CrawlRun.id.desc()).limit(50)
    ).all()
    return _page(
        request,
        "monitor_source.html",
        viewer,
        source=source,
        runs=runs,
        config_json=json.dumps(source.config, indent=2, ensure_ascii=False),
        editable=owns(viewer.principal, source.owner_org_id),
    )


@router.post("/monitor/sources/{source_id}")
def edit_source_form(
    source_id: RecordId,
    session: DbSession,
    viewer: PageViewer,
    csrf_token: Annotated[str | None, Form()] = None,
    config_json: Annotated[str | None, Form(max_length=MAX_CONFIG_CHARS)] = None,
    platform: Annotated[str | None, Form(max_length=100)] = None,
    frequency_minutes: Annotated[int | None, Form(ge=5, le=60 * 24 * 90)] = None,
    action: Annotated[str, Form(max_length=20)] = "save",
) -> Response:
    """Save the source's configuration, or pause or resume it (its owner only)."""
    check_csrf(viewer.web_session, csrf_token)
    _can_change(viewer)
    if action in ("pause", "resume"):
        update_source(
            session=session,
            principal=viewer.principal,
            source_id=source_id,
            actor=viewer.principal.email,
            paused=action == "pause",
        )
    elif action == "save":
        update_source(
            session=session,
            principal=viewer.principal,
            source_id=source_id,
            actor=viewer.principal.email,
            config=_config_from_form(config_json, None) or None,
            platform=platform or None,
            frequency_minutes=frequency_minutes,
        )
    else:
        raise InvalidInput.of("unknown action: save, pause or resume")
    return RedirectResponse(f"/monitor/sources/{source_id}", status_code=303)


@router.get("/monitor/runs/{run_id}")
def run_page(run_id: RecordId, request: Request, session: DbSession, viewer: PageViewer) -> Response:
    """One run: progress (the page refreshes itself while the crawl goes), counts, errors."""
    run = session.get(CrawlRun, run_id)
    source: MonitorSource | None = None
    if run is not None:
        source = session.scalar(
            visible(MonitorSource, viewer.principal).where(MonitorSource.id == run.source_id)
        )
    if run is None or source is None:
        raise NotFound.of("no crawl run that you may see")
    share = run.pages / (run.pages + run.pending) if run.pages + run.pending else 0.0
    return _page(
        request, "monitor_run.html", viewer, run=run, source=source, share=share, percent=round(100 * share)
    )


@router.get("/monitor/snapshots")
def snapshots_page(
    request: Request, session: DbSession, viewer: PageViewer, listing_source: str = "", external_id: str = ""
) -> Response:
    """The crawl snapshots of one listing the viewer may see, newest first, with their evidence files."""
    if not listing_source or len(listing_source) > 100 or not external_id or len(external_id) > 200:
        raise InvalidInput.of("name the listing by its source and external id")
    found = listing_snapshots(
        session=session, principal=viewer.principal, listing_source=listing_source, external_id=external_id
    )
    return _page(request, "monitor_snapshots.html", viewer, snapshots=found, external_id=external_id)
