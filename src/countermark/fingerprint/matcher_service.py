"""The live image matcher of a store: loaded from disk, kept in step with the database, saved back.

An enrolment is matchable before its transaction commits (the enrolling request finds it at once). If the
transaction rolls back instead, SQLite gives the same id to the next entry committed, by this process or
any other (a rolled-back insert leaves neither the row nor a raised sequence behind: AUTOINCREMENT does not
help). So the matcher holds such an entry as unconfirmed: its session's commit confirms it; its end
without a commit stops it matching at once and steps the matcher's last id back, so that the next sync
reads whatever entry the database holds under that id (replacing the rolled-back picture). The saved
indexes name the entries still unconfirmed, and loading them checks those against the database.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, SessionTransaction

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
UNCONFIRMED_FILE = "pdq-unconfirmed.npz"
_WATCHED = "fingerprint.unconfirmed"  # the session.info key of a session's unconfirmed enrolments


@dataclass
class LiveMatcher:
    """An image matcher with what it needs to stay in step: the last entry id seen and the live count."""

    matcher: ImageMatcher
    blobs: BlobStore
    index_dir: Path
    entry_blob: dict[int, str] = field(default_factory=dict)
    last_id: int = 0
    live_count: int = -1
    # Entries enrolled from a transaction not known to have committed: id -> PDQ hex (see the docstring).
    unconfirmed: dict[int, str] = field(default_factory=dict)
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

    def enrol(
        self,
        entry: FingerprintEntry,
        features: geometric.OrbFeatures | None = None,
        *,
        session: Session | None = None,
    ) -> None:
        """Make one PDQ entry matchable now (its ORB features are read from its picture when not given).

        With the session that is enrolling it (not committed yet), the entry stays unconfirmed until that
        session commits; without, it was read from the database.
        """
        held, signal = self.entry_blob.get(entry.id), self.unconfirmed.get(entry.id)
        if (held is not None and held != entry.blob_sha256) or (
            signal is not None and signal != entry.signal
        ):
            # SQLite reuses the id of a rolled-back enrolment: the indexes still hold that other picture.
            log.info("fingerprint entry %s now names another picture: replacing it in the indexes", entry.id)
            self.matcher.forget([entry.id])
        if entry.blob_sha256:
            self.entry_blob[entry.id] = entry.blob_sha256
        self.matcher.add(entry.id, PdqHash(entry.signal, entry.quality or 0), features)
        self.last_id = max(self.last_id, entry.id)
        if session is None:
            self.unconfirmed.pop(entry.id, None)
        else:
            self.unconfirmed[entry.id] = entry.signal
            self._watch(session).add(entry.id)

    def _watch(self, session: Session) -> set[int]:
        """The ids this session enrolled, confirmed when it commits and withdrawn when it ends otherwise."""
        watched: set[int] | None = session.info.get(_WATCHED)
        if watched is not None:
            return watched
        watched = session.info[_WATCHED] = set()

        @event.listens_for(session, "after_commit")
        def committed(session: Session) -> None:
            with self.lock:
                for entry_id in watched:
                    self.unconfirmed.pop(entry_id, None)
            watched.clear()

        @event.listens_for(session, "after_transaction_end")
        def ended(session: Session, transaction: SessionTransaction) -> None:
            if transaction.parent is None and watched:  # the outer transaction, without a commit
                with self.lock:
                    self.withdraw(sorted(watched))
                watched.clear()

        return watched

    def withdraw(self, entry_ids: list[int]) -> None:
        """Entries whose enrolment did not commit: stop matching them, and read their ids again at the
        next sync (another entry may get them). They stay unconfirmed until the database says otherwise."""
        self.matcher.disable(entry_ids)
        self.last_id = min(self.last_id, min(entry_ids) - 1)
        self.live_count = -1

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
        """Persist the PDQ and descriptor indexes under the data directory, with the unconfirmed entries."""
        with self.lock:
            unconfirmed = dict(self.unconfirmed)
        # The list first: with the indexes of an older save it only names entries to check needlessly.
        tmp = self.index_dir / f"{UNCONFIRMED_FILE}.tmp"
        self.index_dir.mkdir(parents=True, exist_ok=True)
        with tmp.open("wb") as out:
            np.savez(
                out,
                ids=np.array(list(unconfirmed), dtype=np.int64),
                signals=np.array(list(unconfirmed.values()), dtype="U64"),
            )
        tmp.replace(self.index_dir / UNCONFIRMED_FILE)
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
    unconfirmed = _read_unconfirmed(live.index_dir / UNCONFIRMED_FILE)
    if unconfirmed is None:
        log.warning("rebuilding the image index from the database: its unconfirmed entries are unreadable")
        return
    live.matcher.whole, live.matcher.descriptors = whole, descriptors
    live.last_id = max(known, default=0)
    _drop_uncommitted(live, session, unconfirmed, known)
    for entry_id, digest, quality in session.execute(
        select(FingerprintEntry.id, FingerprintEntry.blob_sha256, FingerprintEntry.quality).where(
            FingerprintEntry.signal_type == "pdq", FingerprintEntry.id <= live.last_id
        )
    ):
        if digest and entry_id in known:
            live.entry_blob[entry_id] = digest
        if entry_id in known and not PdqHash("", quality or 0).usable:
            live.matcher.flat.add(entry_id)


def _read_unconfirmed(path: Path) -> dict[int, str] | None:
    """The entries a saved index held unconfirmed (id -> PDQ hex); None when the file is unreadable."""
    if not path.exists():  # saved before unconfirmed entries were listed
        return {}
    try:
        with np.load(path, allow_pickle=False) as data:
            return dict(zip(data["ids"].tolist(), data["signals"].tolist(), strict=True))
    except (OSError, ValueError, KeyError):
        return None


def _drop_uncommitted(live: LiveMatcher, session: Session, saved: dict[int, str], known: set[int]) -> None:
    """Drop the saved unconfirmed entries the database does not hold with the same hash (rolled back, or
    their id since given to another picture): the sync then reads whatever the database holds there."""
    if not saved:
        return
    rows = session.execute(
        select(FingerprintEntry.id, FingerprintEntry.signal).where(
            FingerprintEntry.signal_type == "pdq", FingerprintEntry.id.in_(sorted(saved))
        )
    )
    stored = {entry_id: signal for entry_id, signal in rows}
    stale = sorted(i for i, signal in saved.items() if stored.get(i) != signal and i in known)
    if stale:
        log.info("fingerprint entries %s were not committed as saved: reading them again", stale[:20])
        live.matcher.forget(stale)
        known.difference_update(stale)
        live.last_id = min(live.last_id, stale[0] - 1)


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
