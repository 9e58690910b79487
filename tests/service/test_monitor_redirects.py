"""Shops that move, crawled twice (on SQLite and PostgreSQL): after the world advances, a moved shop's
address redirects to its sibling; the second crawl records the chain, the sibling's account holds the old
shop's domain, and linking ties the two shops. A parked domain ties nobody."""

from __future__ import annotations

import http.client
import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.demo.monitor import world_sources
from countermark.link.models import LinkEdge
from countermark.link.store_reads import link_organisation
from countermark.monitor.run_service import run_source
from countermark.monitor.source_service import create_source
from countermark.observe.identifier_service import identifiers_of
from countermark.observe.models import Account
from countermark.sim.moves import MOVES_FILE
from countermark.sim.sites import Hostility, ServedWorld, serve_world
from tests.service.helpers import make_org
from tests.worlds import shared_world


@pytest.fixture(scope="module")
def moved_world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """A copy of the small world in which one shop moves onto another and a third is parked."""
    world = tmp_path_factory.mktemp("moved") / "world"
    shutil.copytree(shared_world(tmp_path_factory, 7), world)
    shops = sorted(
        json.loads(line)["handle"]
        for line in (world / "online" / "accounts.jsonl").read_text(encoding="utf-8").splitlines()
        if json.loads(line)["platform"] == "web"
    )[:3]
    old, new, parked = shops
    moves = {"epoch": 1, "moves": {old: new, parked: None}}
    (world / MOVES_FILE).write_text(json.dumps(moves), encoding="utf-8")
    return world, shops


def _crawl(store: AppContext, org: int, served: ServedWorld, shops: list[str], name: str) -> None:
    config = next(
        c
        for _, platform, c in world_sources(
            served.hosts, shops, served.http_proxy, served.socks_proxy, ingest_source="shops"
        )
        if platform == "web"
    )
    with unit_of_work(store.sessions) as session:
        source_id = create_source(
            session=session, owner_org_id=org, name=name, platform="web", config=config, actor="test"
        ).id
    run = run_source(store, source_id, actor="test")
    assert run.status == "done", run.message


def test_a_shop_moved_onto_another_is_tied_to_it_by_the_redirect(
    store: AppContext, moved_world: tuple[Path, list[str]]
) -> None:
    world, (old, new, parked) = moved_world
    org = make_org(store)
    with serve_world(world, hostility=Hostility.none().but(moves=True), write_truth=False) as served:
        _crawl(store, org, served, [old, new, parked], "before")
        served.advance()
        _crawl(store, org, served, [old, new, parked], "after")
    with unit_of_work(store.sessions) as session:
        domains = {}
        for account in session.scalars(select(Account).where(Account.owner_org_id == org)):
            domains[account.handle] = {
                value
                for kind, value, _ in identifiers_of(
                    session=session, subject_type="account", subject_id=account.id
                )
                if kind == "site_domain"
            }
        link_organisation(session=session, owner_org_id=org, actor="test")
        edges = [(e.evidence, e.detail) for e in session.scalars(select(LinkEdge))]
    assert domains[old] == {old} and domains[parked] == {parked}  # as the first crawl stored them
    assert domains[new] == {new, old}  # reached through the old shop's address
    assert ("exact:site_domain", f"site_domain {old}") in edges
    assert not any(parked in detail for _, detail in edges)


def test_a_moved_shop_redirects_from_its_epoch_and_its_listings_are_gone(
    moved_world: tuple[Path, list[str]],
) -> None:
    world, (old, new, parked) = moved_world
    with serve_world(world, hostility=Hostility.none().but(moves=True), write_truth=False) as served:

        def get(url: str) -> tuple[int, str | None]:
            conn = http.client.HTTPConnection(*served.http_address, timeout=10)
            conn.request("GET", url)
            response = conn.getresponse()
            response.read()
            conn.close()
            return response.status, response.getheader("Location")

        def gone() -> set[str]:
            return {str(x["url"]) for x in served.served()["listings"] if x["status"] == "gone"}  # type: ignore[union-attr, index]

        assert get(f"http://{old}/")[0] == 200 and not gone()
        served.advance()
        assert get(f"http://{old}/products/anything") == (301, f"//{new}/")
        assert get(f"http://{parked}/") == (301, f"http://parked.domainpark.example/?domain={parked}")
        assert get("http://parked.domainpark.example/?domain=x")[0] == 200
        assert get(f"http://{new}/")[0] == 200
        assert gone() and all(old in url or parked in url for url in gone())
    with serve_world(world, hostile=False, write_truth=False) as tame:  # a tame world moves nothing
        tame.advance()
        conn = http.client.HTTPConnection(*tame.http_address, timeout=10)
        conn.request("GET", f"http://{old}/")
        assert conn.getresponse().status == 200
        conn.close()
