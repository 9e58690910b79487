"""Pure EPCIS 2.0 JSON-LD reading: ObjectEvent, AggregationEvent, TransformationEvent, tied to codes."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from countermark.codes.reasons import ReasonError
from countermark.codes.signed import CodeError, gtin_check_digit, parse_uri

EVENT_TYPES = ("ObjectEvent", "AggregationEvent", "TransformationEvent")
ACTIONS = ("ADD", "OBSERVE", "DELETE")
# CBV 2.0 business steps and dispositions this system reads; others are rejected, never guessed.
BIZ_STEPS = frozenset(
    {
        "accepting",
        "arriving",
        "assembling",
        "collecting",
        "commissioning",
        "consigning",
        "creating_class_instance",
        "cycle_counting",
        "decommissioning",
        "departing",
        "destroying",
        "disassembling",
        "dispensing",
        "encoding",
        "entering_exiting",
        "holding",
        "inspecting",
        "installing",
        "killing",
        "loading",
        "other",
        "packing",
        "picking",
        "receiving",
        "removing",
        "repackaging",
        "repairing",
        "replacing",
        "reserving",
        "retail_selling",
        "sampling",
        "sensor_reporting",
        "shipping",
        "staging_outbound",
        "stock_taking",
        "stocking",
        "storing",
        "transporting",
        "unloading",
        "unpacking",
        "void_shipping",
    }
)
DISPOSITIONS = frozenset(
    {
        "active",
        "available",
        "completeness_inferred",
        "completeness_verified",
        "conformant",
        "container_closed",
        "container_open",
        "damaged",
        "destroyed",
        "dispensed",
        "disposed",
        "encoded",
        "expired",
        "in_progress",
        "in_transit",
        "inactive",
        "mismatch_instance",
        "mismatch_class",
        "mismatch_quantity",
        "needs_replacement",
        "no_pedigree_match",
        "non_conformant",
        "non_sellable_other",
        "partially_dispensed",
        "recalled",
        "reserved",
        "retail_sold",
        "returned",
        "sellable_accessible",
        "sellable_not_accessible",
        "stolen",
        "unavailable",
        "unknown",
    }
)
OFFSET_RE = re.compile(r"^[+-](0\d|1[0-4]):[0-5]\d$")
SGTIN_RE = re.compile(r"^urn:epc:id:sgtin:(\d{6,12})\.(\d{1,7})\.(.{1,20})$")
GEO_RE = re.compile(r"^geo:(-?\d{1,3}(?:\.\d{1,12})?),(-?\d{1,3}(?:\.\d{1,12})?)")
MAX_EVENTS = 10_000


class EpcisError(ReasonError):
    """An EPCIS document or event that cannot be accepted, with the reason."""


@dataclass(frozen=True)
class SupplyChainEvent:
    """One validated event: type, UTC time, offset, action, vocabulary terms, codes and place."""

    key: str
    event_type: str
    event_time: datetime
    tz_offset: str
    action: str | None
    biz_step: str | None
    disposition: str | None
    codes: tuple[tuple[str, str], ...]
    read_point: str | None
    lat: float | None
    lon: float | None


def _term(value: Any, vocabulary: frozenset[str], what: str) -> str | None:
    """A CBV term in bare, URN or Web URI form, reduced to the bare word."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise EpcisError.of("{what} must be a text", what=what)
    word = value
    for prefix in (f"urn:epcglobal:cbv:{what.lower()}:", f"https://ref.gs1.org/cbv/{_cbv_class(what)}-"):
        if value.startswith(prefix):
            word = value.removeprefix(prefix)
    if word not in vocabulary:
        raise EpcisError.of("{what} {value!r} is not in the CBV vocabulary", what=what, value=value)
    return word


def _cbv_class(what: str) -> str:
    return {"bizStep": "BizStep", "disp": "Disp"}.get(what, what)


def epc_to_code(epc: str) -> tuple[str, str]:
    """The (GTIN-14, serial) of a Digital Link URI or an SGTIN EPC URN; raises EpcisError otherwise."""
    if not isinstance(epc, str):
        raise EpcisError.of("an EPC must be a text")
    match = SGTIN_RE.match(epc)
    if match:
        prefix, item, serial = match.groups()
        if len(prefix) + len(item) != 13:
            raise EpcisError.of(
                "{epc} is not an SGTIN: company prefix and item reference must make 13 digits", epc=epc
            )
        body = item[0] + prefix + item[1:]
        return body + str(gtin_check_digit(body)), serial
    if epc.startswith(("https://", "http://")):
        try:
            code = parse_uri(epc)
        except CodeError as exc:
            raise EpcisError.of("{epc}: {problem}", epc=epc, problem=exc) from exc
        return code.gtin, code.serial
    raise EpcisError.of("{epc!r} is neither a GS1 Digital Link nor an SGTIN EPC", epc=epc)


