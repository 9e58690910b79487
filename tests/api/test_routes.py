"""API routes: success, validation errors, pagination, tokens, ingestion, OpenAPI, and no 500 on bad input."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openapi_spec_validator import validate
from sqlalchemy import select

from countermark.core.clock import utcnow
from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.orgs.models import ApiToken
from tests.api.conftest import Actors, make_actor
from tests.service.helpers import RIGHT

LISTING = {
    "platform": "ShopMarket",
    "url": "https://shopmarket.example/1",
    "title": "Aurel tote",
    "observed_at": "2026-05-01T10:00:00Z",
    "description": "wechat: aurel_outlet",
}


def _ingest(client: TestClient, actors: Actors, org: str, kind: str, records: list[Any]) -> dict[str, Any]:
    response = client.post(f"/api/v1/ingest/{kind}", json=records, headers=actors.headers(org))
    assert response.status_code == 200, response.text
    return response.json()


def test_ingest_through_the_api_is_validated_and_idempotent(client: TestClient, actors: Actors) -> None:
    records = [RIGHT, {**RIGHT, "external_id": "R-bad", "nice_classes": [99]}, "not an object"]
    first = _ingest(client, actors, "brand", "rights", records)
    second = _ingest(client, actors, "brand", "rights", records[:1])
    assert (first["stored"], first["rejected"]) == (1, 2)
    assert "Nice classes" in first["rejects"][0]["errors"][0]
    assert (second["stored"], second["unchanged"]) == (0, 1)


def test_listing_pages_follow_the_cursor_to_the_end_without_repeats(
    client: TestClient, actors: Actors
) -> None:
    records = [
        {
            **LISTING,
            "external_id": f"L-{i:02d}",
            "url": f"https://shopmarket.example/{i}",
            "observed_at": f"2026-05-{1 + i % 3:02d}T10:00:00Z",
        }
        for i in range(23)
    ]
    _ingest(client, actors, "police", "listings", records)
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        params: dict[str, Any] = {"limit": 5, "sort": "-observed_at"}
        if cursor:
            params["cursor"] = cursor
        body = client.get("/api/v1/listings", params=params, headers=actors.headers("police")).json()
        seen += [item["external_id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(r["external_id"] for r in records)
    assert len(seen) == len(set(seen))


def test_filters_and_text_search_narrow_the_list(client: TestClient, actors: Actors) -> None:
    _ingest(
        client,
        actors,
        "police",
        "listings",
        [
            {**LISTING, "external_id": "A", "language": "fr", "title": "Sac Aurel"},
            {**LISTING, "external_id": "B", "language": "en", "title": "Aurel bag"},
            {**LISTING, "external_id": "C", "language": "en", "title": "Garden hose", "description": "hose"},
        ],
    )
    headers = actors.headers("police")
    english = client.get("/api/v1/listings", params={"language": "en"}, headers=headers).json()["items"]
    aurel = client.get("/api/v1/listings", params={"q": "AUREL", "sort": "title"}, headers=headers).json()[
        "items"
    ]
    assert {i["external_id"] for i in english} == {"B", "C"}
    assert [i["external_id"] for i in aurel] == ["B", "A"]


def test_listing_detail_carries_its_identifiers(client: TestClient, actors: Actors) -> None:
    _ingest(client, actors, "police", "listings", [{**LISTING, "external_id": "X"}])
    headers = actors.headers("police")
    listing_id = client.get("/api/v1/listings", headers=headers).json()["items"][0]["id"]
    detail = client.get(f"/api/v1/listings/{listing_id}", headers=headers).json()
    assert {"kind": "messaging_handle", "value": "wechat:aurel_outlet"} in [
        {"kind": i["kind"], "value": i["value"]} for i in detail["identifiers"]
    ]


@pytest.mark.parametrize(
    ("path", "params", "fragment"),
    [
        ("/api/v1/listings", {"limit": 0}, "limit must be between"),
        ("/api/v1/listings", {"limit": "many"}, "limit"),
        ("/api/v1/listings", {"sort": "password"}, "cannot sort by"),
        ("/api/v1/listings", {"colour": "red"}, "unknown parameter"),
        ("/api/v1/listings", {"cursor": "%%%garbage"}, "cursor is not valid"),
        ("/api/v1/listings", {"observed_at": "x"}, "unknown parameter"),
        ("/api/v1/shipments", {"declared_on": "not-a-date"}, "not a valid value"),
        ("/api/v1/listings/abc", {}, "record_id"),
        ("/api/v1/search", {"q": "a"}, "2 to 200 characters"),
        ("/api/v1/identifiers", {}, "give value="),
        ("/api/v1/blobs/xyz", {}, "SHA-256"),
    ],
)
def test_malformed_requests_get_a_useful_4xx(
    client: TestClient, actors: Actors, path: str, params: dict[str, Any], fragment: str
) -> None:
    response = client.get(path, params=params, headers=actors.headers("police"))
    assert 400 <= response.status_code < 500
    body = response.json()
    assert set(body) >= {"status", "code", "message"}
    assert fragment in body["message"]


@pytest.mark.parametrize("body", [None, "not json", {"records": []}, [1, 2, 3], ["x" * 10]])
def test_malformed_ingest_bodies_never_give_a_500(client: TestClient, actors: Actors, body: Any) -> None:
    kwargs: dict[str, Any] = {"content": body} if isinstance(body, str) else {"json": body}
    response = client.post("/api/v1/ingest/listings", headers=actors.headers("police"), **kwargs)
    assert response.status_code < 500


def test_a_token_works_until_revoked_and_a_read_token_cannot_write(
    client: TestClient, actors: Actors
) -> None:
    created = client.post(
        "/api/v1/tokens", json={"name": "feed", "scopes": ["read"]}, headers=actors.headers("brand")
    )
    assert created.status_code == 201
    token = created.json()["token"]
    reader = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/rights", headers=reader).status_code == 200
    assert client.post("/api/v1/ingest/rights", json=[RIGHT], headers=reader).status_code == 403
    assert (
        client.delete(f"/api/v1/tokens/{created.json()['id']}", headers=actors.headers("brand")).status_code
        == 200
    )
    refused = client.get("/api/v1/rights", headers=reader)
    assert refused.status_code == 401
    assert "revoked" in refused.json()["message"]


def test_an_expired_token_is_refused(client: TestClient, actors: Actors, store: AppContext) -> None:
    with unit_of_work(store.sessions) as session:
        for token in session.scalars(select(ApiToken)):
            token.expires_at = utcnow() - timedelta(seconds=1)
    response = client.get("/api/v1/me", headers=actors.headers("brand"))
    assert response.status_code == 401
    assert "expired" in response.json()["message"]


@pytest.mark.parametrize("header", ["Bearer", "Bearer nonsense", "Basic abc", "Bearer cm_x_y"])
def test_bad_credentials_get_401_with_a_reason(client: TestClient, actors: Actors, header: str) -> None:
    response = client.get("/api/v1/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_user_cannot_grant_a_token_more_than_their_role(client: TestClient, store: AppContext) -> None:
    actors = Actors()
    make_actor(store, "viewer", "Viewer Org", "other", "FR", actors, scopes=("read",))
    response = client.post(
        "/api/v1/tokens", json={"name": "x", "scopes": ["admin"]}, headers=actors.headers("viewer")
    )
    assert response.status_code == 403


def test_admins_create_users_and_sharing_groups(client: TestClient, actors: Actors) -> None:
    headers = actors.headers("brand")
    user = client.post(
        "/api/v1/users",
        headers=headers,
        json={
            "email": "analyst@aurel.example",
            "display_name": "Analyst",
            "role": "analyst",
            "password": "long enough password",
        },
    )
    short = client.post(
        "/api/v1/users",
        headers=headers,
        json={"email": "x@aurel.example", "display_name": "X", "password": "short"},
    )
    group = client.post(
        "/api/v1/sharing-groups",
        headers=headers,
        json={"name": "Aurel + DGDDI", "member_org_ids": [actors.org_ids["customs"]]},
    )
    unknown = client.post(
        "/api/v1/sharing-groups", headers=headers, json={"name": "bad", "member_org_ids": [999]}
    )
    assert user.status_code == 201
    assert short.status_code == 422
    assert group.status_code == 201
    assert set(group.json()["member_org_ids"]) == {actors.org_ids["brand"], actors.org_ids["customs"]}
    assert unknown.status_code == 422
    audit = client.get("/api/v1/audit", headers=headers).json()
    assert {"create"} <= {entry["action"] for entry in audit}


def test_sharing_group_names_are_each_organisations_own(client: TestClient, actors: Actors) -> None:
    """Issue #12: a name another organisation chose is neither refused nor revealed; one's own is a 409."""
    body = {"name": "Operation Lantern", "member_org_ids": []}
    first = client.post("/api/v1/sharing-groups", headers=actors.headers("customs"), json=body)
    other = client.post("/api/v1/sharing-groups", headers=actors.headers("brand"), json=body)
    again = client.post("/api/v1/sharing-groups", headers=actors.headers("brand"), json=body)
    assert first.status_code == 201 and other.status_code == 201, (first.text, other.text)
    assert first.json()["id"] != other.json()["id"]
    assert again.status_code == 409 and "your organisation already has" in again.json()["message"]
    listed = client.get("/api/v1/sharing-groups", headers=actors.headers("brand")).json()
    assert [g["id"] for g in listed if g["name"] == "Operation Lantern"] == [other.json()["id"]]


