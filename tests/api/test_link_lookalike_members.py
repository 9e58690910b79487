"""A domain member of a stored network that imitates a registered mark says which mark and how (dnstwist's
permutations of the brands in the store), in the API, the network page and the command line; a brand's
own same-owner group is never flagged."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.link.models import LinkMember, LinkNetwork
from countermark.link.store_reads import link_organisation, link_organisation_increment
from countermark.web.app import create_app
from tests.api.conftest import Actors
from tests.service.helpers import ingest, write_jsonl

MARKET = "shopmarket"


def _account(external_id: str, handle: str, contacts: list[str], platform: str = MARKET) -> dict[str, Any]:
    return {"source": "t", "external_id": external_id, "platform": platform, "handle": handle,
            "country": "FR", "contacts": contacts}  # fmt: skip


ACCOUNTS = [
    _account("A1", "kicks-one", ["ring@fakes-mail.com"]),
    _account("A2", "aurel-outlet.com", ["ring@fakes-mail.com"], platform="web"),
    _account("A3", "aure1.shop", ["ring@fakes-mail.com"], platform="web"),
    _account("A5", "aurel-official.com", ["sales@aurel.fr"], platform="web"),
    _account("A6", "official-b", ["sales@aurel.fr"]),
]
LISTINGS = [
    {"source": "t", "external_id": f"L{n}", "platform": "web", "url": f"https://{shop}/p/{n}",
     "title": "Aurel bag", "seller": shop, "observed_at": "2025-02-01T10:00:00Z"}
    for n, shop in enumerate(("aurel-outlet.com", "aure1.shop", "aurel-official.com"))
]  # fmt: skip
AUTHORISED = [
    {"source": "t", "external_id": "AS1", "brand": "Aurel", "name": "Official",
     "domain": "aurel-official.com"},
    {"source": "t", "external_id": "AS2", "brand": "Aurel", "name": "Official B", "platform": MARKET,
     "handle": "official-b"},
]  # fmt: skip
PRODUCTS = [{"source": "t", "external_id": "P1", "brand": "Aurel", "name": "Aurel bag", "category": "bags"}]


def test_domains_imitating_a_mark_are_flagged_in_a_network(
    store: AppContext, actors: Actors, tmp_path: Path
) -> None:
    org = actors.org_ids["customs"]
    for kind, rows in (("accounts", ACCOUNTS), ("listings", LISTINGS), ("authorised_sellers", AUTHORISED),
                       ("products", PRODUCTS)):  # fmt: skip
        report = ingest(store, kind, write_jsonl(tmp_path / f"{kind}.jsonl", rows), org)
        assert report.rejected == 0, report.rejects
    with unit_of_work(store.sessions) as session:
        link_organisation(session=session, owner_org_id=org, actor="test")
        rows = session.execute(
            select(LinkMember.label, LinkMember.lookalike_of, LinkMember.lookalike_kind, LinkNetwork.operator)
            .join(LinkNetwork, LinkNetwork.id == LinkMember.network_id)
            .where(LinkMember.kind == "domain")
        ).all()
    flagged = {label: (of, kind) for label, of, kind, operator in rows if not operator}
    assert flagged == {
        "aurel-outlet.com": ("aurel.com", "dictionary"),
        "aure1.shop": ("aurel.com", "homoglyph"),
    }
    own = [(label, of) for label, of, _, operator in rows if operator]
    assert own == [("aurel-official.com", None)]  # the brand's own shop, in its same-owner group
    with unit_of_work(store.sessions) as session:
        authorised = dict(session.execute(select(LinkMember.label, LinkMember.authorised_for)).all())
    assert authorised["web/aurel-official.com"] == authorised["shopmarket/official-b"] == ["Aurel"]
    assert authorised["shopmarket/kicks-one"] is None
    with TestClient(create_app(context=store)) as client:
        found = client.get("/api/v1/networks?operator=false", headers=actors.headers("customs")).json()
        ring = found["items"][0]
        detail = client.get(f"/api/v1/networks/{ring['id']}", headers=actors.headers("customs")).json()
        by_label = {m["label"]: m for m in detail["members"]}
        assert by_label["aure1.shop"]["lookalike_of"] == "aurel.com"
        assert by_label["aure1.shop"]["lookalike_kind"] == "homoglyph"
        assert all(m["lookalike_of"] is None for m in detail["members"] if m["kind"] != "domain")
        headers = {"accept": "text/html", **actors.headers("customs")}
        page = client.get(f"/networks/{ring['id']}", headers=headers)
        assert "imitates aurel.com: a letter swapped for one that looks alike" in page.text
        groups = client.get("/api/v1/networks?operator=true", headers=actors.headers("customs")).json()
        own = groups["items"][0]
        own_page = client.get(f"/networks/{own['id']}", headers=headers)
        assert "authorised seller of Aurel" in own_page.text
        detail = client.get(f"/api/v1/networks/{own['id']}", headers=actors.headers("customs")).json()
        members = detail["members"]
        assert {m["label"]: m["authorised_for"] for m in members if m["kind"] in ("account", "shop")} == {
            "web/aurel-official.com": ["Aurel"], "shopmarket/official-b": ["Aurel"]
        }
        french = client.get(f"/networks/{ring['id']}?lang=fr", headers=headers)
        assert "imite aurel.com : une lettre remplacée par une autre qui lui ressemble" in french.text


def test_an_incremental_run_flags_the_domains_it_adds(
    store: AppContext, actors: Actors, tmp_path: Path
) -> None:
    org = actors.org_ids["customs"]
    for kind, rows in (("accounts", ACCOUNTS[:2]), ("products", PRODUCTS)):
        ingest(store, kind, write_jsonl(tmp_path / f"{kind}.jsonl", rows), org)
    with unit_of_work(store.sessions) as session:
        link_organisation(session=session, owner_org_id=org, actor="test")
    newcomer = [_account("A7", "aurel-sale.top", ["ring@fakes-mail.com"], platform="web")]
    ingest(store, "accounts", write_jsonl(tmp_path / "more.jsonl", newcomer), org)
    with unit_of_work(store.sessions) as session:
        increment = link_organisation_increment(session=session, owner_org_id=org, actor="test")
        assert increment is not None and increment.joined == 1
        flags = dict(
            session.execute(
                select(LinkMember.label, LinkMember.lookalike_kind).where(LinkMember.kind == "domain")
            ).all()
        )
    assert flags == {"aurel-outlet.com": "dictionary", "aurel-sale.top": "dictionary"}


def test_a_mark_the_organisation_may_not_see_names_no_lookalike(
    store: AppContext, actors: Actors, tmp_path: Path
) -> None:
    customs, brand = actors.org_ids["customs"], actors.org_ids["brand"]
    ingest(store, "accounts", write_jsonl(tmp_path / "accounts.jsonl", ACCOUNTS[:3]), customs)
    # The brand keeps its product to itself (RED): the customs' networks must not tell of the mark.
    ingest(store, "products", write_jsonl(tmp_path / "products.jsonl", PRODUCTS), brand, tlp="RED")
    with unit_of_work(store.sessions) as session:
        link_organisation(session=session, owner_org_id=customs, actor="test")
        flags = session.execute(
            select(LinkMember.label, LinkMember.lookalike_of).where(LinkMember.kind == "domain")
        ).all()
    assert flags and all(of is None for _, of in flags), flags
    # Shared with the community (GREEN), the same product names the mark.
    ingest(store, "products", write_jsonl(tmp_path / "shared.jsonl", [{**PRODUCTS[0], "version": 2}]),
           brand, tlp="GREEN")  # fmt: skip
    with unit_of_work(store.sessions) as session:
        link_organisation(session=session, owner_org_id=customs, actor="test")
        shared = dict(
            session.execute(
                select(LinkMember.label, LinkMember.lookalike_of).where(LinkMember.kind == "domain")
            ).all()
        )
    assert shared["aure1.shop"] == "aurel.com"
