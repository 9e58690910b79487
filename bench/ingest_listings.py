"""Benchmark: listings (and their sellers' accounts) per second through the one ingestion path, as the
monitor's crawler feeds them, on SQLite and PostgreSQL.

Generates a crawl's worth of listings: sellers from a pool (their accounts ingested first), titles and
descriptions with contacts, each listing with one or two images drawn from a pool of distinct JPEGs
(stored by SHA-256, not hashed: the fingerprint step hashes them later) and its saved page (a few KB of
HTML, scanned for identifiers). Passes: new listings, the same again (all unchanged), one in ten newer;
then the same new listings without files (what a crawler's text-only item carries), through
`ingest_rows` with dict rows; and, on a slice, the row-by-row path for comparison. Each pass is one
transaction. Prints rows/s and the CPU seconds of this process and of the ingestion workers.
Run: .venv/bin/python bench/ingest_listings.py [--listings N] [--postgres URL] [--sqlite-only]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw
from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, text

from countermark.core.blobs import LocalBlobStore
from countermark.core.context import build_context
from countermark.core.db import unit_of_work
from countermark.core.migrate import upgrade
from countermark.ingest import parallel
from countermark.ingest.readers import RawRow
from countermark.ingest.service import IngestReport, ingest_file, ingest_rows
from countermark.orgs.service import ensure_organisation

console = Console()
WORDS = ["bag", "tote", "wallet", "watch", "sneakers", "scarf", "belt", "perfume", "replica", "new", "box"]


def cpu_seconds() -> float:
    """CPU seconds of this process and of the live ingestion workers (read from /proc on Linux)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    total = own.ru_utime + own.ru_stime
    pool = parallel._pool
    for pid in list(getattr(pool, "_processes", None) or {}):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            continue
    return total


