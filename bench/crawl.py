"""Bench: crawl the served synthetic world over real HTTP (and SOCKS5) and ingest what was found.

    .venv/bin/python bench/crawl.py --world /path/to/built/world [--concurrency 8] [--sequential]

Serves the world on 127.0.0.1 (hostile details on) in a process of its own, as a site is not in the
crawler's process, adds one monitor source per platform to a fresh store (SQLite in a temporary directory
unless --database-url), and crawls every source at once the way the demo does
(`run_service.crawl_and_absorb`: one crawler process forking a crawl per source, snapshots stored while
the crawls go on, each run absorbed when its crawl ends). With --sequential every run is absorbed only
after every crawl has ended, which shows each phase on its own.

Prints one table: pages fetched; crawl seconds (fetch + parse + WARC snapshot, from the start to the end
of the last crawl); absorb seconds (blobs + ingestion: time spent absorbing, most of it during the crawl
unless sequential) and the part of it after the last crawl; pages per second for each and end to end
(first request to last row ingested); CPU time per page of the crawlers, of the served world and of
absorbing; listings and rows ingested; the busiest host's peak requests per second and the 429 answers;
coverage of the served listings, duplicates, and snapshot integrity failures.

The store goes under TMPDIR and is removed at the end. On ext4 the next five minutes of file creations
skip the inodes freed (its allocator's `recently_deleted`), so a run started soon after another measures
that; point TMPDIR at a freshly made file system, or wait, between runs (docs/monitoring.md).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import shutil
import tempfile
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy import func, select

from countermark.core.blobs import LocalBlobStore
from countermark.core.context import AppContext, build_context
from countermark.core.db import unit_of_work
from countermark.core.migrate import upgrade
from countermark.core.settings import Settings
from countermark.demo.monitor import WORLD_SOURCE, add_world_sources
from countermark.monitor import run_service
from countermark.monitor.models import CrawlRun
from countermark.monitor.snapshot_service import verify_snapshots
from countermark.observe.models import Listing
from countermark.orgs.service import create_organisation
from countermark.sim.sites import serve_world


def coverage(ctx: AppContext, world_dir: Path) -> dict[str, Any]:
    """Share of the served world's live listings found, and duplicate listings (by URL)."""
    served = json.loads((world_dir / "truth" / "served.json").read_text(encoding="utf-8"))
    live = {item["external_id"] for item in served["listings"] if item["status"] == "live"}
    with unit_of_work(ctx.sessions) as session:
        rows = session.execute(
            select(Listing.external_id, Listing.url).where(Listing.source == WORLD_SOURCE)
        ).all()
    found = {external_id for external_id, _ in rows}
    urls = [url for _, url in rows]
    return {
        "served": len(live),
        "found": len(found & live),
        "coverage": len(found & live) / max(1, len(live)),
        "duplicates": len(urls) - len(set(urls)),
        "unknown": len(found - live),
    }


def _cpu_seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _serve(world_dir: Path, conn: Connection) -> None:
    """The served world's process: serve, say where, count CPU from "start" to "stop", report."""
    with serve_world(world_dir) as served:
        conn.send(
            {
                "hosts": served.hosts,
                "shop_hosts": served.shop_hosts,
                "http_proxy": served.http_proxy,
                "socks_proxy": served.socks_proxy,
            }
        )
        conn.recv()
        cpu = _cpu_seconds(resource.RUSAGE_SELF)
        conn.recv()
        conn.send(
            {
                "cpu": _cpu_seconds(resource.RUSAGE_SELF) - cpu,
                "peak": max((served.stats.max_per_second(h) for h in served.hosts.values()), default=0),
                "refused": sum(hit.status == 429 for hit in served.stats.log()),
                "first": min((hit.at for hit in served.stats.log()), default=0.0),
                "disallowed": len(served.stats.disallowed()),
            }
        )


