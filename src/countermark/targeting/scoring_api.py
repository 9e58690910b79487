"""REST routes of targeting: score declarations, choose the day's lanes, manage rules, record inspections."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Annotated

import numpy as np
from fastapi import APIRouter, Body, Depends, Query, Request
from pydantic import Field
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from countermark.core.clock import utcnow
from countermark.core.context import AppContext
from countermark.core.errors import InvalidInput, NotFound
from countermark.core.http.deps import DbSession, app_context, client_origin
from countermark.core.http.params import RecordId
from countermark.orgs.deps import require_scope
from countermark.orgs.service import record_audit
from countermark.orgs.visibility import Principal, visible, visible_clause
from countermark.targeting.calibration import LaneCutoffs, cutoffs_from_hit_rates, cutoffs_from_shares
from countermark.targeting.engine_service import select_for_day
from countermark.targeting.frames import declaration_row, row_columns
from countermark.targeting.models import InspectionResult, RuleProfile, Shipment, TargetingDecision
from countermark.targeting.registry_api import router as registry_router
from countermark.targeting.registry_service import org_of
from countermark.targeting.schemas import (
    DecisionOut,
    InspectionEntry,
    InspectionOut,
    LanePolicyIn,
    RuleIn,
    RuleOut,
    ScoreOut,
    SelectIn,
)
from countermark.targeting.scorer_service import loaded_scorer
from countermark.targeting.scoring import TargetingModel
from countermark.targeting.selection import Capacity
from countermark.targeting.service import save_rule, shipment_key

MAX_BATCH = 5000
MAX_ID = 2_147_483_647
LANE_ORDER = {"red": 0, "yellow": 1, "green": 2}
WEB_SOURCE = "countermark-web"
_FIELDS = tuple(c.name for c in Shipment.__table__.columns if c.name not in ("id", "source"))

ShipmentId = Annotated[int, Field(ge=1, le=MAX_ID)]


class InspectionCreate(InspectionEntry):
    """An inspection result of one shipment."""

    shipment_id: ShipmentId


def visible_shipments(session: Session, principal: Principal, ids: Sequence[int]) -> list[Shipment]:
    """The shipments of these ids, all of which the principal must see (else one 404 for the unseen)."""
    wanted = list(dict.fromkeys(ids))
    found = {s.id: s for s in session.scalars(visible(Shipment, principal).where(Shipment.id.in_(wanted)))}
    missing = [i for i in wanted if i not in found]
    if missing:
        shown = ", ".join(str(i) for i in missing[:20]) + (" …" if len(missing) > 20 else "")
        raise NotFound.of("no shipment(s) {shown} that you may see", shown=shown)
    return [found[i] for i in wanted]


def policy_cutoffs(
    default: LaneCutoffs, model: TargetingModel | None, policy: LanePolicyIn | None
) -> LaneCutoffs:
    """The request's lane policy if it gives one, else the organisation's (recent capacity)."""
    if policy is None:
        return default
    if policy.red_rate is not None and policy.yellow_rate is not None:
        return cutoffs_from_hit_rates(policy.red_rate, policy.yellow_rate)
    if policy.red_share is None and policy.yellow_share is None:
        return default
    if model is None or model.calibration is None:
        raise InvalidInput.of("lane shares need a calibrated model: retrain once results of both kinds exist")
    return cutoffs_from_shares(
        model.calibration, policy.red_share or 0.0, policy.yellow_share or 0.0, "requested shares"
    )


def score_shipments(
    ctx: AppContext,
    session: Session,
    principal: Principal,
    shipments: Sequence[Shipment],
    policy: LanePolicyIn | None = None,
) -> list[ScoreOut]:
    """Score stored shipments with the principal's organisation's model, rules and intelligence."""
    if not shipments:
        return []
    org_id = org_of(principal)
    rows = [
        declaration_row({n: getattr(s, n) for n in _FIELDS}, key=shipment_key(s.source, s.external_id))
        for s in shipments
    ]
    # Ad hoc scores do not wait for the history index to be rebuilt after each new result or declaration.
    scorer = loaded_scorer(ctx=ctx, session=session, owner_org_id=org_id, fresh=False)
    scored = scorer.assess(row_columns(rows))
    cutoffs = policy_cutoffs(scorer.cutoffs, scorer.model, policy)
    out = []
    parts = {name: scored[name].to_numpy() for name in ("score", "rule_lane", "model_score", "rule_score")}
    intel, reasons = scored["intel_score"].to_numpy(), scored["reasons"].to_numpy()
    for position, shipment in enumerate(shipments):
        score = float(parts["score"][position])
        model_score = parts["model_score"][position]
        out.append(
            ScoreOut(
                shipment_id=shipment.id,
                shipment=shipment_key(shipment.source, shipment.external_id),
                score=score,
                lane=cutoffs.lane(score, parts["rule_lane"][position]),
                model_score=None if np.isnan(model_score) else float(model_score),
                rule_score=float(parts["rule_score"][position]),
                intel_score=float(intel[position]),
                reasons=json.loads(json.dumps(list(reasons[position]), default=str)),
                lane_basis=cutoffs.basis,
            )
        )
    return out


def latest_selection_day(session: Session, principal: Principal) -> date | None:
    """The most recent day of the decisions the principal may see (on shipments it may see)."""
    query = (
        visible(Shipment, principal)
        .join(TargetingDecision, TargetingDecision.shipment_id == Shipment.id)
        .where(visible_clause(TargetingDecision, principal))
    )
    day: date | None = session.scalar(query.with_only_columns(func.max(TargetingDecision.selected_on)))
    return day


def decisions_of_day(session: Session, principal: Principal, day: date) -> list[DecisionOut]:
    """The day's visible decisions on visible shipments: red, yellow, green, then highest score first."""
    lane_rank = case(LANE_ORDER, value=TargetingDecision.lane, else_=3)
    query = (
        visible(Shipment, principal)
        .join(TargetingDecision, TargetingDecision.shipment_id == Shipment.id)
        .add_columns(TargetingDecision)
        .where(TargetingDecision.selected_on == day, visible_clause(TargetingDecision, principal))
        .order_by(lane_rank, TargetingDecision.score.desc(), Shipment.id)
    )
    return [
        DecisionOut(
            shipment_id=shipment.id,
            shipment=shipment_key(shipment.source, shipment.external_id),
            selected_on=decision.selected_on,
            lane=decision.lane,
            score=decision.score,
            model_score=decision.model_score,
            exploration=decision.exploration,
            reasons=list(decision.reasons or []),
        )
        for shipment, decision in session.execute(query)
    ]


