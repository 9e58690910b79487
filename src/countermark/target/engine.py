"""Targeting services: retrain, score (batch and single, model kept loaded) and select; never commit."""

from __future__ import annotations

import threading
import time
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd  # type: ignore[import-untyped]
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from countermark.core.errors import InvalidInput, NotFound
from countermark.observe.models import Identifier, IdentifierSighting
from countermark.orgs.service import record_audit
from countermark.target.assess import FlaggedParty, assess
from countermark.target.calibration import (
    DEFAULT_RED_SHARE,
    DEFAULT_YELLOW_SHARE,
    UNCALIBRATED,
    LaneCutoffs,
    cutoffs_from_shares,
)
from countermark.target.features import HistoryIndex
from countermark.target.frames import DATE, KEY, History, declaration_row, labels_for, row_columns
from countermark.target.history import Columns
from countermark.target.models import (
    InspectionResult,
    RuleProfile,
    Shipment,
    TargetingDecision,
    TargetingModelVersion,
)
from countermark.target.rules import Rule
from countermark.target.schemas import ShipmentIn
from countermark.target.scoring import TargetingModel, train
from countermark.target.selection import Capacity, select_lanes
from countermark.target.service import active_rules, load_history, shipment_key

RECENT_DAYS = 28


def retrain(
    *, session: Session, owner_org_id: int, actor: str, params: dict[str, Any] | None = None
) -> TargetingModelVersion:
    """Train a model on every recorded inspection result and make it the active one."""
    history = load_history(session=session, owner_org_id=owner_org_id)
    labels = labels_for(history.declarations, history.results)
    try:
        model = train(history, params=params)
    except ValueError as exc:
        raise InvalidInput(f"cannot train yet: {exc}") from None
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


@dataclass
class LoadedScorer:
    """A model with the history index it reads, kept in memory between calls."""

    model_id: int | None
    model: TargetingModel | None
    index: HistoryIndex
    rules: list[Rule]
    stamp: tuple[Any, ...]
    cutoffs: LaneCutoffs = UNCALIBRATED
    generation: int = 0
    checked_at: float = 0.0
    full_checked_at: float = 0.0


_CACHE: dict[tuple[str, int], LoadedScorer] = {}
_LOCK = threading.Lock()
# Writes in this process bump the generation at once; other processes' writes are seen by the database
# stamp: index look-ups at most every RECHECK_SECONDS, and the scans (a result replaced or deleted) at
# most every FULL_RECHECK_SECONDS, so that a request does not pay for them.
RECHECK_SECONDS = 2.0
FULL_RECHECK_SECONDS = 60.0
_WATCHED = (Shipment, InspectionResult, RuleProfile, TargetingModelVersion, TargetingDecision)
_generation = 0


@event.listens_for(Session, "after_flush")
def _bump_generation(session: Session, _context: Any) -> None:
    global _generation
    for changed in (session.new, session.dirty, session.deleted):
        if any(isinstance(item, _WATCHED) for item in changed):
            _generation += 1
            return


def _stamp(session: Session, owner_org_id: int) -> tuple[Any, ...]:
    """Cheap signs of change (index look-ups): model, newest result, declaration, rule, selection."""
    return (
        session.scalar(
            select(func.max(TargetingModelVersion.id)).where(
                TargetingModelVersion.owner_org_id == owner_org_id, TargetingModelVersion.active.is_(True)
            )
        ),
        session.scalar(select(func.max(InspectionResult.id))),
        session.scalar(select(func.max(Shipment.id))),
        session.scalar(
            select(func.max(RuleProfile.updated_at)).where(RuleProfile.owner_org_id == owner_org_id)
        ),
        session.scalar(select(func.count(RuleProfile.id)).where(RuleProfile.owner_org_id == owner_org_id)),
        session.scalar(select(func.max(TargetingDecision.id))),
    )


def _full_stamp(session: Session) -> tuple[Any, ...]:
    """Signs that need a table scan: a result replaced by a new version, or one deleted."""
    return (
        session.scalar(select(func.max(InspectionResult.updated_at))),
        session.scalar(select(func.count(InspectionResult.id))),
    )


def recent_lane_shares(
    *, session: Session, owner_org_id: int, days: int = RECENT_DAYS
) -> tuple[float, float] | None:
    """Shares of the declarations that went red and yellow over the last `days` days of selections."""
    last = session.scalar(
        select(func.max(TargetingDecision.selected_on))
        .join(Shipment, Shipment.id == TargetingDecision.shipment_id)
        .where(Shipment.owner_org_id == owner_org_id)
    )
    if last is None:
        return None
    counts = dict(
        session.execute(
            select(TargetingDecision.lane, func.count())
            .join(Shipment, Shipment.id == TargetingDecision.shipment_id)
            .where(
                Shipment.owner_org_id == owner_org_id,
                TargetingDecision.selected_on > last - timedelta(days=days),
            )
            .group_by(TargetingDecision.lane)
        ).all()
    )
    total = sum(counts.values())
    return (counts.get("red", 0) / total, counts.get("yellow", 0) / total) if total else None


def lane_cutoffs(*, session: Session, owner_org_id: int, model: TargetingModel | None) -> LaneCutoffs:
    """Cut-offs of a single score: the recent capacity's shares on the calibrated held-out scores."""
    if model is None or model.calibration is None:
        return UNCALIBRATED
    shares = recent_lane_shares(session=session, owner_org_id=owner_org_id)
    if shares is None:
        return cutoffs_from_shares(
            model.calibration, DEFAULT_RED_SHARE, DEFAULT_YELLOW_SHARE, "default capacity (no selection yet)"
        )
    return cutoffs_from_shares(model.calibration, *shares, f"selections of the last {RECENT_DAYS} days")


