"""The live video and audio candidate indexes of a store, kept in step with the database.

Built from the stored signals at first use and extended with newer entries before every lookup (so an
entry is matchable as soon as it is committed). Disabled entries and banks need no index change: every
candidate is re-read from the database with its enabled flags before it is verified.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from countermark.core.context import AppContext
from countermark.core.errors import InvalidInput
from countermark.fingerprint import audio, video
from countermark.fingerprint.media_index import AudioIndex, VideoIndex
from countermark.fingerprint.models import FingerprintEntry

log = logging.getLogger(__name__)


@dataclass
class MediaIndexes:
    """Video and audio candidate indexes with the newest entry id and the count of entries they hold."""

    video: VideoIndex = field(default_factory=VideoIndex)
    audio: AudioIndex = field(default_factory=AudioIndex)
    last_id: int = 0
    indexed: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def sync(self, session: Session) -> None:
        """Index entries newer than the last one seen; start again if the database was replaced."""
        kinds = FingerprintEntry.signal_type.in_(("video", "audio"))
        older = session.scalar(select(func.count()).where(kinds, FingerprintEntry.id <= self.last_id)) or 0
        if older != self.indexed:  # rows vanished or ids were reused: a restored or reset database
            self.video, self.audio, self.last_id, self.indexed = VideoIndex(), AudioIndex(), 0, 0
        rows = session.execute(
            select(FingerprintEntry.id, FingerprintEntry.signal_type, FingerprintEntry.signal)
            .where(kinds, FingerprintEntry.id > self.last_id)
            .order_by(FingerprintEntry.id)
        )
        for entry_id, kind, signal in rows:
            try:
                if kind == "video":
                    self.video.add(entry_id, video.from_signal(signal))
                else:
                    self.audio.add(entry_id, audio.from_signal(signal))
            except InvalidInput as exc:
                log.warning("fingerprint entry %s not indexed: %s", entry_id, exc.message)
            self.last_id = entry_id
            self.indexed += 1


CACHE_NAME = "fingerprint.media_indexes"


def media_indexes(ctx: AppContext, session: Session) -> MediaIndexes:
    """The store's video and audio indexes (kept on the application context), synchronised before use."""
    indexes = ctx.cached(CACHE_NAME, MediaIndexes)
    with indexes.lock:
        indexes.sync(session)
    return indexes
