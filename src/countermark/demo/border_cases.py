"""The demo's case step: open border cases for suspect small consignments, then apply lapsed deadlines."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from countermark.cases.intake_service import open_from_listing, open_from_shipment
from countermark.cases.models import CaseLink, Notice
from countermark.cases.notice_service import facts_for_case, generate_notice, link_covering_rights
from countermark.cases.service import tick
from countermark.core.context import AppContext
from countermark.core.errors import CountermarkError
from countermark.observe.models import Identifier, IdentifierSighting, Listing
from countermark.observe.namenorm import normalise_name
from countermark.orgs.service import organisation_summary
from countermark.orgs.visibility import SYSTEM
from countermark.rights.models import Right
from countermark.targeting.models import Shipment, TargetingDecision

CASES_TO_OPEN = 5


def red_lane_consignments(session: Session, limit: int = CASES_TO_OPEN) -> list[Shipment]:
    """Postal and express consignments the targeting put in the red lane on its latest day, best first."""
    latest = session.scalar(select(func.max(TargetingDecision.selected_on)))
    if latest is None:
        return []
    query = (
        select(Shipment)
        .join(TargetingDecision, TargetingDecision.shipment_id == Shipment.id)
        .where(TargetingDecision.selected_on == latest, TargetingDecision.lane == "red",
               Shipment.transport_mode.in_(("post", "express")))
        .order_by(TargetingDecision.score.desc(), Shipment.id)
        .limit(limit)
    )  # fmt: skip
    return list(session.scalars(query))


def suspect_consignments(session: Session, limit: int = CASES_TO_OPEN) -> list[Shipment]:
    """The red lane of the latest targeting day, else recent small consignments from sellers' names."""
    selected = red_lane_consignments(session, limit)
    if selected:
        return selected
    seller_names = set(
        session.scalars(
            select(Identifier.value)
            .join(IdentifierSighting, IdentifierSighting.identifier_id == Identifier.id)
            .where(Identifier.kind == "name", IdentifierSighting.subject_type == "listing")
            .distinct()
        )
    )
    found: list[Shipment] = []
    query = (
        select(Shipment)
        .where(Shipment.transport_mode.in_(("post", "express")), Shipment.consignor_name.is_not(None))
        .order_by(Shipment.declared_on.desc(), Shipment.id.desc())
    )
    for shipment in session.scalars(query.execution_options(yield_per=500)):
        if normalise_name(shipment.consignor_name or "") in seller_names:
            found.append(shipment)
            if len(found) == limit:
                break
    return found


def listing_naming_a_mark(session: Session) -> tuple[Listing, Right] | None:
    """The first listing whose title names a registered mark's brand as a word, with that right."""
    for right in session.scalars(
        select(Right).where(Right.brand.is_not(None), Right.kind == "trademark").order_by(Right.id).limit(50)
    ):
        brand = (right.brand or "").strip()
        if len(brand) < 3:
            continue
        pattern = re.compile(rf"(?<!\w){re.escape(brand)}(?!\w)", re.IGNORECASE)
        candidates = select(Listing).where(Listing.title.ilike(f"%{brand}%")).order_by(Listing.id).limit(200)
        for listing in session.scalars(candidates):
            if pattern.search(listing.title):
                return listing, right
    return None


def run_listing_case(session: Session) -> str:
    """Open a takedown case for a listing naming a holder's mark, link the holder's rights, and draft a
    DSA notice and a Lumen export from it (once: a case that already has its Lumen export is left)."""
    found = listing_naming_a_mark(session)
    if found is None:
        return "no listing names a registered mark: no listing case"
    listing, right = found
    linked = session.scalars(
        select(CaseLink.case_id).where(CaseLink.subject_type == "listing", CaseLink.subject_id == listing.id)
    ).all()
    if linked and session.scalar(select(Notice.id).where(Notice.case_id.in_(linked), Notice.kind == "lumen")):
        return f"listing {listing.id} already has its case and notices"
    at = listing.observed_at + timedelta(hours=1)
    case = open_from_listing(
        session=session,
        principal=SYSTEM,
        listing_id=listing.id,
        at=at,
        actor="demo",
        rights_holder_org_id=right.owner_org_id,
    )
    rights = link_covering_rights(session=session, case=case)
    holder = organisation_summary(session=session, org_id=right.owner_org_id)
    name = holder.name if holder else right.holder_name
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "holder"
    facts = facts_for_case(
        session=session,
        principal=SYSTEM,
        case=case,
        notifier_name=name,
        notifier_email=f"legal@{slug}.example",  # the synthetic holder's address: a reserved domain
        good_faith=True,
    )
    for kind in ("dsa", "lumen"):
        generate_notice(session=session, case=case, kind=kind, facts=facts, actor="demo", org_id=None, at=at)
    return (
        f"listing case {case.reference}: {len(rights)} right(s) linked, DSA notice and Lumen export drafted"
    )


def run_cases(ctx: AppContext, session: Session, progress: Callable[[int, int], None]) -> str:
    """Open detention cases for suspect consignments (once) and run the scheduler at the world's today."""
    today = session.scalar(select(func.max(Shipment.declared_on)))
    if today is None:
        return "no shipments stored: no cases"
    shipments = suspect_consignments(session)
    opened = 0
    for done, shipment in enumerate(shipments, start=1):
        linked = session.scalar(
            select(CaseLink.id).where(CaseLink.subject_type == "shipment", CaseLink.subject_id == shipment.id)
        )
        if linked is None:
            at = datetime.combine(shipment.declared_on, time(10), tzinfo=UTC)
            open_from_shipment(
                session=session, principal=SYSTEM, shipment_id=shipment.id, at=at, actor="demo"
            )
            opened += 1
        progress(done, len(shipments) + 1)
    try:
        with session.begin_nested():  # a refused notice is reported, and the border cases stay
            online = run_listing_case(session)
    except CountermarkError as exc:
        online = f"listing case not drafted: {exc.message}"
    report = tick(session=session, now=datetime.combine(today, time(18), tzinfo=UTC), actor="demo")
    progress(len(shipments) + 1, len(shipments) + 1)
    return (
        f"{opened} cases opened for {len(shipments)} suspect small consignments (the targeting's red lane, "
        f"else consignors named by online sellers); tick at {today}: {len(report.lapsed)} lapsed, "
        f"{len(report.overdue)} overdue; {online}"
    )
