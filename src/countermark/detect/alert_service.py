"""The alert queue: an organisation's alerts on its own listings, filtered and ordered (by score, or
uncertain first for review), and verdicts: a confirmed alert opens a listing case or joins the open one.

An alert is its owner's work: scored against what that organisation may see of the registry (its marks,
products and prices, its authorised sellers) and of the seller's other listings, confirmed or dismissed by
its analysts, joined to its cases. Another organisation that may see the listing does not see the alert:
its reasons would name products, prices and counts of listings that organisation may not see, and its
verdicts and case are the owner's. It can score the listing against its own view (`POST
/api/v1/detect/score`).

Services never commit (the caller owns the transaction); keyword-only, verb-first.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Select, func, literal, select
from sqlalchemy.orm import Session

from countermark.cases.evidence_service import add_evidence
from countermark.cases.intake_service import open_from_listing
from countermark.cases.service import cases_linked_to, record_note_event
from countermark.core.blobs import BlobStore
from countermark.core.errors import Code, Forbidden, InvalidInput, NotFound
from countermark.detect.models import VERDICTS, DetectionAlert, DetectionVerdict, ListingScore
from countermark.detect.reasons import render
from countermark.detect.stored_service import seller_key
from countermark.observe.listing_reads import visible_listing_ids
from countermark.orgs.service import record_audit
from countermark.orgs.visibility import Principal, owns

Order = Literal["score", "uncertainty"]
ORDERS = ("score", "uncertainty")
STATUSES = ("new", "confirmed", "dismissed", "cleared", "all")
MAX_REASON = 1000
# The alert page's words for its filters, so that a refused filter is named as the reader sees it.
FILTER_LABELS = {
    "brand": "Brand",
    "platform": "Platform",
    "country": "Ships from",
    "language": "Language",
    "signal": "Signal",
}


@dataclass(frozen=True)
class AlertFilters:
    """What the queue shows: a status, optional brand, platform, country, language and signal, an order."""

    status: str = "new"
    brand: str | None = None
    platform: str | None = None
    country: str | None = None
    language: str | None = None
    signal: str | None = None
    order: str = "score"

    def check(self) -> AlertFilters:
        """The filters, or InvalidInput naming what is wrong."""
        if self.status not in STATUSES:
            raise InvalidInput.of("status must be one of {statuses}", statuses=", ".join(STATUSES))
        if self.order not in ORDERS:
            raise InvalidInput.of("order must be one of {orders}", orders=", ".join(ORDERS))
        for name in ("brand", "platform", "country", "language", "signal"):
            value = getattr(self, name)
            if value is not None and len(value) > 200:
                raise InvalidInput.of(
                    "{name} is too long (200 characters at most)", name=Code(name, FILTER_LABELS[name])
                )
        return self


def _visible(principal: Principal) -> Select[DetectionAlert, ListingScore]:
    """The principal's own alerts on listings it may see (every alert for the system)."""
    query = (
        select(DetectionAlert, ListingScore)
        .join(ListingScore, ListingScore.listing_id == DetectionAlert.listing_id)
        .where(DetectionAlert.listing_id.in_(visible_listing_ids(principal)))
    )
    if principal.is_system:
        return query
    return query.where(DetectionAlert.owner_org_id == principal.org_id)


def list_alerts(
    *, session: Session, principal: Principal, filters: AlertFilters, limit: int = 50, offset: int = 0
) -> list[tuple[DetectionAlert, ListingScore]]:
    """The visible alerts matching the filters: highest score first, or closest to the threshold first."""
    filters.check()
    query = _visible(principal)
    if filters.status != "all":
        query = query.where(DetectionAlert.status == filters.status)
    for column, value in (
        (ListingScore.brand, filters.brand),
        (ListingScore.platform, filters.platform),
        (ListingScore.country, filters.country),
        (ListingScore.language, filters.language),
    ):
        if value:
            query = query.where(column == value)
    if filters.signal:
        spaced = literal(" ") + ListingScore.signal_names + literal(" ")
        query = query.where(spaced.contains(f" {filters.signal} ", autoescape=True))
    if filters.order == "uncertainty":
        query = query.order_by(func.abs(ListingScore.score - ListingScore.threshold), DetectionAlert.id)
    else:
        query = query.order_by(ListingScore.score.desc(), DetectionAlert.id)
    return [(a, s) for a, s in session.execute(query.limit(limit).offset(offset))]


