"""Intelligence for targeting: parties tied to an infringer that a case has confirmed.

A case whose procedure ended in destruction, confiscation, forfeiture, exclusion, takedown, proceedings
or prosecution confirms that what it is about infringed (which outcomes confirm is the cases capability's
call: targeting reads them through `outcomes.CaseOutcomes`). Its seller accounts, listings and shipments
carry identifiers (phones, e-mails, names, addresses, wallets…) extracted at ingest. A declaration whose
consignor or consignee shares one of those identifiers, or is the consignor or consignee of a shipment in
such a case, is flagged, with the identifier and the case in the reason. Only cases and records the
targeting organisation may see count; identifiers seen on very many records (a marketplace's domain, a
courier's address) are not threads. With the linking capability's networks stored, the records of a
confirmed record's network count as well (`outcomes.ConfirmedSubject.network`), and the flag says so.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from countermark.observe.identifier_service import (
    identifiers_seen_more_than,
    sightings_of_identifiers,
    sightings_on_records,
)
from countermark.observe.service import listing_facts
from countermark.orgs.service import group_ids_of
from countermark.orgs.visibility import SYSTEM, Principal, visible
from countermark.targeting.assess import FlaggedParty
from countermark.targeting.models import Shipment
from countermark.targeting.outcomes import CaseOutcomes, ConfirmedSubject
from countermark.targeting.reason_codes import Reason, said

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
SUBJECT_TYPES = ("listing", "account", "shipment")
# Which declaration columns (frames.declaration_row) a shipment's party fields feed.
_PARTY_COLUMNS = {
    "consignor": (("consignor", "consignor_name"), ("consignor_address", "consignor_address")),
    "consignee": (("importer", "consignee_name"), ("consignee", "consignee_address")),
}


def _confirmed_subjects(
    session: Session, principal: Principal, outcomes: CaseOutcomes
) -> dict[tuple[str, int], ConfirmedSubject]:
    """The listings, accounts and shipments of confirmed cases the organisation may see (newest case wins)."""
    found: dict[tuple[str, int], ConfirmedSubject] = {}
    for subject in outcomes.confirmed_subjects(
        session=session, principal=principal, subject_types=SUBJECT_TYPES, max_cases=MAX_CASES
    ):
        found.setdefault((subject.subject_type, subject.subject_id), subject)
    listing_ids = [subject_id for (kind, subject_id) in found if kind == "listing"]
    # A listing's seller account is the seller the case confirmed (visible to the case's reader or not).
    for listing in listing_facts(session=session, principal=SYSTEM, ids=listing_ids).values():
        if listing.account_id is not None:
            found.setdefault(("account", listing.account_id), found[("listing", listing.id)])
    return found


def _shipment_flags(shipment: Shipment, side: str, reason: Reason) -> list[FlaggedParty]:
    flags = []
    params = tuple(reason["params"].items())
    for column, attribute in _PARTY_COLUMNS[side]:
        value = getattr(shipment, attribute)
        if value:
            flags.append(FlaggedParty(column, value, reason["text"], code=reason["code"], params=params))
    return flags


def confirmed_infringer_flags(
    *, session: Session, owner_org_id: int, outcomes: CaseOutcomes
) -> list[FlaggedParty]:
    """Flags for the parties the organisation's confirmed cases point at, each with its reason."""
    principal = Principal(
        org_id=owner_org_id, scopes=frozenset({"read"}), group_ids=group_ids_of(session, owner_org_id)
    )
    subjects = _confirmed_subjects(session, principal, outcomes)
    if not subjects:
        return []
    flags: list[FlaggedParty] = []
    seen: set[tuple[str, str]] = set()

    def add(found: list[FlaggedParty]) -> None:
        for flag in found:
            if (flag.field, flag.value) not in seen:
                seen.add((flag.field, flag.value))
                flags.append(flag)

    shipment_ids = [subject_id for (kind, subject_id) in subjects if kind == "shipment"]
    visible_shipments = visible(Shipment, principal)
    in_cases = {s.id: s for s in session.scalars(visible_shipments.where(Shipment.id.in_(shipment_ids)))}
    for shipment in in_cases.values():  # the parties of a confirmed case's own shipments
        if subjects[("shipment", shipment.id)].network is None:
            add(_shipment_flags(shipment, "consignor", _party_reason(shipment, subjects)))
    # Identifiers of the confirmed records (a case's own before a network's) on shipment parties.
    origin: dict[int, ConfirmedSubject] = {}
    for sighting in sightings_on_records(session=session, subjects=list(subjects), kinds=THREAD_KINDS):
        subject = subjects[(sighting.subject_type, sighting.subject_id)]
        kept = origin.get(sighting.identifier_id)
        if kept is None or (kept.network is not None and subject.network is None):
            origin[sighting.identifier_id] = subject
    common = identifiers_seen_more_than(session=session, identifier_ids=origin, times=MAX_THREAD_MEMBERS)
    threads = sightings_of_identifiers(
        session=session,
        identifier_ids=[i for i in origin if i not in common],
        subject_type="shipment",
        field_prefixes=("consignor", "consignee"),
    ) if origin else []  # fmt: skip
    parties = {
        shipment.id: shipment
        for shipment in session.scalars(
            visible_shipments.where(Shipment.id.in_({sighting.subject_id for sighting in threads}))
        )
    }
    for sighting in threads:
        shipment = parties.get(sighting.subject_id)
        case = origin[sighting.identifier_id]
        if shipment is None or (case.subject_type, case.subject_id) == ("shipment", shipment.id):
            continue  # not ours to see, or the shipment's own party: not a thread
        side = "consignor" if sighting.field.startswith("consignor") else "consignee"
        params: dict[str, Any] = {"kind": {"term": sighting.kind}, "value": sighting.value}
        params |= {"network": case.network} if case.network else {}
        params |= {"case": case.reference, "outcome": {"term": case.outcome}}
        code = "targeting.identifier_in_network" if case.network else "targeting.identifier_confirmed"
        reason = said(code, **params)
        add(_shipment_flags(shipment, side, reason))
    for shipment in in_cases.values():  # a network's shipments no thread named: by their network
        if subjects[("shipment", shipment.id)].network is not None:
            add(_shipment_flags(shipment, "consignor", _party_reason(shipment, subjects)))
    return flags


def _party_reason(shipment: Shipment, subjects: dict[tuple[str, int], ConfirmedSubject]) -> Reason:
    case = subjects[("shipment", shipment.id)]
    params: dict[str, Any] = {"shipment": shipment.external_id}
    params |= {"network": case.network} if case.network else {}
    params |= {"case": case.reference, "outcome": {"term": case.outcome}}
    return said("targeting.party_in_network" if case.network else "targeting.party_confirmed", **params)
