"""Incremental linking over the store: records stored since the last run join the standing networks by
their exact identifiers and keep the networks' keys, newcomers tied only to each other start a network,
one that ties two networks is held for the next full run, and a full run afterwards agrees."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.link import store_reads as demo_link
from countermark.link.increments import IncrementSummary
from countermark.link.service import member_chain, network_parts, visible_networks
from countermark.link.store_reads import link_organisation, link_organisation_increment
from countermark.orgs.visibility import SYSTEM, Principal
from tests.service.helpers import ingest, make_org, write_jsonl
from tests.service.test_link_store import MARKET, RING, _load, account


def _increment(store: AppContext, org: int) -> IncrementSummary | None:
    with unit_of_work(store.sessions) as session:
        return link_organisation_increment(session=session, owner_org_id=org, actor="test")


def _full(store: AppContext, org: int) -> None:
    with unit_of_work(store.sessions) as session:
        link_organisation(session=session, owner_org_id=org, actor="test")


def _members(store: AppContext, org: int) -> dict[str, list[str]]:
    """Network key -> member keys, with each member's chain checked to run from the root to it."""
    found = {}
    with unit_of_work(store.sessions) as session:
        rows, _ = visible_networks(session=session, principal=Principal(org_id=org))
        for row in rows:
            members, edges = network_parts(session=session, principal=SYSTEM, network_id=row.id)
            for member in members:
                assert len(member_chain(members, edges, member.key)) == member.depth
            assert row.size == len(members)
            found[row.key] = sorted(f"{m.kind}:{m.label}" for m in members)
    return found


def _ring(networks: dict[str, list[str]]) -> str:
    return next(k for k, labels in networks.items() if "account:shopmarket/kicks-one" in labels)


def _add(store: AppContext, tmp_path: Path, org: int, kind: str, rows: list[dict[str, Any]]) -> None:
    ingest(
        store,
        kind,
        write_jsonl(tmp_path / f"{kind}-new-{len(rows)}-{rows[0]['external_id']}.jsonl", rows),
        org,
    )


def test_a_new_account_sharing_a_rings_email_joins_its_network_and_a_full_run_agrees(
    store: AppContext, tmp_path: Path
) -> None:
    org = make_org(store)
    _load(store, tmp_path, org, RING)
    assert _increment(store, org) is None  # never linked: a full run comes first
    _full(store, org)
    before = _members(store, org)
    ring = _ring(before)
    _add(store, tmp_path, org, "accounts", [account("A7", "kicks-three", ["ring@fakes-mail.com"])])
    _add(store, tmp_path, org, "listings", [
        {"source": "t", "external_id": "L7", "platform": MARKET, "url": "https://shopmarket.example/i/7",
         "title": "Aurel belt", "seller": "kicks-three", "observed_at": "2025-04-01T10:00:00Z"},
    ])  # fmt: skip
    _add(store, tmp_path, org, "shipments", [
        {"source": "t", "external_id": "S7", "declared_on": "2025-04-02", "transport_mode": "post",
         "consignor_name": "Quiet Sender", "consignor_country": "CN",
         "attributes": {"seller_id": "kicks-three", "marketplace": MARKET}},
    ])  # fmt: skip
    summary = _increment(store, org)
    assert summary is not None
    assert (summary.parties, summary.joined, summary.created, summary.held) == (2, 2, 0, 0)
    after = _members(store, org)
    assert _ring(after) == ring and set(after) == set(before)
    added = set(after[ring]) - set(before[ring])
    assert added == {
        "account:shopmarket/kicks-three", "listing:Aurel belt", "consignor:Quiet Sender (CN)"
    }  # fmt: skip
    _full(store, org)
    assert _members(store, org) == after


def test_newcomers_tied_to_each_other_start_a_network_and_a_bridge_is_held(
    store: AppContext, tmp_path: Path
) -> None:
    org = make_org(store)
    _load(store, tmp_path, org, RING)
    _full(store, org)
    before = _members(store, org)
    _add(store, tmp_path, org, "accounts", [
        account("B1", "bags-one", ["second@ring-mail.com"]),
        account("B2", "bags-two", ["second@ring-mail.com"]),
        # Holds the ring's e-mail and the official stores' address: it would merge two networks.
        account("B3", "both-ways", ["ring@fakes-mail.com", "sales@aurel.fr"]),
    ])  # fmt: skip
    summary = _increment(store, org)
    assert summary is not None
    assert (summary.parties, summary.joined, summary.created, summary.held) == (3, 0, 1, 1)
    after = _members(store, org)
    new = set(after) - set(before)
    assert len(new) == 1
    assert after[new.pop()] == ["account:shopmarket/bags-one", "account:shopmarket/bags-two"]
    assert {k: v for k, v in after.items() if k in before} == before
    assert not any("both-ways" in label for labels in after.values() for label in labels)
    again = _increment(store, org)
    assert again is not None and (again.parties, again.members) == (0, 0)  # nothing stored since


def test_an_increment_too_large_for_lookups_by_id_is_left_to_a_full_run(
    store: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = make_org(store)
    _load(store, tmp_path, org, RING)
    _full(store, org)
    _add(store, tmp_path, org, "accounts", [
        account("C1", "belts-one", ["third@ring-mail.com"]),
        account("C2", "belts-two", ["third@ring-mail.com"]),
    ])  # fmt: skip
    monkeypatch.setattr(demo_link, "MAX_INCREMENT_RECORDS", 1)
    assert _increment(store, org) is None  # the caller runs the full linking instead
    monkeypatch.setattr(demo_link, "MAX_INCREMENT_RECORDS", 2)
    summary = _increment(store, org)
    assert summary is not None and summary.created == 1
