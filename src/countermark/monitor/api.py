"""REST routes of online monitoring: sources (owner-only writes), runs with progress, snapshots as
evidence. Every read goes through the visibility rule; an unseen record is the same 404 as an absent one.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from countermark.core.clock import utcnow
from countermark.core.context import AppContext
from countermark.core.errors import Forbidden, InvalidInput, NotFound
from countermark.core.http.deps import DbSession, app_context
from countermark.core.http.params import RecordId
from countermark.monitor.models import CrawlRun, CrawlSnapshot, MonitorSource
from countermark.monitor.snapshot_service import attach_to_case, get_visible_snapshot, listing_snapshots
from countermark.monitor.source_service import (
    create_source,
    get_visible_source,
    update_source,
    visible_sources,
)
from countermark.orgs.deps import require_scope
from countermark.orgs.visibility import Principal, visible

router = APIRouter(prefix="/api/v1/monitor", tags=["monitoring"])
Reader = Annotated[Principal, Depends(require_scope("read"))]
Writer = Annotated[Principal, Depends(require_scope("write"))]
Context = Annotated[AppContext, Depends(app_context)]


class SourceIn(BaseModel):
    """A new source."""

    name: str = Field(min_length=1, max_length=100)
    platform: str = Field(min_length=1, max_length=100)
    config: dict[str, Any]
    frequency_minutes: int = Field(default=1440, ge=5, le=60 * 24 * 90)
    tlp: str | None = None


class SourcePatch(BaseModel):
    """Changes to a source: any of its configuration, platform, frequency, paused."""

    config: dict[str, Any] | None = None
    platform: str | None = Field(default=None, min_length=1, max_length=100)
    frequency_minutes: int | None = Field(default=None, ge=5, le=60 * 24 * 90)
    paused: bool | None = None


class EvidenceIn(BaseModel):
    """The case a snapshot is attached to."""

    case_id: int = Field(ge=1, le=2_147_483_647)


def source_fields(source: MonitorSource) -> dict[str, Any]:
    """A source as the API returns it."""
    return {
        "id": source.id,
        "name": source.name,
        "platform": source.platform,
        "config": source.config,
        "frequency_minutes": source.frequency_minutes,
        "paused": source.paused,
        "next_due_at": source.next_due_at.isoformat() if source.next_due_at else None,
        "owner_org_id": source.owner_org_id,
        "tlp": source.tlp,
    }


def run_fields(run: CrawlRun) -> dict[str, Any]:
    """A run as the API returns it (its directory on the server is not shown)."""
    return {
        "id": run.id,
        "source_id": run.source_id,
        "status": run.status,
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "pages": run.pages,
        "pending": run.pending,
        "progress": round(run.pages / (run.pages + run.pending), 3) if run.pages + run.pending else None,
        "listings": {
            "found": run.listings_found,
            "new": run.listings_new,
            "changed": run.listings_changed,
            "unchanged": run.listings_unchanged,
            "gone": run.listings_gone,
        },
        "accounts_found": run.accounts_found,
        "rejected": run.rejected,
        "errors": run.errors or [],
        "message": run.message,
    }


def snapshot_fields(snapshot: CrawlSnapshot) -> dict[str, Any]:
    """A snapshot as the API returns it."""
    return {
        "id": snapshot.id,
        "run_id": snapshot.run_id,
        "source_id": snapshot.source_id,
        "url": snapshot.url,
        "kind": snapshot.kind,
        "http_status": snapshot.http_status,
        "fetched_at": snapshot.fetched_at.isoformat(),
        "warc_sha256": snapshot.warc_sha256,
        "page_sha256": snapshot.payload_sha256,
        "block_digest": snapshot.block_digest,
        "payload_digest": snapshot.payload_digest,
        "screenshot_sha256": snapshot.screenshot_sha256,
        "rendered_text_sha256": snapshot.text_sha256,
        "listing_source": snapshot.listing_source,
        "listing_external_id": snapshot.listing_external_id,
    }


@router.get("/sources", summary="Sources you may see")
def list_sources(session: DbSession, principal: Reader) -> dict[str, Any]:
    """Visible sources, by name."""
    return {"items": [source_fields(s) for s in visible_sources(session=session, principal=principal)]}


@router.post("/sources", status_code=201, summary="Add a source")
def add_source(body: SourceIn, session: DbSession, principal: Writer) -> dict[str, Any]:
    """A source of the principal's organisation; due at once."""
    if principal.org_id is None:
        raise Forbidden.of("sources belong to an organisation: use a user's token")
    _writer(principal)
    source = create_source(
        session=session,
        owner_org_id=principal.org_id,
        name=body.name,
        platform=body.platform,
        config=body.config,
        actor=principal.email,
        frequency_minutes=body.frequency_minutes,
        tlp=body.tlp or "AMBER",
    )
    return source_fields(source)