def rules_of(session: Session, principal: Principal) -> list[RuleProfile]:
    """The organisation's own rule profiles by name (those that score its declarations)."""
    return list(
        session.scalars(
            select(RuleProfile)
            .where(RuleProfile.owner_org_id == org_of(principal))
            .order_by(RuleProfile.name)
        )
    )


def record_inspection(
    session: Session, principal: Principal, shipment: Shipment, entry: InspectionEntry, origin: str | None
) -> InspectionResult:
    """Store one inspection result of a visible shipment for the principal's organisation, audited."""
    payload = entry.model_dump(mode="json")
    inspected_on = entry.inspected_on or utcnow().date()
    if inspected_on > utcnow().date() + timedelta(days=1):
        raise InvalidInput.of("an inspection cannot be dated in the future")
    result = InspectionResult(
        source=WEB_SOURCE,
        external_id=uuid.uuid4().hex,
        content_hash=hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest(),
        owner_org_id=org_of(principal),
        shipment_id=shipment.id,
        inspected_on=inspected_on,
        lane=entry.lane,
        found=entry.found,
        severity=entry.severity,
        finding=entry.finding or None,
        officer=entry.officer or None,
        notes=entry.notes or None,
    )
    session.add(result)
    session.flush()
    record_audit(
        session=session,
        actor=principal.email,
        org_id=principal.org_id,
        action="record_inspection",
        subject_type="inspection_result",
        subject_id=str(result.id),
        origin=origin,
        detail={"shipment_id": shipment.id, "found": entry.found, "severity": entry.severity},
    )
    return result


