"""The organisation's scorer kept loaded between calls: model, rules, cut-offs, intelligence, history index.

Scorers live on the application context (`ctx.cached`), one per organisation, for as long as the context.
Two parts change at different costs. The model, the rules, the cut-offs and the intelligence flags
(intelligence.py) reload in milliseconds and are always current. The history index (every party's past
results and activity) takes seconds to rebuild on a national store, so a caller that can accept a few
seconds of staleness (`fresh=False`, the single-score API) keeps the index it has and gets a new one
built in the background; batch scoring and the day's selection (`fresh=True`, the default) always wait
for a current index.

Every call compares stamps read from the store, whichever process wrote: index look-ups (the newest
model, rule, selection, result, declaration, case change and sighting) in a few round trips, and scans
(a result or declaration replaced by a new version, a result deleted) on every `fresh=True` call but at
most every FULL_RECHECK_SECONDS for `fresh=False` ones, so that an ad hoc score does not pay for them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Collection, Hashable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

import pandas as pd  # type: ignore[import-untyped]
from sqlalchemy import BindParameter, Select, bindparam, func, select
from sqlalchemy.orm import Session

from countermark.core.context import AppContext
from countermark.observe.identifier_service import latest_sighting_id
from countermark.targeting.assess import FlaggedParty, assess
from countermark.targeting.calibration import (
    DEFAULT_RED_SHARE,
    DEFAULT_YELLOW_SHARE,
    UNCALIBRATED,
    LaneCutoffs,
    cutoffs_from_shares,
)
from countermark.targeting.features import HistoryIndex
from countermark.targeting.history import Columns
from countermark.targeting.intelligence_service import confirmed_infringer_flags
from countermark.targeting.models import (
    InspectionResult,
    RuleProfile,
    Shipment,
    TargetingDecision,
    TargetingModelVersion,
)
from countermark.targeting.outcomes import CaseOutcomes, case_outcomes
from countermark.targeting.rules import Rule
from countermark.targeting.scoring import TargetingModel
from countermark.targeting.service import active_rules, load_history

log = logging.getLogger(__name__)

RECENT_DAYS = 28
FULL_RECHECK_SECONDS = 60.0
CACHE_NAME = "targeting.scorers"
Stamp = tuple[Hashable, ...]


@dataclass
class LoadedScorer:
    """A model with the history index it reads, kept in memory between calls."""

    model_id: int | None
    model: TargetingModel | None
    index: HistoryIndex
    rules: list[Rule]
    model_stamp: Stamp
    history_stamp: Stamp  # the stamp the index was built at: index look-ups, then scans
    cutoffs: LaneCutoffs = UNCALIBRATED
    full_checked_at: float = 0.0
    flags: tuple[FlaggedParty, ...] = ()

    def assess(
        self, frame: pd.DataFrame | Columns, *, flagged: Collection[FlaggedParty] = (), explain: int = 3
    ) -> pd.DataFrame:
        """Scores, contributions and reasons of canonical declarations with this model, rules and flags."""
        return assess(
            frame,
            model=self.model,
            index=self.index,
            rules=self.rules,
            flagged=(*flagged, *self.flags),
            explain=explain,
        )


@dataclass
class _Scorers:
    """The loaded scorers of one store by organisation, and the organisations whose index is rebuilding."""

    by_org: dict[int, LoadedScorer] = field(default_factory=dict)
    refreshing: set[int] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


def _in_one_trip(*queries: Select[Any]) -> Select[Any]:
    """One statement reading the single values of these queries (built once: a call only executes it)."""
    return select(*(query.scalar_subquery() for query in queries))


_ORG: BindParameter[int] = bindparam("owner_org_id")
_LOOKUPS = _in_one_trip(
    # The model, the rules and the recent selections (the model stamp)…
    select(func.max(TargetingModelVersion.id)).where(
        TargetingModelVersion.owner_org_id == _ORG, TargetingModelVersion.active.is_(True)
    ),
    select(func.max(RuleProfile.updated_at)).where(RuleProfile.owner_org_id == _ORG),
    select(func.count(RuleProfile.id)).where(RuleProfile.owner_org_id == _ORG),
    select(func.max(TargetingDecision.id)).where(TargetingDecision.owner_org_id == _ORG),
    # …then the newest result and declaration (the history's index look-ups).
    select(func.max(InspectionResult.id)),
    select(func.max(Shipment.id)),
)
_HISTORY_LOOKUPS = 2
# Signs that need table scans: a result or declaration replaced by a new version, or a result deleted.
_SCANS = _in_one_trip(
    select(func.max(InspectionResult.updated_at)),
    select(func.count(InspectionResult.id)),
    select(func.max(Shipment.updated_at)),
)


def _stamps(session: Session, owner_org_id: int, outcomes: CaseOutcomes) -> tuple[Stamp, Stamp]:
    """Cheap signs (index look-ups) that the model, the rules, the recent selections or the intelligence
    changed, and signs of new history: (model stamp, the history's look-ups)."""
    row = tuple(session.execute(_LOOKUPS, {"owner_org_id": owner_org_id}).one())
    own, history = row[:-_HISTORY_LOOKUPS], row[-_HISTORY_LOOKUPS:]
    # Intelligence: a case decided (or linked) and identifiers newly seen.
    return (*own, *outcomes.stamp(session=session), latest_sighting_id(session=session)), history


def _full_stamp(session: Session) -> Stamp:
    """The scans' signs (see _SCANS)."""
    return tuple(session.execute(_SCANS).one())


def recent_lane_shares(
    *, session: Session, owner_org_id: int, days: int = RECENT_DAYS
) -> tuple[float, float] | None:
    """Shares of the declarations that went red and yellow over the last `days` days of selections."""
    last = session.scalar(
        select(func.max(TargetingDecision.selected_on)).where(TargetingDecision.owner_org_id == owner_org_id)
    )
    if last is None:
        return None
    counts = dict(
        session.execute(
            select(TargetingDecision.lane, func.count())
            .where(
                TargetingDecision.owner_org_id == owner_org_id,
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
    session: Session, owner_org_id: int, cached: LoadedScorer | None, outcomes: CaseOutcomes
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
    flags = tuple(confirmed_infringer_flags(session=session, owner_org_id=owner_org_id, outcomes=outcomes))
    return (version.id if version else None), model, rules, cutoffs, flags


def _build(
    session: Session,
    owner_org_id: int,
    outcomes: CaseOutcomes,
    cached: LoadedScorer | None,
    stamps: tuple[Stamp, Stamp],
) -> LoadedScorer:
    """A scorer with every part loaded and a history index built now."""
    model_id, model, rules, cutoffs, flags = _load_parts(session, owner_org_id, cached, outcomes)
    return LoadedScorer(
        model_id=model_id,
        model=model,
        index=HistoryIndex.build(load_history(session=session, owner_org_id=owner_org_id)),
        rules=rules,
        model_stamp=stamps[0],
        history_stamp=stamps[1],
        cutoffs=cutoffs,
        full_checked_at=time.monotonic(),
        flags=flags,
    )


def load_scorer(*, session: Session, owner_org_id: int, outcomes: CaseOutcomes) -> LoadedScorer:
    """The organisation's scorer built now and kept nowhere (one-off runs without a context: evaluation)."""
    model_stamp, quick = _stamps(session, owner_org_id, outcomes)
    return _build(session, owner_org_id, outcomes, None, (model_stamp, quick + _full_stamp(session)))


def _refresh_in_background(ctx: AppContext, scorers: _Scorers, owner_org_id: int) -> None:
    """Rebuild the organisation's scorer in a thread of its own (one at a time per organisation)."""

    def run() -> None:
        try:
            with ctx.sessions() as session:
                loaded_scorer(ctx=ctx, session=session, owner_org_id=owner_org_id, fresh=True)
        except Exception:  # the next request tries again; the old index keeps serving meanwhile
            log.exception("background reload of the targeting history failed")
        finally:
            with scorers.lock:
                scorers.refreshing.discard(owner_org_id)

    with scorers.lock:
        if owner_org_id in scorers.refreshing:
            return
        scorers.refreshing.add(owner_org_id)
    threading.Thread(target=run, name=f"targeting-reload-{owner_org_id}", daemon=True).start()


def loaded_scorer(
    *, ctx: AppContext, session: Session, owner_org_id: int, fresh: bool = True
) -> LoadedScorer:
    """The organisation's scorer, reloaded only when a model, rule, selection, result, declaration, case
    or sighting changed (the case outcomes come from the context: see outcomes.py).

    With `fresh=False` a changed history does not make the caller wait: the index in memory serves
    (it lacks at most the last seconds' results) while a new one is built in the background.
    Only the organisation's own active model and rules load; with neither it scores on the intelligence
    flags alone, with the fixed thresholds (see engine_service).
    """
    scorers = ctx.cached(CACHE_NAME, _Scorers)
    outcomes = case_outcomes(ctx)
    now = time.monotonic()
    with scorers.lock:
        cached = scorers.by_org.get(owner_org_id)
    full_due = fresh or cached is None or now - cached.full_checked_at >= FULL_RECHECK_SECONDS
    model_stamp, quick = _stamps(session, owner_org_id, outcomes)
    slow = _full_stamp(session) if full_due or cached is None else cached.history_stamp[len(quick) :]
    history_stamp = quick + slow
    if cached is not None and cached.model_stamp == model_stamp:
        if cached.history_stamp == history_stamp:
            cached.full_checked_at = now if full_due else cached.full_checked_at
            return cached
        if not fresh:  # only the history changed: the index in memory serves while a new one is built
            _refresh_in_background(ctx, scorers, owner_org_id)
            return cached
    if cached is not None and (cached.history_stamp == history_stamp or not fresh):
        # Keep the index: it is current, or the caller accepts it while a new one is built.
        model_id, model, rules, cutoffs, flags = _load_parts(session, owner_org_id, cached, outcomes)
        scorer = replace(
            cached,
            model_id=model_id,
            model=model,
            rules=rules,
            cutoffs=cutoffs,
            flags=flags,
            model_stamp=model_stamp,
            full_checked_at=now if full_due else cached.full_checked_at,
        )
        if cached.history_stamp != history_stamp:
            _refresh_in_background(ctx, scorers, owner_org_id)
    else:  # no scorer yet, or a batch caller and a changed history (its scans are taken: fresh=True)
        scorer = _build(session, owner_org_id, outcomes, cached, (model_stamp, history_stamp))
    with scorers.lock:
        current = scorers.by_org.get(owner_org_id)
        kept_index = cached is not None and scorer.index is cached.index
        if current is not None and current is not cached and kept_index:
            return current  # a newer index landed (the background rebuild) while the parts reloaded
        scorers.by_org[owner_org_id] = scorer
    return scorer
