"""Every EPCIS document the project writes validates against GS1's official EPCIS 2.0 JSON Schema, and
uses constrained identifiers, CBV 2.0 step/disposition pairs, event IDs and the versioned context."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jsonschema import Draft7Validator  # type: ignore[import-untyped]

from countermark.codes import epcis_documents as docs
from countermark.codes.signed import build_uri, random_serial, sign_code
from countermark.sim.scans import generate_histories

STANDARDS = Path(__file__).resolve().parents[3] / "shared" / "standards" / "gs1-epcis"
CONSTRAINED_DL = re.compile(r"^https://id\.gs1\.org/01/\d{14}/21/[0-9A-Za-z%._~-]{1,60}$")


def official_validator() -> Draft7Validator:
    path = STANDARDS / "EPCIS-JSON-Schema.json"
    if not path.exists():
        pytest.skip(f"GS1's EPCIS 2.0 schema is not at {path} (a checkout without ../shared)")
    schema = json.loads(path.read_text(encoding="utf-8"))
    return Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)


def assert_conformant(document: dict[str, Any]) -> None:
    """Schema-valid, versioned context, and every event with an eventID, constrained ids and CBV pairs."""
    errors = sorted(official_validator().iter_errors(document), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]
    assert document["@context"][0] == "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
    body = document["epcisBody"]
    events = body["eventList"] if "eventList" in body else body["queryResults"]["resultsBody"]["eventList"]
    for event in events:
        assert event["eventID"].startswith(("urn:uuid:", "ni:///"))
        for _, identifier in docs.identifiers_of(event):
            if identifier.startswith("http"):
                assert CONSTRAINED_DL.match(identifier), identifier
        assert docs.pair_is_cbv(event.get("bizStep"), event.get("disposition")), event


@pytest.fixture(scope="module")
def code_uris() -> list[str]:
    key = Ed25519PrivateKey.generate()
    return [
        build_uri(
            "verify.example.com", "09506000134352", serial, sign_code(key, "0a1b2c", "09506000134352", serial)
        )
        for serial in (random_serial() for _ in range(120))
    ]


def test_the_synthetic_worlds_events_are_conformant(code_uris: list[str]) -> None:
    document = generate_histories(3, code_uris, clone_share=0.5).epcis_document()
    assert_conformant(document)
    events = document["epcisBody"]["eventList"]
    assert all("?" not in epc for event in events for epc in event["epcList"])
    assert len({event["eventID"] for event in events}) == len(events)
    steps = {(event["bizStep"], event["disposition"]) for event in events}
    assert ("destroying", "destroyed") in steps and ("decommissioning", "destroyed") not in steps


def test_the_query_document_is_conformant() -> None:
    event = docs.object_event(
        epcs=[docs.constrained_sgtin("09506000134352", "A1B2C3")],
        at=datetime(2025, 3, 1, 9, 30, tzinfo=UTC),
        tz_offset="+01:00",
        action="OBSERVE",
        biz_step="shipping",
        disposition="in_transit",
        read_point="geo:48.85,2.35",
    )
    extra = {"example": "http://ns.example.com/epcis/"}
    document = docs.query_document([event], created=datetime(2025, 3, 2, tzinfo=UTC), contexts=[extra, extra])
    assert document["@context"] == [docs.EPCIS_CONTEXT, extra]
    assert_conformant(document)


def test_the_same_event_gets_the_same_id_and_another_event_another() -> None:
    def make(serial: str) -> dict[str, Any]:
        return docs.object_event(
            epcs=[docs.constrained_sgtin("09506000134352", serial)],
            at=datetime(2025, 3, 1, tzinfo=UTC),
            tz_offset="+00:00",
            action="ADD",
            biz_step="commissioning",
            disposition="active",
        )

    assert make("A1")["eventID"] == make("A1")["eventID"] != make("A2")["eventID"]


def test_data_attributes_and_wrong_pairs_are_refused() -> None:
    at = datetime(2025, 3, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="constrained"):
        docs.object_event(
            epcs=["https://id.gs1.org/01/09506000134352/21/A1?8030=abc"],
            at=at,
            tz_offset="+00:00",
            action="OBSERVE",
            biz_step=None,
            disposition=None,
        )
    with pytest.raises(ValueError, match="does not pair"):
        docs.object_event(
            epcs=[docs.constrained_sgtin("09506000134352", "A1")],
            at=at,
            tz_offset="+00:00",
            action="DELETE",
            biz_step="decommissioning",
            disposition="destroyed",
        )
