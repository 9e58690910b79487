"""The live image matcher of a store: loaded from disk, kept in step with the database, saved back."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from countermark.core.blobs import BlobStore
from countermark.core.context import AppContext
from countermark.core.errors import CountermarkError
from countermark.fingerprint import geometric
from countermark.fingerprint.descriptors import DescriptorIndex
from countermark.fingerprint.imaging import open_image
from countermark.fingerprint.index import DEFAULT_KIND, BinaryIndex
from countermark.fingerprint.matcher import ImageMatcher
from countermark.fingerprint.models import FingerprintEntry
from countermark.fingerprint.pdq import PdqHash

log = logging.getLogger(__name__)
WHOLE_FILE, DESCRIPTORS_FILE = "pdq-whole.mih", "orb-descriptors.npz"


@dataclass
class LiveMatcher:
    """An image matcher with what it needs to stay in step: the last entry id seen and the live count."""

    matcher: ImageMatcher
    blobs: BlobStore
    index_dir: Path
    entry_blob: dict[int, str] = field(default_factory=dict)
    last_id: int = 0
    live_count: int = -1
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def features(self, entry_id: int) -> geometric.OrbFeatures | None:
        """ORB features of an entry's source picture (read once, at enrolment; then held by the index)."""
        digest = self.entry_blob.get(entry_id)
        if digest is None:
            return None
        try:
            return geometric.orb_features(open_image(self.blobs.get(digest)))
        except CountermarkError as exc:
            log.warning("no features for fingerprint entry %s: %s", entry_id, exc.message)
            return None

    def enrol(self, entry: FingerprintEntry, features: geometric.OrbFeatures | None = None) -> None:
        """Make one PDQ entry matchable now (its ORB features are read from its picture when not given)."""
        held = self.entry_blob.get(entry.id)
        if held is not None and held != entry.blob_sha256:
            # SQLite reuses the id of a rolled-back enrolment: the indexes still hold that other picture.
            log.info("fingerprint entry %s now names another picture: replacing it in the indexes", entry.id)
            self.matcher.forget([entry.id])
        if entry.blob_sha256:
            self.entry_blob[entry.id] = entry.blob_sha256
        self.matcher.add(entry.id, PdqHash(entry.signal, entry.quality or 0), features)
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
        self.matcher.enable(sorted(enabled - set(self.matcher.whole.live_ids())))
        self.live_count = count

    def save(self) -> None:
        """Persist the PDQ and descriptor indexes under the data directory."""
        self.matcher.whole.save(self.index_dir / WHOLE_FILE)
        self.matcher.descriptors.save(self.index_dir / DESCRIPTORS_FILE)


def _load_saved(live: LiveMatcher, session: Session) -> None:
    """Start from the saved indexes when there are any, so only newer entries are read from the database."""
    paths = [live.index_dir / name for name in (WHOLE_FILE, DESCRIPTORS_FILE)]
    if not all(p.exists() for p in paths):
        return
    try:
        whole, descriptors = BinaryIndex.load(paths[0], DEFAULT_KIND), DescriptorIndex.load(paths[1])
    except CountermarkError as exc:
        log.warning("rebuilding the image index from the database: %s", exc.message)
        return
    known = whole.known_ids()
    if descriptors.known_ids() != known:
        log.warning("rebuilding the image index from the database: saved indexes disagree")
        return
    live.matcher.whole, live.matcher.descriptors = whole, descriptors
    live.last_id = max(known, default=0)
    for entry_id, digest, quality in session.execute(
        select(FingerprintEntry.id, FingerprintEntry.blob_sha256, FingerprintEntry.quality).where(
            FingerprintEntry.signal_type == "pdq", FingerprintEntry.id <= live.last_id
        )
    ):
        if digest and entry_id in known:
            live.entry_blob[entry_id] = digest
        if entry_id in known and not PdqHash("", quality or 0).usable:
            live.matcher.flat.add(entry_id)


CACHE_NAME = "fingerprint.matcher"


def live_matcher(ctx: AppContext, session: Session) -> LiveMatcher:
    """The store's matcher (kept on the application context), synchronised with the database before use."""

    def build() -> LiveMatcher:
        live = LiveMatcher(ImageMatcher(), ctx.blobs, ctx.settings.index_dir)
        live.matcher.features = live.features
        _load_saved(live, session)
        return live

    live = ctx.cached(CACHE_NAME, build)
    with live.lock:
        live.sync(session)
    return live


def forget_matchers(ctx: AppContext) -> None:
    """Drop the store's loaded matcher and media indexes (tests, and after a restore of the database)."""
    ctx.forget("fingerprint.")
