"""Networks over the API and the pages: visibility (404 for absent and not-yours), members and edges with
their evidence, why a member is there, the hub list (read, edit by its owner with the write scope), and
the network page with its server-drawn graph."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.link.store_reads import link_organisation
from tests.api.conftest import Actors, make_actor
from tests.service.helpers import ingest, write_jsonl
from tests.service.test_link_store import AUTHORISED, LISTINGS, RING, SHIPMENTS

HTML = {"accept": "text/html"}


@pytest.fixture
def linked(store: AppContext, actors: Actors, tmp_path: Path) -> Actors:
    """The customs organisation's ring, official stores and consignments, linked."""
    org = actors.org_ids["customs"]
    for kind, rows in (("accounts", RING), ("listings", LISTINGS), ("shipments", SHIPMENTS),
                       ("authorised_sellers", AUTHORISED)):  # fmt: skip
        ingest(store, kind, write_jsonl(tmp_path / f"{kind}.jsonl", rows), org)
    with unit_of_work(store.sessions) as session:
        link_organisation(session=session, owner_org_id=org, actor="test")
    return actors


def _ring(client: TestClient, actors: Actors) -> dict[str, object]:
    page = client.get("/api/v1/networks?operator=false", headers=actors.headers("customs")).json()
    assert page["total"] == 1
    return dict(page["items"][0])


def test_networks_are_listed_only_to_their_owner(client: TestClient, linked: Actors) -> None:
    mine = client.get("/api/v1/networks", headers=linked.headers("customs"))
    assert mine.status_code == 200 and mine.json()["total"] == 2
    assert [n["operator"] for n in mine.json()["items"]].count(True) == 1
    assert client.get("/api/v1/networks", headers=linked.headers("police")).json()["total"] == 0
    ring = _ring(client, linked)
    assert client.get(f"/api/v1/networks/{ring['id']}", headers=linked.headers("police")).status_code == 404
    assert client.get("/api/v1/networks/999999", headers=linked.headers("customs")).status_code == 404
    assert client.get("/api/v1/networks?min_score=2", headers=linked.headers("customs")).status_code == 422
    assert client.get("/api/v1/networks").status_code == 401


def test_a_network_has_members_edges_and_why(client: TestClient, linked: Actors) -> None:
    ring = _ring(client, linked)
    detail = client.get(f"/api/v1/networks/{ring['id']}", headers=linked.headers("customs")).json()
    kinds = {m["kind"] for m in detail["members"]}
    assert kinds == {"account", "shop", "domain", "listing", "consignor"}
    assert any(
        e["evidence"] == "exact:email" and "ring@fakes-mail.com" in e["detail"] for e in detail["edges"]
    )
    listing = next(m for m in detail["members"] if m["kind"] == "listing")
    why = client.get(f"/api/v1/networks/{ring['id']}/why", params={"member": listing["key"]},
                     headers=linked.headers("customs"))  # fmt: skip
    assert why.status_code == 200
    chain = why.json()["chain"]
    assert len(chain) == listing["depth"] and chain[-1]["evidence"] == "listed_by"
    control = client.get(f"/api/v1/networks/{ring['id']}/why", params={"member": "account:1\u0001"},
                         headers=linked.headers("customs"))  # fmt: skip
    assert control.status_code == 422
    missing = client.get(f"/api/v1/networks/{ring['id']}/why", params={"member": "account:424242"},
                         headers=linked.headers("customs"))  # fmt: skip
    assert missing.status_code == 404
    assert (
        client.get(f"/api/v1/networks/{ring['id']}/why", headers=linked.headers("customs")).status_code == 422
    )
    of_listing = {"record_type": "listing", "record_id": listing["record_id"]}
    by_record = client.get("/api/v1/networks", params=of_listing, headers=linked.headers("customs"))
    assert [n["id"] for n in by_record.json()["items"]] == [ring["id"]]


