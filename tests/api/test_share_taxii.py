"""The TAXII 2.1 routes: negotiation, authentication, read/write per partner, paging, filters, status."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.observe.models import Account
from countermark.orgs.models import SharingGroup, SharingGroupMember
from countermark.share.collections_service import create_collection, grant, publish
from tests.api.conftest import Actors, make_actor

TAXII = "application/taxii+json;version=2.1"
MARKINGS = [("GREEN", True), ("AMBER", True), ("AMBER", False), ("AMBER+STRICT", True), ("RED", True)]


def _setup(store: AppContext, client: TestClient, actors: Actors) -> str:
    rows = [
        {
            "external_id": f"A{i}",
            "platform": "shopmarket",
            "handle": f"seller_{i}",
            "contacts": [f"seller{i}@mail.example"],
        }
        for i in range(10)
    ]
    response = client.post("/api/v1/ingest/accounts", json=rows, headers=actors.headers("customs"))
    assert response.status_code == 200, response.text
    with unit_of_work(store.sessions) as session:
        group = SharingGroup(name="FR-CN", owner_org_id=actors.org_ids["customs"])
        session.add(group)
        session.flush()
        session.add_all(
            [SharingGroupMember(group_id=group.id, org_id=actors.org_ids[k]) for k in ("customs", "abroad")]
        )
        accounts = session.scalars(select(Account).order_by(Account.id)).all()
        for i, account in enumerate(accounts):
            account.tlp, grouped = MARKINGS[i % len(MARKINGS)]
            account.sharing_group_id = group.id if grouped else None
        collection = create_collection(
            session, title="FR-CN", owner_org_id=actors.org_ids["customs"], sharing_group_id=group.id
        )
        grant(session, collection=collection, org_id=actors.org_ids["abroad"], can_read=True, can_write=False)
        session.flush()
        publish(session, collection=collection, origin="test")
        return collection.uuid


def _get(client: TestClient, actors: Actors, org: str, path: str, **params: Any) -> Any:
    return client.get(path, params=params, headers={**actors.headers(org), "Accept": TAXII})


def test_discovery_needs_a_token_and_speaks_only_taxii_2_1(client: TestClient, actors: Actors) -> None:
    assert client.get("/taxii2/", headers={"Accept": TAXII}).status_code == 401
    wrong = client.get(
        "/taxii2/", headers={**actors.headers("abroad"), "Accept": "application/taxii+json;version=2.0"}
    )
    assert wrong.status_code == 406 and wrong.json()["code"] == "not_acceptable"
    found = _get(client, actors, "abroad", "/taxii2/")
    assert found.status_code == 200 and found.headers["content-type"] == TAXII
    assert found.json()["api_roots"][0].endswith("/taxii2/api/")
    assert _get(client, actors, "abroad", "/taxii2/api/").json()["versions"] == [TAXII]


def test_a_partner_reads_its_collection_page_by_page_and_never_what_must_stay_home(
    store: AppContext, client: TestClient, actors: Actors
) -> None:
    uuid = _setup(store, client, actors)
    listed = _get(client, actors, "abroad", "/taxii2/api/collections/").json()["collections"]
    assert [(c["id"], c["can_read"], c["can_write"]) for c in listed] == [(uuid, True, False)]
    assert _get(client, actors, "police", f"/taxii2/api/collections/{uuid}/").status_code == 404
    seen: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 7}
    while True:
        page = _get(client, actors, "abroad", f"/taxii2/api/collections/{uuid}/objects/", **params)
        assert page.status_code == 200, page.text
        body = page.json()
        seen += body.get("objects", [])
        assert page.headers["X-TAXII-Date-Added-Last"]
        if not body["more"]:
            break
        params = {"limit": 7, "next": body["next"]}
    ids = [obj["id"] for obj in seen]
    assert len(ids) == len(set(ids))
    handles = {obj.get("user_id") for obj in seen if obj["type"] == "user-account"}
    assert handles == {"seller_0", "seller_1", "seller_5", "seller_6"}  # GREEN and AMBER in the group only
    everything = _get(
        client, actors, "customs", f"/taxii2/api/collections/{uuid}/objects/", limit=1000
    ).json()
    own = {obj.get("user_id") for obj in everything["objects"] if obj["type"] == "user-account"}
    assert "seller_3" in own and "seller_4" not in own  # the owner's AMBER+STRICT; RED is never published

    accounts = _get(
        client,
        actors,
        "abroad",
        f"/taxii2/api/collections/{uuid}/objects/",
        **{"match[type]": "user-account"},
    )
    assert {o["type"] for o in accounts.json()["objects"]} == {"user-account"}
    last = page.headers["X-TAXII-Date-Added-Last"]
    after = _get(
        client, actors, "abroad", f"/taxii2/api/collections/{uuid}/objects/", added_after=last
    ).json()
    assert after == {"more": False}
    manifest = _get(client, actors, "abroad", f"/taxii2/api/collections/{uuid}/manifest/", limit=1000).json()
    assert {m["id"] for m in manifest["objects"]} == set(ids)
    versions = _get(client, actors, "abroad", f"/taxii2/api/collections/{uuid}/objects/{ids[0]}/versions/")
    assert versions.status_code == 200 and versions.json()["versions"]
    hidden = next(o["id"] for o in everything["objects"] if o.get("user_id") == "seller_3")
    assert (
        _get(client, actors, "abroad", f"/taxii2/api/collections/{uuid}/objects/{hidden}/").status_code == 404
    )


def test_writes_need_the_write_grant_a_bounded_envelope_and_give_clear_errors(
    store: AppContext, client: TestClient, actors: Actors
) -> None:
    uuid = _setup(store, client, actors)
    url = f"/taxii2/api/collections/{uuid}/objects/"
    headers = {**actors.headers("abroad"), "Accept": TAXII, "Content-Type": TAXII}
    assert client.post(url, content=b'{"objects": []}', headers=headers).status_code == 403  # read-only grant
    own = {**actors.headers("customs"), "Accept": TAXII}
    assert (
        client.post(url, content=b"{}", headers={**own, "Content-Type": "application/json"}).status_code
        == 415
    )
    assert client.post(url, content=b"not json", headers={**own, "Content-Type": TAXII}).status_code == 422
    assert (
        client.post(url, content=b'{"objects": 3}', headers={**own, "Content-Type": TAXII}).status_code == 422
    )
    added = client.post(
        url, content=b'{"objects": [{"type": "x"}, 5]}', headers={**own, "Content-Type": TAXII}
    )
    assert added.status_code == 202 and added.json()["failure_count"] == 2
    status_url = f"/taxii2/api/status/{added.json()['id']}/"
    assert client.get(status_url, headers=own).json()["status"] == "complete"
    assert client.get(status_url, headers={**actors.headers("abroad"), "Accept": TAXII}).status_code == 404
    make_actor(store, "reader", "Reader org", "customs", "DE", actors, scopes=("read",))
    readonly = {**actors.headers("reader"), "Accept": TAXII, "Content-Type": TAXII}
    assert client.post(url, content=b'{"objects": []}', headers=readonly).status_code == 403
    for bad in (
        {"added_after": "yesterday"},
        {"next": "garbage"},
        {"match[version]": "soon"},
        {"match[colour]": "x"},
    ):
        answer = _get(client, actors, "customs", url, **bad)
        assert answer.status_code == 422, (bad, answer.text)


def test_a_request_for_assistance_travels_and_its_status_comes_back(
    store: AppContext, client: TestClient, actors: Actors
) -> None:
    from countermark.share.models import SharePartner

    with unit_of_work(store.sessions) as session:
        session.add(
            SharePartner(
                name="GACC instance",
                org_id=actors.org_ids["abroad"],
                acting_org_id=actors.org_ids["customs"],
                api_root_url="http://127.0.0.1:9/taxii2/api/",
            )
        )
    body = {
        "uuid": "5b1c7c9e-1d2e-4f3a-9b8c-7d6e5f4a3b2c",
        "subject": "Network 1",
        "asked": "Seizure records",
        "legal_basis": "CMAA FR-CN 2014, art. 4",
        "deadline": "2026-06-30",
        "attachment_refs": ["intrusion-set--x"],
    }
    assert (
        client.post("/api/v1/share/requests", json=body, headers=actors.headers("police")).status_code == 403
    )
    sent = client.post("/api/v1/share/requests", json=body, headers=actors.headers("abroad"))
    assert sent.status_code == 201 and sent.json()["status"] == "received"
    assert (
        client.post("/api/v1/share/requests", json=body, headers=actors.headers("abroad")).status_code == 201
    )
    url = f"/api/v1/share/requests/{body['uuid']}"
    assert (
        client.post(
            f"{url}/status", json={"status": "accepted"}, headers=actors.headers("police")
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"{url}/status", json={"status": "answered"}, headers=actors.headers("customs")
        ).status_code
        == 422
    )
    assert (
        client.post(
            f"{url}/status", json={"status": "accepted"}, headers=actors.headers("customs")
        ).status_code
        == 200
    )
    client.post(
        f"{url}/status",
        json={"status": "answered", "answer": "3 seizures"},
        headers=actors.headers("customs"),
    )
    back = client.get(url, headers=actors.headers("abroad")).json()
    assert (back["status"], back["answer"]) == ("answered", "3 seizures")
    assert [h["status"] for h in back["history"]] == ["received", "accepted", "answered"]
    assert client.get(url, headers=actors.headers("police")).status_code == 403
