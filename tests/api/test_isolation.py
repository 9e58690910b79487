"""Cross-organisation isolation: through every list, detail, search, identifier and export route, each
principal sees exactly the records the marking rules allow — nothing more, nothing less."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.core.marking import TLP_LEVELS, marked_models
from countermark.ingest.readers import RawRow
from countermark.ingest.service import ingest_rows
from countermark.orgs.models import SharingGroup, SharingGroupMember
from tests.api.conftest import ORGS, Actors

OWNERS = {
    "rights": "brand",
    "recordals": "brand",
    "products": "brand",
    "authorised_sellers": "brand",
    "accounts": "police",
    "listings": "police",
    "shipments": "customs",
}
GROUP_MEMBERS = {"brand", "police", "customs"}  # owned by the brand; the platform and GACC are outside


def _record(kind: str, key: str) -> dict[str, Any]:
    base: dict[str, Any] = {"source": "iso", "external_id": key}
    if kind == "rights":
        return {
            **base,
            "kind": "trademark",
            "name": f"zebra {key}",
            "holder_name": "Maison Aurel",
            "registration_number": key,
            "office": "EUIPO",
            "jurisdictions": ["EU"],
        }
    if kind == "recordals":
        return {
            **base,
            "right": "rights-CLEAR",
            "jurisdiction": "FR",
            "authority": f"zebra {key}",
            "application_number": key,
            "valid_from": "2026-01-01",
            "valid_until": "2027-01-01",
        }
    if kind == "products":
        return {**base, "brand": "Aurel", "name": f"zebra {key}", "category": "bags"}
    if kind == "authorised_sellers":
        return {**base, "brand": "Aurel", "name": f"zebra {key}"}
    if kind == "accounts":
        return {
            **base,
            "platform": "ShopMarket",
            "handle": f"zebra-{key}",
            "bio": f"mail zebra.{key}@example.com",
        }
    if kind == "listings":
        return {
            **base,
            "platform": "ShopMarket",
            "url": f"https://shopmarket.example/{key}",
            "title": f"zebra {key}",
            "description": f"contact zebra.{key}@example.com",
            "observed_at": "2026-05-01T00:00:00Z",
        }
    return {
        **base,
        "declared_on": "2026-05-01",
        "transport_mode": "post",
        "consignor_name": f"Zebra {key} Ltd",
        "description": f"zebra {key}",
    }


VARIANTS = [(tlp, grouped) for tlp in TLP_LEVELS for grouped in (False, True)]


def _key(kind: str, tlp: str, grouped: bool) -> str:
    return f"{kind}-{tlp}" + ("-g" if grouped else "")


def expected_visible(viewer: str, owner: str, tlp: str, grouped: bool) -> bool:
    """The rules written out plainly, independently of the code under test."""
    if viewer == owner or tlp in ("GREEN", "CLEAR"):
        return True
    return grouped and viewer in GROUP_MEMBERS


@pytest.fixture
def seeded(store: AppContext, actors: Actors) -> dict[str, dict[str, int]]:
    """Every kind in every marking, with and without the sharing group; external_id → database id per kind."""
    with unit_of_work(store.sessions) as session:
        group = SharingGroup(name="Aurel enforcement", owner_org_id=actors.org_ids["brand"])
        session.add(group)
        session.flush()
        session.add_all(
            SharingGroupMember(group_id=group.id, org_id=actors.org_ids[k]) for k in GROUP_MEMBERS
        )
        ids: dict[str, dict[str, int]] = {}
        for kind, owner in OWNERS.items():
            for tlp, grouped in VARIANTS:
                key = _key(kind, tlp, grouped)
                report = ingest_rows(
                    session=session,
                    blobs=store.blobs,
                    kind=kind,
                    rows=[RawRow(1, _record(kind, key))],
                    owner_org_id=actors.org_ids[owner],
                    actor="seed",
                    label="seed",
                    tlp=tlp,
                )
                assert report.stored == 1, report.rejects
            model = marked_models()[kind]
            rows = session.scalars(select(model).where(model.source == "iso")).all()
            for row in rows:
                if row.external_id.endswith("-g"):
                    row.sharing_group_id = group.id
            ids[kind] = {row.external_id: row.id for row in rows}
        session.flush()
    return ids


def _expected_keys(kind: str, viewer: str) -> set[str]:
    return {_key(kind, tlp, g) for tlp, g in VARIANTS if expected_visible(viewer, OWNERS[kind], tlp, g)}


def _list_all(client: TestClient, actors: Actors, viewer: str, kind: str) -> set[str]:
    seen: set[str] = set()
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 3, "source": "iso"}
        if cursor:
            params["cursor"] = cursor
        response = client.get(f"/api/v1/{kind}", params=params, headers=actors.headers(viewer))
        assert response.status_code == 200, response.text
        body = response.json()
        seen |= {item["external_id"] for item in body["items"]}
        cursor = body["next_cursor"]
        if cursor is None:
            return seen


@pytest.mark.parametrize("viewer", list(ORGS))
def test_each_principal_sees_exactly_what_the_rules_allow_through_every_route(
    client: TestClient, actors: Actors, seeded: dict[str, dict[str, int]], viewer: str
) -> None:
    headers = actors.headers(viewer)
    for kind in OWNERS:
        expected = _expected_keys(kind, viewer)
        assert _list_all(client, actors, viewer, kind) == expected, f"list {kind}"
        for key, record_id in seeded[kind].items():
            status = client.get(f"/api/v1/{kind}/{record_id}", headers=headers).status_code
            assert status == (200 if key in expected else 404), f"detail {kind} {key}"
        export = client.get(f"/api/v1/{kind}/export.csv", params={"source": "iso"}, headers=headers)
        assert export.status_code == 200
        exported = {row["external_id"] for row in csv.DictReader(io.StringIO(export.text))}
        assert exported == expected, f"export {kind}"

    found = client.get("/api/v1/search", params={"q": "zebra"}, headers=headers).json()["results"]
    for kind in ("rights", "products", "listings", "accounts", "shipments"):
        visible_ids = {seeded[kind][k] for k in _expected_keys(kind, viewer)}
        assert {hit["id"] for hit in found[kind]} == visible_ids, f"search {kind}"

    identifiers = client.get(
        "/api/v1/identifiers", params={"q": "zebra.", "limit": 200}, headers=headers
    ).json()
    seen_subjects = {
        (s["subject_type"], s["subject_id"]) for item in identifiers["items"] for s in item["sightings"]
    }
    expected_subjects = {("listing", seeded["listings"][k]) for k in _expected_keys("listings", viewer)}
    expected_subjects |= {("account", seeded["accounts"][k]) for k in _expected_keys("accounts", viewer)}
    assert {s for s in seen_subjects if s[0] in ("listing", "account")} == expected_subjects


def test_the_public_gets_401_from_every_api_route(
    client: TestClient, seeded: dict[str, dict[str, int]]
) -> None:
    for kind in OWNERS:
        assert client.get(f"/api/v1/{kind}").status_code == 401
        assert client.get(f"/api/v1/{kind}/{next(iter(seeded[kind].values()))}").status_code == 401
    assert client.get("/api/v1/search", params={"q": "zebra"}).status_code == 401


def test_only_the_owner_may_change_a_marking(
    client: TestClient, actors: Actors, seeded: dict[str, dict[str, int]]
) -> None:
    record_id = seeded["listings"][_key("listings", "GREEN", False)]
    denied = client.put(
        f"/api/v1/markings/listings/{record_id}", json={"tlp": "CLEAR"}, headers=actors.headers("brand")
    )
    allowed = client.put(
        f"/api/v1/markings/listings/{record_id}", json={"tlp": "RED"}, headers=actors.headers("police")
    )
    hidden_id = seeded["listings"][_key("listings", "RED", False)]
    unseen = client.put(
        f"/api/v1/markings/listings/{hidden_id}", json={"tlp": "CLEAR"}, headers=actors.headers("brand")
    )
    assert denied.status_code == 403  # the brand sees the GREEN listing but does not own it
    assert unseen.status_code == 404  # a RED listing of another organisation is not there for the brand
    assert allowed.status_code == 200
    assert client.get(f"/api/v1/listings/{record_id}", headers=actors.headers("brand")).status_code == 404