def test_the_hub_list_is_edited_by_its_owner_with_the_write_scope(
    client: TestClient, store: AppContext, linked: Actors
) -> None:
    body = {"kind": "email", "value": "support@market-mail.com", "hub": True}
    put = client.put("/api/v1/link/hubs", json=body, headers=linked.headers("customs"))
    assert put.status_code == 200 and put.json()["source"] == "analyst"
    assert client.put("/api/v1/link/hubs", json={"kind": "Bad Kind!", "value": "x"},
                      headers=linked.headers("customs")).status_code == 422  # fmt: skip
    zzz = {"kind": "zzz", "value": "x"}
    unknown = client.put("/api/v1/link/hubs", json=zzz, headers=linked.headers("customs"))
    assert unknown.status_code == 422 and "payment_account" in unknown.json()["message"]
    nul = {"kind": "email", "value": "a\u0000b@x-mail.com"}
    assert client.put("/api/v1/link/hubs", json=nul, headers=linked.headers("customs")).status_code == 422
    make_actor(store, "reader", "Reader Org", "customs", "FR", linked, scopes=("read",))
    assert client.put("/api/v1/link/hubs", json=body, headers=linked.headers("reader")).status_code == 403
    hubs = client.get("/api/v1/link/hubs", headers=linked.headers("customs")).json()
    assert [h["value"] for h in hubs] == ["support@market-mail.com"]
    # The reason is worded in the reader's language, not in the engine's English.
    page = client.get("/networks/hubs", params={"lang": "fr"}, headers={**HTML, **linked.headers("customs")})
    assert "déclarée valeur carrefour par un analyste" in page.text and "by an analyst" not in page.text
    assert client.get("/api/v1/link/hubs", headers=linked.headers("police")).json() == []
    hub_id = put.json()["id"]
    assert client.delete(f"/api/v1/link/hubs/{hub_id}", headers=linked.headers("police")).status_code == 404
    assert client.delete(f"/api/v1/link/hubs/{hub_id}", headers=linked.headers("customs")).status_code == 204
    assert client.get("/api/v1/link/hubs", headers=linked.headers("customs")).json() == []


def test_the_network_page_draws_its_graph_and_says_why(client: TestClient, linked: Actors) -> None:
    ring = _ring(client, linked)
    headers = {**HTML, **linked.headers("customs")}
    listing_page = client.get("/networks", headers=headers)
    assert listing_page.status_code == 200 and str(ring["key"]) in listing_page.text
    page = client.get(f"/networks/{ring['id']}", params={"member": "account:1"}, headers=headers)
    assert page.status_code == 200
    assert "<svg" in page.text and "same e-mail" in page.text and 'href="/networks/graph.css"' in page.text
    assert "http://" not in page.text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert (
        client.get(f"/networks/{ring['id']}", headers={**HTML, **linked.headers("police")}).status_code == 404
    )
    assert "<script" not in page.text
    style = client.get("/networks/graph.css")
    assert style.status_code == 200 and style.headers["content-type"].startswith("text/css")
    of = client.get("/networks/of/account/1", headers=headers, follow_redirects=False)
    assert of.status_code == 303 and of.headers["location"].startswith(f"/networks/{ring['id']}")
    unknown = client.get(f"/networks/{ring['id']}", params={"member": "account:424242"}, headers=headers)
    assert unknown.status_code == 200 and "No such member in this network." in unknown.text
    listing_page = client.get("/listings/1", headers=headers)
    assert listing_page.status_code == 200 and 'href="/networks/of/listing/1"' in listing_page.text
    assert 'href="/networks/of/account/1"' in client.get("/accounts/1", headers=headers).text
    hubs = client.get("/networks/hubs", headers=headers)
    assert hubs.status_code == 200 and 'action="/networks/hubs"' in hubs.text
    why = {"member": "account:1", "lang": "fr"}
    french = client.get(f"/networks/{ring['id']}", params=why, headers=headers)
    assert "Pourquoi" in french.text and "même e-mail" in french.text
    # The evidence is named in the reader's language, never by its code or the engine's English phrase.
    leftovers = ("exact:", "fuzzy:", "splink:", "seller id on the declaration", "listed by ", "same e-mail")
    for english in leftovers:
        assert english not in french.text, english


