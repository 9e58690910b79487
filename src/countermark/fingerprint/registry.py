"""The live image matcher of a store: loaded from disk, kept in step with the database, saved back."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from countermark.core.blobs import BlobStore
from countermark.core.context import AppContext
from countermark.core.errors import CountermarkError
from countermark.fingerprint import geometric
from countermark.fingerprint.imaging import open_image
from countermark.fingerprint.index import DEFAULT_KIND, BinaryIndex
from countermark.fingerprint.matcher import REGION_SLOTS, ImageMatcher
from countermark.fingerprint.models import FingerprintEntry
from countermark.fingerprint.pdq import PdqHash

log = logging.getLogger(__name__)
FEATURE_CACHE = 2048


@dataclass
class LiveMatcher:
    """An image matcher with what it needs to stay in step: the last entry id seen and the live count."""

    matcher: ImageMatcher
    blobs: BlobStore
    index_dir: Path
    entry_blob: dict[int, str] = field(default_factory=dict)
    last_id: int = 0
    live_count: int = -1
    _features: OrderedDict[int, geometric.OrbFeatures | None] = field(default_factory=OrderedDict)

    def features(self, entry_id: int) -> geometric.OrbFeatures | None:
        """ORB features of an entry's source picture, computed once and kept in a bounded cache."""
        if entry_id in self._features:
            self._features.move_to_end(entry_id)
            return self._features[entry_id]
        digest = self.entry_blob.get(entry_id)
        result: geometric.OrbFeatures | None = None
        if digest is not None:
            try:
                result = geometric.orb_features(open_image(self.blobs.get(digest)))
            except CountermarkError as exc:
                log.warning("no features for fingerprint entry %s: %s", entry_id, exc.message)
        self._features[entry_id] = result
        if len(self._features) > FEATURE_CACHE:
            self._features.popitem(last=False)
        return result

    def enrol(self, entry: FingerprintEntry) -> None:
        """Make one PDQ entry matchable now."""
        regions = [
            geometric.RegionHash(f"r{k}", PdqHash(h, 100)) for k, h in enumerate(entry.regions[:REGION_SLOTS])
        ]
        self.matcher.add(entry.id, PdqHash(entry.signal, entry.quality or 0), regions)
        if entry.blob_sha256:
            self.entry_blob[entry.id] = entry.blob_sha256
        self.last_id = max(self.last_id, entry.id)

    def sync(self, session: Session) -> None:
        """Bring the matcher in step with the database: new entries in, disabled ones out."""
        live = FingerprintEntry.signal_type == "pdq"
        newest, count = session.execute(
            select(func.max(FingerprintEntry.id), func.count()).where(
                live, FingerprintEntry.enabled.is_(True)
            )
        ).one()
        if (newest or 0) <= self.last_id and count == self.live_count:
            return
        for entry in session.scalars(
            select(FingerprintEntry)
            .where(live, FingerprintEntry.id > self.last_id)
            .order_by(FingerprintEntry.id)
        ):
            self.enrol(entry)
        enabled = set(
            session.scalars(select(FingerprintEntry.id).where(live, FingerprintEntry.enabled.is_(True)))
        )
        self.matcher.disable(sorted(set(self.entry_blob) - enabled))
        for entry_id in sorted(enabled - set(self.matcher.whole.live_ids())):
            self.matcher.whole.enable([entry_id])
            self.matcher.regions.enable([entry_id * REGION_SLOTS + k for k in range(REGION_SLOTS)])
        self.live_count = count

    def save(self) -> None:
        """Persist both indexes under the data directory."""
        self.matcher.whole.save(self.index_dir / "pdq-whole.faissb")
        self.matcher.regions.save(self.index_dir / "pdq-regions.faissb")


def _load_saved(live: LiveMatcher, session: Session) -> None:
    """Start from the saved indexes when there are any, so only newer entries are read from the database."""
    whole, regions = live.index_dir / "pdq-whole.faissb", live.index_dir / "pdq-regions.faissb"
    if not (whole.exists() and regions.exists()):
        return
    try:
        live.matcher.whole = BinaryIndex.load(whole, DEFAULT_KIND)
        live.matcher.regions = BinaryIndex.load(regions, "flat")
    except CountermarkError as exc:
        log.warning("rebuilding the image index from the database: %s", exc.message)
        live.matcher.whole, live.matcher.regions = BinaryIndex(DEFAULT_KIND), BinaryIndex("flat")
        return
    known = live.matcher.whole.known_ids()
    live.last_id = max(known, default=0)
    for entry_id, digest in session.execute(
        select(FingerprintEntry.id, FingerprintEntry.blob_sha256).where(
            FingerprintEntry.signal_type == "pdq", FingerprintEntry.id <= live.last_id
        )
    ):
        if digest and entry_id in known:
            live.entry_blob[entry_id] = digest


_LOCK = threading.Lock()
_MATCHERS: dict[str, LiveMatcher] = {}


def live_matcher(ctx: AppContext, session: Session) -> LiveMatcher:
    """The process's matcher for this store, synchronised with the database before use."""
    key = f"{ctx.settings.resolved_database_url()}|{ctx.settings.data_dir.resolve()}"
    with _LOCK:
        live = _MATCHERS.get(key)
        if live is None:
            index_dir = ctx.settings.data_dir / "indexes"
            live = LiveMatcher(ImageMatcher(lambda _: None), ctx.blobs, index_dir)
            live.matcher.features = live.features
            _load_saved(live, session)
            _MATCHERS[key] = live
        live.sync(session)
        return live


def forget_matchers() -> None:
    """Drop every cached matcher (tests, and after a restore of the database)."""
    with _LOCK:
        _MATCHERS.clear()