def write_world(folder: Path, count: int, *, seed: int = 5, newer_every: int = 0, files: bool = True) -> Path:
    """Accounts and `count` listings as JSON Lines beside their images and pages; the listings file."""
    rng = random.Random(seed)
    sellers = [f"seller-{n}" for n in range(count // 20 + 1)]
    (folder / "img").mkdir(parents=True, exist_ok=True)
    (folder / "pages").mkdir(exist_ok=True)
    images = []
    for n in range(200):
        path = folder / "img" / f"{n}.jpg"
        if not path.exists():
            shade = random.Random(n)
            picture = Image.new("RGB", (96, 96), tuple(shade.randrange(256) for _ in range(3)))
            ImageDraw.Draw(picture).text((8, 40), str(n), fill=(0, 0, 0))
            picture.save(path, format="JPEG", quality=85)
        images.append(f"img/{n}.jpg")
    with (folder / "accounts.jsonl").open("w", encoding="utf-8") as handle:
        for n, seller in enumerate(sellers):
            handle.write(json.dumps({
                "source": "crawl", "external_id": f"A-{n}", "platform": "ShopMarket", "handle": seller,
                "country": "CN", "bio": f"WhatsApp +86 138 {n:04d} {n % 10000:04d}, mail {seller}@shop.cn",
            }) + "\n")  # fmt: skip
    path = folder / f"listings-{newer_every}-{int(files)}.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for n in range(count):
            seller = rng.choice(sellers)
            record: dict[str, Any] = {
                "source": "crawl", "external_id": f"L-{n:08d}",
                "version": 2 if newer_every and n % newer_every == 0 else 1,
                "platform": "ShopMarket", "url": f"https://shopmarket.example/item/{n}",
                "title": " ".join(rng.choice(WORDS) for _ in range(6)),
                "description": f"Order via telegram @{seller.replace('-', '')} or {seller}@shop.cn. "
                + " ".join(rng.choice(WORDS) for _ in range(40)),
                "price": f"{rng.uniform(5, 400):.2f}", "currency": "EUR", "seller": seller,
                "ships_from": "CN", "observed_at": "2026-05-01T10:00:00Z",
            }  # fmt: skip
            if files:
                record["images"] = rng.sample(images, rng.randint(1, 2))
                page = folder / "pages" / f"{n}.html"
                if not page.exists():
                    words = random.Random(n)  # the same page whichever file is written first
                    body = " ".join(words.choice(WORDS) for _ in range(400))
                    html = f"<html><body><h1>{record['title']}</h1><p>{body}</p>"
                    page.write_text(html + f"<p>contact {seller}@shop.cn</p></body></html>", encoding="utf-8")
                record["snapshot"] = f"pages/{n}.html"
            handle.write(json.dumps(record) + "\n")
    return path


def _passes(url: str, work: Path, count: int, row_by_row: int) -> list[tuple[str, str, int, float, float]]:
    """(path, pass, rows, seconds, CPU seconds) of each pass on a fresh store."""
    work.mkdir(parents=True, exist_ok=True)
    from countermark.core.settings import Settings

    ctx = build_context(Settings(data_dir=work, database_url=url), blobs=LocalBlobStore(work / "blobs"))
    upgrade(ctx.engine)
    with unit_of_work(ctx.sessions) as session:
        owner = ensure_organisation(session=session, name="Bench cyber unit", kind="police", country="FR").id
    world = work / "world"
    new = write_world(world, count)
    newer = write_world(world, count, newer_every=10)
    bare = write_world(world, count, files=False)
    results = []

    def timed(run: Any) -> tuple[IngestReport, float, float]:
        started, cpu = time.perf_counter(), cpu_seconds()
        with unit_of_work(ctx.sessions) as session:
            report = run(session)
        return report, time.perf_counter() - started, cpu_seconds() - cpu

    def from_file(path: Path, kind: str = "listings", bulk: bool = True) -> Any:
        return lambda session: ingest_file(
            session=session, blobs=ctx.blobs, kind=kind, path=path, owner_org_id=owner, actor="bench",
            tlp="AMBER", bulk=bulk,
        )  # fmt: skip

    report, seconds, cpu = timed(from_file(world / "accounts.jsonl", "accounts"))
    results.append(("bulk", "accounts", report.read, seconds, cpu))
    for label, path, expect in (
        ("new, with images and page", new, "stored"), ("same again", new, "unchanged"),
        ("1 in 10 newer", newer, "updated"),
    ):  # fmt: skip
        report, seconds, cpu = timed(from_file(path))
        assert report.rejected == 0 and getattr(report, expect) > 0, report.summary()
        results.append(("bulk", label, report.read, seconds, cpu))
    rows = [
        RawRow(n, {**json.loads(line), "source": "crawl-text"})
        for n, line in enumerate(bare.read_text(encoding="utf-8").splitlines(), 1)
    ]
    report, seconds, cpu = timed(lambda session: ingest_rows(
        session=session, blobs=ctx.blobs, kind="listings", rows=rows, owner_org_id=owner, actor="bench",
        label="crawl",
    ))  # fmt: skip
    assert report.stored == count, report.summary()
    results.append(("bulk", "new, text only (crawler rows)", report.read, seconds, cpu))
    if row_by_row:
        lines = new.read_text(encoding="utf-8").splitlines()[:row_by_row]
        slice_ = world / "slice.jsonl"
        slice_.write_text("\n".join(line.replace('"crawl"', '"crawl-slice"') for line in lines) + "\n")
        report, seconds, cpu = timed(from_file(slice_, bulk=False))
        assert report.stored == row_by_row, report.summary()
        results.append(("row by row", "new, with images and page", report.read, seconds, cpu))
    ctx.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--listings", type=int, default=20_000)
    parser.add_argument("--row-by-row", type=int, default=1_000, help="rows of the row-by-row comparison")
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "COUNTERMARK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    args = parser.parse_args()
    machine = f"{platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}"
    table = Table("backend", "path", "pass", "rows", "seconds", "rows/s", "CPU s",
                  title=f"Listing ingestion ({machine}, one transaction a pass)")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        backends = [("sqlite", f"sqlite:///{base / 'listings.db'}")]
        admin, schema = None, f"cm_bench_{uuid.uuid4().hex[:8]}"
        if not args.sqlite_only:
            try:
                admin = create_engine(args.postgres, connect_args={"connect_timeout": 3})
                with admin.begin() as connection:
                    connection.execute(text(f'CREATE SCHEMA "{schema}"'))
                sep = "&" if "?" in args.postgres else "?"
                backends.append(("postgresql", f"{args.postgres}{sep}options=-csearch_path%3D{schema}"))
            except Exception as exc:  # a missing server only removes rows of the table
                console.print(f"PostgreSQL skipped: {type(exc).__name__}")
                admin = None
        try:
            for name, url in backends:
                for path, label, count, seconds, cpu in _passes(
                    url, base / name, args.listings, args.row_by_row
                ):
                    rate = f"{count / seconds:,.0f}" if seconds else "-"
                    table.add_row(name, path, label, f"{count:,}", f"{seconds:.2f}", rate, f"{cpu:.1f}")
        finally:
            if admin is not None:
                with admin.begin() as connection:
                    connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()
    console.print(table)


if __name__ == "__main__":
    main()
