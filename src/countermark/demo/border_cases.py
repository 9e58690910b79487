"""The demo's case step: open border cases for suspect small consignments, then apply lapsed deadlines."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from countermark.cases.intake_service import open_from_shipment
from countermark.cases.models import CaseLink
from countermark.cases.service import tick
from countermark.core.context import AppContext
from countermark.observe.models import Identifier, IdentifierSighting
from countermark.observe.namenorm import normalise_name
from countermark.orgs.visibility import SYSTEM
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
    report = tick(session=session, now=datetime.combine(today, time(18), tzinfo=UTC), actor="demo")
    progress(len(shipments) + 1, len(shipments) + 1)
    return (
        f"{opened} cases opened for {len(shipments)} suspect small consignments (the targeting's red lane, "
        f"else consignors named by online sellers); tick at {today}: {len(report.lapsed)} lapsed, "
        f"{len(report.overdue)} overdue"
    )
