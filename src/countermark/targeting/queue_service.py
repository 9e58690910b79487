"""What of targeting waits on a customs office: the red lane of the latest selection day not yet inspected.

Read-only counts for the analyst's work queue (`web/queue.py`). "Today" is the organisation's latest
selection day (a scoring run selects for the day it is run on; the demo's world runs on its own calendar),
and a red decision stops waiting once an inspection result is recorded for its shipment.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from countermark.orgs.visibility import Principal, visible, visible_clause
from countermark.targeting.models import InspectionResult, Shipment, TargetingDecision

RedLane = tuple[int, date | None, int | None]


def red_lane_to_inspect(*, session: Session, principal: Principal) -> RedLane:
    """(shipments in the red lane awaiting inspection, their selection day, the highest-scored shipment)."""
    own = visible(TargetingDecision, principal)
    if not principal.is_system:
        own = own.where(TargetingDecision.owner_org_id == principal.org_id)
    day = session.scalar(own.with_only_columns(func.max(TargetingDecision.selected_on)))
    if day is None:
        return 0, None, None
    inspected = exists(select(InspectionResult.id).where(
        InspectionResult.shipment_id == Shipment.id, visible_clause(InspectionResult, principal)
    ))
    query = (
        own.join(Shipment, Shipment.id == TargetingDecision.shipment_id)
        .where(TargetingDecision.selected_on == day, TargetingDecision.lane == "red", ~inspected)
        .where(visible_clause(Shipment, principal))
    )
    count = session.scalar(query.with_only_columns(func.count(func.distinct(Shipment.id))).order_by(None))
    first = session.scalar(
        query.with_only_columns(Shipment.id).order_by(TargetingDecision.score.desc(), Shipment.id).limit(1)
    )
    return int(count or 0), day, first
