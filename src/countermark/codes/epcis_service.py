"""The EPCIS 2.0 event repository: capture jobs, stored events, and the SimpleEventQuery over them.

Capture keeps the good events and reports each refused one with its reason (GS1-Capture-Error-Behaviour
`proceed`, the default here), or stores nothing when one is refused (`rollback`). Captured events about
the organisation's own codes also move those codes' life cycle (`history_service.ingest_epcis`). Queries
return only the events the principal may see, oldest first, in pages tied by an opaque token.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session

from countermark.codes import epcis, history_service
from countermark.codes.epcis_capture import CapturedEvent, CaptureError, document_parts, read_event, term
from countermark.codes.epcis_documents import constrained_sgtin
from countermark.codes.models import EpcisCapture, EpcisEvent, EpcisEventEpc, ProductCode
from countermark.core.clock import utcnow
from countermark.core.errors import InvalidInput, NotFound
from countermark.core.marking import DEFAULT_TLP, TLP_LEVELS
from countermark.orgs.service import record_audit
from countermark.orgs.visibility import Principal, visible

ERROR_BEHAVIOURS = ("proceed", "rollback")
MAX_PER_PAGE = 1000
STORE_CHUNK = 500
# MATCH_epc looks in the fields naming the objects themselves; MATCH_anyEPC in every identifier field.
OBJECT_FIELDS = ("epcList", "childEPCs")


@dataclass
class EventQuery:
    """The SimpleEventQuery parameters this repository answers (REST binding names in the comments)."""

    event_types: list[str] = field(default_factory=list)  # eventType
    ge_event_time: datetime | None = None  # GE_eventTime
    lt_event_time: datetime | None = None  # LT_eventTime
    ge_record_time: datetime | None = None  # GE_recordTime
    lt_record_time: datetime | None = None  # LT_recordTime
    actions: list[str] = field(default_factory=list)  # EQ_action
    biz_steps: list[str] = field(default_factory=list)  # EQ_bizStep
    dispositions: list[str] = field(default_factory=list)  # EQ_disposition
    read_points: list[str] = field(default_factory=list)  # EQ_readPoint
    biz_locations: list[str] = field(default_factory=list)  # EQ_bizLocation
    event_ids: list[str] = field(default_factory=list)  # EQ_eventID
    match_epc: list[str] = field(default_factory=list)  # MATCH_epc
    match_any_epc: list[str] = field(default_factory=list)  # MATCH_anyEPC


@dataclass(frozen=True)
class EventPage:
    """One page of a query: the events (as captured, with their eventID), their contexts, the next token."""

    events: list[dict[str, Any]]
    contexts: list[Any]
    next_token: str | None


def capture(
    *,
    session: Session,
    document: Any,
    owner_org_id: int,
    actor: str,
    tlp: str = DEFAULT_TLP,
    error_behaviour: str = "proceed",
) -> EpcisCapture:
    """Store a document's events as one capture job; a document that is not EPCIS at all is a 422."""
    if error_behaviour not in ERROR_BEHAVIOURS:
        raise InvalidInput.of(
            "GS1-Capture-Error-Behaviour is one of {behaviours}", behaviours=", ".join(ERROR_BEHAVIOURS)
        )
    if tlp not in TLP_LEVELS:
        raise InvalidInput.of("the marking is one of {levels}", levels=", ".join(TLP_LEVELS))
    raw_events, contexts = document_parts(document)  # a CaptureError is itself the 422 that says why
    job = EpcisCapture(
        capture_id=str(uuid.uuid4()), created_by=actor, owner_org_id=owner_org_id, tlp=tlp, errors=[]
    )
    read: list[CapturedEvent] = []
    errors: list[dict[str, Any]] = []
    for position, raw in enumerate(raw_events):
        try:
            read.append(read_event(raw))
        except CaptureError as exc:
            errors.append({"event": position, "reason": str(exc)})
    job.errors = errors
    if errors and error_behaviour == "rollback":
        read = []
    unique = list(dict((e.event_id, e) for e in read).values())
    for start in range(0, len(unique), STORE_CHUNK):
        _store(session, job, unique[start : start + STORE_CHUNK], contexts)
    session.add(job)
    session.flush()
    own = _about_own_codes(session, owner_org_id, read)
    if own:  # events about the organisation's own codes move their life cycle; others only stay here
        history_service.ingest_epcis(session=session, document=own, owner_org_id=owner_org_id, actor=actor)
    job.success = not errors
    job.finished_at = utcnow()
    record_audit(
        session=session,
        actor=actor,
        action="codes.epcis.capture",
        subject_type="epcis_capture",
        subject_id=job.capture_id,
        org_id=owner_org_id,
        detail={"stored": job.stored, "unchanged": job.unchanged, "errors": len(errors)},
    )
    session.flush()
    return job


