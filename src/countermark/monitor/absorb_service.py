"""Take in what a crawl found: snapshots to the blob store, accounts and listings through the one
ingestion path, listings that changed made a new version, listings whose page is gone recorded gone.

A crawl is one feed among others of the same keys (a partner's file may hold the listing already, under
the same `source` and external id, numbered by its own count of versions): a row the version rule turns
down as "the same version with other content" is what the crawl sees now of a record stored by another
feed, so it is sent again one version higher and replaces it, as the newer observation it is.

Idempotent: absorbing the same crawl directory again (after a resume, or twice) stores nothing twice —
snapshots are unique per run and fingerprint, and listings are keyed by (source, external id) with the
version rule of every ingestion.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from countermark.core.blobs import BlobStore
from countermark.ingest.readers import RawRow
from countermark.ingest.service import IngestReport, ingest_rows
from countermark.monitor.frontier import fingerprint
from countermark.monitor.models import CrawledItem, CrawlRun, MonitorSource
from countermark.monitor.snapshot_store import (
    FetchContent,
    SnapshotSteps,
    ingestion_source,
    read_fetches,
    store_fetch_snapshots,
)
from countermark.observe.redirects import MAX_REDIRECTS
from countermark.observe.service import scan_page, text_sightings
from countermark.observe.shops import is_shop_platform

GONE_STATUSES = frozenset({404, 410})
LISTING_FIELDS = ("url", "title", "description", "price", "currency", "seller", "ships_from", "language")
ACCOUNT_FIELDS = ("handle", "display_name", "profile_url", "bio", "country", "contacts", "joined_at")
CONFLICT = "already stored with different content"


@dataclass
class AbsorbReport:
    """What absorbing a crawl did."""

    pages: int = 0
    snapshots: int = 0
    listings_found: int = 0
    accounts_found: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    gone: int = 0
    rejected: int = 0
    errors: list[str] = field(default_factory=list)
    ingested: list[IngestReport] = field(default_factory=list)


def _digest(values: dict[str, Any]) -> str:
    canonical = json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _version(
    session: Session,
    run: CrawlRun,
    source: MonitorSource,
    kind: str,
    external_id: str,
    url: str,
    digest: str,
    at: datetime,
    known: dict[str, CrawledItem],
) -> tuple[int, datetime, str]:
    """The version a found record gets (the same unless it changed), its observation time, and the word
    for what happened: new, changed or unchanged. `known`: the crawl's items by external id."""
    item = known.get(external_id)
    if item is None:
        item = CrawledItem(
            source_id=source.id,
            kind=kind,
            external_id=external_id,
            url=url[:2000],
            digest=digest,
            version=1,
            observed_at=at,
            first_seen=at,
            last_seen=at,
        )
        session.add(item)
        known[external_id] = item
        what = "new"
    elif item.digest != digest:
        item.version, item.digest, item.observed_at, item.url = item.version + 1, digest, at, url[:2000]
        what = "changed"
    else:
        what = "unchanged"
    item.last_seen = max(item.last_seen, at)
    item.gone_at = None
    item.last_run_id = run.id
    return item.version, item.observed_at, what


def _known_items(
    session: Session, source: MonitorSource, kind: str, external_ids: list[str]
) -> dict[str, CrawledItem]:
    """The crawl's items of these external ids, a query per 500 (not one per item)."""
    known: dict[str, CrawledItem] = {}
    for start in range(0, len(external_ids), 500):
        known.update(
            (item.external_id, item)
            for item in session.scalars(
                select(CrawledItem).where(
                    CrawledItem.source_id == source.id,
                    CrawledItem.kind == kind,
                    CrawledItem.external_id.in_(external_ids[start : start + 500]),
                )
            )
        )
    return known


def _rows(rows: list[dict[str, Any]]) -> Iterator[RawRow]:
    for line, data in enumerate(rows, start=1):
        yield RawRow(line=line, data=data)


