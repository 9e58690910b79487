"""Linking over the store: read an organisation's accounts, listings and consignments (with the
identifiers ingestion extracted), link them, keep the networks; and the demo's step that does it.

The reading lives on the top floor because it joins other capabilities' tables (observe's accounts,
listings and identifiers, targeting's shipments, rights' authorised sellers); `link.service` stores the
result. `countermark link run` calls `link_organisation` too.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Collection
from datetime import UTC, date, datetime
from datetime import time as day_time
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from countermark.core.clock import utcnow
from countermark.core.context import AppContext
from countermark.fingerprint.access import can_match_bank
from countermark.fingerprint.models import FingerprintBank, FingerprintEntry, ImageHash, ListingImageMatch
from countermark.fingerprint.pdq import MATCH_THRESHOLD
from countermark.fingerprint.pdq import distance as pdq_distance
from countermark.link.evidence import Value
from countermark.link.increments import IncrementSummary, last_run_at, link_increment
from countermark.link.models import LinkHub
from countermark.link.photos import photo_key
from countermark.link.service import RunSummary, link_records
from countermark.link.store import StoredAccount, StoredListing, StoredShipment, StoreRecords
from countermark.observe.models import Account, Identifier, IdentifierSighting, Listing, ListingImage
from countermark.orgs.service import group_ids_of
from countermark.orgs.visibility import Principal, visible, visible_clause
from countermark.rights.models import AuthorisedSeller, Product
from countermark.targeting.models import Shipment

CONSIGNOR_FIELDS = ("consignor_contact",)


def _values(
    session: Session, subject_type: str, ids: Select[Any], fields: tuple[str, ...] = ()
) -> dict[int, set[Value]]:
    """(kind, value) of the identifiers seen on the records these ids select."""
    found: dict[int, set[Value]] = defaultdict(set)
    query = (
        select(IdentifierSighting.subject_id, Identifier.kind, Identifier.value)
        .join(Identifier, Identifier.id == IdentifierSighting.identifier_id)
        .where(IdentifierSighting.subject_type == subject_type, IdentifierSighting.subject_id.in_(ids))
    )
    if fields:
        query = query.where(IdentifierSighting.field.in_(fields))
    for subject_id, kind, value in session.execute(query):
        found[subject_id].add((kind, value))
    return found


def _as_time(day: date | None) -> datetime | None:
    return datetime.combine(day, day_time(), tzinfo=UTC) if day else None


def _authorised(session: Session, principal: Principal) -> dict[tuple[str, str], set[str]]:
    """(platform or 'web', handle or domain) -> brands that authorise it, of the lists the org may see."""
    found: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in session.scalars(visible(AuthorisedSeller, principal)):
        if row.platform and row.handle:
            found[(row.platform.lower(), row.handle.lower())].add(row.brand)
        if row.domain:
            found[("web", row.domain.lower().removeprefix("www."))].add(row.brand)
    return found


def read_records(
    *,
    session: Session,
    owner_org_id: int,
    account_ids: Collection[int] | None = None,
    shipment_ids: Collection[int] | None = None,
) -> StoreRecords:
    """The accounts, listings and consignments the organisation may see (its own, and what others share
    with it by marking), with their identifiers: the police's GREEN accounts meet the customs' own
    consignments here, and the networks, owned by the organisation, name only records it may see.

    `account_ids` and `shipment_ids`, when given, read only those records (and the accounts' listings).
    """
    principal = Principal(org_id=owner_org_id, group_ids=group_ids_of(session, owner_org_id))
    authorised = _authorised(session, principal)
    seen_account = visible_clause(Account, principal)
    seen_listing = visible_clause(Listing, principal)
    seen_shipment = visible_clause(Shipment, principal)
    if account_ids is not None:
        seen_account = and_(seen_account, Account.id.in_(sorted(account_ids)))
        seen_listing = and_(seen_listing, Listing.account_id.in_(sorted(account_ids)))
    if shipment_ids is not None:
        seen_shipment = and_(seen_shipment, Shipment.id.in_(sorted(shipment_ids)))
    rows = session.scalars(select(Account).where(seen_account).order_by(Account.id)).all()
    account_values = _values(session, "account", select(Account.id).where(seen_account))
    accounts = [
        StoredAccount(
            id=a.id, platform=a.platform, handle=a.handle, display_name=a.display_name or "",
            country=a.country or "", bio=a.bio or "", profile_url=a.profile_url or "",
            seen_at=a.joined_at or a.created_at, values=frozenset(account_values.get(a.id, ())),
            authorised_for=frozenset(authorised.get((a.platform.lower(), a.handle.lower()), ())),
        )
        for a in rows
    ]  # fmt: skip
    listing_rows = session.execute(
        select(
            Listing.id, Listing.account_id, Listing.platform, Listing.url, Listing.title, Listing.observed_at
        )
        .where(seen_listing)
        .order_by(Listing.id)
    ).all()
    listing_values = _values(
        session,
        "listing",
        select(Listing.id).where(seen_listing, Listing.account_id.isnot(None)),
    )
    posting = select(Listing.id).where(seen_listing, Listing.account_id.isnot(None))
    listing_photos, insides = _photos(session, posting)
    listings = [
        StoredListing(id=i, account_id=acc, platform=p, url=u, title=t, observed_at=o,
                      values=frozenset(listing_values.get(i, ())),
                      photos=frozenset(listing_photos.get(i, ())))
        for i, acc, p, u, t, o in listing_rows
    ]  # fmt: skip
    shipment_rows = session.execute(
        select(
            Shipment.id, Shipment.consignor_name, Shipment.consignor_address, Shipment.consignor_country,
            Shipment.declared_on, Shipment.attributes,
        ).where(seen_shipment).order_by(Shipment.id)
    ).all()  # fmt: skip
    shipment_values = _values(
        session,
        "shipment",
        select(Shipment.id).where(seen_shipment),
        CONSIGNOR_FIELDS,
    )
    shipments = []
    for shipment_id, name, address, country, declared_on, attributes in shipment_rows:
        extra = attributes if isinstance(attributes, dict) else {}
        shipments.append(
            StoredShipment(
                id=shipment_id, name=name or "", address=address or "", country=country or "",
                declared_on=_as_time(declared_on), values=frozenset(shipment_values.get(shipment_id, ())),
                marketplace=str(extra.get("marketplace") or ""), seller_id=str(extra.get("seller_id") or ""),
            )
        )  # fmt: skip
    return StoreRecords(
        accounts, listings, shipments, references=_reference_photos(session, principal), photo_insides=insides
    )


def _photos(session: Session, ids: Select[Any]) -> tuple[dict[int, set[str]], dict[str, str]]:
    """The photos of the listings these ids select, for those hashed (the fingerprint capability hashes a
    listing's images once: the demo's step "match listing images"), named by hash and colour
    (`photo_key`); and the hash inside a photo's flat frame, by its hash, where it has one."""
    found: dict[int, set[str]] = defaultdict(set)
    insides: dict[str, str] = {}
    query = (
        select(ListingImage.listing_id, ImageHash.pdq, ImageHash.pdq_inner, ImageHash.colour)
        .join(ImageHash, ImageHash.blob_sha256 == ListingImage.blob_sha256)
        .where(ListingImage.listing_id.in_(ids), ImageHash.pdq.is_not(None))
    )
    for listing_id, pdq, inner, colour in session.execute(query):
        if pdq:
            found[listing_id].add(photo_key(pdq, colour))
            if inner:
                insides[pdq] = inner
    return found, insides


def _reference_photos(session: Session, principal: Principal) -> list[str]:
    """The PDQ hashes in the genuine banks the organisation may match against: a group of posted photos
    near one of them is a rights holder's own shot that resellers and counterfeiters alike reuse.

    With them, the listing photos the fingerprint step matched to one of those entries by whole-picture
    hash through a flip or quarter turn only (the step hashes all eight; the photo's own hash is beyond the
    match distance of the entry's): a mirrored genuine shot is still the holder's (PDQ is not
    mirror-invariant), and two sellers who each mirror it post one picture without knowing each other.
    A photo matched straight but farther than the linker's photo distance (an edited copy, which a ring
    may have made once and reused) stays evidence, as in the evaluation's run on a world's files, and so
    does one matched through the picture inside its flat frame (a padded copy; the linker joins such
    copies within `photos.DERIVED_THRESHOLD` only, reading the inner hashes `_photos` returns)."""
    memberships = principal.group_ids
    banks = [
        bank.id
        for bank in session.scalars(
            select(FingerprintBank).where(FingerprintBank.purpose == "genuine", FingerprintBank.enabled)
        )
        if principal.org_id is not None and can_match_bank(principal.org_id, bank, memberships)
    ]
    if not banks:
        return []
    query = select(FingerprintEntry.signal).where(
        FingerprintEntry.bank_id.in_(banks), FingerprintEntry.signal_type == "pdq"
    )
    references = {signal for signal in session.scalars(query) if signal}
    matched = (
        select(ImageHash.pdq, ImageHash.pdq_inner, FingerprintEntry.signal)
        .join(ListingImageMatch, ListingImageMatch.blob_sha256 == ImageHash.blob_sha256)
        .join(FingerprintEntry, FingerprintEntry.id == ListingImageMatch.entry_id)
        .where(
            FingerprintEntry.bank_id.in_(banks),
            FingerprintEntry.signal_type == "pdq",
            ListingImageMatch.stage == "pdq",
            ImageHash.pdq.is_not(None),
        )
        .distinct()
    )
    for posted, inner, entry in session.execute(matched):
        if not (posted and entry) or pdq_distance(posted, entry) <= MATCH_THRESHOLD:
            continue
        # Matched through the picture inside its frame (a padded copy): the seller's edit, which a ring
        # may reuse, stays evidence, as in the world-files run (which groups photos by their own hash).
        if inner and pdq_distance(inner, entry) <= MATCH_THRESHOLD:
            continue
        references.add(posted)
    return sorted(references)


def organisations_with_records(session: Session) -> list[int]:
    """The organisations that own accounts or consignments to link."""
    owners = set(session.scalars(select(Account.owner_org_id).distinct()))
    owners |= set(session.scalars(select(Shipment.owner_org_id).distinct()))
    return sorted(owners)


# An increment past this many records is linked by a full run: the look-ups by id below would pass the
# databases' bound on bound parameters (SQLite's 32,766), and a full run is not slower at that size.
MAX_INCREMENT_RECORDS = 20_000


def read_increment(
    *, session: Session, owner_org_id: int, since: datetime
) -> tuple[StoreRecords, set[str]] | None:
    """The records stored or changed since a moment (an account counts when a listing of its own does),
    with every visible record that shares a non-hub identifier with them or that a new declaration names
    as its seller; and the party keys of the changed ones. None when either set holds more than
    `MAX_INCREMENT_RECORDS` records (a full run is due)."""
    principal = Principal(org_id=owner_org_id, group_ids=group_ids_of(session, owner_org_id))

    def changed(model: Any) -> Any:
        return and_(visible_clause(model, principal), or_(model.created_at > since, model.updated_at > since))

    accounts = set(session.scalars(select(Account.id).where(changed(Account))))
    accounts |= set(
        session.scalars(select(Listing.account_id).where(changed(Listing), Listing.account_id.isnot(None)))
    )
    shipments = set(session.scalars(select(Shipment.id).where(changed(Shipment))))
    if len(accounts) + len(shipments) > MAX_INCREMENT_RECORDS:
        return None
    new_keys = {f"account:{i}" for i in accounts} | {f"shipment:{i}" for i in shipments}
    hubs = (
        select(Identifier.id)
        .join(LinkHub, and_(LinkHub.kind == Identifier.kind, LinkHub.value == Identifier.value))
        .where(LinkHub.owner_org_id == owner_org_id, LinkHub.hub.is_(True))
    )
    new_listings = select(Listing.id).where(Listing.account_id.in_(sorted(accounts)))
    sighting = IdentifierSighting
    shown = (
        select(sighting.identifier_id)
        .where(
            or_(
                and_(sighting.subject_type == "account", sighting.subject_id.in_(sorted(accounts))),
                and_(sighting.subject_type == "listing", sighting.subject_id.in_(new_listings)),
                and_(
                    sighting.subject_type == "shipment", sighting.subject_id.in_(sorted(shipments)),
                    sighting.field.in_(CONSIGNOR_FIELDS),
                ),
            ),
            sighting.identifier_id.not_in(hubs),
        )
        .distinct()
    )  # fmt: skip
    holders = session.execute(
        select(sighting.subject_type, sighting.subject_id, sighting.field).where(
            sighting.identifier_id.in_(shown)
        )
    ).all()
    by_type: dict[str, set[int]] = defaultdict(set)
    for subject_type, subject_id, field in holders:
        if subject_type != "shipment" or field in CONSIGNOR_FIELDS:
            by_type[subject_type].add(subject_id)
    if sum(len(ids) for ids in by_type.values()) > MAX_INCREMENT_RECORDS:
        return None
    if by_type["listing"]:
        owners = select(Listing.account_id).where(Listing.id.in_(sorted(by_type["listing"])))
        by_type["account"] |= {i for i in session.scalars(owners) if i is not None}
    sellers = {
        str((attributes or {}).get("seller_id") or "").strip().lower()
        for attributes in session.scalars(
            select(Shipment.attributes).where(Shipment.id.in_(sorted(shipments)))
        )
        if isinstance(attributes, dict)
    } - {""}
    if sellers:
        named = select(Account.id).where(
            visible_clause(Account, principal), func.lower(Account.handle).in_(sorted(sellers))
        )
        by_type["account"] |= set(session.scalars(named))
    records = read_records(
        session=session, owner_org_id=owner_org_id, account_ids=accounts | by_type["account"],
        shipment_ids=shipments | by_type["shipment"],
    )  # fmt: skip
    return records, new_keys


def registered_marks(session: Session) -> list[str]:
    """The brands of the products in the store: the marks lookalikes and domain families are read against."""
    return sorted({b for b in session.scalars(select(Product.brand).distinct()) if b})


def link_organisation(
    *, session: Session, owner_org_id: int, actor: str, progress: Callable[[str], None] | None = None
) -> RunSummary:
    """Read, link and keep one organisation's networks (the caller commits)."""
    read_at = utcnow()
    records = read_records(session=session, owner_org_id=owner_org_id)
    marks = registered_marks(session)
    return link_records(
        session=session,
        owner_org_id=owner_org_id,
        records=records,
        actor=actor,
        marks=marks,
        progress=progress,
        read_at=read_at,
    )


def link_organisation_increment(
    *, session: Session, owner_org_id: int, actor: str, progress: Callable[[str], None] | None = None
) -> IncrementSummary | None:
    """Add what was stored since the organisation's last run to its networks (the caller commits); None
    when it has never been linked or the increment is too large (`MAX_INCREMENT_RECORDS`): a full run
    is due."""
    read_at = utcnow()
    since = last_run_at(session=session, owner_org_id=owner_org_id)
    if since is None:
        return None
    increment = read_increment(session=session, owner_org_id=owner_org_id, since=since)
    if increment is None:
        return None
    records, new_keys = increment
    marks = registered_marks(session)
    return link_increment(
        session=session, owner_org_id=owner_org_id, records=records, new_keys=new_keys, actor=actor,
        read_at=read_at, progress=progress, marks=marks,
    )  # fmt: skip


def run_linking_step(ctx: AppContext, session: Session, progress: Callable[[int, int], None]) -> str:
    """The demo's step: link each organisation's stored listings, accounts and consignments."""
    started = time.perf_counter()
    owners = organisations_with_records(session)
    if not owners:
        return "nothing stored to link"
    notes = []
    for position, owner in enumerate(owners, start=1):
        summary = link_organisation(session=session, owner_org_id=owner, actor="demo")
        progress(position, len(owners))
        if summary.parties:
            notes.append(
                f"org {owner}: {summary.parties} parties, {summary.networks} networks, "
                f"{summary.operator_groups} same-owner groups, {summary.hubs} hubs"
            )
    total = session.scalar(select(func.count()).select_from(Account)) or 0
    return "; ".join(notes) + f" ({total} accounts, {time.perf_counter() - started:.1f} s)"