def _store(session: Session, job: EpcisCapture, events: list[CapturedEvent], contexts: list[Any]) -> None:
    """Store a chunk of events: one look-up for those already stored, one flush, then their identifiers."""
    known = set(
        session.scalars(
            select(EpcisEvent.event_id).where(
                EpcisEvent.owner_org_id == job.owner_org_id,
                EpcisEvent.event_id.in_([event.event_id for event in events]),
            )
        )
    )
    recorded = utcnow()
    rows = [
        (
            EpcisEvent(
                event_id=event.event_id,
                event_type=event.event_type,
                event_time=event.event_time,
                record_time=recorded,
                tz_offset=event.tz_offset,
                action=event.action,
                biz_step=event.biz_step,
                disposition=event.disposition,
                read_point=event.read_point,
                biz_location=event.biz_location,
                capture_id=job.capture_id,
                document={"event": event.document, "contexts": contexts},
                owner_org_id=job.owner_org_id,
                tlp=job.tlp,
                sharing_group_id=None,
            ),
            event,
        )
        for event in events
        if event.event_id not in known
    ]
    job.unchanged = (job.unchanged or 0) + len(events) - len(rows)
    job.stored = (job.stored or 0) + len(rows)
    session.add_all(row for row, _ in rows)
    session.flush()
    session.add_all(
        EpcisEventEpc(event_row_id=row.id, field=name, epc=epc)
        for row, event in rows
        for name, epc in event.identifiers
    )
    session.flush()


def _about_own_codes(session: Session, owner_org_id: int, events: list[CapturedEvent]) -> list[Any]:
    """The events naming a GTIN the organisation issued codes for: those that may move a code's state."""
    gtins = set(
        session.scalars(select(ProductCode.gtin).where(ProductCode.owner_org_id == owner_org_id).distinct())
    )
    if not gtins:
        return []
    found = []
    for event in events:
        if event.event_type not in epcis.EVENT_TYPES:
            continue
        for _, identifier in event.identifiers:
            try:
                gtin, _ = epcis.epc_to_code(identifier)
            except epcis.EpcisError:
                continue
            if gtin in gtins:
                found.append(event.document)
                break
    return found


def get_capture(*, session: Session, principal: Principal, capture_id: str) -> EpcisCapture:
    """A capture job the principal's organisation made; NotFound otherwise (existence is not revealed)."""
    job = session.scalar(select(EpcisCapture).where(EpcisCapture.capture_id == capture_id[:36]))
    if job is None or not (principal.is_system or job.owner_org_id == principal.org_id):
        raise NotFound.of("no capture {capture_id} of yours", capture_id=capture_id[:36])
    return job


def epc_variants(epc: str) -> list[str]:
    """The forms an identifier is stored under: as given, and a Digital Link's constrained id.gs1.org form."""
    forms = [epc]
    if epc.startswith(("https://", "http://")):
        try:
            gtin, serial = epcis.epc_to_code(epc)
        except epcis.EpcisError:
            return forms
        forms.append(constrained_sgtin(gtin, serial))
    return list(dict.fromkeys(forms))