def loaded_scorer(*, session: Session, owner_org_id: int) -> LoadedScorer:
    """The organisation's scorer, loaded once and reloaded only when a model, result or rule changes."""
    now = time.monotonic()
    key = (str(session.get_bind().engine.url), owner_org_id)
    with _LOCK:
        cached = _CACHE.get(key)
        if (
            cached is not None
            and cached.generation == _generation
            and now - cached.checked_at < RECHECK_SECONDS
        ):
            return cached
    generation = _generation
    full_due = cached is None or now - cached.full_checked_at >= FULL_RECHECK_SECONDS
    slow = cached.stamp[-2:] if cached is not None and not full_due else _full_stamp(session)
    stamp = _stamp(session, owner_org_id) + slow
    if cached is not None and cached.stamp == stamp:
        cached.generation, cached.checked_at = generation, now
        cached.full_checked_at = now if full_due else cached.full_checked_at
        return cached
    if not full_due:  # a reload costs far more than the scans: take a complete stamp with it
        stamp = stamp[:-2] + _full_stamp(session)
    version = session.scalar(
        select(TargetingModelVersion)
        .where(TargetingModelVersion.owner_org_id == owner_org_id, TargetingModelVersion.active.is_(True))
        .order_by(TargetingModelVersion.id.desc())
        .limit(1)
    )
    model = None
    if version is not None:
        # The model itself is reused when only the history or the rules changed.
        model = cached.model if cached is not None and cached.model_id == version.id else None
        model = model or TargetingModel.from_json(version.document)
    history = load_history(session=session, owner_org_id=owner_org_id)
    scorer = LoadedScorer(
        model_id=version.id if version else None,
        model=model,
        index=HistoryIndex.build(history),
        rules=active_rules(session=session, owner_org_id=owner_org_id),
        stamp=stamp,
        cutoffs=lane_cutoffs(session=session, owner_org_id=owner_org_id, model=model),
        generation=generation,
        checked_at=now,
        full_checked_at=now,
    )
    with _LOCK:
        _CACHE[key] = scorer
    return scorer


def flagged_parties_from_identifiers(
    *, session: Session, identifier_ids: Collection[int], reason: str
) -> list[FlaggedParty]:
    """Consignor and consignee names and addresses, from flagged identifiers, as intelligence flags.

    The linking and detection capabilities pass the identifiers of a network or a confirmed seller;
    until they exist the set is empty and intelligence contributes nothing.
    """
    if not identifier_ids:
        return []
    rows = session.execute(
        select(Identifier.value, IdentifierSighting.field)
        .join(IdentifierSighting, IdentifierSighting.identifier_id == Identifier.id)
        .where(Identifier.id.in_(list(identifier_ids)), IdentifierSighting.subject_type == "shipment")
        .distinct()
    )
    fields = {
        "consignor_name": "consignor",
        "consignor_address": "consignor_address",
        "consignee_address": "consignee",
        "consignee_name": "importer",
    }
    return [FlaggedParty(fields[f], value, reason) for value, f in rows if f in fields]


def score_declarations(
    *,
    session: Session,
    owner_org_id: int,
    frame: pd.DataFrame | Columns,
    flagged: Collection[FlaggedParty] = (),
    explain: int = 3,
) -> pd.DataFrame:
    """Scores, contributions and reasons of canonical declarations (a frame, or numpy columns)."""
    scorer = loaded_scorer(session=session, owner_org_id=owner_org_id)
    return assess(
        frame, model=scorer.model, index=scorer.index, rules=scorer.rules, flagged=flagged, explain=explain
    )


def score_declaration(
    *, session: Session, owner_org_id: int, declaration: ShipmentIn, flagged: Collection[FlaggedParty] = ()
) -> dict[str, Any]:
    """Score one declaration, stored or not, with the loaded model: score, parts and reasons."""
    key = shipment_key(declaration.source or "api", declaration.external_id)
    columns = row_columns([declaration_row(declaration.model_dump(), key=key)])
    row = score_declarations(session=session, owner_org_id=owner_org_id, frame=columns, flagged=flagged).iloc[
        0
    ]
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
        raise NotFound(f"no declarations dated {day.isoformat()}")
    history = load_history(session=session, owner_org_id=owner_org_id)
    frame = history.declarations[history.declarations[KEY].isin(list(shipments))].reset_index(drop=True)
    scored = score_declarations(session=session, owner_org_id=owner_org_id, frame=frame, flagged=flagged)
    lanes = select_lanes(scored, capacity)
    scorer = loaded_scorer(session=session, owner_org_id=owner_org_id)
    decisions = []
    for position, row in scored.iterrows():
        shipment = shipments[row[KEY]]
        decision = session.scalar(
            select(TargetingDecision).where(
                TargetingDecision.shipment_id == shipment.id, TargetingDecision.selected_on == day
            )
        ) or TargetingDecision(shipment_id=shipment.id, selected_on=day)
        decision.model_id = scorer.model_id
        decision.score = float(row["score"])
        decision.model_score = None if pd.isna(row["model_score"]) else float(row["model_score"])
        decision.lane = str(lanes.at[position, "lane"])
        decision.exploration = bool(lanes.at[position, "exploration"])
        decision.reasons = list(row["reasons"]) + (
            [{"part": "exploration", "text": "chosen at random to check the model's blind spots"}]
            if decision.exploration
            else []
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


def history_for(*, session: Session, owner_org_id: int) -> History:
    """The organisation's declarations and results as frames (for backtests and exports)."""
    return load_history(session=session, owner_org_id=owner_org_id)
