"""The numbers behind the dashboards, read through the visibility rule: each function counts per day what
the principal may see, and `web/charts.py` folds the days into weeks.

- detentions: inspections recorded per day, and how many found goods to detain (a detention or seizure);
- takedowns: notices that reached 'sent', 'actioned' and 'relisted' per day (from the notice history, so a
  notice sent twice counts twice, as two requests to the platform);
- targeting hit rate: inspections of red-lane selections per day, and how many found something;
- detentions by origin, route, transport mode or HS heading: inspections that found goods, over the weeks
  the weekly charts show, counted per value of their shipment (the shipment must be visible too);
- removals: notices the platform actioned (the first 'actioned' of their history) or whose latest re-crawl
  by the monitor confirmed the listing gone (read through `monitor.notice_check_service`), and the days
  from the detection of their listing (its detection alert, else its first observation) to the removal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func
from sqlalchemy.orm import Session

from countermark.cases.models import CaseLink, Notice, NoticeStatusChange
from countermark.detect.models import DetectionAlert
from countermark.monitor.notice_check_service import CONFIRMED_REMOVED, notice_check_results
from countermark.observe.models import Listing
from countermark.orgs.visibility import Principal, visible, visible_clause
from countermark.targeting.models import InspectionResult, Shipment
from countermark.web.charts import MAX_WEEKS, week_of

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


def red_lane_results_per_day(
    session: Session, principal: Principal
) -> tuple[Mapping[date, int], Mapping[date, int]]:
    """(found per day, inspected per day) for inspections of red-lane selections the principal may see."""
    rows = session.execute(
        visible(InspectionResult, principal)
        .where(InspectionResult.lane == "red")
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


# What a detention is counted by: the shipment's columns (a route is its origin and destination countries;
# a product its HS heading, the code's first four digits, as shipments name no catalogue product).
DETENTION_DIMENSIONS: dict[str, tuple[Any, ...]] = {
    "origin": (Shipment.origin_country,),
    "route": (Shipment.origin_country, Shipment.consignee_country),
    "mode": (Shipment.transport_mode,),
    "product": (func.substr(Shipment.hs_code, 1, 4),),
}
CHUNK = 500  # ids per IN (...) list, well under SQLite's limit on bound parameters


def route_code(origin: str | None, destination: str | None) -> str | None:
    """'CN>FR' for a route, '?' for the unknown end; None when neither end is known."""
    if not origin and not destination:
        return None
    return f"{origin or '?'}>{destination or '?'}"


def detentions_by(
    session: Session, principal: Principal, dimension: str, weeks: int = MAX_WEEKS
) -> dict[str | None, float]:
    """Value of the dimension → detentions (inspections that found goods) the principal may see, with their
    shipment, over the `weeks` weeks up to the latest visible inspection's (those of the weekly chart)."""
    columns = DETENTION_DIMENSIONS[dimension]
    latest = session.scalar(
        visible(InspectionResult, principal).with_only_columns(func.max(InspectionResult.inspected_on))
    )
    if latest is None:
        return {}
    since = week_of(_day(latest)) - timedelta(weeks=weeks - 1)
    rows = session.execute(
        visible(InspectionResult, principal)
        .join(Shipment, Shipment.id == InspectionResult.shipment_id)
        .where(
            visible_clause(Shipment, principal),
            InspectionResult.found,
            InspectionResult.inspected_on >= since,
        )
        .with_only_columns(*columns, func.count())
        .group_by(*columns)
    )
    counts: dict[str | None, float] = {}
    for row in rows:
        *values, n = row
        key = route_code(*values) if dimension == "route" else values[0]
        counts[key] = counts.get(key, 0) + n
    return counts


def _moment(value: Any) -> datetime:
    """A timestamp in UTC (aware) from the database or a service's plain values."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


@dataclass(frozen=True)
class Removal:
    """A notice whose listing came down: when, and whether the monitor's latest re-crawl confirmed it."""

    notice_id: int
    removed_at: datetime
    confirmed: bool