router = APIRouter(prefix="/api/v1/targeting", tags=["targeting"])
reader = Depends(require_scope("read"))
writer = Depends(require_scope("write"))


@router.post("/score/{shipment_id}", summary="Score one declaration")
def score_one(
    shipment_id: RecordId,
    request: Request,
    session: DbSession,
    policy: Annotated[LanePolicyIn, Query()],
    principal: Principal = reader,
) -> ScoreOut:
    """Score, suggested lane, model/rules/intelligence contributions and reasons of one visible shipment.

    The lane's cut-offs follow the organisation's recent capacity on calibrated scores, or the
    `red_share`/`yellow_share` or `red_rate`/`yellow_rate` given.
    """
    shipments = visible_shipments(session, principal, [shipment_id])
    return score_shipments(app_context(request), session, principal, shipments, policy)[0]


@router.post("/score", summary="Score a batch of declarations")
def score_batch(
    request: Request,
    session: DbSession,
    ids: Annotated[list[ShipmentId], Body(min_length=1, max_length=MAX_BATCH)],
    policy: Annotated[LanePolicyIn, Query()],
    principal: Principal = reader,
) -> list[ScoreOut]:
    """Scores of up to 5000 visible shipments, in the order given (duplicates once)."""
    shipments = visible_shipments(session, principal, ids)
    return score_shipments(app_context(request), session, principal, shipments, policy)


@router.get("/selection", summary="The day's targeting decisions")
def selection(
    session: DbSession, day: date | None = None, principal: Principal = reader
) -> list[DecisionOut]:
    """Decisions of the day (default: the latest selection day) on shipments the principal may see."""
    chosen = day or latest_selection_day(session, principal)
    return [] if chosen is None else decisions_of_day(session, principal, chosen)


@router.post("/select", summary="Choose the day's lanes within capacity")
def select_day(
    body: SelectIn, request: Request, session: DbSession, principal: Principal = writer
) -> list[DecisionOut]:
    """Score the organisation's declarations of the day and choose red, yellow and green lanes."""
    capacity = Capacity(
        red=body.red,
        yellow=body.yellow,
        exploration_share=body.exploration_share,
        exploration=body.exploration,
    )
    select_for_day(
        ctx=app_context(request),
        session=session,
        owner_org_id=org_of(principal),
        day=body.day,
        capacity=capacity,
        actor=principal.email,
    )
    return decisions_of_day(session, principal, body.day)


@router.get("/rules", summary="The organisation's rule profiles")
def list_rules(session: DbSession, principal: Principal = reader) -> list[RuleOut]:
    """Every rule profile of the principal's organisation."""
    return [RuleOut.model_validate(rule) for rule in rules_of(session, principal)]


@router.post("/rules", summary="Create or replace a rule profile", status_code=201)
def put_rule(body: RuleIn, session: DbSession, principal: Principal = writer) -> RuleOut:
    """Check the rule's expression (unsafe or malformed → 422 with the reason) and store it."""
    profile = save_rule(session=session, owner_org_id=org_of(principal), rule=body, actor=principal.email)
    return RuleOut.model_validate(profile)


@router.post("/inspections", summary="Record an inspection result", status_code=201)
def post_inspection(
    body: InspectionCreate, request: Request, session: DbSession, principal: Principal = writer
) -> InspectionOut:
    """Record what the examination of a visible shipment found."""
    shipment = visible_shipments(session, principal, [body.shipment_id])[0]
    entry = InspectionEntry.model_validate(body.model_dump(exclude={"shipment_id"}))
    result = record_inspection(session, principal, shipment, entry, client_origin(request))
    return InspectionOut.model_validate(result)


# The registry's list, detail, export and ownership-checked write routes, under the same prefix.
router.include_router(registry_router)
