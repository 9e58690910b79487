"""Linking over the store: read an organisation's accounts, listings and consignments (with the
identifiers ingestion extracted and the photos' hashes), link them and keep the networks, in full or by
increment. `countermark link run`, the server's linking jobs and the demo's step call these.

Each capability reads its own tables (`observe.link_reads`, `targeting.link_reads`, `rights.link_reads`,
`fingerprint.link_reads`); this module composes them into the linker's `StoreRecords` and hands them to
`link.service` (a full run) or `link.increments` (what was stored since the last run).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from countermark.core.clock import utcnow
from countermark.fingerprint.link_reads import listing_photo_hashes, reference_photos_for_linking
from countermark.link.increments import IncrementSummary, last_run_at, link_increment
from countermark.link.models import LinkHub
from countermark.link.photos import photo_key
from countermark.link.service import RunSummary, link_records
from countermark.link.store import StoredAccount, StoredListing, StoredShipment, StoreRecords
from countermark.observe import link_reads as observe_reads
from countermark.orgs.service import group_ids_of
from countermark.orgs.visibility import Principal
from countermark.rights.link_reads import authorised_for_linking, product_brands
from countermark.targeting import link_reads as targeting_reads

CONSIGNOR_FIELDS = ("consignor_contact",)
# An increment past this many records is linked by a full run: the look-ups by id below would pass the
# databases' bound on bound parameters (SQLite's 32,766), and a full run is not slower at that size.
MAX_INCREMENT_RECORDS = 20_000


def _principal(session: Session, owner_org_id: int) -> Principal:
    return Principal(org_id=owner_org_id, group_ids=group_ids_of(session, owner_org_id))


def _photos(session: Session, principal: Principal, account_ids: Collection[int] | None) -> tuple[
    dict[int, set[str]], dict[str, str]
]:  # fmt: skip
    """The hashed photos of the visible listings that have a seller, named by hash and colour
    (`photo_key`); and the hash inside a photo's flat frame, by its hash, where it has one."""
    posting = observe_reads.posted_listing_ids_query(principal=principal, account_ids=account_ids)
    rows = listing_photo_hashes(session=session, photos=observe_reads.listing_photos_query(posting))
    found: dict[int, set[str]] = defaultdict(set)
    insides: dict[str, str] = {}
    for listing_id, pdq, inner, colour in rows:
        found[listing_id].add(photo_key(pdq, colour))
        if inner:
            insides[pdq] = inner
    return found, insides


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
    principal = _principal(session, owner_org_id)
    authorised = authorised_for_linking(session=session, principal=principal)
    account_values = observe_reads.identifier_values(
        session=session, subject_type="account",
        ids=observe_reads.account_ids_query(principal=principal, account_ids=account_ids),
    )  # fmt: skip
    accounts = [
        StoredAccount(
            id=a.id, platform=a.platform, handle=a.handle, display_name=a.display_name, country=a.country,
            bio=a.bio, profile_url=a.profile_url, seen_at=a.seen_at,
            values=frozenset(account_values.get(a.id, ())),
            authorised_for=frozenset(authorised.get((a.platform.lower(), a.handle.lower()), ())),
        )
        for a in observe_reads.accounts_for_linking(
            session=session, principal=principal, account_ids=account_ids
        )
    ]  # fmt: skip
    listing_values = observe_reads.identifier_values(
        session=session, subject_type="listing",
        ids=observe_reads.posted_listing_ids_query(principal=principal, account_ids=account_ids),
    )  # fmt: skip
    listing_photos, insides = _photos(session, principal, account_ids)
    listings = [
        StoredListing(id=r.id, account_id=r.account_id, platform=r.platform, url=r.url, title=r.title,
                      observed_at=r.observed_at, values=frozenset(listing_values.get(r.id, ())),
                      photos=frozenset(listing_photos.get(r.id, ())))
        for r in observe_reads.listings_for_linking(
            session=session, principal=principal, account_ids=account_ids
        )
    ]  # fmt: skip
    shipment_values = observe_reads.identifier_values(
        session=session, subject_type="shipment",
        ids=targeting_reads.shipment_ids_query(principal=principal, shipment_ids=shipment_ids),
        fields=CONSIGNOR_FIELDS,
    )  # fmt: skip
    shipments = [
        StoredShipment(
            id=c.id, name=c.name, address=c.address, country=c.country, declared_on=c.declared_on,
            values=frozenset(shipment_values.get(c.id, ())), marketplace=c.marketplace, seller_id=c.seller_id,
        )
        for c in targeting_reads.consignors_for_linking(
            session=session, principal=principal, shipment_ids=shipment_ids
        )
    ]  # fmt: skip
    references = reference_photos_for_linking(session=session, principal=principal)
    return StoreRecords(accounts, listings, shipments, references=references, photo_insides=insides)


