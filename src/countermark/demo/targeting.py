"""The demo's targeting step: learn from recorded inspections, then rank and select today's declarations."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from countermark.core.context import AppContext
from countermark.core.errors import InvalidInput
from countermark.targeting.engine_service import retrain, select_for_day
from countermark.targeting.models import InspectionResult, Shipment
from countermark.targeting.selection import Capacity

RED_SHARE = 0.05
YELLOW_SHARE = 0.05


def run_targeting(ctx: AppContext, session: Session, progress: Callable[[int, int], None]) -> str:
    """Ingest the world's inspection results, retrain, and select the latest day's declarations."""
    owner = session.execute(
        select(Shipment.owner_org_id, func.count())
        .group_by(Shipment.owner_org_id)
        .order_by(func.count().desc())
    ).first()
    if owner is None:
        return "no declarations stored: nothing to target"
    org_id = int(owner[0])
    notes = []
    results = session.scalar(select(func.count()).select_from(InspectionResult)) or 0
    notes.append(f"{results} inspection results on record")
    progress(1, 3)
    try:
        version = retrain(session=session, owner_org_id=org_id, actor="demo")
        notes.append(
            f"model {version.id} trained on {version.training_rows} results ({version.positives} finds)"
        )
    except InvalidInput as exc:
        notes.append(f"no model ({exc.message}); rules and intelligence only")
    progress(2, 3)
    day = session.scalar(select(func.max(Shipment.declared_on)).where(Shipment.owner_org_id == org_id))
    assert day is not None
    count = (
        session.scalar(
            select(func.count()).where(Shipment.owner_org_id == org_id, Shipment.declared_on == day)
        )
        or 0
    )
    capacity = Capacity(red=max(1, round(count * RED_SHARE)), yellow=round(count * YELLOW_SHARE))
    decisions = select_for_day(
        ctx=ctx, session=session, owner_org_id=org_id, day=day, capacity=capacity, actor="demo"
    )
    red = sum(d.lane == "red" for d in decisions)
    yellow = sum(d.lane == "yellow" for d in decisions)
    progress(3, 3)
    return "; ".join([*notes, f"{day}: {len(decisions)} declarations, {red} red, {yellow} yellow"])
