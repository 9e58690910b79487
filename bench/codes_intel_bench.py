"""Shared rate limits and report matching: hits per second per store, reports matched per second.

Run: .venv/bin/python bench/codes_intel_bench.py [--seconds 2] [--listings 2000]
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, text

from countermark.codes import matching_service, report_service
from countermark.codes.throttle import DatabaseCounter, MemoryCounter, RateLimiter, RedisCounter
from countermark.core.context import AppContext, build_context
from countermark.core.db import unit_of_work
from countermark.core.ingestion import IngestContext
from countermark.core.migrate import upgrade
from countermark.core.settings import Settings
from countermark.observe.schemas import ListingIn
from countermark.observe.service import ingest_listing
from countermark.orgs.service import create_organisation
from countermark.rights.models import Product

PG = os.environ.get("COUNTERMARK_BENCH_POSTGRES_URL")  # measured in a schema of its own, dropped after
REDIS = os.environ.get("COUNTERMARK_REDIS_URL", "redis://127.0.0.1:6379/15")


def hits_per_second(limiter: RateLimiter, seconds: float) -> float:
    """Rate-limit hits per second, each from one of 1,000 addresses (never over the limit)."""
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        limiter.hit("bench", f"198.51.{done % 1000 // 250}.{done % 250}", limit=10**9, window=60)
        done += 1
    return done / (time.perf_counter() - start)


def postgres_hits(url: str, directory: Path, seconds: float) -> float:
    """Hits per second on PostgreSQL, in a fresh schema dropped afterwards."""
    schema = f"cm_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        separator = "&" if "?" in url else "?"
        pg = build_context(
            Settings(data_dir=directory, database_url=f"{url}{separator}options=-csearch_path%3D{schema}")
        )
        upgrade(pg.engine)
        try:
            return hits_per_second(RateLimiter(DatabaseCounter(pg.engine), b"p"), seconds)
        finally:
            pg.close()
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def matching_store(directory: Path, listings: int) -> AppContext:
    """A SQLite store with a product and `listings` listings that each give a seller e-mail."""
    ctx = build_context(Settings(data_dir=directory, database_url=f"sqlite:///{directory / 'bench.db'}"))
    upgrade(ctx.engine)
    with unit_of_work(ctx.sessions) as session:
        org = create_organisation(session=session, name="Maison Aurel", kind="rights_holder", country="FR")
        session.add(
            Product(
                source="b",
                external_id="p",
                content_hash="0" * 64,
                brand="AUREL",
                gtin="09506000134352",
                name="tote",
                category="bags",
                owner_org_id=org.id,
                tlp="AMBER",
            )
        )
        ingest = IngestContext(session, ctx.blobs, None, "bench", org.id, "GREEN")
        for n in range(listings):
            ingest_listing(
                ingest,
                ListingIn(
                    external_id=f"l{n}",
                    platform="market",
                    url=f"https://www.shopmarket.ie/item/{100000 + n}",
                    title="AUREL tote",
                    description=f"mail seller{n % 300}@lux-mail.net",
                    seller=f"shop{n % 300}",
                    observed_at=datetime(2025, 1, 1, tzinfo=UTC),
                ),
            )
    return ctx


def reports_per_second(ctx: AppContext, seconds: float) -> float:
    """Consumer reports stored and matched (identifiers, threads, listings, shops, rights) per second."""
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        with unit_of_work(ctx.sessions) as session:
            row = report_service.submit_report(
                session=session,
                blobs=ctx.blobs,
                reporter=None,
                report=report_service.ReportInput(
                    code_uri=None,
                    gtin="09506000134352",
                    bought_at_kind="website",
                    shop=f"shop{done % 300}",
                    url=f"https://www.shopmarket.ie/item/{100000 + done % 2000}",
                    description=f"fake, seller seller{done % 300}@lux-mail.net",
                    lat=None,
                    lon=None,
                    contact=None,
                ),
            )
            matching_service.match_report(ctx=ctx, session=session, report=row, actor="bench")
        done += 1
    return done / (time.perf_counter() - start)


def main() -> None:
    """Measure and print the table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--listings", type=int, default=2000)
    args = parser.parse_args()
    rows: list[tuple[str, float | str]] = []
    rows.append(
        (
            "rate-limit hits, in memory (one process only)",
            hits_per_second(RateLimiter(MemoryCounter(), b"p"), args.seconds),
        )
    )
    with tempfile.TemporaryDirectory() as tmp:
        ctx = matching_store(Path(tmp), args.listings)
        rows.append(
            (
                "rate-limit hits, SQLite (WAL, one upsert + one read)",
                hits_per_second(RateLimiter(DatabaseCounter(ctx.engine), b"p"), args.seconds),
            )
        )
        if PG:
            rows.append(("rate-limit hits, PostgreSQL", postgres_hits(PG, Path(tmp), args.seconds)))
        else:
            rows.append(("rate-limit hits, PostgreSQL", "not measured (set COUNTERMARK_BENCH_POSTGRES_URL)"))
        try:
            import redis

            client = redis.Redis.from_url(REDIS)
            client.ping()
            rows.append(
                (
                    "rate-limit hits, Redis (MULTI: INCR, EXPIRE, GET)",
                    hits_per_second(RateLimiter(RedisCounter(client, "bench"), b"p"), args.seconds),
                )
            )
        except Exception as exc:  # no Redis here: say so in the table
            rows.append(("rate-limit hits, Redis", f"skipped ({type(exc).__name__})"))
        rows.append(
            (
                f"reports stored + matched, SQLite, {args.listings:,} listings",
                reports_per_second(ctx, args.seconds),
            )
        )
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} logical CPUs, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}; one process"
    )
    print(f"{'operation':<56} {'per second':>12}")
    for name, value in rows:
        print(f"{name:<56} {value:>12,.0f}" if isinstance(value, float) else f"{name:<56} {value}")


if __name__ == "__main__":
    main()
