"""Evidence shown in the pages: a listing's saved page with its pictures, and a consumer report's photos.

A saved page refers to its pictures by relative paths (`<img src="../images/…">`), which mean nothing once
the page is stored as one blob; and a sandboxed frame has no origin, so its requests carry no session and
could not fetch stored images anyway. The saved page is therefore served here with each relative picture
replaced, in order, by the listing's stored image at the same position, inlined as a `data:` address; the
page keeps the sandbox policy of the blob route (no script, no request out). A report's photos are served
to whoever may see the report. Both answer the same 404 for absent and unseen records.
"""

from __future__ import annotations

import base64
import re

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from countermark.codes.models import ConsumerReport
from countermark.core.errors import NotFound
from countermark.core.http.deps import DbSession, app_context
from countermark.core.http.params import RecordId
from countermark.core.models import Blob
from countermark.observe.models import Listing, ListingImage
from countermark.orgs.deps import PageViewer
from countermark.orgs.visibility import visible

router = APIRouter(include_in_schema=False)
SNAPSHOT_POLICY = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'"
MAX_INLINED = 12 * 2**20  # bytes of pictures inlined into one saved page
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})
_IMG_SRC = re.compile(r"""(<img\b[^>]*?\bsrc\s*=\s*)(["'])(.*?)\2""", re.I | re.S)
_ABSOLUTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//|/)", re.I)


def inline_pictures(page: str, pictures: list[tuple[str, bytes]]) -> str:
    """The page with its relative `<img src>` replaced in order by the pictures (media type, bytes) as
    `data:` addresses; a relative picture beyond the stored ones loses its address (its alt text shows)."""
    remaining = iter(pictures)

    def replace(match: re.Match[str]) -> str:
        head, quote, src = match.groups()
        if _ABSOLUTE.match(src.strip()):
            return match.group(0)
        picture = next(remaining, None)
        if picture is None:
            return f"{head}{quote}{quote}"
        media_type, data = picture
        return f"{head}{quote}data:{media_type};base64,{base64.b64encode(data).decode()}{quote}"

    return _IMG_SRC.sub(replace, page)


@router.get("/snapshots/listing/{record_id}")
def listing_snapshot(
    record_id: RecordId, request: Request, session: DbSession, viewer: PageViewer
) -> Response:
    """A listing's saved page with its pictures, for the sandboxed frame of the listing page."""
    listing = session.scalar(visible(Listing, viewer.principal).where(Listing.id == record_id))
    if listing is None or listing.snapshot_sha256 is None:
        raise NotFound.of("no saved page of listing {record_id} that you may see", record_id=record_id)
    blobs = app_context(request).blobs
    rows = session.execute(
        select(ListingImage.blob_sha256, Blob.media_type)
        .join(Blob, Blob.sha256 == ListingImage.blob_sha256)
        .where(ListingImage.listing_id == listing.id)
        .order_by(ListingImage.position, ListingImage.id)
    ).all()
    pictures, total = [], 0
    for digest, media_type in rows:
        if media_type not in IMAGE_TYPES:
            continue
        data = blobs.get(digest)
        total += len(data)
        if total > MAX_INLINED:
            break
        pictures.append((media_type, data))
    page = blobs.get(listing.snapshot_sha256).decode("utf-8", errors="replace")
    headers = {
        "cache-control": "private, max-age=3600",
        "x-content-type-options": "nosniff",
        "content-security-policy": SNAPSHOT_POLICY,
    }
    return Response(inline_pictures(page, pictures), media_type="text/html", headers=headers)


def _no_photo(position: int, record_id: int) -> NotFound:
    return NotFound.of(
        "no photo {position} of a report {record_id} that you may see", position=position, record_id=record_id
    )


@router.get("/codes/reports/{record_id}/photos/{position}")
def report_photo(
    record_id: RecordId, position: int, request: Request, session: DbSession, viewer: PageViewer
) -> Response:
    """One photo of a consumer report the viewer may see (position from 1)."""
    report = session.scalar(visible(ConsumerReport, viewer.principal).where(ConsumerReport.id == record_id))
    photos = list(report.photos or []) if report is not None else []
    if not 1 <= position <= len(photos):
        raise _no_photo(position, record_id)
    digest = str(photos[position - 1])
    meta = session.get(Blob, digest)
    if meta is None or meta.media_type not in IMAGE_TYPES:
        raise _no_photo(position, record_id)
    headers = {"cache-control": "private, max-age=3600", "x-content-type-options": "nosniff"}
    return Response(app_context(request).blobs.get(digest), media_type=meta.media_type, headers=headers)
