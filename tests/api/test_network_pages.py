"""The network pages as a reader sees them in English, French and Chinese: "why is this here" names each
member by its label and links it to its record, words the evidence as one sentence of the reader's
language, and shows a shared photo rather than its hash; the list counts members by kind in singular and
plural; the hub list's form offers the kinds a hub can be, by their names."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.core.http.labels import humanised
from countermark.link.hubs import HUB_KINDS
from countermark.link.store_reads import link_organisation
from countermark.observe.models import Account, Listing
from tests.api.conftest import Actors
from tests.service.helpers import ingest, write_jsonl
from tests.service.test_link_store import AUTHORISED, LISTINGS, RING, SHIPMENTS
from tests.service.test_link_store_photos import LISTINGS as PHOTO_LISTINGS
from tests.service.test_link_store_photos import SELLERS, add_shots

HTML = {"accept": "text/html"}


def _link(store: AppContext, org: int) -> None:
    with unit_of_work(store.sessions) as session:
        link_organisation(session=session, owner_org_id=org, actor="test")


@pytest.fixture
def ring(store: AppContext, actors: Actors, tmp_path: Path) -> int:
    """The customs' ring (two accounts, a web shop, their listings and two consignments) and two official
    stores, linked; the organisation's id."""
    org = actors.org_ids["customs"]
    for kind, rows in (("accounts", RING), ("listings", LISTINGS), ("shipments", SHIPMENTS),
                       ("authorised_sellers", AUTHORISED)):  # fmt: skip
        ingest(store, kind, write_jsonl(tmp_path / f"{kind}.jsonl", rows), org)
    _link(store, org)
    return org


@pytest.fixture
def photo_pair(store: AppContext, actors: Actors, tmp_path: Path) -> dict[str, str]:
    """Two sellers tied by two shots they both posted (one re-encoded), linked; each photo's hash by the
    listing's title."""
    org = actors.org_ids["customs"]
    ingest(store, "accounts", write_jsonl(tmp_path / "sellers.jsonl", SELLERS), org)
    ingest(store, "listings", write_jsonl(tmp_path / "photo-listings.jsonl", PHOTO_LISTINGS), org)
    hashes = add_shots(store)
    _link(store, org)
    return hashes


def _network_id(client: TestClient, actors: Actors) -> int:
    page = client.get("/api/v1/networks?operator=false", headers=actors.headers("customs")).json()
    assert page["total"] == 1
    return int(page["items"][0]["id"])


def _why(text: str) -> str:
    """The "why is this here" section of a network page."""
    found = re.search(r'<section class="panel" id="why">(.*?)</section>', text, re.S)
    assert found is not None
    return found.group(1)


