"""Runs that survive: a crawler SIGKILLed mid-crawl resumes with nothing lost or doubled; two crawler
processes share one frontier and duplicate filter in Redis; politeness holds (requests per host per
second); the SOCKS5 path reaches a site only a proxy can reach."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import event, func, select

from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.monitor.absorb_service import store_snapshots
from countermark.monitor.models import CrawlRun, CrawlSnapshot, MonitorSource
from countermark.monitor.run_service import crawl_counts, create_run, finish, resume_run, spawn_crawler
from countermark.monitor.snapshot_store import SnapshotSteps, read_fetches
from countermark.monitor.source_service import create_source
from countermark.observe.models import Listing
from tests.service.helpers import make_org
from tests.service.test_monitor_sitekit import TestSite, site_config

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
REDIS_URL = os.environ.get("COUNTERMARK_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _source(ctx: AppContext, config: dict[str, object]) -> int:
    org = make_org(ctx)
    with unit_of_work(ctx.sessions) as session:
        return create_source(
            session=session, owner_org_id=org, name="s", platform="testmarket", config=config, actor="test"
        ).id


def _target(url: str) -> str:
    """The request target of a URL (path and query), as the test site records it."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _listing_ids(ctx: AppContext, source_id: int) -> list[str]:
    with unit_of_work(ctx.sessions) as session:
        return list(
            session.scalars(select(Listing.external_id).where(Listing.source == f"monitor:{source_id}"))
        )


@SQLITE_ONLY
@pytest.mark.slow
def test_a_crawl_killed_with_sigkill_resumes_without_losing_or_doubling_a_listing(store: AppContext) -> None:
    with TestSite(items=40) as site:
        site.state.delay = 0.05
        source_id = _source(store, site_config(site, politeness={"concurrency_per_host": 2}))
        run_id = create_run(store, source_id)
        with unit_of_work(store.sessions) as session:
            run = session.get(CrawlRun, run_id)
            assert run is not None
            work = Path(run.work_dir)
        crawler = spawn_crawler(work / "main.job.json")
        deadline = time.monotonic() + 60
        while crawl_counts(work)[0] < 25 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.killpg(crawler.pid, signal.SIGKILL)
        crawler.wait()
        fetched_before, pending_before = crawl_counts(work)
        assert fetched_before >= 25 and pending_before > 0  # killed in the middle, with work left
        done_before = {_target(record["requested"]) for record in read_fetches(work).values()}
        killed_at = time.monotonic()
        interrupted = finish(store, run_id, actor="test", ok=False)
        assert interrupted.status == "interrupted"
        resumed = resume_run(store, run_id, actor="test")
        after = {path for at, path, _ in site.state.hits if at > killed_at}
    assert resumed.status == "done"
    ids = _listing_ids(store, source_id)
    assert sorted(ids) == sorted(f"SKU-{i}" for i in range(1, 41))  # nothing lost, nothing doubled
    assert len(ids) == len(set(ids))
    # What was recorded before the kill is never fetched again; only what was in flight is.
    assert not (after & done_before) - {"/robots.txt"}


def _redis_available() -> str | None:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception as exc:
        return f"no Redis at {REDIS_URL} ({type(exc).__name__}); the shared-frontier test needs one"
    return None


@SQLITE_ONLY
@pytest.mark.slow
def test_two_crawler_processes_share_one_frontier_in_redis(store: AppContext) -> None:
    reason = _redis_available()
    if reason:
        pytest.skip(reason)
    with TestSite(items=30) as site:
        # Slow enough pages (0.3 s, two at a time per process) that the second process, which may take
        # seconds to start on a busy machine, joins before the first has emptied the frontier alone.
        site.state.delay = 0.3
        config = site_config(
            site, frontier="redis", redis_url=REDIS_URL, politeness={"concurrency_per_host": 2}
        )
        source_id = _source(store, config)
        run_id = create_run(store, source_id, workers=2)
        with unit_of_work(store.sessions) as session:
            work = Path(session.get(CrawlRun, run_id).work_dir)  # type: ignore[union-attr]
        from countermark.monitor.run_service import crawl

        ok = crawl(store, run_id)
        run = finish(store, run_id, actor="test", ok=ok)
        pages = Counter(
            path for _, path, _ in site.state.hits if path.startswith(("/item/", "/search", "/seller/"))
        )
    assert run.status == "done"
    workers = {path.name.split(".")[0] for path in work.glob("*.frontier.sqlite")}
    assert workers == {"w1", "w2"}
    fetched = {name: crawl_counts_of(work / f"{name}.frontier.sqlite") for name in workers}
    assert all(count > 0 for count in fetched.values()), fetched  # both processes took work
    assert max(pages.values()) == 1  # the shared duplicate filter: no page fetched by both
    ids = _listing_ids(store, source_id)
    assert sorted(ids) == sorted(f"SKU-{i}" for i in range(1, 31))
    import redis

    redis.Redis.from_url(REDIS_URL).delete(
        f"countermark:monitor:run:{run_id}:requests", f"countermark:monitor:run:{run_id}:dupefilter"
    )


