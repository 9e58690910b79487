"""Linking over the store: read an organisation's accounts, listings and consignments (with the
identifiers ingestion extracted), link them, keep the networks; and the demo's step that does it.

The reading lives on the top floor because it joins other capabilities' tables (observe's accounts,
listings and identifiers, targeting's shipments, rights' authorised sellers); `link.service` stores the
result. `countermark link run` calls `link_organisation` too.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime
from datetime import time as day_time
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from countermark.core.context import AppContext
from countermark.link.evidence import Value
from countermark.link.service import RunSummary, link_records
from countermark.link.store import StoredAccount, StoredListing, StoredShipment, StoreRecords
from countermark.observe.models import Account, Identifier, IdentifierSighting, Listing
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


def read_records(*, session: Session, owner_org_id: int) -> StoreRecords:
    """The accounts, listings and consignments the organisation may see (its own, and what others share
    with it by marking), with their identifiers: the police's GREEN accounts meet the customs' own
    consignments here, and the networks, owned by the organisation, name only records it may see."""
    principal = Principal(org_id=owner_org_id, group_ids=group_ids_of(session, owner_org_id))
    authorised = _authorised(session, principal)
    rows = session.scalars(visible(Account, principal).order_by(Account.id)).all()
    account_values = _values(session, "account", select(Account.id).where(visible_clause(Account, principal)))
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
        .where(visible_clause(Listing, principal))
        .order_by(Listing.id)
    ).all()
    listing_values = _values(
        session,
        "listing",
        select(Listing.id).where(visible_clause(Listing, principal), Listing.account_id.isnot(None)),
    )
    listings = [
        StoredListing(id=i, account_id=acc, platform=p, url=u, title=t, observed_at=o,
                      values=frozenset(listing_values.get(i, ())))
        for i, acc, p, u, t, o in listing_rows
    ]  # fmt: skip
    shipment_rows = session.execute(
        select(
            Shipment.id, Shipment.consignor_name, Shipment.consignor_address, Shipment.consignor_country,
            Shipment.declared_on, Shipment.attributes,
        ).where(visible_clause(Shipment, principal)).order_by(Shipment.id)
    ).all()  # fmt: skip
    shipment_values = _values(
        session,
        "shipment",
        select(Shipment.id).where(visible_clause(Shipment, principal)),
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
    return StoreRecords(accounts, listings, shipments)


def organisations_with_records(session: Session) -> list[int]:
    """The organisations that own accounts or consignments to link."""
    owners = set(session.scalars(select(Account.owner_org_id).distinct()))
    owners |= set(session.scalars(select(Shipment.owner_org_id).distinct()))
    return sorted(owners)


def link_organisation(
    *, session: Session, owner_org_id: int, actor: str, progress: Callable[[str], None] | None = None
) -> RunSummary:
    """Read, link and keep one organisation's networks (the caller commits)."""
    records = read_records(session=session, owner_org_id=owner_org_id)
    marks = sorted({b for b in session.scalars(select(Product.brand).distinct()) if b})
    return link_records(
        session=session,
        owner_org_id=owner_org_id,
        records=records,
        actor=actor,
        marks=marks,
        progress=progress,
    )


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
