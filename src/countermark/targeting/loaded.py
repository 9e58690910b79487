"""The organisation's scorer kept loaded between calls: model, rules, cut-offs, intelligence, history index.

Two parts change at different costs. The model, the rules, the cut-offs and the intelligence flags
(intelligence.py) reload in milliseconds and are always current. The history index (every party's past
results and activity) takes seconds to rebuild on a national store, so a caller that can accept a few
seconds of staleness (`fresh=False`, the single-score API) keeps the index it has and gets a new one
built in the background; batch scoring and the day's selection (`fresh=True`, the default) always wait
for a current index.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from countermark.cases.models import Case, CaseLink
from countermark.observe.models import IdentifierSighting
from countermark.targeting.assess import FlaggedParty
from countermark.targeting.calibration import (
    DEFAULT_RED_SHARE,
    DEFAULT_YELLOW_SHARE,
    UNCALIBRATED,
    LaneCutoffs,
    cutoffs_from_shares,
)
from countermark.targeting.features import HistoryIndex
from countermark.targeting.intelligence import confirmed_infringer_flags
from countermark.targeting.models import (
    InspectionResult,
    RuleProfile,
    Shipment,
    TargetingDecision,
    TargetingModelVersion,
)
from countermark.targeting.rules import Rule
from countermark.targeting.scoring import TargetingModel
from countermark.targeting.service import active_rules, load_history

log = logging.getLogger(__name__)

RECENT_DAYS = 28
# Writes in this process bump the generation at once; other processes' writes are seen by the database
# stamps: index look-ups at most every RECHECK_SECONDS, and the scans (a result replaced or deleted) at
# most every FULL_RECHECK_SECONDS, so that a request does not pay for them.
RECHECK_SECONDS = 2.0
FULL_RECHECK_SECONDS = 60.0
_WATCHED = (Shipment, InspectionResult, RuleProfile, TargetingModelVersion, TargetingDecision, Case, CaseLink)


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
    history_stamp: tuple[Any, ...] = ()
    flags: tuple[FlaggedParty, ...] = ()


_CACHE: dict[tuple[str, int], LoadedScorer] = {}
_REFRESHING: set[tuple[str, int]] = set()
_LOCK = threading.Lock()
_generation = 0


@event.listens_for(Session, "after_flush")
def _bump_generation(session: Session, _context: Any) -> None:
    global _generation
    for changed in (session.new, session.dirty, session.deleted):
        if any(isinstance(item, _WATCHED) for item in changed):
            _generation += 1
            return


def _model_stamp(session: Session, owner_org_id: int) -> tuple[Any, ...]:
    """Cheap signs that the model, the rules, the recent selections or the intelligence changed."""
    return (
        session.scalar(
            select(func.max(TargetingModelVersion.id)).where(
                TargetingModelVersion.owner_org_id == owner_org_id, TargetingModelVersion.active.is_(True)
            )
        ),
        session.scalar(
            select(func.max(RuleProfile.updated_at)).where(RuleProfile.owner_org_id == owner_org_id)
        ),
        session.scalar(select(func.count(RuleProfile.id)).where(RuleProfile.owner_org_id == owner_org_id)),
        session.scalar(select(func.max(TargetingDecision.id))),
        # Intelligence: a case decided (or linked) and identifiers newly seen.
        session.scalar(select(func.max(Case.updated_at))),
        session.scalar(select(func.max(CaseLink.id))),
        session.scalar(select(func.max(IdentifierSighting.id))),
    )


def _history_stamp(session: Session) -> tuple[Any, ...]:
    """Cheap signs of new history: the newest result and declaration."""
    return (
        session.scalar(select(func.max(InspectionResult.id))),
        session.scalar(select(func.max(Shipment.id))),
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


def _load_parts(
    session: Session, owner_org_id: int, cached: LoadedScorer | None
) -> tuple[int | None, TargetingModel | None, list[Rule], LaneCutoffs, tuple[FlaggedParty, ...]]:
    """The active model (reused when unchanged), the rules, the cut-offs and the intelligence flags."""
    version = session.scalar(
        select(TargetingModelVersion)
        .where(TargetingModelVersion.owner_org_id == owner_org_id, TargetingModelVersion.active.is_(True))
        .order_by(TargetingModelVersion.id.desc())
        .limit(1)
    )
    model = None
    if version is not None:
        model = cached.model if cached is not None and cached.model_id == version.id else None
        model = model or TargetingModel.from_json(version.document)
    rules = active_rules(session=session, owner_org_id=owner_org_id)
    cutoffs = lane_cutoffs(session=session, owner_org_id=owner_org_id, model=model)
    flags = tuple(confirmed_infringer_flags(session=session, owner_org_id=owner_org_id))
    return (version.id if version else None), model, rules, cutoffs, flags


def _refresh_in_background(engine: Engine, key: tuple[str, int], owner_org_id: int) -> None:
    """Rebuild the organisation's scorer in a thread of its own (one at a time per organisation)."""

    def run() -> None:
        try:
            with Session(engine) as session:
                loaded_scorer(session=session, owner_org_id=owner_org_id, fresh=True)
        except Exception:  # the next request tries again; the old index keeps serving meanwhile
            log.exception("background reload of the targeting history failed")
        finally:
            with _LOCK:
                _REFRESHING.discard(key)

    with _LOCK:
        if key in _REFRESHING:
            return
        _REFRESHING.add(key)
    threading.Thread(target=run, name=f"targeting-reload-{owner_org_id}", daemon=True).start()


