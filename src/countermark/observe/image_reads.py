"""Which stored photos listings show: read page by page by the fingerprint step that hashes and matches them
(listing photos are stored by their SHA-256 at ingest and shown by as many listings as post them)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from countermark.observe.models import ListingImage


def listing_image_digest_count(*, session: Session) -> int:
    """How many different photos the stored listings show."""
    return int(session.scalar(select(func.count(func.distinct(ListingImage.blob_sha256)))) or 0)


def listing_image_digests(*, session: Session, after: str | None = None, limit: int = 500) -> list[str]:
    """One page of the different photos listings show, in digest order, those after `after`."""
    query = select(ListingImage.blob_sha256).distinct().order_by(ListingImage.blob_sha256).limit(limit)
    if after is not None:
        query = query.where(ListingImage.blob_sha256 > after)
    return list(session.scalars(query))


def listing_ids_by_photo(*, session: Session, digests: Iterable[str]) -> dict[str, list[int]]:
    """Photo digest -> the ids of the listings that show it (in id order), for these photos."""
    wanted = sorted(set(digests))
    found: dict[str, list[int]] = defaultdict(list)
    for start in range(0, len(wanted), 500):
        rows = session.execute(
            select(ListingImage.blob_sha256, ListingImage.listing_id)
            .where(ListingImage.blob_sha256.in_(wanted[start : start + 500]))
            .order_by(ListingImage.blob_sha256, ListingImage.listing_id)
        )
        for digest, listing_id in rows:
            found[digest].append(listing_id)
    return dict(found)