def organisations_with_records(session: Session) -> list[int]:
    """The organisations that own accounts or consignments to link."""
    owners = observe_reads.account_owners(session=session)
    return sorted(owners | targeting_reads.shipment_owners(session=session))


def read_increment(
    *, session: Session, owner_org_id: int, since: datetime
) -> tuple[StoreRecords, set[str]] | None:
    """The records stored or changed since a moment (an account counts when a listing of its own does),
    with every visible record that shares a non-hub identifier with them or that a new declaration names
    as its seller; and the party keys of the changed ones. None when either set holds more than
    `MAX_INCREMENT_RECORDS` records (a full run is due)."""
    principal = _principal(session, owner_org_id)
    accounts = observe_reads.changed_account_ids(session=session, principal=principal, since=since)
    shipments = targeting_reads.changed_shipment_ids(session=session, principal=principal, since=since)
    if len(accounts) + len(shipments) > MAX_INCREMENT_RECORDS:
        return None
    new_keys = {f"account:{i}" for i in accounts} | {f"shipment:{i}" for i in shipments}
    hubs = select(LinkHub.kind, LinkHub.value).where(
        LinkHub.owner_org_id == owner_org_id, LinkHub.hub.is_(True)
    )
    holders = observe_reads.records_sharing_values(
        session=session, account_ids=accounts, shipment_ids=shipments, shipment_fields=CONSIGNOR_FIELDS,
        left_out=hubs,
    )  # fmt: skip
    by_type: dict[str, set[int]] = defaultdict(set)
    for subject_type, subject_id, field in holders:
        if subject_type != "shipment" or field in CONSIGNOR_FIELDS:
            by_type[subject_type].add(subject_id)
    if sum(len(ids) for ids in by_type.values()) > MAX_INCREMENT_RECORDS:
        return None
    if by_type["listing"]:
        by_type["account"] |= observe_reads.accounts_of_listings(
            session=session, listing_ids=by_type["listing"]
        )
    sellers = targeting_reads.declared_seller_ids(session=session, shipment_ids=shipments)
    if sellers:
        by_type["account"] |= observe_reads.visible_accounts_by_handle(
            session=session, principal=principal, handles=sellers
        )
    records = read_records(
        session=session, owner_org_id=owner_org_id, account_ids=accounts | by_type["account"],
        shipment_ids=shipments | by_type["shipment"],
    )  # fmt: skip
    return records, new_keys


def registered_marks(session: Session, owner_org_id: int) -> list[str]:
    """The brands of the products the organisation may see: the marks lookalikes and domain families are
    read against."""
    return product_brands(session=session, principal=_principal(session, owner_org_id))


def link_organisation(
    *, session: Session, owner_org_id: int, actor: str, progress: Callable[[str], None] | None = None
) -> RunSummary:
    """Read, link and keep one organisation's networks (the caller commits)."""
    read_at = utcnow()
    records = read_records(session=session, owner_org_id=owner_org_id)
    return link_records(
        session=session,
        owner_org_id=owner_org_id,
        records=records,
        actor=actor,
        marks=registered_marks(session, owner_org_id),
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
    return link_increment(
        session=session, owner_org_id=owner_org_id, records=records, new_keys=new_keys, actor=actor,
        read_at=read_at, progress=progress, marks=registered_marks(session, owner_org_id),
    )  # fmt: skip
