"""Pure EPCIS 2.0 writing: constrained identifiers, CBV pairs, event IDs and the documents we emit.

Every document this system emits (the synthetic world's events, the query interface's answers) is built
here, so that one place decides what "conformant" means: identifiers in the constrained GS1 Digital Link
form CBV 2.0 requires (no data attributes such as `?8030=`), business steps with the dispositions CBV
pairs them with, an `eventID` on every event, and the versioned JSON-LD context.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
SCHEMA_VERSION = "2.0"
EPCIS_VERSION = "2.0.0"
CBV_VERSION = "2.0.0"
# CBV 2.0 identifiers: the canonical Digital Link domain, primary key and key qualifiers only.
CANONICAL_DL_HOST = "id.gs1.org"
CONSTRAINED_SGTIN_RE = re.compile(r"^https://id\.gs1\.org/01/\d{14}/21/[^/?#]{1,60}$")
# The dispositions CBV 2.0 (§7.1, the business step definitions) gives for the steps we emit.
CBV_PAIRS: dict[str, frozenset[str]] = {
    "commissioning": frozenset({"active"}),
    "shipping": frozenset({"in_transit"}),
    "receiving": frozenset({"in_progress", "sellable_accessible", "sellable_not_accessible"}),
    "retail_selling": frozenset({"retail_sold"}),
    "decommissioning": frozenset({"inactive"}),
    "destroying": frozenset({"destroyed"}),
}
# Event IDs are URN UUIDs (EPCIS 2.0 §7.4.1 allows any URI; see docs/codes.md for why not the CBV hash).
EVENT_ID_NAMESPACE = uuid.UUID("6b1c3d2e-55a4-4f0e-9a51-2c6c1f0d7e11")
EPC_FIELDS = ("epcList", "parentID", "childEPCs", "inputEPCList", "outputEPCList")


def constrained_sgtin(gtin: str, serial: str) -> str:
    """The constrained GS1 Digital Link of a serialised item: `https://id.gs1.org/01/{GTIN-14}/21/{serial}`."""
    return f"https://{CANONICAL_DL_HOST}/01/{gtin}/21/{quote(serial, safe='')}"


def is_constrained_identifier(identifier: str) -> bool:
    """Whether an identifier is usable as an EPCIS identifier under CBV 2.0: a URN, or a Digital Link
    without query string or fragment (no data attributes)."""
    if not identifier.startswith(("https://", "http://")):
        return True
    parts = urlsplit(identifier)
    return not parts.query and not parts.fragment


def pair_is_cbv(biz_step: str | None, disposition: str | None) -> bool:
    """Whether a (business step, disposition) pair is one CBV 2.0 gives for that step (unknown steps pass)."""
    if biz_step is None or disposition is None or biz_step not in CBV_PAIRS:
        return True
    return disposition in CBV_PAIRS[biz_step]


def event_time_text(moment: datetime) -> str:
    """An event time in UTC with milliseconds and `Z`."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def event_id(event: dict[str, Any]) -> str:
    """A stable `urn:uuid:` event ID derived from the event's content (the same event, the same ID)."""
    body = {key: value for key, value in event.items() if key != "eventID"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return f"urn:uuid:{uuid.uuid5(EVENT_ID_NAMESPACE, text)}"


def object_event(
    *,
    epcs: Iterable[str],
    at: datetime,
    tz_offset: str,
    action: str,
    biz_step: str | None,
    disposition: str | None,
    read_point: str | None = None,
) -> dict[str, Any]:
    """An ObjectEvent with an eventID; refuses identifiers or step/disposition pairs CBV 2.0 forbids."""
    epc_list = list(dict.fromkeys(epcs))
    bad = [epc for epc in epc_list if not is_constrained_identifier(epc)]
    if bad:
        raise ValueError(f"EPCIS identifiers must be constrained (no query string): {bad[0]}")
    if not pair_is_cbv(biz_step, disposition):
        raise ValueError(f"CBV 2.0 does not pair {biz_step} with {disposition}")
    event: dict[str, Any] = {
        "type": "ObjectEvent",
        "eventTime": event_time_text(at),
        "eventTimeZoneOffset": tz_offset,
        "epcList": epc_list,
        "action": action,
    }
    if biz_step:
        event["bizStep"] = biz_step
    if disposition:
        event["disposition"] = disposition
    if read_point:
        event["readPoint"] = {"id": read_point}
    return {"eventID": event_id(event), **event}


def epcis_document(events: list[dict[str, Any]], *, created: datetime) -> dict[str, Any]:
    """An EPCISDocument (capture form) with the versioned context."""
    return {
        "@context": [EPCIS_CONTEXT],
        "type": "EPCISDocument",
        "schemaVersion": SCHEMA_VERSION,
        "creationDate": event_time_text(created),
        "epcisBody": {"eventList": events},
    }


def query_document(
    events: list[dict[str, Any]], *, created: datetime, contexts: Iterable[Any] = ()
) -> dict[str, Any]:
    """An EPCISQueryDocument answering a SimpleEventQuery, with the versioned context first.

    `contexts` are the extra JSON-LD contexts the captured events declared (their own namespaces), so the
    events' extension fields keep their meaning.
    """
    context: list[Any] = [EPCIS_CONTEXT]
    seen = {json.dumps(EPCIS_CONTEXT)}
    for item in contexts:
        key = json.dumps(item, sort_keys=True)
        if key not in seen:
            seen.add(key)
            context.append(item)
    return {
        "@context": context,
        "type": "EPCISQueryDocument",
        "schemaVersion": SCHEMA_VERSION,
        "creationDate": event_time_text(created),
        "epcisBody": {
            "queryResults": {"queryName": "SimpleEventQuery", "resultsBody": {"eventList": events}}
        },
    }


def identifiers_of(event: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, identifier) of every instance identifier an event names, in document order."""
    found: list[tuple[str, str]] = []
    for name in EPC_FIELDS:
        value = event.get(name)
        values = [value] if isinstance(value, str) else value if isinstance(value, list) else []
        found.extend((name, item) for item in values if isinstance(item, str))
    return found
