"""Linking over the store: networks from ingested accounts, listings and consignments, kept with stable
keys; honest same-owner groups told apart; the analyst's hub list obeyed; an organisation's networks name
only records it may see, and only it sees them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.link.models import LinkHub, LinkNetwork
from countermark.link.service import (
    member_chain,
    network_parts,
    networks_of_member,
    set_hub,
    visible_networks,
)
from countermark.link.store_reads import link_organisation
from countermark.observe.models import Account
from countermark.orgs.models import AuditEntry
from countermark.orgs.visibility import SYSTEM, Principal
from tests.service.helpers import ingest, make_org, write_jsonl

MARKET = "shopmarket"


def account(external_id: str, handle: str, contacts: list[str], platform: str = MARKET) -> dict[str, Any]:
    return {
        "source": "t", "external_id": external_id, "platform": platform, "handle": handle,
        "country": "FR", "contacts": contacts, "joined_at": f"2025-01-0{external_id[-1]}T00:00:00Z",
    }  # fmt: skip


RING: list[dict[str, Any]] = [
    account("A1", "kicks-one", ["ring@fakes-mail.com"]),
    account("A2", "kicks-two", ["ring@fakes-mail.com", "+33 6 12 34 56 78"]),
    account("A3", "aurel-outlet.example", ["+33 6 12 34 56 78"], platform="web"),
    account("A4", "honest-one", ["honest@shop-mail.com"]),
    account("A5", "official-a", ["sales@aurel.fr"]),
    account("A6", "official-b", ["sales@aurel.fr"]),
]
LISTINGS: list[dict[str, Any]] = [
    {"source": "t", "external_id": "L1", "platform": MARKET, "url": "https://shopmarket.example/i/1",
     "title": "Aurel bag", "seller": "kicks-one", "observed_at": "2025-02-01T10:00:00Z"},
    {"source": "t", "external_id": "L2", "platform": "web", "url": "https://aurel-outlet.example/p/2",
     "title": "Aurel wallet", "seller": "aurel-outlet.example", "observed_at": "2025-02-03T10:00:00Z"},
]  # fmt: skip
SHIPMENTS: list[dict[str, Any]] = [
    {"source": "t", "external_id": "S1", "declared_on": "2025-03-01", "transport_mode": "post",
     "consignor_name": "Li Wei Trading", "consignor_country": "CN",
     "consignor_contact": "ring@fakes-mail.com"},
    {"source": "t", "external_id": "S2", "declared_on": "2025-03-02", "transport_mode": "post",
     "consignor_name": "Someone Else", "consignor_country": "CN", "consignor_contact": "other@else-mail.com",
     "attributes": {"seller_id": "kicks-two", "marketplace": MARKET}},
]  # fmt: skip
AUTHORISED: list[dict[str, Any]] = [
    {"source": "t", "external_id": f"AS{n}", "brand": "Aurel", "name": f"Official {n}", "platform": MARKET,
     "handle": f"official-{n}"}
    for n in ("a", "b")
]  # fmt: skip


def _load(store: AppContext, tmp_path: Path, org: int, accounts: list[dict[str, Any]]) -> None:
    ingest(store, "accounts", write_jsonl(tmp_path / f"accounts-{org}-{len(accounts)}.jsonl", accounts), org)
    ingest(store, "listings", write_jsonl(tmp_path / f"listings-{org}.jsonl", LISTINGS), org)
    ingest(store, "shipments", write_jsonl(tmp_path / f"shipments-{org}.jsonl", SHIPMENTS), org)
    ingest(store, "authorised_sellers", write_jsonl(tmp_path / f"auth-{org}.jsonl", AUTHORISED), org)


def _run(store: AppContext, org: int) -> Any:
    with unit_of_work(store.sessions) as session:
        return link_organisation(session=session, owner_org_id=org, actor="test")


def _networks(store: AppContext, org: int) -> dict[str, dict[str, Any]]:
    """Network key -> {operator, members (keys by kind)} of the organisation's standing networks."""
    with unit_of_work(store.sessions) as session:
        rows, _ = visible_networks(session=session, principal=Principal(org_id=org))
        found = {}
        for row in rows:
            members, _ = network_parts(session=session, principal=SYSTEM, network_id=row.id)
            found[row.key] = {"operator": row.operator, "id": row.id,
                              "labels": sorted(f"{m.kind}:{m.label}" for m in members)}  # fmt: skip
        return found


