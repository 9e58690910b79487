"""The numbers behind the dashboards, read through the visibility rule: each function counts per day what
the principal may see, and `web/charts.py` folds the days into weeks.

- detentions: inspections recorded per day, and how many found goods to detain (a detention or seizure);
- takedowns: notices that reached 'sent', 'actioned' and 'relisted' per day (from the notice history, so a
  notice sent twice counts twice, as two requests to the platform);
- targeting hit rate: inspections of red-lane selections per day, and how many found something.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.orm import Session

from countermark.cases.models import Notice, NoticeStatusChange
from countermark.orgs.visibility import Principal, visible
from countermark.targeting.models import InspectionResult

TAKEDOWN_STATUSES = ("sent", "actioned", "relisted")


def _day(value: Any) -> date:
    """A day from the database: SQLite answers text, PostgreSQL a date or a datetime."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def inspections_per_day(session: Session, principal: Principal) -> dict[tuple[date, str], float]:
    """(day, 'inspected' | 'detained') → count of the inspections the principal may see."""
    rows = session.execute(
        visible(InspectionResult, principal)
        .with_only_columns(InspectionResult.inspected_on, InspectionResult.found, func.count())
        .group_by(InspectionResult.inspected_on, InspectionResult.found)
    )
    counts: dict[tuple[date, str], float] = {}
    for day, found, n in rows:
        key = _day(day)
        counts[(key, "inspected")] = counts.get((key, "inspected"), 0) + n
        if found:
            counts[(key, "detained")] = counts.get((key, "detained"), 0) + n
    return counts


def takedowns_per_day(session: Session, principal: Principal) -> dict[tuple[date, str], float]:
    """(day, status) → how many notices the principal may see reached that status that day."""
    day = func.date(NoticeStatusChange.at)
    rows = session.execute(
        visible(Notice, principal)
        .join(NoticeStatusChange, NoticeStatusChange.notice_id == Notice.id)
        .where(NoticeStatusChange.status.in_(TAKEDOWN_STATUSES))
        .with_only_columns(day, NoticeStatusChange.status, func.count())
        .group_by(day, NoticeStatusChange.status)
    )
    return {(_day(d), status): float(n) for d, status, n in rows if d is not None}


def red_lane_results_per_day(session: Session, principal: Principal) -> tuple[Mapping[date, int],
                                                                                Mapping[date, int]]:
    """(found per day, inspected per day) for inspections of red-lane selections the principal may see."""
    rows = session.execute(
        visible(InspectionResult, principal).where(InspectionResult.lane == "red")
        .with_only_columns(InspectionResult.inspected_on, InspectionResult.found, func.count())
        .group_by(InspectionResult.inspected_on, InspectionResult.found)
    )
    hits: dict[date, int] = {}
    trials: dict[date, int] = {}
    for day, found, n in rows:
        key = _day(day)
        trials[key] = trials.get(key, 0) + n
        if found:
            hits[key] = hits.get(key, 0) + n
    return hits, trials