def facets(*, session: Session, principal: Principal) -> dict[str, list[str]]:
    """The brands, platforms, countries, languages and signals of the visible alerts (for the filters)."""
    query = _visible(principal).with_only_columns(
        ListingScore.brand, ListingScore.platform, ListingScore.country, ListingScore.language,
        ListingScore.signal_names,
    ).limit(5000)  # fmt: skip
    found: dict[str, set[str]] = {k: set() for k in ("brand", "platform", "country", "language", "signal")}
    for brand, platform, country, language, names in session.execute(query):
        for key, value in (
            ("brand", brand),
            ("platform", platform),
            ("country", country),
            ("language", language),
        ):
            if value:
                found[key].add(value)
        found["signal"].update(n for n in (names or "").split() if n)
    return {k: sorted(v) for k, v in found.items()}


def get_alert(
    *, session: Session, principal: Principal, alert_id: int
) -> tuple[DetectionAlert, ListingScore]:
    """One alert the principal may see (404 alike for absent and not visible)."""
    row = session.execute(_visible(principal).where(DetectionAlert.id == alert_id)).first()
    if row is None:
        raise NotFound.of("no alert {alert_id} that you may see", alert_id=alert_id)
    return row


def neighbours(
    *, session: Session, principal: Principal, filters: AlertFilters, alert_id: int
) -> tuple[int | None, int | None]:
    """The previous and next alert of the queue around this one (within its first 500)."""
    ids = [a.id for a, _ in list_alerts(session=session, principal=principal, filters=filters, limit=500)]
    if alert_id not in ids:
        return None, ids[0] if ids else None
    at = ids.index(alert_id)
    return (ids[at - 1] if at else None), (ids[at + 1] if at + 1 < len(ids) else None)


def verdicts_of(*, session: Session, alert_id: int) -> list[DetectionVerdict]:
    """The verdicts given on an alert, latest first (callers checked the alert is visible)."""
    return list(
        session.scalars(
            select(DetectionVerdict)
            .where(DetectionVerdict.alert_id == alert_id)
            .order_by(DetectionVerdict.id.desc())
        )
    )


def alert_json(alert: DetectionAlert, score: ListingScore, language: str = "en") -> dict[str, Any]:
    """An alert with its listing's score, reasons (codes and sentences) and signals."""
    return {
        "id": alert.id,
        "listing_id": alert.listing_id,
        "status": alert.status,
        "case_id": alert.case_id,
        "created_at": alert.created_at.isoformat(),
        "score": score.score,
        "threshold": score.threshold,
        "uncertainty": round(abs(score.score - score.threshold), 4),
        "model_version": score.model_version,
        "brand": score.brand,
        "product": score.product,
        "platform": score.platform,
        "country": score.country,
        "language": score.language,
        "seller": score.seller,
        "rule": score.rule,
        "reasons": [
            dict(item, sentence=text)
            for item, text in zip(score.reasons, render(score.reasons, language), strict=True)
        ],
        "signals": score.signals,
        "scored_at": score.scored_at.isoformat(),
    }


