"""The EPCIS 2.0 REST binding under `/api/v1/epcis`: capture, capture jobs, and events by query.

Paths and query parameters follow GS1's OpenAPI of the binding (`/capture`, `/capture/{captureID}`,
`/events`, `/events/{eventID}`, `/epcs/{epc}/events`, `/bizSteps/{bizStep}/events`,
`/eventTypes/{eventType}/events`, `/dispositions/{disposition}/events`; `GE_eventTime`, `MATCH_epc`,
`EQ_bizStep`, `perPage`, `nextPageToken`…). Answers are EPCISQueryDocuments with the versioned context;
the next page is in a `Link: <…>; rel="next"` header. Reading needs the `read` scope and shows only
events the principal may see; capture needs `write` and stores events owned by the caller's organisation.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from countermark.codes import epcis_service
from countermark.codes.epcis_capture import EVENT_TYPES
from countermark.codes.epcis_documents import CBV_VERSION, EPCIS_VERSION, query_document
from countermark.codes.epcis_service import EventPage, EventQuery
from countermark.codes.models import EpcisCapture
from countermark.core.clock import utcnow
from countermark.core.errors import CountermarkError, Forbidden, InvalidInput
from countermark.core.http.deps import DbSession
from countermark.core.marking import DEFAULT_TLP
from countermark.orgs.deps import require_scope
from countermark.orgs.visibility import Principal

router = APIRouter(prefix="/api/v1/epcis", tags=["EPCIS 2.0"])
Reader = Annotated[Principal, Depends(require_scope("read"))]
Writer = Annotated[Principal, Depends(require_scope("write"))]
MAX_CAPTURE_BYTES = 20 * 1024 * 1024
HEADERS = {"GS1-EPCIS-Version": EPCIS_VERSION, "GS1-CBV-Version": CBV_VERSION}
LD_JSON = "application/ld+json"
# What the query routes answer, for the OpenAPI document: an EPCISQueryDocument as JSON-LD.
QUERY_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "An EPCISQueryDocument (SimpleEventQuery results); the next page in the Link header.",
        "content": {LD_JSON: {"schema": {"type": "object"}}},
    }
}
JOB_RESPONSES: dict[int | str, dict[str, Any]] = {
    202: {"description": "The capture job.", "content": {"application/json": {"schema": {"type": "object"}}}}
}


class CaptureTooLarge(CountermarkError):
    """A capture body beyond the limit."""

    status = 413
    code = "too_large"


def _aware(value: datetime | None, name: str) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise InvalidInput.of("{name} must carry its offset or Z", name=name)
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:
        raise InvalidInput.of("{name} is out of range", name=name) from exc


def _words(values: list[str] | None) -> list[str]:
    """Repeated parameters, each also comma-separated (bizStep, disposition, eventType, action)."""
    return [part for value in values or [] for part in value.split(",") if part]


def event_query(
    q_event_type: Annotated[list[str] | None, Query(alias="eventType")] = None,
    q_ge_event_time: Annotated[datetime | None, Query(alias="GE_eventTime")] = None,
    q_lt_event_time: Annotated[datetime | None, Query(alias="LT_eventTime")] = None,
    q_ge_record_time: Annotated[datetime | None, Query(alias="GE_recordTime")] = None,
    q_lt_record_time: Annotated[datetime | None, Query(alias="LT_recordTime")] = None,
    q_eq_action: Annotated[list[str] | None, Query(alias="EQ_action")] = None,
    q_eq_biz_step: Annotated[list[str] | None, Query(alias="EQ_bizStep")] = None,
    q_eq_disposition: Annotated[list[str] | None, Query(alias="EQ_disposition")] = None,
    q_eq_read_point: Annotated[list[str] | None, Query(alias="EQ_readPoint")] = None,
    q_eq_biz_location: Annotated[list[str] | None, Query(alias="EQ_bizLocation")] = None,
    q_eq_event_id: Annotated[list[str] | None, Query(alias="EQ_eventID")] = None,
    q_match_epc: Annotated[list[str] | None, Query(alias="MATCH_epc")] = None,
    q_match_any_epc: Annotated[list[str] | None, Query(alias="MATCH_anyEPC")] = None,
) -> EventQuery:
    """The SimpleEventQuery parameters of the request."""
    return EventQuery(
        event_types=_words(q_event_type),
        ge_event_time=_aware(q_ge_event_time, "GE_eventTime"),
        lt_event_time=_aware(q_lt_event_time, "LT_eventTime"),
        ge_record_time=_aware(q_ge_record_time, "GE_recordTime"),
        lt_record_time=_aware(q_lt_record_time, "LT_recordTime"),
        actions=_words(q_eq_action),
        biz_steps=_words(q_eq_biz_step),
        dispositions=_words(q_eq_disposition),
        read_points=list(q_eq_read_point or []),
        biz_locations=list(q_eq_biz_location or []),
        event_ids=list(q_eq_event_id or []),
        match_epc=list(q_match_epc or []),
        match_any_epc=list(q_match_any_epc or []),
    )


Filters = Annotated[EventQuery, Depends(event_query)]
PerPage = Annotated[int, Query(alias="perPage", ge=1, le=epcis_service.MAX_PER_PAGE)]
Token = Annotated[str | None, Query(alias="nextPageToken", max_length=200)]


def _answer(request: Request, page: EventPage) -> JSONResponse:
    headers = dict(HEADERS)
    if page.next_token:
        url = request.url.remove_query_params("nextPageToken").include_query_params(
            nextPageToken=page.next_token
        )
        headers["Link"] = f'<{url}>; rel="next"'
    document = query_document(page.events, created=utcnow(), contexts=page.contexts)
    return JSONResponse(document, headers=headers, media_type=LD_JSON)


def _query(
    request: Request,
    session: Session,
    principal: Principal,
    query: EventQuery,
    per_page: int,
    token: str | None,
) -> JSONResponse:
    page = epcis_service.query_events(
        session=session, principal=principal, query=query, per_page=per_page, token=token
    )
    return _answer(request, page)


@router.get("", summary="The EPCIS resources this repository serves")
def root() -> JSONResponse:
    """Top-level resources of the EPCIS 2.0 REST binding that this repository implements."""
    body = {"resources": ["capture", "events", "eventTypes", "epcs", "bizSteps", "dispositions"]}
    return JSONResponse(body, headers=HEADERS)


def _job(job: EpcisCapture) -> dict[str, Any]:
    return {
        "captureID": job.capture_id,
        "createdAt": job.created_at.isoformat(),
        "finishedAt": job.finished_at.isoformat() if job.finished_at else None,
        "running": job.finished_at is None,
        "success": job.success,
        "stored": job.stored,
        "unchanged": job.unchanged,
        "errors": job.errors,
    }


@router.post("/capture", status_code=202, summary="Capture an EPCIS document", responses=JOB_RESPONSES)
async def capture_route(
    request: Request,
    session: DbSession,
    principal: Writer,
    error_behaviour: Annotated[str, Header(alias="GS1-Capture-Error-Behaviour")] = "proceed",
    tlp: Annotated[str, Query(max_length=16)] = DEFAULT_TLP,
) -> JSONResponse:
    """Store an EPCISDocument's events; refused events are listed in the job with their reasons."""
    if principal.org_id is None:
        raise Forbidden.of("capture stores events for an organisation: use an organisation's token")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_CAPTURE_BYTES:
            raise CaptureTooLarge.of("a capture is at most {most} bytes", most=MAX_CAPTURE_BYTES)
    try:
        document = json.loads(body)
    except ValueError as exc:
        raise InvalidInput.of("the body is not JSON: {problem}", problem=exc) from exc
    org_id = principal.org_id

    def work() -> dict[str, Any]:
        job = epcis_service.capture(
            session=session,
            document=document,
            owner_org_id=org_id,
            actor=principal.email,
            tlp=tlp,
            error_behaviour=error_behaviour,
        )
        return _job(job)

    job = await run_in_threadpool(work)  # parsing and storing 10,000 events is CPU work: off the loop
    location = f"/api/v1/epcis/capture/{job['captureID']}"
    return JSONResponse(job, status_code=202, headers={**HEADERS, "Location": location})


