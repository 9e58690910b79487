"""What listing detection reads of stored listings: their versions, their content for scoring, and which
of them a principal may see (as a subquery: detection's tables are seen no further than their listing)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from countermark.observe.models import Account, Listing, ListingImage
from countermark.orgs.visibility import Principal, visible_clause


@dataclass(frozen=True)
class StoredListing:
    """A stored listing with its seller account's facts and its images' digests, as detection reads it."""

    id: int
    version: int
    owner_org_id: int
    source: str
    external_id: str
    platform: str
    url: str
    title: str
    description: str | None
    language: str | None
    price: Decimal | None
    currency: str | None
    seller_handle: str | None
    ships_from: str | None
    observed_at: datetime
    snapshot_sha256: str | None
    tlp: str
    seller_country: str | None
    seller_joined_at: datetime | None
    images: tuple[str, ...]


def listing_versions(
    *, session: Session, after_id: int, limit: int, owner_org_id: int | None = None
) -> list[tuple[int, int]]:
    """(id, version) of up to `limit` listings after an id, in id order (of one owner when given; every
    owner otherwise: a system read)."""
    query = select(Listing.id, Listing.version).where(Listing.id > after_id).order_by(Listing.id).limit(limit)
    if owner_org_id is not None:
        query = query.where(Listing.owner_org_id == owner_org_id)
    return [(row[0], row[1]) for row in session.execute(query)]


def stored_listings(*, session: Session, ids: Iterable[int]) -> list[StoredListing]:
    """These listings (every owner: a system read for scoring; callers show only what is visible)."""
    wanted = sorted(set(ids))
    if not wanted:
        return []
    images: dict[int, list[str]] = defaultdict(list)
    rows: list[Any] = []
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        for listing_id, digest in session.execute(
            select(ListingImage.listing_id, ListingImage.blob_sha256)
            .where(ListingImage.listing_id.in_(chunk))
            .order_by(ListingImage.listing_id, ListingImage.position)
        ):
            images[listing_id].append(digest)
        rows += session.execute(
            select(Listing, Account.country, Account.joined_at)
            .outerjoin(Account, Account.id == Listing.account_id)
            .where(Listing.id.in_(chunk))
            .order_by(Listing.id)
        ).all()
    return [
        StoredListing(
            id=listing.id,
            version=listing.version,
            owner_org_id=listing.owner_org_id,
            source=listing.source,
            external_id=listing.external_id,
            platform=listing.platform,
            url=listing.url,
            title=listing.title,
            description=listing.description,
            language=listing.language,
            price=listing.price,
            currency=listing.currency,
            seller_handle=listing.seller_handle,
            ships_from=listing.ships_from,
            observed_at=listing.observed_at,
            snapshot_sha256=listing.snapshot_sha256,
            tlp=listing.tlp,
            seller_country=country,
            seller_joined_at=joined_at,
            images=tuple(images.get(listing.id, ())),
        )
        for listing, country, joined_at in rows
    ]


def visible_listing_ids(principal: Principal) -> Select[Any]:
    """A subquery of the ids of the listings the principal may see (for tables about listings)."""
    return select(Listing.id).where(visible_clause(Listing, principal))
