"""The `monitor` section of `countermark eval`: how much of the served world the crawl found, listings
stored twice, and snapshots whose digests no longer verify.

The served world's truth (`<world>/truth/served.json`, written by the sites while they run) lists every
listing served, live or gone, with its canonical URL; only the evaluation reads it.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from countermark.core.blobs import BlobStore, LocalBlobStore
from countermark.core.settings import Settings
from countermark.monitor.models import CrawlSnapshot
from countermark.monitor.snapshot_service import verify_snapshots
from countermark.observe.models import Listing


def _served(truth_path: Path) -> dict[str, Any] | None:
    path = truth_path.parent / "served.json"
    if not path.is_file():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def evaluate_monitor(session: Session, truth_path: Path, blobs: BlobStore | None = None) -> dict[str, float]:
    """Crawl coverage of the served listings (live at the last crawl), duplicates, integrity failures."""
    served = _served(truth_path)
    crawled = set(
        session.execute(
            select(CrawlSnapshot.listing_source, CrawlSnapshot.listing_external_id).where(
                CrawlSnapshot.listing_external_id.is_not(None)
            )
        ).all()
    )
    figures: dict[str, float] = {"snapshots": float(len(session.scalars(select(CrawlSnapshot.id)).all()))}
    if not crawled:
        return figures  # no crawl in this store: nothing to measure (the demo without --crawl)
    found = {external_id for _, external_id in crawled}
    if served is not None:
        live = {item["external_id"] for item in served["listings"] if item["status"] == "live"}
        figures["served_live_listings"] = float(len(live))
        figures["crawl_coverage"] = round(len(found & live) / max(1, len(live)), 4)
        figures["found_not_served"] = float(len(found - {item["external_id"] for item in served["listings"]}))
    sources = {source for source, _ in crawled}
    urls = session.scalars(select(Listing.url).where(Listing.source.in_(sources))).all()
    figures["duplicate_listings"] = float(sum(count - 1 for count in Counter(urls).values() if count > 1))
    store = blobs or LocalBlobStore(Settings().resolved_blob_dir())
    integrity = verify_snapshots(session=session, blobs=store)
    figures["snapshots_checked"] = float(integrity.checked)
    figures["snapshot_integrity_failures"] = float(len(integrity.failures))
    return figures