@router.get("/sources/{source_id}", summary="One source")
def get_source(source_id: RecordId, session: DbSession, principal: Reader) -> dict[str, Any]:
    """The source if visible; 404 otherwise."""
    return source_fields(get_visible_source(session=session, principal=principal, source_id=source_id))


@router.patch("/sources/{source_id}", summary="Edit or pause a source (its owner only)")
def edit_source(
    source_id: RecordId, body: SourcePatch, session: DbSession, principal: Writer
) -> dict[str, Any]:
    """Change the configuration, platform, frequency or paused state of a source the principal owns."""
    _writer(principal)
    source = update_source(
        session=session,
        principal=principal,
        source_id=source_id,
        actor=principal.email,
        config=body.config,
        platform=body.platform,
        frequency_minutes=body.frequency_minutes,
        paused=body.paused,
    )
    return source_fields(source)


@router.post("/sources/{source_id}/due", summary="Crawl a source at the next scheduler run (owner only)")
def make_due(source_id: RecordId, session: DbSession, principal: Writer) -> dict[str, Any]:
    """Mark the source due now: the scheduler (or `countermark monitor run`) crawls it next."""
    _writer(principal)
    source = update_source(session=session, principal=principal, source_id=source_id, actor=principal.email)
    if source.paused:
        raise InvalidInput.of("the source is paused: resume it first")
    source.next_due_at = utcnow()
    return source_fields(source)


def _visible_run(session: Session, principal: Principal, run_id: int) -> CrawlRun:
    """The run if its source is visible; the same 404 whether it is absent or unseen."""
    run = session.get(CrawlRun, run_id)
    try:
        if run is not None:
            get_visible_source(session=session, principal=principal, source_id=run.source_id)
            return run
    except NotFound:
        pass
    raise NotFound.of("no crawl run that you may see")


def _writer(principal: Principal) -> Principal:
    if not principal.is_system and principal.role == "viewer":
        raise Forbidden.of("a read-only user never changes a source")
    return principal


@router.get("/sources/{source_id}/runs", summary="Runs of a source, newest first")
def list_runs(source_id: RecordId, session: DbSession, principal: Reader, limit: int = 50) -> dict[str, Any]:
    """The source's runs with their progress and counts."""
    if not 1 <= limit <= 500:
        raise InvalidInput.of("limit must be between 1 and 500")
    get_visible_source(session=session, principal=principal, source_id=source_id)
    runs = session.scalars(
        select(CrawlRun).where(CrawlRun.source_id == source_id).order_by(CrawlRun.id.desc()).limit(limit)
    )
    return {"items": [run_fields(run) for run in runs]}


@router.get("/runs/{run_id}", summary="One run: progress, errors, what was new, changed or gone")
def get_run(run_id: RecordId, session: DbSession, principal: Reader) -> dict[str, Any]:
    """The run, if its source is visible; 404 otherwise."""
    return run_fields(_visible_run(session, principal, run_id))