def test_store_run_links_accounts_listings_domains_and_consignors(store: AppContext, tmp_path: Path) -> None:
    org = make_org(store)
    _load(store, tmp_path, org, RING)
    summary = _run(store, org)
    assert (summary.networks, summary.operator_groups) == (1, 1)
    networks = _networks(store, org)
    ring = next(n for n in networks.values() if not n["operator"])
    labels = ring["labels"]
    assert {
        "account:shopmarket/kicks-one",
        "account:shopmarket/kicks-two",
        "shop:web/aurel-outlet.example",
    } <= set(labels)
    assert "listing:Aurel bag" in labels and "listing:Aurel wallet" in labels
    assert "domain:aurel-outlet.example" in labels
    # S1 by its contact, S2 by the seller id on its declaration.
    assert sum(label.startswith("consignor:") for label in labels) == 2
    assert not any("honest-one" in label for label in labels)
    with unit_of_work(store.sessions) as session:
        audited = session.scalars(select(AuditEntry.action).where(AuditEntry.org_id == org)).all()
        assert "link.run" in audited
    operators = [n for n in networks.values() if n["operator"]]
    assert operators[0]["labels"] == ["account:shopmarket/official-a", "account:shopmarket/official-b"]


def test_why_chain_runs_from_root_to_member(store: AppContext, tmp_path: Path) -> None:
    org = make_org(store)
    _load(store, tmp_path, org, RING)
    _run(store, org)
    with unit_of_work(store.sessions) as session:
        wallet = session.execute(select(LinkNetwork.id)).scalars().all()
        assert wallet
        for network_id in wallet:
            members, edges = network_parts(session=session, principal=SYSTEM, network_id=network_id)
            for member in members:
                chain = member_chain(members, edges, member.key)
                assert len(chain) == member.depth
                if chain:
                    assert member.key in (chain[-1].a, chain[-1].b)
                    ends = {m.key for m in members if m.depth == 0}
                    assert ends & {chain[0].a, chain[0].b}
        listing = next(
            m
            for n in wallet
            for m in network_parts(session=session, principal=SYSTEM, network_id=n)[0]
            if m.kind == "listing"
        )
        parts = network_parts(session=session, principal=SYSTEM, network_id=listing.network_id)
        chain = member_chain(*parts, listing.key)
        assert chain[-1].evidence == "listed_by"


def test_a_network_keeps_its_key_when_members_join(store: AppContext, tmp_path: Path) -> None:
    org = make_org(store)
    _load(store, tmp_path, org, RING)
    _run(store, org)
    before = {k for k, n in _networks(store, org).items() if not n["operator"]}
    newcomer = account("A7", "kicks-three", ["+33 6 12 34 56 78"])
    _load(store, tmp_path, org, [*RING, newcomer])
    summary = _run(store, org)
    after = _networks(store, org)
    ring = [k for k, n in after.items() if not n["operator"]]
    assert ring == sorted(before) and summary.kept == 2
    assert "account:shopmarket/kicks-three" in after[ring[0]]["labels"]