def loaded_scorer(*, session: Session, owner_org_id: int, fresh: bool = True) -> LoadedScorer:
    """The organisation's scorer, reloaded only when a model, rule, selection, result or declaration changed.

    With `fresh=False` a changed history does not make the caller wait: the index in memory serves
    (it lacks at most the last seconds' results) while a new one is built in the background.
    """
    now = time.monotonic()
    engine = session.get_bind().engine
    key = (str(engine.url), owner_org_id)
    with _LOCK:
        cached = _CACHE.get(key)
    if cached is not None and cached.generation == _generation and now - cached.checked_at < RECHECK_SECONDS:
        return cached
    generation = _generation
    full_due = cached is None or now - cached.full_checked_at >= FULL_RECHECK_SECONDS
    slow = cached.history_stamp[-2:] if cached is not None and not full_due else _full_stamp(session)
    history_stamp = _history_stamp(session) + slow
    model_stamp = _model_stamp(session, owner_org_id)
    stamp = model_stamp + history_stamp
    if cached is not None and cached.stamp == stamp:
        cached.generation, cached.checked_at = generation, now
        cached.full_checked_at = now if full_due else cached.full_checked_at
        return cached
    model_id, model, rules, cutoffs, flags = _load_parts(session, owner_org_id, cached)
    if cached is not None and (cached.history_stamp == history_stamp or not fresh):
        # Keep the index: it is current, or the caller accepts it while a new one is built.
        scorer = replace(
            cached,
            model_id=model_id,
            model=model,
            rules=rules,
            cutoffs=cutoffs,
            flags=flags,
            stamp=model_stamp + cached.history_stamp,
            generation=generation,
            checked_at=now,
        )
        if cached.history_stamp != history_stamp:
            _refresh_in_background(engine, key, owner_org_id)
    else:
        if not full_due:  # a rebuild costs far more than the scans: take a complete stamp with it
            history_stamp = history_stamp[:-2] + _full_stamp(session)
        scorer = LoadedScorer(
            model_id=model_id,
            model=model,
            index=HistoryIndex.build(load_history(session=session, owner_org_id=owner_org_id)),
            rules=rules,
            stamp=model_stamp + history_stamp,
            cutoffs=cutoffs,
            generation=generation,
            checked_at=now,
            full_checked_at=now,
            history_stamp=history_stamp,
            flags=flags,
        )
    with _LOCK:
        current = _CACHE.get(key)
        if (
            current is not None
            and cached is not None
            and current is not cached
            and scorer.index is cached.index
        ):
            return current  # a newer index landed (the background rebuild) while the parts reloaded
        _CACHE[key] = scorer
    return scorer
