"""Bench: crawl the served synthetic world over real HTTP (and SOCKS5) and ingest what was found.

    .venv/bin/python bench/crawl.py --world /path/to/built/world [--concurrency 8] [--database-url URL]

Serves the world on 127.0.0.1 (hostile details on), adds one monitor source per platform to a fresh store
(SQLite in a temporary directory unless --database-url), runs every crawler process at once, then absorbs
the runs (snapshots to the blob store, listings and accounts through the one ingestion path). Prints one
table: pages fetched, crawl seconds (fetch + parse + WARC snapshot), absorb seconds (blobs + ingestion),
pages per second for each phase and end to end, listings and rows ingested per second, coverage of the
served listings, duplicates, and snapshot integrity failures.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from countermark.core.blobs import LocalBlobStore
from countermark.core.context import AppContext, build_context
from countermark.core.db import unit_of_work
from countermark.core.migrate import upgrade
from countermark.core.settings import Settings
from countermark.demo.monitor import WORLD_SOURCE, add_world_sources
from countermark.monitor.models import CrawlRun
from countermark.monitor.run_service import create_run, finish, spawn_crawler
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


def bench(
    world_dir: Path, *, concurrency: int, database_url: str | None, max_seconds: float
) -> dict[str, Any]:
    """Serve, crawl, absorb, measure."""
    data = Path(tempfile.mkdtemp(prefix="cm-crawl-bench-"))
    settings = Settings(data_dir=data, database_url=database_url or f"sqlite:///{data / 'countermark.db'}")
    ctx = build_context(settings, blobs=LocalBlobStore(data / "blobs"))
    upgrade(ctx.engine)
    with unit_of_work(ctx.sessions) as session:
        owner = create_organisation(
            session=session, name="Maison Aurel", kind="rights_holder", country="FR"
        ).id
    with serve_world(world_dir) as served:
        ids = add_world_sources(ctx, owner_org_id=owner, served=served, concurrency=concurrency)
        run_ids = [create_run(ctx, source_id, max_seconds=max_seconds) for source_id in ids]
        with unit_of_work(ctx.sessions) as session:
            works = [Path(session.get(CrawlRun, r).work_dir) for r in run_ids]  # type: ignore[union-attr]
        started = time.perf_counter()
        processes = [spawn_crawler(work / "main.job.json") for work in works]
        for process in processes:
            process.wait()
        crawled = time.perf_counter() - started
        peak = max((served.stats.max_per_second(host) for host in served.hosts.values()), default=0)
    started = time.perf_counter()
    runs = [
        finish(ctx, r, actor="bench", ok=p.returncode == 0) for r, p in zip(run_ids, processes, strict=True)
    ]
    absorbed = time.perf_counter() - started
    with unit_of_work(ctx.sessions) as session:
        integrity = verify_snapshots(session=session, blobs=ctx.blobs)
        listings = session.scalar(select(func.count()).select_from(Listing)) or 0
    pages = sum(run.pages for run in runs)
    rows = sum(run.listings_found + run.accounts_found for run in runs)
    return {
        "database": ctx.engine.dialect.name,
        "cores": os.cpu_count(),
        "load": os.getloadavg()[0],
        "sources": len(runs),
        "runs done": sum(run.status == "done" for run in runs),
        "pages": pages,
        "crawl s": crawled,
        "crawl pages/s": pages / crawled,
        "absorb s": absorbed,
        "absorb pages/s": pages / absorbed,
        "end-to-end pages/s": pages / (crawled + absorbed),
        "listings stored": listings,
        "rows ingested/s": rows / absorbed,
        "peak requests/s to one host": peak,
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
    args = parser.parse_args()
    result = bench(
        args.world, concurrency=args.concurrency, database_url=args.database_url, max_seconds=args.max_seconds
    )
    width = max(len(k) for k in result)
    for key, value in result.items():
        shown = (
            f"{value:,.3f}" if isinstance(value, float) else f"{value:,}" if isinstance(value, int) else value
        )
        print(f"{key:<{width}}  {shown}")


if __name__ == "__main__":
    main()