class _Timed:
    """Wall seconds spent in a function of `run_service` (patched for the bench's run only)."""

    def __init__(self, name: str) -> None:
        self.name, self.seconds = name, 0.0
        self.original: Callable[..., Any] = getattr(run_service, name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return self.original(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - started


def _crawl(ctx: AppContext, run_ids: list[int], *, sequential: bool) -> list[CrawlRun]:
    if not sequential:
        return [run for run, _ in run_service.crawl_and_absorb(ctx, run_ids, actor="bench")]
    with unit_of_work(ctx.sessions) as session:
        works = [Path(session.get(CrawlRun, r).work_dir) for r in run_ids]  # type: ignore[union-attr]
    process = run_service.spawn_crawler(*(work / "main.job.json" for work in works))
    process.wait()
    return [run_service.finish(ctx, r, actor="bench", ok=process.returncode == 0) for r in run_ids]


def bench(
    world_dir: Path, *, concurrency: int, database_url: str | None, max_seconds: float, sequential: bool
) -> dict[str, Any]:
    """Serve, crawl, absorb, measure; the bench's store (database, blobs, crawl folders) is removed after."""
    data = Path(tempfile.mkdtemp(prefix="cm-crawl-bench-"))
    try:
        return _measure(
            world_dir,
            data,
            concurrency=concurrency,
            database_url=database_url,
            max_seconds=max_seconds,
            sequential=sequential,
        )
    finally:
        shutil.rmtree(data, ignore_errors=True)


def _measure(
    world_dir: Path,
    data: Path,
    *,
    concurrency: int,
    database_url: str | None,
    max_seconds: float,
    sequential: bool,
) -> dict[str, Any]:
    world, conn = multiprocessing.get_context("fork").Pipe()
    server = multiprocessing.get_context("fork").Process(target=_serve, args=(world_dir, conn), daemon=True)
    server.start()  # before any thread or connection of this process exists
    served = SimpleNamespace(**world.recv())
    settings = Settings(data_dir=data, database_url=database_url or f"sqlite:///{data / 'countermark.db'}")
    ctx = build_context(settings, blobs=LocalBlobStore(data / "blobs"))
    upgrade(ctx.engine)
    with unit_of_work(ctx.sessions) as session:
        owner = create_organisation(
            session=session, name="Maison Aurel", kind="rights_holder", country="FR"
        ).id
    ids = add_world_sources(ctx, owner_org_id=owner, served=served, concurrency=concurrency)
    run_ids = [run_service.create_run(ctx, source_id, max_seconds=max_seconds) for source_id in ids]
    timed = {name: _Timed(name) for name in ("finish_with_report", "store_snapshots")}
    for name, wrapper in timed.items():
        setattr(run_service, name, wrapper)
    world.send("start")
    started = time.time()
    own, crawlers = _cpu_seconds(resource.RUSAGE_SELF), _cpu_seconds(resource.RUSAGE_CHILDREN)
    try:
        runs = _crawl(ctx, run_ids, sequential=sequential)
    finally:
        for name, wrapper in timed.items():
            setattr(run_service, name, wrapper.original)
    ended = time.time()
    absorb_cpu = _cpu_seconds(resource.RUSAGE_SELF) - own
    crawler_cpu = _cpu_seconds(resource.RUSAGE_CHILDREN) - crawlers
    world.send("stop")
    sites = world.recv()
    server.join(timeout=10)
    crawl_ended = max(path.stat().st_mtime for run in runs for path in Path(run.work_dir).glob("*.exit"))
    crawled = crawl_ended - started
    absorbed = sum(t.seconds for t in timed.values())
    with unit_of_work(ctx.sessions) as session:
        integrity = verify_snapshots(session=session, blobs=ctx.blobs)
        listings = session.scalar(select(func.count()).select_from(Listing)) or 0
    pages = sum(run.pages for run in runs)
    rows = sum(run.listings_found + run.accounts_found for run in runs)
    return {
        "database": ctx.engine.dialect.name,
        "cores": os.cpu_count(),
        "load": os.getloadavg()[0],
        "mode": "sequential" if sequential else "absorbed while crawling",
        "sources": len(runs),
        "runs done": sum(run.status == "done" for run in runs),
        "pages": pages,
        "crawl s": crawled,
        "  of which before the first request s": sites["first"] - started,
        "crawl pages/s": pages / crawled,
        "absorb s": absorbed,
        "absorb pages/s": pages / absorbed,
        "absorb after the crawl s": ended - crawl_ended,
        "end-to-end s": ended - started,
        "end-to-end pages/s": pages / (ended - started),
        "CPU ms/page: crawlers": 1000 * crawler_cpu / pages,
        "CPU ms/page: served world": 1000 * sites["cpu"] / pages,
        "CPU ms/page: absorb": 1000 * absorb_cpu / pages,
        "listings stored": listings,
        "rows ingested": rows,
        "peak requests/s to one host": sites["peak"],
        "answered 429 (rate limit)": sites["refused"],
        "robots.txt disallowed fetched": sites["disallowed"],
        **coverage(ctx, world_dir),
        "snapshots checked": integrity.checked,
        "integrity failures": len(integrity.failures),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--world", type=Path, required=True, help="A built world (countermark world build).")
    parser.add_argument("--concurrency", type=int, default=8, help="Concurrent requests per host.")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--max-seconds", type=float, default=300.0)
    parser.add_argument(
        "--sequential", action="store_true", help="Absorb the runs only after every crawl has ended."
    )
    args = parser.parse_args()
    result = bench(
        args.world,
        concurrency=args.concurrency,
        database_url=args.database_url,
        max_seconds=args.max_seconds,
        sequential=args.sequential,
    )
    width = max(len(k) for k in result)
    for key, value in result.items():
        shown = (
            f"{value:,.3f}" if isinstance(value, float) else f"{value:,}" if isinstance(value, int) else value
        )
        print(f"{key:<{width}}  {shown}")


if __name__ == "__main__":
    main()
