"""A crawl's fetches as evidence: read from its fetch logs, their WARC records and pages stored in the
blob store by SHA-256 with a snapshot row each, once per run (`absorb_service` ingests what they show).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from countermark.core.blobs import BlobStore
from countermark.core.clock import utcnow
from countermark.core.models import Blob
from countermark.monitor.frontier import IN_LOG, IN_WARC, fingerprint
from countermark.monitor.models import CrawlRun, CrawlSnapshot, MonitorSource
from countermark.monitor.warc import response_payload

LOGGED_AT = "_logged_at"  # added to a fetch's record as read: (its fetch log's file name, its sequence)


def ingestion_source(source: MonitorSource) -> str:
    """The ingestion `source` of a monitor source's listings and accounts: the one its configuration
    names, else `monitor:<id>`, unique on the instance."""
    named = source.config.get("ingest_source") if isinstance(source.config, dict) else None
    return str(named) if named else f"monitor:{source.id}"


def read_fetches(work_dir: Path, cursor: dict[str, int] | None = None) -> dict[str, dict[str, Any]]:
    """Every fetch logged in the crawl's directory (all workers), by fingerprint; a refetch replaces.

    With a cursor (the last sequence number read from each frontier file, updated here), only the fetches
    logged since: what a crawl still running added. A frontier its crawler has not set up yet is skipped.
    """
    fetches: dict[str, dict[str, Any]] = {}
    for path in sorted(work_dir.glob("*.frontier.sqlite")):
        after = cursor.get(path.name, 0) if cursor is not None else 0
        db = sqlite3.connect(str(path), timeout=30)
        try:
            query = "SELECT seq, record FROM fetches WHERE seq > ? ORDER BY seq"
            rows = db.execute(query, (after,)).fetchall()
        except sqlite3.OperationalError:  # no fetches table yet
            rows = []
        finally:
            db.close()
        for seq, text in rows:
            record = json.loads(text)
            record[LOGGED_AT] = (path.name, int(seq))
            fetches[fingerprint(record["requested"])] = record
        if cursor is not None and rows:
            cursor[path.name] = int(rows[-1][0])
    return fetches


class FetchContent:
    """The WARC files and bodies of a crawl's fetches, read when needed: a WARC file from the fetch log's
    row (`frontier.IN_LOG`), a body from its WARC file's response record (`frontier.IN_WARC`); files in
    the crawl's directory for crawls logged before. Close it after."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.logs: dict[str, sqlite3.Connection] = {}

    def get(self, record: dict[str, Any], key: str, warc: bytes | None = None) -> bytes | None:
        """The fetch's WARC file (`key` "warc") or body ("body", from `warc` when already read); None
        when it has none."""
        where = record.get(key)
        if not where:
            return None
        if key == "body" and where == IN_WARC:
            warc = warc if warc is not None else self.get(record, "warc")
            return response_payload(warc) if warc is not None else None
        if key == "warc" and where == IN_LOG:
            name, seq = record[LOGGED_AT]
            if name not in self.logs:
                self.logs[name] = sqlite3.connect(str(self.work / name), timeout=30)
            row = self.logs[name].execute("SELECT warc FROM fetches WHERE seq = ?", (seq,)).fetchone()
            return bytes(row[0]) if row is not None and row[0] is not None else None
        path = self.work / where
        return path.read_bytes() if path.is_file() else None

    def close(self) -> None:
        """Close the fetch logs opened."""
        for db in self.logs.values():
            db.close()
        self.logs.clear()


class BlobBatch:
    """Blobs put in the store at once and their metadata rows inserted in one statement: a crawl keeps
    thousands of small files, and a flush per blob (`core.storage.store_blob`) is most of its cost."""

    def __init__(self, session: Session, blobs: BlobStore) -> None:
        self.session, self.blobs = session, blobs
        self.rows: dict[str, dict[str, Any]] = {}

    def put(self, data: bytes, media_type: str) -> str:
        """Store the bytes; their digest (the metadata row is written by `flush`)."""
        digest = self.blobs.put(data)
        self.rows.setdefault(
            digest,
            {
                "sha256": digest,
                "size": len(data),
                "media_type": media_type[:100] or "application/octet-stream",
            },
        )
        return digest

    def flush(self) -> None:
        """Insert the metadata rows not already there."""
        wanted = sorted(self.rows)
        known: set[str] = set()
        for start in range(0, len(wanted), 500):
            known |= set(
                self.session.scalars(select(Blob.sha256).where(Blob.sha256.in_(wanted[start : start + 500])))
            )
        now = utcnow()
        missing = [{**self.rows[d], "created_at": now} for d in wanted if d not in known]
        if missing:
            self.session.execute(insert(Blob), missing)
        self.rows.clear()


