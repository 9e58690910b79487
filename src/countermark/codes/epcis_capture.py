"""Pure reading of EPCIS 2.0 documents for the event repository: every event type, any identifiers.

`codes/epcis.py` reads what moves a code's life cycle (and refuses what it cannot tie to a code); this
module reads what the capture interface stores: ObjectEvent, AggregationEvent, TransactionEvent,
TransformationEvent and AssociationEvent, about anyone's identifiers, with a reason for every refusal.
Identifiers must be in the constrained form CBV 2.0 requires (a Digital Link with `?8030=…` is refused:
drop the data attributes), so that what the query interface later emits is conformant too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from countermark.codes.epcis import BIZ_STEPS, DISPOSITIONS, OFFSET_RE
from countermark.codes.epcis_documents import (
    EPCIS_CONTEXT,
    event_id,
    identifiers_of,
    is_constrained_identifier,
)
from countermark.codes.reasons import ReasonError

EVENT_TYPES = (
    "ObjectEvent",
    "AggregationEvent",
    "TransactionEvent",
    "TransformationEvent",
    "AssociationEvent",
)
ACTIONS = ("ADD", "OBSERVE", "DELETE")
DOCUMENT_TYPES = ("EPCISDocument", "EPCISQueryDocument")
MAX_EVENTS = 10_000
MAX_ID = 300
URI_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")
CBV_PREFIXES = {
    "bizStep": ("urn:epcglobal:cbv:bizstep:", "https://ref.gs1.org/cbv/BizStep-"),
    "disposition": ("urn:epcglobal:cbv:disp:", "https://ref.gs1.org/cbv/Disp-"),
}
UNVERSIONED_CONTEXTS = frozenset(
    {
        "https://ref.gs1.org/standards/epcis/epcis-context.jsonld",
        "https://gs1.github.io/EPCIS/epcis-context.jsonld",
    }
)


class CaptureError(ReasonError):
    """A document or an event the repository cannot store, with the reason."""


@dataclass(frozen=True)
class CapturedEvent:
    """One event ready to store: its document (with an eventID) and the fields queries filter on."""

    event_id: str
    event_type: str
    event_time: datetime
    tz_offset: str
    action: str | None
    biz_step: str | None
    disposition: str | None
    read_point: str | None
    biz_location: str | None
    identifiers: tuple[tuple[str, str], ...]
    document: dict[str, Any]


def term(value: Any, field: str) -> str | None:
    """A CBV term as its bare word (from bare, URN or Web URI form), or another vocabulary's URI as is."""
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise CaptureError.of("{field} must be a text", field=field)
    vocabulary = BIZ_STEPS if field == "bizStep" else DISPOSITIONS
    word = value
    for prefix in CBV_PREFIXES[field]:
        word = word.removeprefix(prefix)
    if word in vocabulary:
        return word
    if URI_RE.match(value) and len(value) <= MAX_ID:
        return value  # a term of another vocabulary, named by its URI (EPCIS 2.0 allows them)
    raise CaptureError.of("{field} {value!r} is neither a CBV 2.0 term nor a URI", field=field, value=value)


def _time(event: dict[str, Any]) -> tuple[datetime, str]:
    raw, offset = event.get("eventTime"), event.get("eventTimeZoneOffset")
    if not isinstance(raw, str) or not raw:
        raise CaptureError.of("eventTime is required")
    if not isinstance(offset, str) or not OFFSET_RE.match(offset):
        raise CaptureError.of("eventTimeZoneOffset is required, as ±HH:MM")
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise CaptureError.of("eventTime {raw!r} is not an ISO 8601 time", raw=raw) from exc
    if moment.tzinfo is None:
        raise CaptureError.of("eventTime must carry its offset or Z")
    try:
        return moment.astimezone(UTC), offset
    except OverflowError as exc:
        raise CaptureError.of("eventTime {raw!r} is out of range", raw=raw) from exc


