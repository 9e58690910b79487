"""Storing accounts and listings, and the identifiers extracted from every observation."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from countermark.core.ingestion import IngestContext, Outcome, store_file, store_image, upsert_versioned
from countermark.observe.identifiers import FoundIdentifier, extract_identifiers, normalise_identifier
from countermark.observe.models import Account, Identifier, IdentifierSighting, Listing, ListingImage
from countermark.observe.schemas import AccountIn, ListingIn
from countermark.orgs.visibility import Principal, visible

# Snapshots can be large; identifiers past this point are almost always boilerplate (footers, scripts).
SNAPSHOT_SCAN_LIMIT = 200_000


@dataclass(frozen=True, slots=True)
class Sighting:
    """An identifier found in one field of a record."""

    field: str
    found: FoundIdentifier


def sightings_in_text(field: str, text: str | None, *, region: str | None) -> list[Sighting]:
    """Identifiers extracted from free text, tagged with the field they came from."""
    if not text:
        return []
    return [Sighting(field, found) for found in extract_identifiers(text, default_region=region)]


def sighting_of_value(field: str, kind: str, raw: str | None, *, region: str | None = None) -> list[Sighting]:
    """The identifier of a structured field (a name, an address), if it normalises."""
    if not raw:
        return []
    value = normalise_identifier(kind, raw, default_region=region)
    if not value:
        return []
    return [Sighting(field, FoundIdentifier(kind=kind, value=value, raw=raw, start=-1, end=-1))]


def _identifier_id(ctx: IngestContext, kind: str, value: str) -> int:
    key = ("identifier", f"{kind}\x00{value}")
    cached = ctx.cache.get(key)
    if cached is not None:
        return int(cached)
    identifier_id = ctx.session.scalar(
        select(Identifier.id).where(Identifier.kind == kind, Identifier.value == value)
    )
    if identifier_id is None:
        identifier = Identifier(kind=kind, value=value)
        ctx.session.add(identifier)
        ctx.session.flush()
        identifier_id = identifier.id
    ctx.cache[key] = identifier_id
    return identifier_id


def record_sightings(
    ctx: IngestContext, *, subject_type: str, subject_id: int, sightings: Iterable[Sighting]
) -> int:
    """Replace the subject's identifier sightings with these; the number recorded."""
    ctx.session.execute(
        delete(IdentifierSighting).where(
            IdentifierSighting.subject_type == subject_type, IdentifierSighting.subject_id == subject_id
        )
    )
    seen: set[tuple[int, str]] = set()
    for sighting in sightings:
        identifier_id = _identifier_id(ctx, sighting.found.kind, sighting.found.value[:1000])
        if (identifier_id, sighting.field) in seen:
            continue
        seen.add((identifier_id, sighting.field))
        ctx.session.add(
            IdentifierSighting(
                identifier_id=identifier_id,
                subject_type=subject_type,
                subject_id=subject_id,
                field=sighting.field,
                raw=sighting.found.raw[:1000],
            )
        )
    ctx.session.flush()
    return len(seen)


def identifiers_of(*, session: Session, subject_type: str, subject_id: int) -> list[tuple[str, str, str]]:
    """(kind, value, field) of every identifier seen in the record."""
    rows = session.execute(
        select(Identifier.kind, Identifier.value, IdentifierSighting.field)
        .join(IdentifierSighting, IdentifierSighting.identifier_id == Identifier.id)
        .where(IdentifierSighting.subject_type == subject_type, IdentifierSighting.subject_id == subject_id)
        .order_by(Identifier.kind, Identifier.value)
    )
    return [(kind, value, field) for kind, value, field in rows]


def find_account(*, session: Session, platform: str, handle: str) -> Account | None:
    """The account with this handle on this platform (the most recently stored if several sources have it)."""
    return session.scalar(
        select(Account)
        .where(Account.platform == platform, Account.handle == handle)
        .order_by(Account.id.desc())
    )


def ingest_account(ctx: IngestContext, record: AccountIn) -> Outcome:
    """Insert or update one account and the identifiers in its profile."""
    account, outcome = upsert_versioned(
        ctx,
        Account,
        record,
        label="account",
        fields=("platform", "handle", "display_name", "profile_url", "country", "bio", "joined_at"),
    )
    if outcome == "unchanged" or account is None:
        return outcome
    region = record.country
    sightings = sightings_in_text("bio", record.bio, region=region)
    sightings += sightings_in_text("profile_url", record.profile_url, region=region)
    for contact in record.contacts:
        sightings += sightings_in_text("contacts", contact, region=region)
    record_sightings(ctx, subject_type="account", subject_id=account.id, sightings=sightings)
    return outcome


def ingest_listing(ctx: IngestContext, record: ListingIn) -> Outcome:
    """Insert or update one listing with its images, snapshot and identifiers."""
    image_digests = list(dict.fromkeys(store_image(ctx, path) for path in record.images))
    snapshot = store_file(ctx, record.snapshot, "text/html") if record.snapshot else None
    account = (
        find_account(session=ctx.session, platform=record.platform, handle=record.seller)
        if record.seller
        else None
    )
    listing, outcome = upsert_versioned(
        ctx,
        Listing,
        record,
        label="listing",
        fields=(
            "platform",
            "url",
            "title",
            "description",
            "language",
            "price",
            "currency",
            "ships_from",
            "observed_at",
        ),
        derived={"images": image_digests, "snapshot": snapshot},
        values={
            "seller_handle": record.seller,
            "account_id": account.id if account else None,
            "snapshot_sha256": snapshot,
        },
    )
    if outcome == "unchanged" or listing is None:
        return outcome
    ctx.session.execute(delete(ListingImage).where(ListingImage.listing_id == listing.id))
    ctx.session.add_all(
        ListingImage(listing_id=listing.id, blob_sha256=sha, position=position)
        for position, sha in enumerate(image_digests)
    )
    region = record.ships_from
    sightings = sightings_in_text("url", record.url, region=region)
    sightings += sightings_in_text("title", record.title, region=region)
    sightings += sightings_in_text("description", record.description, region=region)
    if snapshot:
        page = ctx.blobs.get(snapshot)[:SNAPSHOT_SCAN_LIMIT].decode("utf-8", errors="replace")
        sightings += sightings_in_text("snapshot", page, region=region)
    record_sightings(ctx, subject_type="listing", subject_id=listing.id, sightings=sightings)
    return outcome


def identifiers_seen_in(session: Session, subject_type: str, subject_id: int) -> list[dict[str, str]]:
    """The identifiers seen in one record, for its detail view."""
    rows = session.execute(
        select(Identifier.kind, Identifier.value, IdentifierSighting.field, IdentifierSighting.raw)
        .join(IdentifierSighting, IdentifierSighting.identifier_id == Identifier.id)
        .where(IdentifierSighting.subject_type == subject_type, IdentifierSighting.subject_id == subject_id)
        .order_by(Identifier.kind, Identifier.value)
    )
    return [{"kind": k, "value": v, "field": f, "raw": r} for k, v, f, r in rows]


def blob_is_visible(*, session: Session, principal: Principal, digest: str) -> bool:
    """Whether a blob is an image or the saved page of a listing the principal may see."""
    checks = (
        exists(
            visible(Listing, principal)
            .join(ListingImage, ListingImage.listing_id == Listing.id)
            .where(ListingImage.blob_sha256 == digest)
        ),
        exists(visible(Listing, principal).where(Listing.snapshot_sha256 == digest)),
    )
    return any(session.scalar(select(check)) for check in checks)