@dataclass
class SnapshotSteps:
    """What storing one run's snapshots while it crawls carries from one step to the next: how far each
    fetch log was read, and the fetches already stored with their pages' digests (read from the database
    at the first step only: a resumed run has some). A step then costs what it stores, where reading the
    whole run's snapshots again every quarter second grew with the square of a long crawl."""

    cursor: dict[str, int] = field(default_factory=dict)
    stored: set[str] | None = None
    payloads: dict[str, str] = field(default_factory=dict)


def store_fetch_snapshots(
    session: Session,
    blobs: BlobStore,
    run: CrawlRun,
    source: MonitorSource,
    fetches: dict[str, dict[str, Any]],
    steps: SnapshotSteps | None = None,
) -> tuple[dict[str, str], int]:
    """Store each fetch's WARC and page once per run: the page's digest by fingerprint (of every fetch
    stored, now or by an earlier call while the crawl went on), and how many snapshots this call added."""
    work = Path(run.work_dir)
    if steps is not None and steps.stored is not None:
        done, payloads = steps.stored, steps.payloads
    else:
        done, payloads = set(), {}
        stored = select(CrawlSnapshot.fingerprint, CrawlSnapshot.payload_sha256)
        for fp, digest in session.execute(stored.where(CrawlSnapshot.run_id == run.id)):
            done.add(fp)
            if digest:
                payloads[fp] = digest
        if steps is not None:
            steps.stored, steps.payloads = done, payloads
    batch = BlobBatch(session, blobs)
    snapshots: list[dict[str, Any]] = []
    content = FetchContent(work)
    try:
        for fp, record in fetches.items():
            if fp in done:
                continue
            data = content.get(record, "warc")
            if data is None:
                continue
            warc = batch.put(data, "application/warc")
            body = content.get(record, "body", data)
            payload = None
            if body is not None:
                payload = batch.put(body, record.get("media_type") or "application/octet-stream")
                payloads[fp] = payload
            snapshots.append(_snapshot_row(run, source, fp, record, warc, payload, batch))
            done.add(fp)
    finally:
        content.close()
    batch.flush()
    if snapshots:
        session.execute(insert(CrawlSnapshot), snapshots)
    return payloads, len(snapshots)


def _snapshot_row(
    run: CrawlRun,
    source: MonitorSource,
    fp: str,
    record: dict[str, Any],
    warc: str,
    payload: str | None,
    batch: BlobBatch,
) -> dict[str, Any]:
    """A snapshot's row, its rendering's screenshot and text (files, when rendered) stored."""
    work = Path(run.work_dir)
    extras = {}
    for key, media_type in (("screenshot", "image/png"), ("rendered_text", "text/plain; charset=utf-8")):
        path = record.get(key)
        if path and (work / path).is_file():
            extras[key] = batch.put((work / path).read_bytes(), media_type)
    listing = record.get("listing") or {}
    return {
        "run_id": run.id,
        "source_id": source.id,
        "fingerprint": fp,
        "url": record["url"][:2000],
        "kind": (record.get("page_kind") or record["kind"])[:16],
        "http_status": record["status"],
        "fetched_at": datetime.fromisoformat(record["fetched_at"]),
        "warc_sha256": warc,
        "payload_sha256": payload,
        "block_digest": record["block_digest"],
        "payload_digest": record.get("payload_digest"),
        "text_sha256": extras.get("rendered_text"),
        "screenshot_sha256": extras.get("screenshot"),
        "listing_source": ingestion_source(source) if listing else None,
        "listing_external_id": listing.get("external_id"),
        "owner_org_id": source.owner_org_id,
        "tlp": source.tlp,
        "sharing_group_id": source.sharing_group_id,
    }
