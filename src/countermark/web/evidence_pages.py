"""Evidence shown in the pages: a listing's saved page with its pictures, and a consumer report's photos.

A saved page refers to its pictures by addresses on its own site, relative (`<img src="../images/…">`),
site-relative (`/img/…`) or absolute, which mean nothing once the page is stored as one blob; and a
sandboxed frame has no origin, so its requests carry no session and could not fetch stored images anyway.
The saved page is therefore served here with each picture of its own site (its address resolved against
the listing's address, the page's own) replaced, in order, by the listing's stored image at the same
position, inlined as a `data:` address (an address seen again takes the same picture again); nothing is
fetched. The page keeps the sandbox policy of the blob route (no script, no request out), so a picture of
another site stays blocked. A report's photos are served to whoever may see the report. Both answer the
same 404 for absent and unseen records.
"""

from __future__ import annotations

import base64
import re
from urllib.parse import urljoin, urlsplit

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
_ELSEWHERE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.I)  # a scheme, or another host's path


def _site(url: str) -> tuple[str, str] | None:
    parts = urlsplit(url)
    return (parts.scheme.lower(), parts.netloc.lower()) if parts.scheme and parts.netloc else None


def _own(src: str, page_url: str | None) -> str | None:
    """The address of a picture of the page's own site, resolved against the page's address (as the
    crawler resolved it when it stored the picture); None for a picture of another site, or inline."""
    src = src.strip()
    if not src or src.lower().startswith("data:"):
        return None
    base = page_url if page_url and _site(page_url) else None
    if not _ELSEWHERE.match(src):  # relative or site-relative: the page's own site
        return urljoin(base, src) if base else src
    address = urljoin(base, src) if base else src
    return address if base and _site(address) == _site(base) else None


def inline_pictures(page: str, pictures: list[tuple[str, bytes]], page_url: str | None = None) -> str:
    """The page with the `<img src>` of its own site (relative, site-relative, or absolute on the host of
    `page_url`, the page's address) replaced in order by the pictures (media type, bytes) as `data:`
    addresses, an address seen again taking the same picture; one beyond the stored pictures loses its
    address (its alt text shows). Pictures of other sites are left to the page's policy, which blocks them."""
    remaining = iter(pictures)
    taken: dict[str, str] = {}

    def replace(match: re.Match[str]) -> str:
        head, quote, src = match.groups()
        address = _own(src, page_url)
        if address is None:
            return match.group(0)
        if address not in taken:
            picture = next(remaining, None)
            taken[address] = (
                f"data:{picture[0]};base64,{base64.b64encode(picture[1]).decode()}" if picture else ""
            )
        return f"{head}{quote}{taken[address]}{quote}"

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
    return Response(inline_pictures(page, pictures, listing.url), media_type="text/html", headers=headers)


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