@router.get("/snapshots", summary="Snapshots of a listing")
def snapshots_of_listing(
    session: DbSession, principal: Reader, listing_source: str, external_id: str
) -> dict[str, Any]:
    """The visible snapshots of the listing (source, external id), newest first."""
    if not listing_source or len(listing_source) > 100 or not external_id or len(external_id) > 200:
        raise InvalidInput.of("give listing_source (≤100 characters) and external_id (≤200 characters)")
    found = listing_snapshots(
        session=session, principal=principal, listing_source=listing_source, external_id=external_id
    )
    return {"items": [snapshot_fields(s) for s in found]}


@router.get("/snapshots/{snapshot_id}", summary="One snapshot")
def get_snapshot(snapshot_id: RecordId, session: DbSession, principal: Reader) -> dict[str, Any]:
    """The snapshot, if visible; 404 otherwise."""
    return snapshot_fields(
        get_visible_snapshot(session=session, principal=principal, snapshot_id=snapshot_id)
    )


PARTS = {
    "warc": ("warc_sha256", "application/warc", "warc.gz"),
    "page": ("payload_sha256", "text/html", "html"),
    "screenshot": ("screenshot_sha256", "image/png", "png"),
    "text": ("text_sha256", "text/plain; charset=utf-8", "txt"),
}


@router.get("/snapshots/{snapshot_id}/{part}", summary="A part of a snapshot: warc, page, screenshot or text")
def get_snapshot_part(
    snapshot_id: RecordId, part: str, session: DbSession, principal: Reader, ctx: Context
) -> Response:
    """The WARC file (request and response records), the page, the screenshot or the rendered text."""
    if part not in PARTS:
        raise InvalidInput.of(
            "unknown part {part!r}: use one of {parts}", part=part[:20], parts=", ".join(PARTS)
        )
    snapshot = get_visible_snapshot(session=session, principal=principal, snapshot_id=snapshot_id)
    column, media_type, suffix = PARTS[part]
    digest = getattr(snapshot, column)
    if not digest:
        raise NotFound.of("snapshot {snapshot_id} has no {part}", snapshot_id=snapshot_id, part=part)
    headers = {
        "Content-Disposition": f'attachment; filename="snapshot-{snapshot.id}.{suffix}"',
        "x-content-type-options": "nosniff",
    }
    if part == "page":
        # A captured page is evidence, not content to run: no scripts, no requests out.
        headers["content-security-policy"] = "sandbox; default-src 'none'; style-src 'unsafe-inline'"
    return Response(ctx.blobs.get(digest), media_type=media_type, headers=headers)


@router.post("/snapshots/{snapshot_id}/evidence", status_code=201, summary="Attach a snapshot to a case")
def add_snapshot_to_case(
    snapshot_id: RecordId, body: EvidenceIn, session: DbSession, principal: Writer, ctx: Context
) -> dict[str, Any]:
    """Add the snapshot's WARC file to a case you take part in, entered in the ledger in the same step."""
    evidence_id = attach_to_case(
        session=session,
        blobs=ctx.blobs,
        principal=principal,
        snapshot_id=snapshot_id,
        case_id=body.case_id,
        actor=principal.email,
        at=utcnow(),
    )
    return {"evidence_id": evidence_id, "case_id": body.case_id, "snapshot_id": snapshot_id}


@router.get("/runs", summary="Recent runs of the sources you may see")
def recent_runs(session: DbSession, principal: Reader, limit: int = 50) -> dict[str, Any]:
    """Newest runs first, across visible sources."""
    if not 1 <= limit <= 500:
        raise InvalidInput.of("limit must be between 1 and 500")
    sources = visible(MonitorSource, principal).with_only_columns(MonitorSource.id).scalar_subquery()
    runs = session.scalars(
        select(CrawlRun).where(CrawlRun.source_id.in_(sources)).order_by(CrawlRun.id.desc()).limit(limit)
    )
    return {"items": [run_fields(run) for run in runs]}
