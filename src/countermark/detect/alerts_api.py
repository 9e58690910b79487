"""Alert queue API: `GET /api/v1/alerts`, `GET /api/v1/alerts/{id}`, `POST /api/v1/alerts/{id}/verdict`.

An organisation sees and judges its own alerts only (another's, and an absent one, are the same 404;
a verdict needs the write scope). Plain `def` routes: the thread pool.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from countermark.core.clock import utcnow
from countermark.core.http.deps import DbSession, app_context, client_origin
from countermark.core.http.params import RecordId
from countermark.detect.alert_service import (
    STATUSES,
    AlertFilters,
    alert_json,
    get_alert,
    give_verdict,
    list_alerts,
    verdicts_of,
)
from countermark.detect.reasons import LANGUAGES
from countermark.orgs.deps import require_scope
from countermark.orgs.visibility import Principal

router = APIRouter(prefix="/api/v1/alerts", tags=["detect"])
Reader = Annotated[Principal, Depends(require_scope("read"))]
Writer = Annotated[Principal, Depends(require_scope("write"))]
Text = Annotated[str | None, Query(max_length=200)]


class VerdictIn(BaseModel):
    """A verdict on an alert: confirm or dismiss, and why."""

    verdict: Literal["confirm", "dismiss"]
    reason: str = Field(default="", max_length=1000)


def _language(language: str | None, principal: Principal) -> str:
    chosen = (language or principal.locale or "en").split("-")[0]
    return chosen if chosen in LANGUAGES else "en"


def filter_query(
    status: Annotated[str, Query(max_length=16)] = "new",
    brand: Text = None,
    platform: Text = None,
    country: Text = None,
    language: Text = None,
    signal: Text = None,
    order: Annotated[str, Query(max_length=16)] = "score",
) -> AlertFilters:
    """The alert filters of a query string (the API's and the pages')."""
    return AlertFilters(status, brand, platform, country, language, signal, order)


Filters = Annotated[AlertFilters, Depends(filter_query)]


@router.get("", summary="Detection alerts you may see, by score or uncertain first")
def list_route(
    session: DbSession,
    principal: Reader,
    filters: Filters,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    lang: Annotated[str | None, Query(max_length=8, description="Language of the reasons")] = None,
) -> dict[str, Any]:
    rows = list_alerts(session=session, principal=principal, filters=filters, limit=limit, offset=offset)
    chosen = _language(lang, principal)
    return {"items": [alert_json(a, s, chosen) for a, s in rows], "statuses": list(STATUSES)}


@router.get("/{alert_id}", summary="One detection alert with its reasons, signals and verdicts")
def get_route(
    alert_id: RecordId,
    session: DbSession,
    principal: Reader,
    lang: Annotated[str | None, Query(max_length=8)] = None,
) -> dict[str, Any]:
    alert, score = get_alert(session=session, principal=principal, alert_id=alert_id)
    body = alert_json(alert, score, _language(lang, principal))
    body["verdicts"] = [
        {"verdict": v.verdict, "reason": v.reason, "actor": v.actor, "at": v.at.isoformat()}
        for v in verdicts_of(session=session, alert_id=alert.id)
    ]
    return body


@router.post("/{alert_id}/verdict", summary="Confirm or dismiss an alert on your listing")
def verdict_route(
    alert_id: RecordId, body: VerdictIn, request: Request, session: DbSession, principal: Writer
) -> dict[str, Any]:
    verdict = give_verdict(
        session=session,
        blobs=app_context(request).blobs,
        principal=principal,
        alert_id=alert_id,
        verdict=body.verdict,
        reason=body.reason,
        at=utcnow(),
        origin=client_origin(request),
    )
    alert, score = get_alert(session=session, principal=principal, alert_id=alert_id)
    return {"verdict": verdict.verdict, "alert": alert_json(alert, score, _language(None, principal))}
