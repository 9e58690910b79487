"""Candidate indexes for video and audio entries, so lookups verify a few entries instead of the bank.

Video: every usable frame hash of every entry in one exact PDQ index (multi-index hashing, radius 31);
an entry is a candidate when at least MIN_MATCHED_FRAMES query frames find one of its frames, which is
exactly the frame condition of a video match, so no match is lost. Audio: an inverted index of the
Chromaprint 32-bit sub-fingerprint values (as AcoustID's index does); an entry is a candidate when enough
query values occur in it at one consistent time offset. The existing verification (share of frames,
bit error rate at the best alignment) then decides.
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict

import numpy as np
from numpy.typing import NDArray

from countermark.fingerprint import pdq, video
from countermark.fingerprint.index import BinaryIndex

# Audio candidates: values shared at one offset (within one item either way). A copy with bit error rate
# 0.02 shares most of its values; unrelated sounds rarely share 3 at one offset. Measured in
# tests/unit/test_fingerprint_media_index.py.
MIN_AUDIO_VOTES = 3
MAX_AUDIO_CANDIDATES = 50
# Values found in more than this many places are stationary sound (silence, hum) and say nothing.
STOP_POSTINGS = 1000
VOTES_SOURCE = (
    "AcoustID-style inverted index of Chromaprint sub-fingerprints; 3 values at one offset, measured in "
    "tests/unit/test_fingerprint_media_index.py (trimmed MP3 copy: 43 values at one offset, unrelated: 0)"
)


class VideoIndex:
    """Frame PDQ hashes of video entries; candidates by the number of query frames that find a frame."""

    def __init__(self) -> None:
        self._frames = BinaryIndex("mih")
        self._owner: list[int] = []  # frame serial -> entry id
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._owner)

    def add(self, entry_id: int, frames: list[video.Frame]) -> None:
        """Index the usable frames of one entry."""
        usable = [f for f in frames if f.usable]
        with self._lock:
            serials = list(range(len(self._owner), len(self._owner) + len(usable)))
            self._owner.extend([entry_id] * len(usable))
            self._frames.add(serials, [bytes.fromhex(f.hash) for f in usable])

    def candidates(self, frames: list[video.Frame]) -> list[int]:
        """Entries with frames within PDQ distance 31 of at least MIN_MATCHED_FRAMES usable query frames."""
        usable = [f for f in frames if f.usable]
        if not usable:
            return []
        hits = self._frames.search([bytes.fromhex(f.hash) for f in usable], pdq.MATCH_THRESHOLD)
        votes: Counter[int] = Counter()
        for found in hits:
            votes.update({self._owner[h.entry_id] for h in found})
        return sorted(e for e, n in votes.items() if n >= video.MIN_MATCHED_FRAMES)


class AudioIndex:
    """Inverted index of Chromaprint values -> (entry id, position); candidates by offset-consistent votes."""

    def __init__(self) -> None:
        self._postings: defaultdict[int, list[tuple[int, int]]] = defaultdict(list)
        self._entries = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return self._entries

    def add(self, entry_id: int, values: NDArray[np.uint32]) -> None:
        """Index every position of one entry's fingerprint."""
        with self._lock:
            for position, value in enumerate(values.tolist()):
                postings = self._postings[value]
                if len(postings) <= STOP_POSTINGS:
                    postings.append((entry_id, position))
            self._entries += 1

    def candidates(self, values: NDArray[np.uint32]) -> list[int]:
        """Entries sharing at least MIN_AUDIO_VOTES query values at one time offset, most votes first."""
        votes: Counter[tuple[int, int]] = Counter()
        for position, value in enumerate(values.tolist()):
            postings = self._postings.get(value)
            if not postings or len(postings) > STOP_POSTINGS:
                continue
            for entry_id, ref_position in postings:
                votes[(entry_id, position - ref_position)] += 1
        best: dict[int, int] = {}
        for (entry_id, offset), count in votes.items():
            # Neighbouring offsets too: a resampled copy drifts by one item now and then.
            total = count + votes.get((entry_id, offset - 1), 0) + votes.get((entry_id, offset + 1), 0)
            best[entry_id] = max(best.get(entry_id, 0), total)
        ranked = sorted((-n, e) for e, n in best.items() if n >= MIN_AUDIO_VOTES)
        return [e for _, e in ranked[:MAX_AUDIO_CANDIDATES]]