def _time(event: dict[str, Any]) -> tuple[datetime, str]:
    raw, offset = event.get("eventTime"), event.get("eventTimeZoneOffset")
    if not isinstance(raw, str) or not raw:
        raise EpcisError.of("eventTime is required")
    if not isinstance(offset, str) or not OFFSET_RE.match(offset):
        raise EpcisError.of("eventTimeZoneOffset is required, as ±HH:MM")
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise EpcisError.of("eventTime {raw!r} is not an ISO 8601 time", raw=raw) from exc
    if moment.tzinfo is None:
        raise EpcisError.of("eventTime must carry its offset or Z")
    try:
        return moment.astimezone(UTC), offset
    except OverflowError as exc:
        raise EpcisError.of("eventTime {raw!r} is out of range", raw=raw) from exc


def _epcs(event: dict[str, Any], event_type: str) -> list[str]:
    fields = {
        "ObjectEvent": ("epcList",),
        "AggregationEvent": ("parentID", "childEPCs"),
        "TransformationEvent": ("inputEPCList", "outputEPCList"),
    }[event_type]
    found: list[str] = []
    for name in fields:
        value = event.get(name)
        if value is None:
            continue
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise EpcisError.of("{field} must be a list of EPCs", field=name)
        found.extend(value)
    return found


def _place(event: dict[str, Any]) -> tuple[str | None, float | None, float | None]:
    point = event.get("readPoint") or event.get("bizLocation")
    ident = point.get("id") if isinstance(point, dict) else None
    if ident is not None and not isinstance(ident, str):
        raise EpcisError.of("readPoint.id must be a URI")
    match = GEO_RE.match(ident or "")
    if not match:
        return ident, None, None
    lat, lon = float(match.group(1)), float(match.group(2))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise EpcisError.of("{place} is not a place on Earth", place=ident)
    return ident, lat, lon


def parse_event(event: Any) -> SupplyChainEvent:
    """One validated event; raises EpcisError with the reason."""
    if not isinstance(event, dict):
        raise EpcisError.of("an event must be a JSON object")
    event_type = event.get("type")
    if event_type not in EVENT_TYPES:
        raise EpcisError.of("type must be one of {types}", types=", ".join(EVENT_TYPES))
    moment, offset = _time(event)
    action = event.get("action")
    if event_type != "TransformationEvent" and action not in ACTIONS:
        raise EpcisError.of("action must be one of {actions}", actions=", ".join(ACTIONS))
    biz_step = _term(event.get("bizStep"), BIZ_STEPS, "bizStep")
    disposition = _term(event.get("disposition"), DISPOSITIONS, "disp")
    epcs = _epcs(event, event_type)
    if not epcs:
        raise EpcisError.of("the event names no EPC, so it concerns no code")
    codes = tuple(dict.fromkeys(epc_to_code(epc) for epc in epcs))
    read_point, lat, lon = _place(event)
    event_id = event.get("eventID")
    key = (
        event_id
        if isinstance(event_id, str) and 0 < len(event_id) <= 200
        else "sha256:"
        + hashlib.sha256(json.dumps(event, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()
    )
    return SupplyChainEvent(
        key, str(event_type), moment, offset, action, biz_step, disposition, codes, read_point, lat, lon
    )


def document_events(document: Any) -> list[Any]:
    """The raw events of an EPCISDocument, an EPCISQueryDocument, a list or a single event."""
    events: Any
    if isinstance(document, list):
        events = document
    elif isinstance(document, dict) and document.get("type") in EVENT_TYPES:
        events = [document]
    elif isinstance(document, dict) and document.get("type") in ("EPCISDocument", "EPCISQueryDocument"):
        body = document.get("epcisBody") or {}
        events = body.get("eventList") if isinstance(body, dict) else None
        if events is None and isinstance(body, dict):
            events = (body.get("queryResults") or {}).get("resultsBody", {}).get("eventList")
        if not isinstance(events, list):
            raise EpcisError.of("epcisBody.eventList must be a list")
    else:
        raise EpcisError.of("not an EPCIS 2.0 document, event list or event")
    if len(events) > MAX_EVENTS:
        raise EpcisError.of("at most {most} events per document", most=MAX_EVENTS)
    return list(events)


def parse_document(document: Any) -> tuple[list[SupplyChainEvent], list[tuple[int, str]]]:
    """The valid events of a document, and (position, reason) of every rejected one."""
    accepted: list[SupplyChainEvent] = []
    rejected: list[tuple[int, str]] = []
    for position, raw in enumerate(document_events(document)):
        try:
            accepted.append(parse_event(raw))
        except EpcisError as exc:
            rejected.append((position, str(exc)))
    return accepted, rejected
