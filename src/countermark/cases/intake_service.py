"""Cases opened from what was found: a detained shipment, an infringing listing, a listing that came back."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from countermark.cases.models import Case, CaseLink, Notice, NoticeStatusChange
from countermark.cases.notice_service import link_covering_rights
from countermark.cases.service import cases_linked_to, link_case, open_case, reopen
from countermark.core.errors import InvalidInput, NotFound
from countermark.observe.service import listing_facts, same_offer_listings
from countermark.orgs.service import organisation_summary
from countermark.orgs.visibility import SYSTEM, Principal, visible
from countermark.targeting.service import ShipmentFacts, shipment_facts

EU_MEMBER_STATES = frozenset(
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split()  # noqa: SIM905
)
SMALL_CONSIGNMENT_MODES = ("post", "express")


def office_country(shipment: ShipmentFacts, fallback: str) -> str:
    """The country of the customs office (its reference starts with the ISO code), else the fallback."""
    office = (shipment.office or "").strip()
    prefix = office[:2]
    if (
        len(office) >= 2
        and prefix.isalpha()
        and prefix.isupper()
        and (len(office) == 2 or not office[2].isalpha())
    ):
        return prefix
    return fallback


def is_small_consignment(shipment: ShipmentFacts) -> bool:
    """Post or express, with at most 3 units or under 2 kg gross (Regulation 608/2013, Art. 2(19))."""
    if shipment.transport_mode not in SMALL_CONSIGNMENT_MODES:
        return False
    few_units = shipment.quantity is not None and shipment.quantity <= 3
    light = shipment.gross_mass_kg is not None and shipment.gross_mass_kg < Decimal(2)
    return few_units or light


def procedure_for_shipment(shipment: ShipmentFacts, country: str) -> str:
    """The border procedure that applies to a detained shipment in the office's country."""
    if country == "US":
        return "us_detention"
    if country == "CN":
        return "cn_ex_officio"
    if country in EU_MEMBER_STATES and is_small_consignment(shipment):
        return "eu_small_consignment"
    return "eu_standard"


def _org_country(session: Session, org_id: int | None) -> str:
    org = organisation_summary(session=session, org_id=org_id)
    return org.country if org else "FR"


def open_from_shipment(
    *,
    session: Session,
    principal: Principal,
    shipment_id: int,
    at: datetime,
    actor: str,
    procedure: str | None = None,
    rights_holder_org_id: int | None = None,
    perishable: bool = False,
) -> Case:
    """Open a border case for a shipment the principal may see, under the procedure of its office."""
    shipment = shipment_facts(session=session, principal=principal, shipment_id=shipment_id)
    if shipment is None:
        raise NotFound.of("no shipment {shipment_id} that you may see", shipment_id=shipment_id)
    owner = principal.org_id or shipment.owner_org_id
    country = office_country(shipment, _org_country(session, owner))
    chosen = procedure or procedure_for_shipment(shipment, country)
    title = f"Detention of {shipment.kind} {shipment.external_id}"
    return open_case(
        session=session,
        owner_org_id=owner,
        procedure=chosen,
        title=title[:300],
        at=at,
        actor=actor,
        country=country,
        perishable=perishable,
        rights_holder_org_id=rights_holder_org_id,
        tlp=shipment.tlp,
        links=[("shipment", shipment.id)],
    )


def open_from_listing(
    *,
    session: Session,
    principal: Principal,
    listing_id: int,
    at: datetime,
    actor: str,
    procedure: str = "notice_and_takedown",
    rights_holder_org_id: int | None = None,
    platform_org_id: int | None = None,
) -> Case:
    """Open an online case for a listing the principal may see."""
    listing = listing_facts(session=session, principal=principal, ids=[listing_id]).get(listing_id)
    if listing is None:
        raise NotFound.of("no listing {listing_id} that you may see", listing_id=listing_id)
    if procedure not in ("notice_and_takedown", "test_purchase", "platform_disclosure"):
        raise InvalidInput.of(
            "a listing opens an online procedure: notice_and_takedown, test_purchase or platform_disclosure"
        )
    owner = principal.org_id or listing.owner_org_id
    links = [("listing", listing.id)] + ([("account", listing.account_id)] if listing.account_id else [])
    case = open_case(
        session=session,
        owner_org_id=owner,
        procedure=procedure,
        title=f"Listing on {listing.platform}: {listing.title}"[:300],
        at=at,
        actor=actor,
        country=_org_country(session, owner),
        rights_holder_org_id=rights_holder_org_id or owner,
        platform_org_id=platform_org_id,
        tlp=listing.tlp,
        links=links,
    )
    # The holder's rights covering the listed product, so that notices name the right from the start.
    link_covering_rights(session=session, case=case)
    return case


def relisted(
    *,
    session: Session,
    listing_id: int,
    at: datetime,
    actor: str,
    matched_case_ids: Collection[int] = (),
    principal: Principal = SYSTEM,
) -> list[Case]:
    """Reopen the closed cases of a listing that reappeared (same URL, same seller and title, or a match)."""
    listing = listing_facts(session=session, principal=principal, ids=[listing_id]).get(listing_id)
    if listing is None:
        raise NotFound.of("no listing {listing_id} that you may see", listing_id=listing_id)
    earlier_ids = same_offer_listings(session=session, listing_ids=[listing.id])
    candidates = {
        c.id: c
        for c in cases_linked_to(
            session=session, principal=principal, subject_type="listing", subject_ids=earlier_ids
        )
    }
    for case in session.scalars(visible(Case, principal).where(Case.id.in_(list(matched_case_ids)))):
        candidates[case.id] = case
    reopened = []
    for case in candidates.values():
        already = session.scalar(
            select(CaseLink.id).where(
                CaseLink.case_id == case.id,
                CaseLink.subject_type == "listing",
                CaseLink.subject_id == listing.id,
            )
        )
        if case.status != "closed" or already is not None:
            continue
        link_case(session=session, case=case, subject_type="listing", subject_id=listing.id, note="relisted")
        reopen(session=session, case=case, at=at, actor=actor, reason=f"listing {listing.id} reappeared")
        for notice in session.scalars(
            select(Notice).where(Notice.case_id == case.id, Notice.status == "actioned")
        ):
            notice.status = "relisted"
            session.add(
                NoticeStatusChange(
                    notice_id=notice.id, at=at, status="relisted", actor=actor, note=f"listing {listing.id}"
                )
            )
        reopened.append(case)
    session.flush()
    return reopened