def test_an_analysts_hub_is_kept_off_the_links(store: AppContext, tmp_path: Path) -> None:
    org = make_org(store)
    _load(store, tmp_path, org, RING)
    _run(store, org)
    with unit_of_work(store.sessions) as session:
        principal = Principal(org_id=org, scopes=frozenset({"read", "write"}), email="analyst@x")
        set_hub(session=session, principal=principal, kind="email", value="sales@aurel.fr", hub=True)
    summary = _run(store, org)
    assert summary.operator_groups == 0  # the two official stores shared only that address
    with unit_of_work(store.sessions) as session:
        rows = session.scalars(select(LinkHub).where(LinkHub.owner_org_id == org)).all()
        assert [(r.value, r.source) for r in rows] == [("sales@aurel.fr", "analyst")]
        dissolved = session.scalars(select(LinkNetwork).where(LinkNetwork.dissolved_at.is_not(None))).all()
        assert len(dissolved) == 1 and dissolved[0].size == 0


def test_each_organisation_links_what_it_may_see(store: AppContext, tmp_path: Path) -> None:
    first, second = make_org(store), make_org(store, name="Other", kind="police")
    ingest(store, "accounts", write_jsonl(tmp_path / "first.jsonl", RING[:2]), first)  # AMBER: first's own
    ingest(store, "accounts", write_jsonl(tmp_path / "second.jsonl", RING[1:3]), second, tlp="GREEN")
    _run(store, first)
    _run(store, second)
    with unit_of_work(store.sessions) as session:
        owned = {
            org: set(session.scalars(select(Account.id).where(Account.owner_org_id == org)))
            for org in (first, second)
        }
        linked = {}
        for org in (first, second):
            rows, total = visible_networks(session=session, principal=Principal(org_id=org))
            assert total == 1 and rows[0].owner_org_id == org
            members, _ = network_parts(session=session, principal=SYSTEM, network_id=rows[0].id)
            linked[org] = {m.record_id for m in members if m.record_type == "account"}
        # The second's GREEN accounts join the first's network; the first's AMBER ones stay the first's.
        assert linked[first] == owned[first] | owned[second]
        assert linked[second] == owned[second]
        theirs = networks_of_member(
            session=session, principal=Principal(org_id=second), member_key=f"account:{min(owned[first])}"
        )
        assert theirs == []


def test_a_marketplaces_support_address_ties_no_honest_seller_to_a_ring(
    store: AppContext, tmp_path: Path
) -> None:
    """Read from stored rows: the platform's domain from its listings' addresses, the support line from
    the bios, so quoting the marketplace's help desk joins nobody (each is held by three accounts only,
    below every count rule)."""
    org = make_org(store)
    support = "After-sales via shopmarket support: help@shopmarket.eu"
    desk = "Service client shopmarket : +33 1 42 67 82 31"
    accounts = [
        {**account("B1", "ring-one", ["ring2@fakes-mail.com"]), "bio": support},
        {**account("B2", "ring-two", ["ring2@fakes-mail.com"]), "bio": desk},
        {**account("B3", "honest-two", ["honest2@shop-mail.com"]), "bio": f"{support}\n{desk}"},
        {**account("B4", "honest-three", []), "bio": desk},
    ]
    listings = [
        {"source": "t", "external_id": f"M{n}", "platform": MARKET, "url": f"https://www.shopmarket.eu/i/{n}",
         "title": "Aurel bag", "seller": handle, "observed_at": "2025-02-01T10:00:00Z"}
        for n, handle in enumerate(("ring-one", "ring-two", "honest-two", "honest-three"))
    ]  # fmt: skip
    ingest(store, "accounts", write_jsonl(tmp_path / "support-accounts.jsonl", accounts), org)
    ingest(store, "listings", write_jsonl(tmp_path / "support-listings.jsonl", listings), org)
    _run(store, org)
    rings = [n["labels"] for n in _networks(store, org).values() if not n["operator"]]
    assert len(rings) == 1
    assert {"account:shopmarket/ring-one", "account:shopmarket/ring-two"} <= set(rings[0])
    assert not any("honest" in label for label in rings[0])
    with unit_of_work(store.sessions) as session:
        hubs = dict(session.execute(select(LinkHub.value, LinkHub.reason)).all())
    assert hubs["help@shopmarket.eu"] == "an address on shopmarket's own domain shopmarket.eu"
    assert hubs["+33142678231"] == "written as shopmarket's support contact"