def removals(session: Session, principal: Principal) -> list[Removal]:
    """The notices the principal may see that were actioned or confirmed removed, each with its removal time:
    its first 'actioned' (the monitor sets it when its re-crawl finds a sent notice's listing gone), else
    the time of the re-crawl that confirmed the removal. Read once per session (a page's request): the
    takedowns chart and the removal-time chart both need them."""
    key = ("charts_service.removals", principal)
    if key not in session.info:
        session.info[key] = _removals(session, principal)
    return list(session.info[key])


def _removals(session: Session, principal: Principal) -> list[Removal]:
    actioned = {
        notice_id: _moment(at)
        for notice_id, at in session.execute(
            visible(Notice, principal)
            .join(NoticeStatusChange, NoticeStatusChange.notice_id == Notice.id)
            .where(NoticeStatusChange.status == "actioned")
            .with_only_columns(Notice.id, func.min(NoticeStatusChange.at))
            .group_by(Notice.id)
        )
    }
    checked = session.scalars(
        visible(Notice, principal)
        .where(Notice.status != "draft", Notice.target_url.is_not(None))
        .with_only_columns(Notice.id)
    ).all()
    confirmed: dict[int, datetime] = {}
    for start in range(0, len(checked), CHUNK):
        results = notice_check_results(session=session, notice_ids=list(checked[start : start + CHUNK]))
        confirmed.update(
            {
                notice_id: _moment(result["checked_at"])
                for notice_id, result in results.items()
                if result["outcome"] == CONFIRMED_REMOVED
            }
        )
    return [
        Removal(notice_id, actioned.get(notice_id) or confirmed[notice_id], notice_id in confirmed)
        for notice_id in sorted(set(actioned) | set(confirmed))
    ]


def detection_times(session: Session, principal: Principal, notice_ids: Sequence[int]) -> dict[int, datetime]:
    """Notice → when its listing was detected: the listing's detection alert, else its first observation
    (the earlier of when it was stored and observed). The listing is the one of the notice's case at the
    notice's URL (any listing of the case when none is); only listings the principal may see count."""
    found: dict[int, list[tuple[bool, datetime]]] = {}
    for start in range(0, len(notice_ids), CHUNK):
        rows = session.execute(
            visible(Notice, principal)
            .where(Notice.id.in_(list(notice_ids[start : start + CHUNK])))
            .join(CaseLink, and_(CaseLink.case_id == Notice.case_id, CaseLink.subject_type == "listing"))
            .join(Listing, Listing.id == CaseLink.subject_id)
            .outerjoin(DetectionAlert, DetectionAlert.listing_id == Listing.id)
            .where(visible_clause(Listing, principal))
            .with_only_columns(
                Notice.id,
                Notice.target_url,
                Listing.url,
                Listing.created_at,
                Listing.observed_at,
                DetectionAlert.created_at,
            )
        )
        for notice_id, target_url, url, stored, observed, alerted in rows:
            detected = _moment(alerted) if alerted is not None else min(_moment(stored), _moment(observed))
            found.setdefault(notice_id, []).append((url == target_url, detected))
    times = {}
    for notice_id, candidates in found.items():
        at_url = [at for same, at in candidates if same]
        times[notice_id] = min(at_url or [at for _, at in candidates])
    return times


def removal_days(session: Session, principal: Principal) -> dict[date, list[float]]:
    """Day of removal → days from detection to removal of each notice removed that day (a notice whose
    listing the principal cannot see, or detected after its removal, is left out)."""
    done = removals(session, principal)
    detected = detection_times(session, principal, [r.notice_id for r in done])
    samples: dict[date, list[float]] = {}
    for removal in done:
        start = detected.get(removal.notice_id)
        if start is None or start > removal.removed_at:
            continue
        days = (removal.removed_at - start).total_seconds() / 86400
        samples.setdefault(removal.removed_at.date(), []).append(days)
    return samples
