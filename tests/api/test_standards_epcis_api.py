"""The EPCIS 2.0 REST binding: the standard's own examples capture, queries answer schema-valid documents
by EPC, time and business step, in pages, and nothing crosses organisations."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft7Validator  # type: ignore[import-untyped]

from tests.api.conftest import Actors

STANDARDS = Path(__file__).resolve().parents[3] / "shared" / "standards" / "gs1-epcis"
CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"


def _standards() -> Path:
    if not (STANDARDS / "examples").is_dir():
        pytest.skip(f"GS1's EPCIS 2.0 files are not at {STANDARDS} (a checkout without ../shared)")
    return STANDARDS


def _validator() -> Draft7Validator:
    schema = json.loads((_standards() / "EPCIS-JSON-Schema.json").read_text(encoding="utf-8"))
    return Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)


def _events(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/ld+json")
    assert response.headers["GS1-EPCIS-Version"] == "2.0.0"
    document = response.json()
    errors = list(_validator().iter_errors(document))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]
    assert document["@context"][0] == CONTEXT
    events: list[dict[str, Any]] = document["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    assert all("eventID" in e for e in events)
    return events


def _event(serial: str, when: str, step: str, disposition: str, action: str = "OBSERVE") -> dict[str, Any]:
    return {
        "type": "ObjectEvent",
        "eventTime": when,
        "eventTimeZoneOffset": "+01:00",
        "action": action,
        "epcList": [f"https://id.gs1.org/01/09506000134352/21/{serial}"],
        "bizStep": step,
        "disposition": disposition,
        "readPoint": {"id": "geo:48.85,2.35"},
    }


def _capture(
    client: TestClient, actors: Actors, org: str, events: list[dict[str, Any]], **headers: str
) -> Any:
    document = {
        "@context": [CONTEXT],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2025-01-01T00:00:00Z",
        "epcisBody": {"eventList": events},
    }
    return client.post("/api/v1/epcis/capture", json=document, headers=actors.headers(org) | headers)


def test_every_example_of_the_standard_is_captured(client: TestClient, actors: Actors) -> None:
    examples = sorted((_standards() / "examples").glob("*.jsonld"))
    assert len(examples) > 40
    for path in examples:
        response = client.post(
            "/api/v1/epcis/capture",
            content=path.read_bytes(),
            headers=actors.headers("brand") | {"Content-Type": "application/ld+json"},
        )
        assert response.status_code == 202, (path.name, response.text)
        job = response.json()
        assert job["success"] and job["errors"] == [], (path.name, job)
        assert response.headers["Location"] == f"/api/v1/epcis/capture/{job['captureID']}"
    events = _events(client.get("/api/v1/epcis/events?perPage=1000", headers=actors.headers("brand")))
    assert len(events) > 40  # 56 events, some examples repeating another's eventID: stored once
    types = {e["type"] for e in events}
    assert types == {
        "ObjectEvent",
        "AggregationEvent",
        "TransactionEvent",
        "TransformationEvent",
        "AssociationEvent",
    }
    # Captured twice, stored once.
    again = client.post(
        "/api/v1/epcis/capture",
        content=examples[0].read_bytes(),
        headers=actors.headers("brand") | {"Content-Type": "application/ld+json"},
    ).json()
    assert again["stored"] == 0 and again["unchanged"] >= 1


def test_queries_by_epc_time_step_and_pages(client: TestClient, actors: Actors) -> None:
    days = [f"2025-02-{day:02d}T10:00:00.000Z" for day in range(1, 8)]
    events = [_event("SER1", days[0], "commissioning", "active", "ADD")]
    events += [
        _event("SER1", days[1], "shipping", "in_transit"),
        _event("SER1", days[2], "receiving", "in_progress"),
    ]
    events += [_event(f"OTHER{i}", days[3 + i], "shipping", "in_transit") for i in range(4)]
    assert _capture(client, actors, "brand", events).json()["stored"] == 7
    headers = actors.headers("brand")
    epc = "https://id.gs1.org/01/09506000134352/21/SER1"
    by_epc = _events(client.get(f"/api/v1/epcis/epcs/{quote(epc, safe='')}/events", headers=headers))
    assert [e["bizStep"] for e in by_epc] == ["commissioning", "shipping", "receiving"]
    # The printed code (another host, with its signature) finds the same events: it is looked up constrained.
    printed = "https://verify.example.com/01/09506000134352/21/SER1?8030=" + "A" * 90
    assert (
        len(_events(client.get("/api/v1/epcis/events", params={"MATCH_epc": printed}, headers=headers))) == 3
    )
    window = {"GE_eventTime": days[1], "LT_eventTime": days[3]}
    assert len(_events(client.get("/api/v1/epcis/events", params=window, headers=headers))) == 2
    shipping = _events(client.get("/api/v1/epcis/bizSteps/shipping/events", headers=headers))
    assert len(shipping) == 5
    web_uri = "https://ref.gs1.org/cbv/BizStep-shipping"
    assert (
        len(_events(client.get("/api/v1/epcis/events", params={"EQ_bizStep": web_uri}, headers=headers))) == 5
    )
    seen: list[str] = []
    url: str | None = "/api/v1/epcis/events?perPage=3"
    while url:
        response = client.get(url, headers=headers)
        seen += [e["eventID"] for e in _events(response)]
        link = response.headers.get("Link")
        url = re.match(r"<([^>]+)>; rel=\"next\"", link).group(1) if link else None  # type: ignore[union-attr]
    assert len(seen) == len(set(seen)) == 7
    one = quote(seen[0], safe="")
    assert [
        e["eventID"] for e in _events(client.get(f"/api/v1/epcis/events/{one}", headers=headers))
    ] == seen[:1]


def test_refusals_have_reasons_and_nothing_crosses_organisations(client: TestClient, actors: Actors) -> None:
    good = _event("SER9", "2025-02-01T10:00:00Z", "shipping", "in_transit")
    bad = _event("SER9", "2025-02-02T10:00:00Z", "shipping", "in_transit")
    bad["epcList"] = ["https://id.gs1.org/01/09506000134352/21/SER9?8030=" + "A" * 90]
    job = _capture(client, actors, "brand", [good, bad]).json()
    assert job["stored"] == 1 and not job["success"]
    assert job["errors"][0]["event"] == 1 and "constrained" in job["errors"][0]["reason"]
    rolled = _capture(client, actors, "brand", [good | {"eventTime": "2025-03-01T00:00:00Z"}, bad],
                      **{"GS1-Capture-Error-Behaviour": "rollback"}).json()  # fmt: skip
    assert rolled["stored"] == 0
    assert (
        client.get(f"/api/v1/epcis/capture/{job['captureID']}", headers=actors.headers("brand")).json() == job
    )
    assert (
        client.get(f"/api/v1/epcis/capture/{job['captureID']}", headers=actors.headers("police")).status_code
        == 404
    )
    other = client.get("/api/v1/epcis/events", headers=actors.headers("police"))
    assert _events(other) == []
    event_id = quote(
        _events(client.get("/api/v1/epcis/events", headers=actors.headers("brand")))[0]["eventID"], safe=""
    )
    missing = client.get(f"/api/v1/epcis/events/{event_id}", headers=actors.headers("police"))
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    assert client.get("/api/v1/epcis/events").status_code == 401
    not_json = client.post("/api/v1/epcis/capture", content=b"{", headers=actors.headers("brand"))
    assert not_json.status_code == 422 and "not JSON" in not_json.json()["message"]
    not_epcis = client.post("/api/v1/epcis/capture", json={"type": "Nope"}, headers=actors.headers("brand"))
    assert not_epcis.status_code == 422
    bad_token = client.get("/api/v1/epcis/events?nextPageToken=zzz", headers=actors.headers("brand"))
    assert bad_token.status_code == 422
