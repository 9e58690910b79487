"""A crawl of the served world's web shops over TLS (CONNECT tunnels through the world's proxy), on SQLite
and PostgreSQL: each listing keeps the names of the certificate its page came with, and shops an
operator serves with one certificate then hold the same `tls_names` identifier."""

from __future__ import annotations

import socket
import ssl
from collections import defaultdict
from pathlib import Path

import pytest
from sqlalchemy import select

from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.demo.monitor import world_sources
from countermark.monitor.run_service import run_source
from countermark.monitor.source_service import create_source
from countermark.observe.identifier_service import identifiers_of
from countermark.observe.models import Listing
from countermark.observe.tls import tls_names_value
from countermark.sim.certificates import read_certificates
from countermark.sim.sites import ServedWorld, serve_world
from tests.service.helpers import make_org
from tests.worlds import shared_world


@pytest.fixture(scope="module")
def world_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shared_world(tmp_path_factory, 7)


def _shops_sharing_a_certificate(world_dir: Path, served: ServedWorld) -> list[str]:
    """A few shop hosts: two named on one certificate, and one on its own."""
    names = read_certificates(world_dir)
    by_names: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for handle, found in names.items():
        by_names[found].append(handle)
    hosts = set(served.shop_hosts)
    shared = next(v for k, v in sorted(by_names.items()) if len(v) >= 2 and set(v) <= hosts)
    alone = next(v[0] for k, v in sorted(by_names.items()) if len(v) == 1 and v[0] in hosts)
    return [*shared[:2], alone]


def test_a_tunnel_is_refused_except_to_port_443_of_a_shop(world_dir: Path) -> None:
    with serve_world(world_dir, hostile=False, write_truth=False) as served:
        shop, market = served.shop_hosts[0], served.hosts["ShopMarket"]
        for target in (f"{shop}:8443", f"{market}:443", "nowhere.test:443"):
            with socket.create_connection(served.http_address, timeout=5) as conn:
                conn.sendall(f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n".encode())
                assert conn.recv(100).startswith(b"HTTP/1.1 405"), target
        with socket.create_connection(served.http_address, timeout=5) as conn:
            target = f"{served.shop_hosts[0]}:443"
            conn.sendall(f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n".encode())
            assert conn.recv(100).startswith(b"HTTP/1.1 200")
            context = ssl.create_default_context()
            context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
            with context.wrap_socket(conn, server_hostname=served.shop_hosts[0]) as tls:
                tls.sendall(b"GET /robots.txt HTTP/1.1\r\nHost: elsewhere.test\r\n\r\n")
                answer = tls.recv(4096)
    assert answer.startswith(b"HTTP/1.1 200") and b"Disallow: /cart" in answer  # the tunnel's site answers


def test_a_crawl_over_tls_keeps_each_pages_certificate_names(store: AppContext, world_dir: Path) -> None:
    names = read_certificates(world_dir)
    org = make_org(store)
    with serve_world(world_dir, hostile=False, write_truth=False) as served:
        chosen = _shops_sharing_a_certificate(world_dir, served)
        config = next(
            c
            for _, platform, c in world_sources(
                served.hosts, chosen, served.http_proxy, served.socks_proxy, ingest_source=None
            )
            if platform == "web"
        )
        assert all(url.startswith("https://") for url in config["start_urls"])
        with unit_of_work(store.sessions) as session:
            source = create_source(
                session=session, owner_org_id=org, name="shops", platform="web", config=config, actor="test"
            )
            source_id = source.id
        run = run_source(store, source_id, actor="test")
    assert run.status == "done", run.message
    assert run.listings_found > 0, (run.pages, run.message)
    held: dict[str, set[str]] = defaultdict(set)
    with unit_of_work(store.sessions) as session:
        listings = session.scalars(select(Listing).where(Listing.source == f"monitor:{source_id}")).all()
        assert listings
        for listing in listings:
            assert listing.url.startswith("https://")
            found = {
                value
                for kind, value, _ in identifiers_of(
                    session=session, subject_type="listing", subject_id=listing.id
                )
                if kind == "tls_names"
            }
            held[listing.seller_handle or ""] |= found
    assert set(held) == set(chosen)
    for host in chosen:
        assert held[host] == {tls_names_value(names[host])}, host
    first, second, alone = chosen
    assert held[first] == held[second] != held[alone]