def _words(fragment: str) -> str:
    """The text of an HTML fragment, its spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", fragment)).split())


def test_why_names_each_member_and_words_the_evidence_as_a_sentence(
    client: TestClient, ring: int, actors: Actors, store: AppContext
) -> None:
    network = _network_id(client, actors)
    with unit_of_work(store.sessions) as session:
        ids = {a.handle: a.id for a in session.query(Account)}
    shipments = client.get(f"/api/v1/networks/{network}", headers=actors.headers("customs")).json()["members"]
    parcel = next(m for m in shipments if m["kind"] == "consignor" and m["label"].startswith("Li Wei"))
    headers = {**HTML, **actors.headers("customs")}
    sentences = {
        "fr": "même e-mail : ring@fakes-mail.com",
        "zh": "相同的电子邮件：ring@fakes-mail.com",
        "en": "same e-mail: ring@fakes-mail.com",
    }
    for lang, said in sentences.items():
        page = client.get(
            f"/networks/{network}", params={"member": parcel["key"], "lang": lang}, headers=headers
        )
        assert page.status_code == 200
        why = _why(page.text)
        text = _words(why)
        assert said in text, (lang, text)
        # Each end by its label, linked to its record; never by the linker's internal key.
        assert not re.search(r"\b(account|shipment|listing):\d", text), text
        assert "shopmarket/kicks-one" in text or "shopmarket/kicks-two" in text, text
        assert "Li Wei Trading (CN)" in text
        assert f'href="/shipments/{parcel["record_id"]}"' in why
        assert any(f'href="/accounts/{account}"' in why for account in ids.values()), why
    # The tooltips of the graph's nodes no longer end with the internal key either.
    assert not re.search(r"<title>[^<]*\((account|listing|shipment):\d+\)</title>", page.text)


def test_why_shows_a_shared_photo_and_the_listings_showing_it_not_its_hash(
    client: TestClient, photo_pair: dict[str, str], actors: Actors, store: AppContext
) -> None:
    network = _network_id(client, actors)
    with unit_of_work(store.sessions) as session:
        night = session.query(Account).filter_by(handle="night-bazaar").one().id
        listings = {listing.title: listing.id for listing in session.query(Listing)}
    headers = {**HTML, **actors.headers("customs")}
    page = client.get(
        f"/networks/{network}", params={"member": f"account:{night}", "lang": "fr"}, headers=headers
    )
    assert page.status_code == 200
    why = _why(page.text)
    text = _words(why)
    assert "même photo, ou une copie proche : une photo, visible sur" in text, text
    # The photo itself, and the listings of each end that show it, linked.
    assert re.search(r'<img class="thumb" src="/api/v1/blobs/[0-9a-f]{64}"', why)
    shown = [title for title, listing_id in listings.items() if f'href="/listings/{listing_id}"' in why]
    assert sorted(shown) in (["Bag 0", "Bag 2"], ["Bag 1", "Bag 3"]), shown
    # No photo hash anywhere on the page: not in the chain, not in a tooltip of the graph.
    for pdq in photo_pair.values():
        assert pdq[:16] not in page.text
    assert "photo, ou une copie proche : une photo, visible sur Bag" in page.text  # the edge's tooltip


def test_the_list_counts_members_by_kind_in_singular_and_plural(
    client: TestClient, ring: int, actors: Actors
) -> None:
    headers = {**HTML, **actors.headers("customs")}
    counts = {}
    for lang in ("en", "fr", "zh"):
        page = client.get("/networks", params={"lang": lang, "group": "networks"}, headers=headers)
        row = re.search(r'<td>(<span class="nowrap">.*?)</td>', page.text, re.S)
        assert row is not None
        counts[lang] = _words(row.group(1))
    assert counts["en"] == "2 accounts, 1 shop, 1 domain, 2 listings, 2 consignors", counts
    assert counts["fr"] == "2 comptes, 1 boutique, 1 domaine, 2 annonces, 2 expéditeurs", counts
    assert counts["zh"] == "2 个账户、1 个店铺、1 个域名、2 条商品信息、2 个发货人", counts
    # The filter names the consignor kind as the other kinds are named, not as a humanised code.
    french = client.get("/networks", params={"lang": "fr"}, headers=headers).text
    assert '<option value="consignor" >expéditeur</option>' in french


def test_the_hub_form_offers_the_kinds_a_hub_can_be_by_their_names(
    client: TestClient, actors: Actors
) -> None:
    headers = {**HTML, **actors.headers("customs")}
    page = client.get("/networks/hubs", params={"lang": "fr"}, headers=headers)
    assert page.status_code == 200
    select = re.search(r'<select id="hub-kind" name="kind"[^>]*>(.*?)</select>', page.text, re.S)
    assert select is not None, "the kind is chosen from a list"
    options = dict(re.findall(r'<option value="([a-z_]+)"[^>]*>([^<]+)</option>', select.group(1)))
    assert set(options) == set(HUB_KINDS)
    assert options["email"] == "e-mail" and options["phone"] == "téléphone" and options["photo"] == "photo"
    assert all(options[kind] != humanised(kind) for kind in HUB_KINDS), options
    assert 'placeholder="email"' not in page.text
    assert next(iter(options)) == "email"  # chosen first, the commonest
    # Each field of the form is a label above its control.
    form = re.search(r'<form class="hub-form".*?</form>', page.text, re.S)
    assert form is not None and form.group(0).count('<div class="field') == 4
    # A photo on the list is named as any kind is, not as a humanised code ("Photo").
    body = {"kind": "photo", "value": "ab" * 32, "hub": True}
    assert client.put("/api/v1/link/hubs", json=body, headers=actors.headers("customs")).status_code == 200
    listed = client.get("/networks/hubs", params={"lang": "fr"}, headers=headers).text
    assert "<td>photo</td>" in listed and "<td>Photo</td>" not in listed
