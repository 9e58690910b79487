"""Targeting services: retrain, score (batch and single, model kept loaded) and select; never commit.

Every call names the organisation it acts for (`owner_org_id`): its own declarations, inspection results,
active model and active rules, never another's, even one shared with it (a shared rule or model can be
read, not applied). An organisation with no active model and no active rule still scores: on the
intelligence flags alone (confirmed infringers among the parties), with the fixed lane thresholds
(`calibration.UNCALIBRATED`); there is no built-in default profile.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

import pandas as pd  # type: ignore[import-untyped]
from sqlalchemy import select
from sqlalchemy.orm import Session

from countermark.core.context import AppContext
from countermark.core.errors import Code, InvalidInput, NotFound
from countermark.orgs.service import record_audit
from countermark.targeting.assess import FlaggedParty
from countermark.targeting.frames import DATE, KEY, declaration_row, labels_for, row_columns
from countermark.targeting.history import Columns
from countermark.targeting.models import (
    Shipment,
    TargetingDecision,
    TargetingModelVersion,
)
from countermark.targeting.reason_codes import said
from countermark.targeting.schemas import ShipmentIn
from countermark.targeting.scorer_service import loaded_scorer
from countermark.targeting.scoring import train
from countermark.targeting.selection import Capacity, select_lanes
from countermark.targeting.service import load_history, shipment_key


def retrain(
    *, session: Session, owner_org_id: int, actor: str, params: dict[str, Any] | None = None
) -> TargetingModelVersion:
    """Train a model on every recorded inspection result and make it the active one."""
    history = load_history(session=session, owner_org_id=owner_org_id)
    labels = labels_for(history.declarations, history.results)
    try:
        model = train(history, params=params)
    except ValueError as exc:
        raise InvalidInput.of("cannot train yet: {reason}", reason=Code(str(exc), str(exc))) from None
    for old in session.scalars(
        select(TargetingModelVersion).where(
            TargetingModelVersion.owner_org_id == owner_org_id, TargetingModelVersion.active.is_(True)
        )
    ):
        old.active = False
    version = TargetingModelVersion(
        owner_org_id=owner_org_id,
        trained_through=history.declarations[DATE].max().date(),
        training_rows=int(labels.notna().sum()),
        positives=int(labels.fillna(0).sum()),
        metrics={},
        document=model.to_json(),
        created_by=actor,
    )
    session.add(version)
    session.flush()
    record_audit(
        session=session,
        actor=actor,
        org_id=owner_org_id,
        action="retrain",
        subject_type="targeting_model",
        subject_id=str(version.id),
        detail={"rows": version.training_rows, "positives": version.positives},
    )
    return version


def score_declarations(
    *,
    ctx: AppContext,
    session: Session,
    owner_org_id: int,
    frame: pd.DataFrame | Columns,
    flagged: Collection[FlaggedParty] = (),
    explain: int = 3,
    fresh: bool = True,
) -> pd.DataFrame:
    """Scores, contributions and reasons of canonical declarations (a frame, or numpy columns).

    `fresh=False` accepts a history index a few seconds old rather than wait for a rebuild (see loaded.py).
    """
    scorer = loaded_scorer(ctx=ctx, session=session, owner_org_id=owner_org_id, fresh=fresh)
    return scorer.assess(frame, flagged=flagged, explain=explain)


def score_declaration(
    *,
    ctx: AppContext,
    session: Session,
    owner_org_id: int,
    declaration: ShipmentIn,
    flagged: Collection[FlaggedParty] = (),
) -> dict[str, Any]:
    """Score one declaration, stored or not, with the loaded model: score, parts and reasons."""
    key = shipment_key(declaration.source or "api", declaration.external_id)
    columns = row_columns([declaration_row(declaration.model_dump(), key=key)])
    scored = score_declarations(
        ctx=ctx, session=session, owner_org_id=owner_org_id, frame=columns, flagged=flagged
    )
    row = scored.iloc[0]
    return {
        "shipment": key,
        "score": float(row["score"]),
        "model_score": None if pd.isna(row["model_score"]) else float(row["model_score"]),
        "rule_score": float(row["rule_score"]),
        "intel_score": float(row["intel_score"]),
        "reasons": row["reasons"],
    }


def select_for_day(
    *,
    ctx: AppContext,
    session: Session,
    owner_org_id: int,
    day: date,
    capacity: Capacity,
    flagged: Collection[FlaggedParty] = (),
    actor: str = "system",
) -> list[TargetingDecision]:
    """Score the day's declarations, choose lanes within capacity and record each decision with reasons."""
    shipments = {
        shipment_key(s.source, s.external_id): s
        for s in session.scalars(
            select(Shipment).where(Shipment.owner_org_id == owner_org_id, Shipment.declared_on == day)
        )
    }
    if not shipments:
        raise NotFound.of("no declarations dated {day}", day=day.isoformat())
    history = load_history(session=session, owner_org_id=owner_org_id)
    frame = history.declarations[history.declarations[KEY].isin(list(shipments))].reset_index(drop=True)
    scorer = loaded_scorer(ctx=ctx, session=session, owner_org_id=owner_org_id)
    scored = scorer.assess(frame, flagged=flagged)
    lanes = select_lanes(scored, capacity)
    decisions = []
    for position, row in scored.iterrows():
        shipment = shipments[row[KEY]]
        decision = session.scalar(
            select(TargetingDecision).where(
                TargetingDecision.shipment_id == shipment.id, TargetingDecision.selected_on == day
            )
        ) or TargetingDecision(shipment_id=shipment.id, selected_on=day, owner_org_id=owner_org_id)
        decision.model_id = scorer.model_id
        decision.score = float(row["score"])
        decision.model_score = None if pd.isna(row["model_score"]) else float(row["model_score"])
        decision.lane = str(lanes.at[position, "lane"])
        decision.exploration = bool(lanes.at[position, "exploration"])
        decision.reasons = list(row["reasons"]) + (
            [{"part": "exploration", **said("targeting.exploration")}] if decision.exploration else []
        )
        session.add(decision)
        decisions.append(decision)
    session.flush()
    record_audit(
        session=session,
        actor=actor,
        org_id=owner_org_id,
        action="select",
        subject_type="targeting_day",
        subject_id=day.isoformat(),
        detail={"declarations": len(decisions), "red": capacity.red, "yellow": capacity.yellow},
    )
    return sorted(decisions, key=lambda d: -d.score)
