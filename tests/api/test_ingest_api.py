"""Ingestion through the API (issue 12, item 9): listing text has a size limit, a key another organisation
holds is a new record of one's own that reveals nothing, and shipments go through the batched path with
the same report."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import Actors

LISTING = {
    "source": "feed",
    "external_id": "L-1",
    "platform": "ShopMarket",
    "url": "https://shopmarket.example/1",
    "title": "Aurel tote",
    "observed_at": "2026-05-01T10:00:00Z",
}
SHIPMENT = {
    "source": "dgddi",
    "external_id": "D-1",
    "declared_on": "2026-03-02",
    "transport_mode": "post",
    "consignor_name": "Bright Trading",
    "consignor_contact": "sales@bright-trade.cn",
}


def _post(client: TestClient, actors: Actors, org: str, kind: str, records: list[Any]) -> dict[str, Any]:
    response = client.post(f"/api/v1/ingest/{kind}", json=records, headers=actors.headers(org))
    assert response.status_code == 200, response.text
    return response.json()


def test_listing_text_is_bounded_with_a_clear_reason(client: TestClient, actors: Actors) -> None:
    records = [
        {**LISTING, "description": "x" * 20_000},
        {**LISTING, "external_id": "L-2", "description": "x" * 20_001},
        {**LISTING, "external_id": "L-3", "title": "t" * 1_001},
    ]
    report = _post(client, actors, "platform", "listings", records)
    assert (report["stored"], report["rejected"]) == (1, 2)
    assert report["rejects"][0]["errors"] == ["description: String should have at most 20000 characters"]
    assert report["rejects"][1]["errors"] == ["title: String should have at most 1000 characters"]
    listing = client.get("/api/v1/listings", headers=actors.headers("platform")).json()
    assert [len(item["description"]) for item in listing["items"]] == [20_000]


def test_free_text_and_lists_of_every_kind_are_bounded(client: TestClient, actors: Actors) -> None:
    account = {"source": "feed", "platform": "ShopMarket", "handle": "seller"}
    accounts = [
        {**account, "external_id": "A-1", "bio": "b" * 5_000, "contacts": ["c" * 300] * 50},
        {**account, "external_id": "A-2", "handle": "two", "bio": "b" * 5_001},
        {**account, "external_id": "A-3", "handle": "three", "contacts": ["x@y.example"] * 51},
        {**account, "external_id": "A-4", "handle": "four", "contacts": ["c" * 301]},
    ]
    report = _post(client, actors, "platform", "accounts", accounts)
    assert (report["stored"], report["rejected"]) == (1, 3)
    assert [r["errors"][0].split(":")[0] for r in report["rejects"]] == ["bio", "contacts", "contacts.0"]
    images = {**LISTING, "external_id": "L-9", "images": ["a.jpg"] * 51}
    assert _post(client, actors, "platform", "listings", [images])["rejected"] == 1
    shipments = [
        {**SHIPMENT, "external_id": "D-8", "description": "d" * 2_001},
        {**SHIPMENT, "external_id": "D-9", "consignee_contact": "c" * 301},
        {**SHIPMENT, "external_id": "D-10", "description": "d" * 2_000},
    ]
    report = _post(client, actors, "customs", "shipments", shipments)
    assert (report["stored"], report["rejected"]) == (1, 2)


def test_a_key_another_organisation_holds_is_a_new_record_and_reveals_nothing(
    client: TestClient, actors: Actors
) -> None:
    _post(client, actors, "police", "shipments", [{**SHIPMENT, "description": "seized watches"}])
    report = _post(client, actors, "customs", "shipments", [{**SHIPMENT, "version": 7}])
    fresh = _post(client, actors, "customs", "shipments", [{**SHIPMENT, "external_id": "D-2", "version": 7}])
    # One key space per organisation: the same report as for a key nobody holds.
    assert report == fresh == {
        "read": 1, "stored": 1, "updated": 0, "unchanged": 0, "rejected": 0, "rejects": []
    }  # fmt: skip
    again = _post(client, actors, "police", "shipments", [{**SHIPMENT, "description": "seized watches"}])
    assert again["unchanged"] == 1  # the police's record is untouched


def test_shipments_through_the_api_report_versions_and_duplicates(client: TestClient, actors: Actors) -> None:
    records = [
        SHIPMENT,
        SHIPMENT,  # the same again: unchanged
        {**SHIPMENT, "version": 2, "consignee_name": "M. Dupont"},  # newer: updated
        {**SHIPMENT, "version": 2, "consignee_name": "Other"},  # same version, other content: rejected
        {**SHIPMENT, "external_id": "D-2", "transport_mode": "teleport"},  # invalid
    ]
    report = _post(client, actors, "customs", "shipments", records)
    counts = {k: report[k] for k in ("read", "stored", "updated", "unchanged", "rejected")}
    assert counts == {"read": 5, "stored": 1, "updated": 1, "unchanged": 1, "rejected": 2}
    assert [r["line"] for r in report["rejects"]] == [4, 5]
    again = _post(client, actors, "customs", "shipments", records[2:3])
    assert again["unchanged"] == 1