def _absorb_accounts(
    session: Session,
    run: CrawlRun,
    source: MonitorSource,
    fetches: dict[str, dict[str, Any]],
    report: AbsorbReport,
) -> list[dict[str, Any]]:
    latest: dict[str, tuple[dict[str, Any], datetime]] = {}
    # An account page reached through another address (a shop moved to another's domain) and fetched
    # directly too keeps every address it was reached through.
    redirected: dict[str, list[str]] = {}
    for record in fetches.values():
        account = record.get("account")
        if account:
            key = account.get("external_id") or account["handle"]
            latest[key] = (account, datetime.fromisoformat(record["fetched_at"]))
            for url in record.get("redirected_from") or ():
                if url not in redirected.setdefault(key, []) and len(redirected[key]) < MAX_REDIRECTS:
                    redirected[key].append(url)
    rows = []
    known = _known_items(session, source, "account", sorted(latest))
    for external_id, (account, at) in sorted(latest.items()):
        values = {k: account.get(k) for k in ACCOUNT_FIELDS}
        came = {"redirected_from": redirected[external_id]} if redirected.get(external_id) else {}
        version, _, _ = _version(
            session,
            run,
            source,
            "account",
            external_id,
            account.get("profile_url") or account["handle"],
            _digest({**values, **came}),
            at,
            known,
        )
        rows.append(
            {
                **{k: v for k, v in values.items() if v not in (None, "", [])},
                "platform": source.platform,
                "external_id": external_id,
                "version": version,
                **came,
            }
        )
    report.accounts_found = len(rows)
    return rows


def _by_content(
    work: Path,
    content: FetchContent,
    record: dict[str, Any],
    digest: str,
    blobs: BlobStore,
    body: bytes | None = None,
) -> str:
    """The page or image file under a name made of its content (`pages/<sha256>`): the ingestion's
    record names its files, and a listing seen again, unchanged, through another URL (a known URL
    revisited, an alias) must name the same ones or be a conflicting version.

    A hard link to the blob already stored when the store keeps files on this file system (one
    directory entry, where writing a copy cost a new file and its data); otherwise written from the
    fetch's body. Neither file is ever written in place, so sharing the inode is safe."""
    target = Path("pages") / digest
    path = work / target
    if path.exists():
        return str(target)
    path.parent.mkdir(exist_ok=True)
    stored = blobs.file_of(digest)
    if stored is not None:
        try:
            os.link(stored, path)
            return str(target)
        except FileExistsError:
            return str(target)
        except OSError:  # another file system, no hard links there, or the blob is gone: a copy
            pass
    data = body if body is not None else content.get(record, "body") or b""
    partial = work / "pages" / f".{digest}.{os.getpid()}.tmp"
    partial.write_bytes(data)
    os.replace(partial, path)
    return str(target)


def _absorb_listings(
    session: Session,
    blobs: BlobStore,
    run: CrawlRun,
    source: MonitorSource,
    fetches: dict[str, dict[str, Any]],
    payloads: dict[str, str],
    report: AbsorbReport,
) -> list[dict[str, Any]]:
    work = Path(run.work_dir)
    latest: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
    for fp, record in fetches.items():
        listing = record.get("listing")
        if listing and record.get("body"):
            latest[listing["external_id"]] = (listing, {**record, "fp": fp})
    rows = []
    known = _known_items(session, source, "listing", sorted(latest))
    content = FetchContent(work)
    try:
        for external_id, (listing, record) in sorted(latest.items()):
            images = [(url, fingerprint(url)) for url in listing.get("image_urls", [])]
            kept = [
                (_by_content(work, content, fetches[fp], payloads[fp], blobs), payloads[fp])
                for _, fp in images
                if fp in payloads and fetches[fp].get("body")
            ]
            values = {k: listing.get(k) for k in LISTING_FIELDS}
            # How the page was served: its certificate's names, the addresses that redirected to it.
            served_as = {k: record[k] for k in ("tls_names", "redirected_from") if record.get(k)}
            at = datetime.fromisoformat(record["fetched_at"])
            version, observed_at, what = _version(
                session,
                run,
                source,
                "listing",
                external_id,
                listing["url"],
                _digest({**values, "images": [digest for _, digest in kept], **served_as}),
                at,
                known,
            )
            setattr(report, what, getattr(report, what) + 1)
            row = {k: v for k, v in values.items() if v not in (None, "")}
            page = payloads.get(record["fp"])
            row.update(
                platform=source.platform,
                external_id=external_id,
                version=version,
                observed_at=observed_at.isoformat(),
                images=[path for path, _ in kept],
                snapshot=_by_content(work, content, record, page, blobs) if page else None,
                **served_as,
            )
            rows.append(row)
    finally:
        content.close()
    report.listings_found = len(rows)
    return rows


def _record_gone(
    session: Session,
    run: CrawlRun,
    source: MonitorSource,
    fetches: dict[str, dict[str, Any]],
    report: AbsorbReport,
) -> None:
    """Listings whose page now answers 404 or 410 are gone, from the time of that fetch."""
    gone_at = {
        fp: datetime.fromisoformat(r["fetched_at"])
        for fp, r in fetches.items()
        if r["status"] in GONE_STATUSES
    }
    if not gone_at:
        return
    live = session.scalars(
        select(CrawledItem).where(
            CrawledItem.source_id == source.id, CrawledItem.kind == "listing", CrawledItem.gone_at.is_(None)
        )
    )
    for item in live:
        at = gone_at.get(fingerprint(item.url))
        if at is not None and item.last_run_id != run.id:
            item.gone_at = at
            report.gone += 1