def crawl_counts_of(path: Path) -> int:
    """Fetches logged in one worker's file."""
    import sqlite3

    db = sqlite3.connect(str(path))
    try:
        return int(db.execute("SELECT count(*) FROM fetches").fetchone()[0])
    finally:
        db.close()


@SQLITE_ONLY
def test_requests_per_host_per_second_stay_within_the_configured_delay(store: AppContext) -> None:
    from countermark.monitor.run_service import run_source

    with TestSite(items=6) as site:
        config = site_config(site, politeness={"delay_seconds": 0.25, "concurrency_per_host": 4})
        run = run_source(store, _source(store, config), actor="test")
        times = sorted(t for t, path, _ in site.state.hits if path != "/robots.txt")
    assert run.status == "done" and len(times) > 10
    per_window = max(sum(1 for t in times if start <= t < start + 1.0) for start in times)
    assert per_window <= 5  # one request per 0.25 s: at most 4 in any second, 5 with the edges


class Socks5StandIn:
    """A minimal SOCKS5 proxy (no auth, CONNECT by domain name) that maps one fake name to a local port."""

    def __init__(self, name: str, target: tuple[str, int]) -> None:
        self.name, self.target = name, target
        self.server = socket.create_server(("127.0.0.1", 0))
        self.connects: list[str] = []
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"socks5h://127.0.0.1:{self.server.getsockname()[1]}"

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(client,), daemon=True).start()

    def _handle(self, client: socket.socket) -> None:
        with client:
            _, methods = client.recv(2)
            client.recv(methods)
            client.sendall(b"\x05\x00")
            _, command, _, kind = client.recv(4)
            if kind != 3 or command != 1:
                client.sendall(b"\x05\x08\x00\x01" + b"\x00" * 6)
                return
            name = client.recv(client.recv(1)[0]).decode()
            struct.unpack("!H", client.recv(2))
            self.connects.append(name)
            if name != self.name:
                client.sendall(b"\x05\x04\x00\x01" + b"\x00" * 6)
                return
            upstream = socket.create_connection(self.target)
            client.sendall(b"\x05\x00\x00\x01" + b"\x00" * 6)
            pump = threading.Thread(target=self._pipe, args=(upstream, client), daemon=True)
            pump.start()
            self._pipe(client, upstream)
            pump.join(5)

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                sink.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        self.server.close()


@pytest.fixture
def onion_site() -> Iterator[tuple[TestSite, Socks5StandIn]]:
    with TestSite(items=4) as site:
        proxy = Socks5StandIn("marketxyz.onion", ("127.0.0.1", site.server.server_address[1]))
        yield site, proxy
        proxy.close()


@SQLITE_ONLY
def test_a_site_reachable_only_through_socks5_is_crawled_through_the_proxy(
    store: AppContext, onion_site: tuple[TestSite, Socks5StandIn]
) -> None:
    from countermark.monitor.run_service import run_source

    site, proxy = onion_site
    config = site_config(site, start_urls=["http://marketxyz.onion/search"], proxy=proxy.url)
    run = run_source(store, _source(store, config), actor="test")
    assert run.status == "done", run.message
    assert sorted(_listing_ids(store, run.source_id)) == ["SKU-1", "SKU-2", "SKU-3", "SKU-4"]
    assert set(proxy.connects) == {"marketxyz.onion"}  # every fetch, robots.txt included, went through it


def test_a_step_of_absorbing_reads_only_what_the_crawl_logged_since_the_last(store: AppContext) -> None:
    """The snapshots already stored are read from the database at a run's first step only, then carried:
    a later step costs what it stores, not what the run holds."""
    with TestSite(items=6) as site:
        source_id = _source(store, site_config(site))
        run_id = create_run(store, source_id)
        with unit_of_work(store.sessions) as session:
            run = session.get(CrawlRun, run_id)
            assert run is not None
            work = Path(run.work_dir)
        assert spawn_crawler(work / "main.job.json").wait() == 0
    statements: list[str] = []

    def seen(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    steps = SnapshotSteps()
    stored = []
    event.listen(store.engine, "before_cursor_execute", seen)
    try:
        for _ in range(3):
            with unit_of_work(store.sessions) as session:
                run = session.get(CrawlRun, run_id)
                source = session.get(MonitorSource, source_id)
                assert run is not None and source is not None
                stored.append(
                    store_snapshots(session=session, blobs=store.blobs, run=run, source=source, steps=steps)
                )
    finally:
        event.remove(store.engine, "before_cursor_execute", seen)
    assert stored[0] == len(read_fetches(work)) - 1 and stored[1:] == [0, 0]  # all but robots.txt's refusal
    reads = [s for s in statements if "FROM monitor_snapshots" in s]
    assert len(reads) == 1  # the first step's
    finished = finish(store, run_id, actor="test", ok=True)
    assert finished.status == "done" and finished.listings_found == 6
    with unit_of_work(store.sessions) as session:
        query = select(func.count()).select_from(CrawlSnapshot).where(CrawlSnapshot.run_id == run_id)
        count = session.scalar(query)
    assert count == stored[0]  # nothing stored twice when the run is absorbed at its end