@router.get("/capture/{capture_id}", summary="A capture job")
def capture_job(capture_id: str, session: DbSession, principal: Reader) -> JSONResponse:
    """How a capture of your organisation went: stored, unchanged, and each refused event with its reason."""
    job = epcis_service.get_capture(session=session, principal=principal, capture_id=capture_id)
    return JSONResponse(_job(job), headers=HEADERS)


@router.get("/events", summary="Events by query", responses=QUERY_RESPONSES)
def events(
    request: Request,
    session: DbSession,
    principal: Reader,
    query: Filters,
    per_page: PerPage = 100,
    token: Token = None,
) -> JSONResponse:
    """The events you may see that match the SimpleEventQuery parameters, oldest first, paged."""
    return _query(request, session, principal, query, per_page, token)


@router.get("/events/{event_id:path}", summary="One event", responses=QUERY_RESPONSES)
def event(request: Request, event_id: str, session: DbSession, principal: Reader) -> JSONResponse:
    """The event with this eventID (URL-encoded), if you may see it."""
    return _answer(request, epcis_service.get_event(session=session, principal=principal, event_id=event_id))


@router.get("/epcs/{epc:path}/events", summary="Events of an EPC", responses=QUERY_RESPONSES)
def epc_events(
    request: Request,
    epc: str,
    session: DbSession,
    principal: Reader,
    query: Filters,
    per_page: PerPage = 100,
    token: Token = None,
) -> JSONResponse:
    """Events naming this identifier in any field (a Digital Link is also looked up in constrained form)."""
    query.match_any_epc.append(epc)
    return _query(request, session, principal, query, per_page, token)


@router.get("/bizSteps/{biz_step}/events", summary="Events of a business step", responses=QUERY_RESPONSES)
def biz_step_events(
    request: Request,
    biz_step: str,
    session: DbSession,
    principal: Reader,
    query: Filters,
    per_page: PerPage = 100,
    token: Token = None,
) -> JSONResponse:
    """Events of this CBV business step (bare word, URN or Web URI form) or other vocabulary's URI."""
    query.biz_steps.append(biz_step)
    return _query(request, session, principal, query, per_page, token)


@router.get("/eventTypes/{event_type}/events", summary="Events of a type", responses=QUERY_RESPONSES)
def event_type_events(
    request: Request,
    event_type: str,
    session: DbSession,
    principal: Reader,
    query: Filters,
    per_page: PerPage = 100,
    token: Token = None,
) -> JSONResponse:
    """Events of one EPCIS event type."""
    if event_type not in EVENT_TYPES:
        raise InvalidInput.of("eventType is one of {types}", types=", ".join(EVENT_TYPES))
    query.event_types.append(event_type)
    return _query(request, session, principal, query, per_page, token)


@router.get(
    "/dispositions/{disposition}/events", summary="Events of a disposition", responses=QUERY_RESPONSES
)
def disposition_events(
    request: Request,
    disposition: str,
    session: DbSession,
    principal: Reader,
    query: Filters,
    per_page: PerPage = 100,
    token: Token = None,
) -> JSONResponse:
    """Events leaving objects in this CBV disposition."""
    query.dispositions.append(disposition)
    return _query(request, session, principal, query, per_page, token)