def _ingest(
    session: Session,
    blobs: BlobStore,
    run: CrawlRun,
    source: MonitorSource,
    kind: str,
    rows: list[dict[str, Any]],
    actor: str,
) -> IngestReport:
    """Rows through the one ingestion path, files (pages, images) read from the run's directory; rows
    another feed stored at the same version with other content go again one version higher."""

    def send(batch: list[dict[str, Any]]) -> IngestReport:
        return ingest_rows(
            session=session,
            blobs=blobs,
            kind=kind,
            rows=_rows(batch),
            owner_org_id=source.owner_org_id,
            actor=actor,
            label=f"monitor run {run.id}",
            tlp=source.tlp,
            source=ingestion_source(source),
            base_dir=Path(run.work_dir).resolve(),
        )

    report = send(rows)
    clashes = [r for r in report.rejects if any(CONFLICT in e for e in r["errors"])]
    if not clashes:
        return report
    again = [{**rows[r["line"] - 1], "version": rows[r["line"] - 1]["version"] + 1} for r in clashes]
    items = _known_items(session, source, kind.removesuffix("s"), [row["external_id"] for row in again])
    for row in again:
        item = items.get(row["external_id"])
        if item is not None:
            item.version = max(item.version, row["version"])
    second = send(again)
    report.rejects = [r for r in report.rejects if r not in clashes] + second.rejects
    report.rejected += second.rejected - len(clashes)
    report.stored += second.stored
    report.updated += second.updated
    report.unchanged += second.unchanged
    return report


def store_snapshots(
    *, session: Session, blobs: BlobStore, run: CrawlRun, source: MonitorSource, steps: SnapshotSteps
) -> int:
    """Store the snapshots of the fetches logged since the last step while the crawl goes on (its WARC
    files and pages by SHA-256), so that absorbing the run at its end has only the rest to do; how many."""
    fetches = read_fetches(Path(run.work_dir), steps.cursor)
    payloads, stored = store_fetch_snapshots(session, blobs, run, source, fetches, steps)
    _prepare_listings(Path(run.work_dir), blobs, fetches, payloads, shop=is_shop_platform(source.platform))
    return stored


def _prepare_listings(
    work: Path, blobs: BlobStore, fetches: dict[str, dict[str, Any]], payloads: dict[str, str], *, shop: bool
) -> None:
    """Ahead of the listings' ingestion, while the crawl goes on: the files their rows will name (pages
    and images by content) and the scan of each listing's page for identifiers (`observe.scan_page`,
    which the ingestion then finds done). What is left when the crawl ends is then mostly the database's
    work."""
    content = FetchContent(work)
    try:
        for fp, record in fetches.items():
            digest = payloads.get(fp)
            listing = record.get("listing")
            if digest is None or not (listing or record.get("kind") == "image"):
                continue
            body = content.get(record, "body") or b""
            _by_content(work, content, record, digest, blobs, body)
            if listing:
                region = listing.get("ships_from")
                scan_page(body, region, digest, shop=shop)
                text_sightings(listing["url"], listing["title"], listing.get("description"), region=region)
    finally:
        content.close()


def absorb_run(
    *, session: Session, blobs: BlobStore, run: CrawlRun, source: MonitorSource, actor: str
) -> AbsorbReport:
    """Store and ingest everything the crawl of `run` logged so far."""
    report = AbsorbReport()
    fetches = read_fetches(Path(run.work_dir))
    report.pages = len(fetches)
    report.errors = [f"{r['url']}: {r['error']}" for r in fetches.values() if r.get("error")][:200]
    payloads, report.snapshots = store_fetch_snapshots(session, blobs, run, source, fetches)
    accounts = _absorb_accounts(session, run, source, fetches, report)
    done = _ingest(session, blobs, run, source, "accounts", accounts, actor)
    listings = _absorb_listings(session, blobs, run, source, fetches, payloads, report)
    stored = _ingest(session, blobs, run, source, "listings", listings, actor)
    report.ingested = [done, stored]
    for ingest in (done, stored):
        report.rejected += ingest.rejected
        report.errors += [f"{ingest.kind} rejected: {'; '.join(r['errors'])}" for r in ingest.rejects][:100]
    _record_gone(session, run, source, fetches, report)
    session.flush()
    return report