def _open_or_join_case(
    *,
    session: Session,
    blobs: BlobStore,
    principal: Principal,
    alert: DetectionAlert,
    score: ListingScore,
    at: datetime,
) -> int:
    """The open case of the listing, else a new listing case; the detection's reasons added as evidence so
    that the case's notice explains itself with them."""
    open_cases = [
        c
        for c in cases_linked_to(
            session=session, principal=principal, subject_type="listing", subject_ids=[alert.listing_id]
        )
        if c.status != "closed" and c.owner_org_id == alert.owner_org_id
    ]
    case = (
        open_cases[0]
        if open_cases
        else open_from_listing(
            session=session, principal=principal, listing_id=alert.listing_id, at=at, actor=principal.email
        )
    )
    sentences = render(score.reasons, "en")
    report = {
        "listing_id": alert.listing_id,
        "alert_id": alert.id,
        "model_version": score.model_version,
        "score": score.score,
        "threshold": score.threshold,
        "reasons": sentences,
        "signals": score.signals,
    }
    add_evidence(
        session=session,
        blobs=blobs,
        case=case,
        data=json.dumps(report, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8"),
        media_type="application/json",
        description=("Listing detection: " + " ".join(sentences))[:1000],
        source=f"countermark detect (model {score.model_version[:12]})",
        actor=principal.email,
        org_id=principal.org_id,
        at=at,
    )
    if open_cases:
        note = f"confirmed detection alert {alert.id} joined the case"
        record_note_event(
            session=session,
            case=case,
            kind="note",
            at=at,
            actor=principal.email,
            org_id=principal.org_id,
            note=note,
        )
    return case.id


def give_verdict(
    *,
    session: Session,
    blobs: BlobStore,
    principal: Principal,
    alert_id: int,
    verdict: str,
    reason: str,
    at: datetime,
    origin: str | None = None,
) -> DetectionVerdict:
    """Confirm or dismiss one of the organisation's alerts; a confirmation opens a listing case or joins
    its open one. 404 when the alert is not the organisation's, 403 without the write scope."""
    if verdict not in VERDICTS:
        raise InvalidInput.of("verdict must be one of {verdicts}", verdicts=", ".join(VERDICTS))
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise InvalidInput.of("the reason is too long ({most} characters at most)", most=MAX_REASON)
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in reason.replace("\r\n", "\n")):
        raise InvalidInput.of("the reason holds control characters: write it as plain text")
    alert, score = get_alert(session=session, principal=principal, alert_id=alert_id)
    if not owns(principal, alert.owner_org_id):  # defence in depth: `_visible` keeps others' alerts out
        raise Forbidden.of("only the organisation that owns the listing may give a verdict on its alert")
    if "write" not in principal.scopes:
        raise Forbidden.of("this needs the 'write' scope")
    alert.status = "confirmed" if verdict == "confirm" else "dismissed"
    alert.updated_at = at
    row = DetectionVerdict(
        alert_id=alert.id,
        listing_id=alert.listing_id,
        owner_org_id=alert.owner_org_id,
        verdict=verdict,
        reason=reason,
        actor=principal.email,
        user_id=principal.user_id,
        at=at,
        seller=seller_key(score.platform, score.seller, alert.listing_id),
        model_version=score.model_version,
        features=list(score.features),
    )
    session.add(row)
    session.flush()
    if verdict == "confirm" and alert.case_id is None:
        alert.case_id = _open_or_join_case(
            session=session, blobs=blobs, principal=principal, alert=alert, score=score, at=at
        )
    record_audit(
        session=session,
        actor=principal.email,
        org_id=principal.org_id,
        action="verdict",
        subject_type="detect_alert",
        subject_id=str(alert.id),
        origin=origin,
        detail={"verdict": verdict, "reason": reason[:200], "case_id": alert.case_id},
    )
    session.flush()
    return row


def new_alert_backlog(*, session: Session, principal: Principal) -> tuple[int, datetime | None, int | None]:
    """How many new alerts the principal may act on, the oldest's time, and the highest-scored one's id."""
    query = _visible(principal).where(DetectionAlert.status == "new")
    count, oldest = session.execute(
        query.with_only_columns(func.count(DetectionAlert.id), func.min(DetectionAlert.created_at))
    ).one()
    top = session.scalar(
        query.with_only_columns(DetectionAlert.id)
        .order_by(ListingScore.score.desc(), DetectionAlert.id)
        .limit(1)
    )
    return int(count or 0), oldest, top