def _epc_condition(epcs: list[str], fields: tuple[str, ...] | None) -> Any:
    wanted = [form for epc in epcs for form in epc_variants(epc)]
    condition = and_(EpcisEventEpc.event_row_id == EpcisEvent.id, EpcisEventEpc.epc.in_(wanted))
    if fields is not None:
        condition = and_(condition, EpcisEventEpc.field.in_(fields))
    return exists().where(condition)


def _terms(values: list[str], what: str) -> list[str]:
    return [str(term(value, what)) for value in values]  # a CaptureError is itself the 422 that says why


def encode_token(event_time: datetime, row_id: int) -> str:
    """The opaque nextPageToken: where the next page starts (it grants nothing: every page is filtered)."""
    raw = json.dumps([event_time.isoformat(), row_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str) -> tuple[datetime, int]:
    """The position a nextPageToken names; InvalidInput when it is not one of ours."""
    try:
        text, row_id = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None or not isinstance(row_id, int) or not 0 <= row_id < 2**63:
            raise ValueError("not a position")
        return moment.astimezone(UTC), row_id
    except (binascii.Error, ValueError, TypeError, OverflowError) as exc:
        raise InvalidInput.of("nextPageToken is not a token this repository gave") from exc


def query_events(
    *,
    session: Session,
    principal: Principal,
    query: EventQuery,
    per_page: int = 100,
    token: str | None = None,
) -> EventPage:
    """One page of the visible events matching the query, by event time then capture order."""
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise InvalidInput.of("perPage is between 1 and {most}", most=MAX_PER_PAGE)
    statement = visible(EpcisEvent, principal)
    simple = {
        EpcisEvent.event_type: query.event_types,
        EpcisEvent.action: query.actions,
        EpcisEvent.biz_step: _terms(query.biz_steps, "bizStep"),
        EpcisEvent.disposition: _terms(query.dispositions, "disposition"),
        EpcisEvent.read_point: query.read_points,
        EpcisEvent.biz_location: query.biz_locations,
        EpcisEvent.event_id: query.event_ids,
    }
    for column, values in simple.items():
        if values:
            statement = statement.where(column.in_(values))
    bounds: tuple[tuple[Any, datetime | None, datetime | None], ...] = (
        (EpcisEvent.event_time, query.ge_event_time, query.lt_event_time),
        (EpcisEvent.record_time, query.ge_record_time, query.lt_record_time),
    )
    for column, low, high in bounds:
        if low is not None:
            statement = statement.where(column >= low)
        if high is not None:
            statement = statement.where(column < high)
    if query.match_epc:
        statement = statement.where(_epc_condition(query.match_epc, OBJECT_FIELDS))
    if query.match_any_epc:
        statement = statement.where(_epc_condition(query.match_any_epc, None))
    if token:
        moment, row_id = decode_token(token)
        statement = statement.where(
            or_(EpcisEvent.event_time > moment, and_(EpcisEvent.event_time == moment, EpcisEvent.id > row_id))
        )
    rows = list(session.scalars(statement.order_by(EpcisEvent.event_time, EpcisEvent.id).limit(per_page + 1)))
    more = len(rows) > per_page
    rows = rows[:per_page]
    contexts = [context for row in rows for context in row.document.get("contexts", [])]
    next_token = encode_token(rows[-1].event_time, rows[-1].id) if more and rows else None
    return EventPage([row.document["event"] for row in rows], contexts, next_token)


def get_event(*, session: Session, principal: Principal, event_id: str) -> EventPage:
    """The visible events with this eventID (one per organisation that captured it); NotFound if none."""
    page = query_events(session=session, principal=principal, query=EventQuery(event_ids=[event_id]))
    if not page.events:
        raise NotFound.of("no event {event_id} that you may see", event_id=event_id[:120])
    return page