def _place(event: dict[str, Any], field: str) -> str | None:
    place = event.get(field)
    if place is None:
        return None
    ident = place.get("id") if isinstance(place, dict) else None
    if not isinstance(ident, str) or not URI_RE.match(ident) or len(ident) > 500:
        raise CaptureError.of("{field}.id must be a URI of at most 500 characters", field=field)
    return ident


def read_event(raw: Any) -> CapturedEvent:
    """One event checked and completed with an eventID; raises CaptureError with the reason."""
    if not isinstance(raw, dict):
        raise CaptureError.of("an event must be a JSON object")
    event_type = raw.get("type")
    if event_type not in EVENT_TYPES:
        raise CaptureError.of("type must be one of {types}", types=", ".join(EVENT_TYPES))
    moment, offset = _time(raw)
    action = raw.get("action")
    if event_type != "TransformationEvent" and action not in ACTIONS:
        raise CaptureError.of("action must be one of {actions}", actions=", ".join(ACTIONS))
    identifiers = identifiers_of(raw)
    for _, identifier in identifiers:
        if len(identifier) > 500 or not URI_RE.match(identifier):
            raise CaptureError.of(
                "{identifier!r} is not an identifier URI of at most 500 characters",
                identifier=identifier[:80],
            )
        if not is_constrained_identifier(identifier):
            raise CaptureError.of(
                "{identifier} is not in the constrained form CBV 2.0 requires of EPCIS identifiers: "
                "remove the query string (data attributes such as ?8030=)",
                identifier=identifier[:120],
            )
    given = raw.get("eventID")
    if given is not None and (not isinstance(given, str) or not URI_RE.match(given) or len(given) > MAX_ID):
        raise CaptureError.of("eventID must be a URI of at most {most} characters", most=MAX_ID)
    document = dict(raw)
    document.pop("@context", None)  # the document's context is kept apart, once per capture
    if given is None:
        document = {"eventID": event_id(document), **document}
    return CapturedEvent(
        event_id=str(document["eventID"]),
        event_type=str(event_type),
        event_time=moment,
        tz_offset=offset,
        action=action if isinstance(action, str) else None,
        biz_step=term(raw.get("bizStep"), "bizStep"),
        disposition=term(raw.get("disposition"), "disposition"),
        read_point=_place(raw, "readPoint"),
        biz_location=_place(raw, "bizLocation"),
        identifiers=tuple(dict.fromkeys(identifiers)),
        document=document,
    )


def document_parts(document: Any) -> tuple[list[Any], list[Any]]:
    """(raw events, extra JSON-LD contexts) of an EPCISDocument, an EPCISQueryDocument, a list or one event.

    The unversioned EPCIS context is dropped from the extras: emitted documents name the versioned one.
    """
    if isinstance(document, list):
        return list(document), []
    if not isinstance(document, dict):
        raise CaptureError.of("not an EPCIS 2.0 document, event list or event")
    context = document.get("@context")
    contexts = context if isinstance(context, list) else [context] if context is not None else []
    extras = [
        c for c in contexts if not (isinstance(c, str) and (c == EPCIS_CONTEXT or c in UNVERSIONED_CONTEXTS))
    ]
    if document.get("type") in EVENT_TYPES:
        return [document], extras
    if document.get("type") not in DOCUMENT_TYPES:
        raise CaptureError.of("not an EPCIS 2.0 document (type EPCISDocument or EPCISQueryDocument)")
    body = document.get("epcisBody")
    events = body.get("eventList") if isinstance(body, dict) else None
    if events is None and isinstance(body, dict):
        results = body.get("queryResults")
        events = (
            ((results or {}).get("resultsBody") or {}).get("eventList") if isinstance(results, dict) else None
        )
    if not isinstance(events, list):
        raise CaptureError.of("epcisBody.eventList must be a list")
    if len(events) > MAX_EVENTS:
        raise CaptureError.of("at most {most} events per document", most=MAX_EVENTS)
    return list(events), extras
