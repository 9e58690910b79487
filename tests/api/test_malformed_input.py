"""Malformed input an outside attacker sent (issue "Hardening", item 8): each answers 4xx, never 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from countermark.observe.schemas import ListingIn
from countermark.targeting.schemas import ShipmentIn
from tests.api.conftest import Actors

HUGE = "99999999999999999999"  # above 2^63: SQLite cannot bind it
LISTING = {
    "external_id": "L-1",
    "platform": "ShopMarket",
    "url": "https://shopmarket.example/1",
    "title": "Aurel tote",
    "observed_at": "2026-05-01T10:00:00Z",
}
SHIPMENT = {
    "external_id": "S-1",
    "kind": "consignment",
    "transport_mode": "post",
    "consignor_country": "CN",
    "consignee_country": "FR",
    "declared_on": "2026-05-01",
}


def _assert_error_body(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["code"] and body["message"]
    return body


def test_record_ids_beyond_the_database_range_are_422(client: TestClient, actors: Actors) -> None:
    headers = actors.headers("customs")
    for path in (
        f"/api/v1/listings/{HUGE}",
        f"/api/v1/rights/{HUGE}",
        "/api/v1/listings/0",
        f"/api/v1/ledger/entries/{HUGE}/proof",
        f"/api/v1/ledger/entries/1/proof?tree_size={HUGE}",
        f"/api/v1/ledger/consistency?first={HUGE}",
        f"/api/v1/ledger/consistency?first=1&second={HUGE}",
        f"/api/v1/codes/reports/{HUGE}",
    ):
        _assert_error_body(client.get(path, headers=headers), 422)


def test_integer_filters_and_cursors_beyond_range_are_422(client: TestClient, actors: Actors) -> None:
    headers = actors.headers("customs")
    _assert_error_body(client.get(f"/api/v1/listings?account_id={HUGE}", headers=headers), 422)
    _assert_error_body(client.get(f"/api/v1/listings?limit={HUGE}", headers=headers), 422)
    _assert_error_body(client.get(f"/api/v1/listings/export.csv?account_id={HUGE}", headers=headers), 422)
    cursor = "WyItaWQiLCAiMSIsIDk5OTk5OTk5OTk5OTk5OTk5OTk5OV0"  # ["-id", "1", 999999999999999999999]
    _assert_error_body(client.get(f"/api/v1/listings?cursor={cursor}", headers=headers), 422)


def test_a_hot_spot_radius_too_small_to_divide_by_is_422(client: TestClient, actors: Actors) -> None:
    response = client.get("/api/v1/codes/hotspots?radius_km=5e-324", headers=actors.headers("brand"))
    _assert_error_body(response, 422)


def _post_raw(client: TestClient, actors: Actors, kind: str, body: str) -> Any:
    headers = {**actors.headers("customs"), "content-type": "application/json"}
    return client.post(f"/api/v1/ingest/{kind}", content=body.encode(), headers=headers)


def test_a_lone_surrogate_is_refused_by_the_schemas() -> None:
    record = json.loads(json.dumps({**LISTING, "title": "tote \ud800 cheap"}))  # JSON's \ud800 escape
    with pytest.raises(ValidationError, match="cannot be encoded"):
        ListingIn.model_validate(record)
    with pytest.raises(ValidationError, match="cannot be encoded"):
        ShipmentIn.model_validate({**SHIPMENT, "attributes": {"k": ["ok", {"\ud800": 1}]}})


def test_shipment_attributes_are_bounded_in_depth_and_size() -> None:
    nested: Any = []
    for _ in range(500):
        nested = [nested]
    with pytest.raises(ValidationError, match="nested more than"):
        ShipmentIn.model_validate({**SHIPMENT, "attributes": {"deep": nested}})
    with pytest.raises(ValidationError, match="too large"):
        ShipmentIn.model_validate({**SHIPMENT, "attributes": {f"k{i}": "x" * 100 for i in range(2000)}})
    shallow = {"import": {"type": "H7", "tax": ["A00", "B00"]}}
    assert ShipmentIn.model_validate({**SHIPMENT, "attributes": shallow}).attributes == shallow


def test_a_lone_surrogate_in_a_listing_is_refused_not_stored(client: TestClient, actors: Actors) -> None:
    record = json.dumps({**LISTING, "title": "tote \ud800 cheap"})
    response = _post_raw(client, actors, "listings", f"[{record}]")
    assert response.status_code == 200, response.text
    assert (response.json()["stored"], response.json()["rejected"]) == (0, 1)


def test_deeply_nested_shipment_attributes_are_refused(client: TestClient, actors: Actors) -> None:
    nested = "[" * 500 + "]" * 500
    record = json.dumps(SHIPMENT)[:-1] + f', "attributes": {{"deep": {nested}}}}}'
    response = _post_raw(client, actors, "shipments", f"[{record}]")
    assert response.status_code == 200, response.text
    assert (response.json()["stored"], response.json()["rejected"]) == (0, 1)


def test_oversized_shipment_attributes_are_refused(client: TestClient, actors: Actors) -> None:
    attributes = {f"k{i}": "x" * 100 for i in range(2000)}
    response = _post_raw(client, actors, "shipments", json.dumps([{**SHIPMENT, "attributes": attributes}]))
    assert response.status_code == 200, response.text
    assert (response.json()["stored"], response.json()["rejected"]) == (0, 1)


def test_the_openapi_document_describes_the_error_body_the_api_sends(client: TestClient) -> None:
    document = client.get("/api/v1/openapi.json").json()
    assert set(document["components"]["schemas"]["Error"]["required"]) == {"status", "code", "message"}
    assert "HTTPValidationError" not in document["components"]["schemas"]
    error = {"$ref": "#/components/schemas/Error"}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status in ("401", "403", "404", "409", "422", "429"):
                content = operation["responses"][status]["content"]
                assert content["application/json"]["schema"] == error, (method, path, status)


def test_a_reward_for_a_report_id_beyond_range_is_422(client: TestClient, actors: Actors) -> None:
    response = client.post(
        f"/api/v1/codes/reports/{HUGE}/reward", json={"status": "paid"}, headers=actors.headers("brand")
    )
    _assert_error_body(response, 422)


# Every router declares its `{id}` parameters with `core.http.params.RecordId` (or `QueryId` for ?after=).
@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/cases/{HUGE}",
        f"/api/v1/cases/{HUGE}/notices",
        f"/api/v1/codes/batches/{HUGE}",
        f"/api/v1/fingerprint/banks/{HUGE}",
        f"/api/v1/fingerprint/banks/{HUGE}/entries",
        f"/api/v1/fingerprint/entries/{HUGE}/image",
    ],
)
def test_ids_beyond_range_in_other_routers_are_not_500(client: TestClient, actors: Actors, path: str) -> None:
    assert client.get(path, headers=actors.headers("customs")).status_code < 500
