"""What the linker reads of observe's tables: the accounts and listings an organisation may see, the
identifiers seen on any record, and the records that share an identifier with given ones.

The linker (`link.store_reads`) composes these with targeting's consignments, rights' authorised sellers
and fingerprint's photo hashes; each capability reads its own tables. Id sets are passed as SELECTs where
they can be large (a whole store's listings), so the databases join them without a round trip.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from countermark.observe.models import Account, Identifier, IdentifierSighting, Listing, ListingImage
from countermark.orgs.visibility import Principal, visible_clause

Value = tuple[str, str]  # (identifier kind, normalised value)


@dataclass(frozen=True, slots=True)
class AccountRead:
    """An account as the linker reads it."""

    id: int
    platform: str
    handle: str
    display_name: str
    country: str
    bio: str
    profile_url: str
    seen_at: datetime


@dataclass(frozen=True, slots=True)
class ListingRead:
    """A listing as the linker reads it."""

    id: int
    account_id: int | None
    platform: str
    url: str
    title: str
    observed_at: datetime


def _accounts_clause(principal: Principal, account_ids: Collection[int] | None) -> ColumnElement[bool]:
    seen = visible_clause(Account, principal)
    return seen if account_ids is None else and_(seen, Account.id.in_(sorted(account_ids)))


def _listings_clause(principal: Principal, account_ids: Collection[int] | None) -> ColumnElement[bool]:
    seen = visible_clause(Listing, principal)
    return seen if account_ids is None else and_(seen, Listing.account_id.in_(sorted(account_ids)))


def accounts_for_linking(
    *, session: Session, principal: Principal, account_ids: Collection[int] | None = None
) -> list[AccountRead]:
    """The accounts the principal may see (only these ids, when given), in id order."""
    rows = session.scalars(
        select(Account).where(_accounts_clause(principal, account_ids)).order_by(Account.id)
    )
    return [
        AccountRead(
            id=a.id, platform=a.platform, handle=a.handle, display_name=a.display_name or "",
            country=a.country or "", bio=a.bio or "", profile_url=a.profile_url or "",
            seen_at=a.joined_at or a.created_at,
        )
        for a in rows
    ]  # fmt: skip


def account_ids_query(*, principal: Principal, account_ids: Collection[int] | None = None) -> Select[Any]:
    """A SELECT of the ids of those accounts."""
    return select(Account.id).where(_accounts_clause(principal, account_ids))


def listings_for_linking(
    *, session: Session, principal: Principal, account_ids: Collection[int] | None = None
) -> list[ListingRead]:
    """The listings the principal may see (of these accounts only, when given), in id order."""
    rows = session.execute(
        select(
            Listing.id, Listing.account_id, Listing.platform, Listing.url, Listing.title, Listing.observed_at
        )
        .where(_listings_clause(principal, account_ids))
        .order_by(Listing.id)
    )
    return [ListingRead(*row) for row in rows]


def posted_listing_ids_query(
    *, principal: Principal, account_ids: Collection[int] | None = None
) -> Select[Any]:
    """A SELECT of the ids of those listings that have a seller account."""
    return select(Listing.id).where(_listings_clause(principal, account_ids), Listing.account_id.isnot(None))


def listing_photos_query(listing_ids: Select[Any]) -> Select[Any, Any]:
    """A SELECT of (listing id, photo blob SHA-256) of the listings these ids select."""
    return select(ListingImage.listing_id, ListingImage.blob_sha256).where(
        ListingImage.listing_id.in_(listing_ids)
    )


def identifier_values(
    *, session: Session, subject_type: str, ids: Select[Any], fields: tuple[str, ...] = ()
) -> dict[int, set[Value]]:
    """(kind, value) of the identifiers seen on the records of one type these ids select (in these
    fields only, when given)."""
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


def changed_account_ids(*, session: Session, principal: Principal, since: datetime) -> set[int]:
    """The visible accounts stored or changed since the moment, and those a listing of which was."""

    def changed(model: Any) -> Any:
        return and_(visible_clause(model, principal), or_(model.created_at > since, model.updated_at > since))

    found = set(session.scalars(select(Account.id).where(changed(Account))))
    found |= set(
        session.scalars(select(Listing.account_id).where(changed(Listing), Listing.account_id.isnot(None)))
    )
    return found


def records_sharing_values(
    *,
    session: Session,
    account_ids: Collection[int],
    shipment_ids: Collection[int],
    shipment_fields: tuple[str, ...],
    left_out: Select[Any, Any] | None = None,
) -> list[tuple[str, int, str]]:
    """(subject type, id, field) of every sighting of an identifier seen on these accounts, their listings
    or these shipments (in `shipment_fields`), except the identifiers `left_out` selects as (kind, value)
    rows (hubs)."""
    listings = select(Listing.id).where(Listing.account_id.in_(sorted(account_ids)))
    sighting = IdentifierSighting
    shown = (
        select(sighting.identifier_id)
        .where(
            or_(
                and_(sighting.subject_type == "account", sighting.subject_id.in_(sorted(account_ids))),
                and_(sighting.subject_type == "listing", sighting.subject_id.in_(listings)),
                and_(
                    sighting.subject_type == "shipment", sighting.subject_id.in_(sorted(shipment_ids)),
                    sighting.field.in_(shipment_fields),
                ),
            )
        )
        .distinct()
    )  # fmt: skip
    if left_out is not None:
        hubs = left_out.subquery()
        kind, value = hubs.c  # the SELECT's two columns, whatever their names
        hub_ids = select(Identifier.id).join(hubs, and_(Identifier.kind == kind, Identifier.value == value))
        shown = shown.where(sighting.identifier_id.not_in(hub_ids))
    rows = session.execute(
        select(sighting.subject_type, sighting.subject_id, sighting.field).where(
            sighting.identifier_id.in_(shown)
        )
    )
    return [(subject_type, subject_id, field) for subject_type, subject_id, field in rows]


def accounts_of_listings(*, session: Session, listing_ids: Collection[int]) -> set[int]:
    """The seller accounts of these listings."""
    owners = select(Listing.account_id).where(Listing.id.in_(sorted(listing_ids)))
    return {i for i in session.scalars(owners) if i is not None}


def visible_accounts_by_handle(
    *, session: Session, principal: Principal, handles: Collection[str]
) -> set[int]:
    """The visible accounts whose handle is one of these (compared lower-cased)."""
    named = select(Account.id).where(
        visible_clause(Account, principal), func.lower(Account.handle).in_(sorted(handles))
    )
    return set(session.scalars(named))


def account_owners(*, session: Session) -> set[int]:
    """The organisations that own accounts (a system read)."""
    return set(session.scalars(select(Account.owner_org_id).distinct()))