def test_a_network_shows_each_reader_only_the_members_it_may_see_now(
    client: TestClient, linked: Actors
) -> None:
    """The customs mark their ring GREEN for partners: the police see the network, not the AMBER records in
    it, until one of them is marked GREEN too; a hidden member reads as an absent one everywhere."""
    ring = _ring(client, linked)
    url = f"/api/v1/networks/{ring['id']}"
    customs, police = linked.headers("customs"), linked.headers("police")
    mine = client.get(url, headers=customs).json()
    listing = next(m for m in mine["members"] if m["kind"] == "listing")
    account = next(m for m in mine["members"] if m["kind"] == "account")
    green = {"tlp": "GREEN"}
    marked = client.put(f"/api/v1/markings/link_networks/{ring['id']}", json=green, headers=customs)
    assert marked.status_code == 200, marked.text
    theirs = client.get(url, headers=police)
    assert theirs.status_code == 200
    assert theirs.json()["members"] == [] and theirs.json()["edges"] == []
    # Nor how many there are: the list and the detail count the members the reader may see.
    assert theirs.json()["network"]["size"] == 0 and theirs.json()["network"]["kinds"] == {}
    listed = client.get("/api/v1/networks?operator=false", headers=police).json()["items"]
    assert [(n["id"], n["size"], n["kinds"]) for n in listed] == [(ring["id"], 0, {})]
    assert ring["size"] == len(mine["members"]) > 0
    holding = client.get("/api/v1/networks", params={"kind": "listing"}, headers=police).json()
    assert holding["total"] == 0, "a listing the reader may not see is no listing of the network"
    for key in (listing["key"], "account:424242"):
        why = client.get(f"{url}/why", params={"member": key}, headers=police)
        assert why.status_code == 404 and why.json()["message"] == "no such member in this network"
    of_listing = {"record_type": "listing", "record_id": listing["record_id"]}
    assert client.get("/api/v1/networks", params=of_listing, headers=police).json()["total"] == 0
    by_member = client.get("/api/v1/networks", params={"member": listing["key"]}, headers=police)
    assert by_member.json()["total"] == 0
    page = client.get(f"/networks/of/listing/{listing['record_id']}", headers={**HTML, **police},
                      follow_redirects=False)  # fmt: skip
    assert page.status_code == 200
    shown = client.put(f"/api/v1/markings/accounts/{account['record_id']}", json=green, headers=customs)
    assert shown.status_code == 200, shown.text
    now = client.get(url, headers=police).json()
    assert account["key"] in {m["key"] for m in now["members"]}
    assert listing["key"] not in {m["key"] for m in now["members"]}
    keys = {m["key"] for m in now["members"]}
    assert all(e["a"] in keys and e["b"] in keys for e in now["edges"])
    holding = client.get("/api/v1/networks", params={"kind": "account"}, headers=police).json()
    assert [n["id"] for n in holding["items"]] == [ring["id"]]
    counted = client.get(url, headers=police).json()["network"]
    assert counted["size"] == len(now["members"]) and sum(counted["kinds"].values()) == counted["size"]
    assert counted["kinds"].get("listing", 0) == 0
    html = client.get(f"/networks/{ring['id']}", headers={**HTML, **police}).text
    assert listing["label"] not in html
    assert f"{len(now['members'])} members" in html and f"{len(mine['members'])} members" not in html
    listed_html = client.get("/networks", headers={**HTML, **police}).text
    assert f'<td class="num">{len(now["members"])}</td>' in listed_html
    assert f'<td class="num">{len(mine["members"])}</td>' not in listed_html
    # The owner still sees every member of its own records.
    assert len(client.get(url, headers=customs).json()["members"]) == len(mine["members"])
