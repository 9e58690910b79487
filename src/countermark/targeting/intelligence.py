"""Intelligence for targeting: parties tied to an infringer that a case has confirmed.

A case whose procedure ended in destruction, confiscation, forfeiture, exclusion, takedown, proceedings
or prosecution confirms that what it is about infringed. Its seller accounts, listings and shipments
carry identifiers (phones, e-mails, names, addresses, wallets…) extracted at ingest. A declaration whose
consignor or consignee shares one of those identifiers, or is the consignor or consignee of a shipment in
such a case, is flagged, with the identifier and the case in the reason. Only cases and records the
targeting organisation may see count; identifiers seen on very many records (a marketplace's domain, a
courier's address) are not threads. The linking capability will add whole networks to the same flags.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select, tuple_
from sqlalchemy.orm import Session

from countermark.cases.models import Case, CaseLink
from countermark.observe.models import Identifier, IdentifierSighting, Listing
from countermark.orgs.visibility import Principal, group_ids_of, visible
from countermark.targeting.assess import FlaggedParty
from countermark.targeting.models import Shipment

CONFIRMED_OUTCOMES = frozenset(
    {"destruction", "confiscation", "forfeiture", "exclusion", "takedown", "proceedings", "prosecution"}
)
# Kinds that name one party; a bare country or a marketplace URL is not a thread between parties.
THREAD_KINDS = frozenset(
    {
        "email",
        "phone",
        "name",
        "postal_address",
        "iban",
        "crypto_wallet",
        "messaging_handle",
        "payment_account",
    }
)
MAX_THREAD_MEMBERS = 50
MAX_CASES = 5000
# Which declaration columns (frames.declaration_row) a shipment's party fields feed.
_PARTY_COLUMNS = {
    "consignor": (("consignor", "consignor_name"), ("consignor_address", "consignor_address")),
    "consignee": (("importer", "consignee_name"), ("consignee", "consignee_address")),
}


@dataclass(frozen=True)
class _Confirmed:
    reference: str
    outcome: str


def _confirmed_subjects(session: Session, principal: Principal) -> dict[tuple[str, int], _Confirmed]:
    """The listings, accounts and shipments of confirmed cases the organisation may see."""
    cases = visible(Case, principal).where(Case.outcome.in_(CONFIRMED_OUTCOMES)).order_by(Case.id.desc())
    found: dict[tuple[str, int], _Confirmed] = {}
    rows = session.execute(
        select(CaseLink.subject_type, CaseLink.subject_id, Case.reference, Case.outcome)
        .join(Case, Case.id == CaseLink.case_id)
        .where(
            CaseLink.case_id.in_(cases.with_only_columns(Case.id).limit(MAX_CASES).scalar_subquery()),
            CaseLink.subject_type.in_(("listing", "account", "shipment")),
        )
    )
    for subject_type, subject_id, reference, outcome in rows:
        found.setdefault((subject_type, subject_id), _Confirmed(reference, str(outcome)))
    listing_ids = [subject_id for (kind, subject_id) in found if kind == "listing"]
    if listing_ids:  # a listing's seller account is the seller the case confirmed
        for listing_id, account_id in session.execute(
            select(Listing.id, Listing.account_id).where(
                Listing.id.in_(listing_ids), Listing.account_id.is_not(None)
            )
        ):
            if account_id is not None:
                found.setdefault(("account", account_id), found[("listing", listing_id)])
    return found


def _shipment_flags(shipment: Shipment, side: str, reason: str) -> list[FlaggedParty]:
    flags = []
    for column, attribute in _PARTY_COLUMNS[side]:
        value = getattr(shipment, attribute)
        if value:
            flags.append(FlaggedParty(column, value, reason))
    return flags


def confirmed_infringer_flags(*, session: Session, owner_org_id: int) -> list[FlaggedParty]:
    """Flags for the parties the organisation's confirmed cases point at, each with its reason."""
    principal = Principal(
        org_id=owner_org_id, scopes=frozenset({"read"}), group_ids=group_ids_of(session, owner_org_id)
    )
    subjects = _confirmed_subjects(session, principal)
    if not subjects:
        return []
    flags: list[FlaggedParty] = []
    shipment_ids = [subject_id for (kind, subject_id) in subjects if kind == "shipment"]
    visible_shipments = visible(Shipment, principal)
    for shipment in session.scalars(visible_shipments.where(Shipment.id.in_(shipment_ids))):
        case = subjects[("shipment", shipment.id)]
        reason = (
            f"party to shipment {shipment.external_id}, confirmed infringing in case "
            f"{case.reference} ({case.outcome})"
        )
        flags += _shipment_flags(shipment, "consignor", reason)
    # Identifiers of the confirmed records that also appear on shipment parties.
    keys = list(subjects)
    sightings = session.execute(
        select(
            IdentifierSighting.identifier_id, IdentifierSighting.subject_type, IdentifierSighting.subject_id
        )
        .join(Identifier, Identifier.id == IdentifierSighting.identifier_id)
        .where(
            tuple_(IdentifierSighting.subject_type, IdentifierSighting.subject_id).in_(keys),
            Identifier.kind.in_(THREAD_KINDS),
        )
    ).all()
    origin: dict[int, _Confirmed] = {}
    for identifier_id, subject_type, subject_id in sightings:
        origin.setdefault(identifier_id, subjects[(subject_type, subject_id)])
    if not origin:
        return flags
    common = set(
        session.scalars(
            select(IdentifierSighting.identifier_id)
            .where(IdentifierSighting.identifier_id.in_(list(origin)))
            .group_by(IdentifierSighting.identifier_id)
            .having(func.count() > MAX_THREAD_MEMBERS)
        )
    )
    party_field = or_(
        IdentifierSighting.field.like("consignor%"), IdentifierSighting.field.like("consignee%")
    )
    rows = session.execute(
        select(
            Shipment,
            IdentifierSighting.field,
            Identifier.kind,
            Identifier.value,
            IdentifierSighting.identifier_id,
        )
        .join(
            IdentifierSighting,
            and_(IdentifierSighting.subject_type == "shipment", IdentifierSighting.subject_id == Shipment.id),
        )
        .join(Identifier, Identifier.id == IdentifierSighting.identifier_id)
        .where(
            IdentifierSighting.identifier_id.in_([i for i in origin if i not in common]),
            party_field,
            Shipment.id.in_(visible_shipments.with_only_columns(Shipment.id).scalar_subquery()),
        )
    ).all()
    seen: set[tuple[str, str]] = set()
    for shipment, field, kind, value, identifier_id in rows:
        side = "consignor" if field.startswith("consignor") else "consignee"
        case = origin[identifier_id]
        reason = (
            f"{kind.replace('_', ' ')} {value} is also on a record confirmed infringing in case "
            f"{case.reference} ({case.outcome})"
        )
        for flag in _shipment_flags(shipment, side, reason):
            if (flag.field, flag.value) not in seen:
                seen.add((flag.field, flag.value))
                flags.append(flag)
    return flags