def test_exports_are_audited(client: TestClient, actors: Actors) -> None:
    client.get("/api/v1/listings/export.csv", headers=actors.headers("police"))
    audit = client.get("/api/v1/audit", headers=actors.headers("police")).json()
    assert any(e["action"] == "export" and e["subject_type"] == "listings" for e in audit)


def test_openapi_documents_every_api_route(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    validate(spec)  # raises on any violation of the OpenAPI 3.1 schema
    api_routes = {
        re.sub(r":\w+}", "}", route.path)  # `{epc:path}` is documented as `{epc}`
        for route in client.app.routes  # type: ignore[attr-defined]
        if getattr(route, "path", "").startswith("/api/v1/")
    }
    api_routes.discard("/api/v1/openapi.json")
    assert len(api_routes) > 100 and api_routes <= set(spec["paths"])
    for path, operations in spec["paths"].items():
        for operation in operations.values():
            assert operation.get("summary"), f"{path} lacks a summary"
            assert "responses" in operation


def test_search_finds_a_phone_typed_with_spaces(client: TestClient, actors: Actors) -> None:
    _ingest(client, actors, "police", "accounts", [
        {"external_id": "A1", "platform": "ShopMarket", "handle": "h", "bio": "call +86 138 0013 8000"}])
    headers = actors.headers("police")
    found = client.get("/api/v1/search", params={"q": "+86 138 0013 8000"}, headers=headers).json()
    assert [hit["value"] for hit in found["results"]["identifiers"]] == ["+8613800138000"]
