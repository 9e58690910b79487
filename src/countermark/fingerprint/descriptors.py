"""Local descriptors of the reference pictures in one FAISS binary index: candidates by votes.

Every enrolled picture's ORB descriptors (256 bits) go into an IndexBinaryFlat with the entry they came
from. A suspect picture's descriptors vote for the entries of their nearest neighbours when the match is
distinctive (Lowe's ratio against the nearest neighbour that is not a tie); the entries with most votes
are verified geometrically. ORB is rotation-invariant, so this finds rotated and cropped copies whose PDQ
hash has moved too far. The keypoints are kept too: verification reads them
from here instead of decoding the reference picture again. Entries are added one by one and disabled at
once (live set); the index is saved under the data directory with the other match indexes.
"""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

import faiss
import numpy as np
from numpy.typing import NDArray

from countermark.core.errors import InvalidInput
from countermark.fingerprint.geometric import OrbFeatures

NEIGHBOURS = 4
MAX_DESCRIPTOR_DISTANCE = 64  # of 256 bits; matching ORB descriptors of one scene are typically < 50
RATIO = 0.8  # Lowe's ratio test
TIE_BITS = 4  # neighbours this close to the best are the same feature in duplicate pictures: all vote
MIN_VOTES = 6
# Candidates also need a quarter of the best candidate's votes: a copy outvotes unrelated pictures.
RELATIVE_VOTES = 0.25
VOTES_SOURCE = (
    "measured on the 22 photographs of bench/fingerprint_robustness.py: copies get 7-1,000 votes (the "
    "colour wheel 16-29), the most voted unrelated picture at most 32; votes only nominate candidates, "
    "RANSAC verification decides"
)
# The searches here are small: one OpenMP thread avoids FAISS' spin-waiting on a shared machine
# (measured: a query's votes took 606 ms with 2 threads on a busy 2-core box, 83 ms with 1).
SEARCH_THREADS = 1


class DescriptorIndex:
    """ORB descriptors and keypoints of enrolled pictures, searchable by nearest neighbours."""

    def __init__(self) -> None:
        self._index = faiss.IndexBinaryFlat(256)
        # Entry of each indexed descriptor, in parts (appending never copies what is there), joined lazily.
        self._owner_parts: list[NDArray[np.int64]] = []
        self._owner = np.zeros(0, dtype=np.int64)
        self._features: dict[int, OrbFeatures] = {}
        self._live: set[int] = set()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._live)

    def known_ids(self) -> set[int]:
        """Entries whose features are held, matching or not."""
        return set(self._features)

    def add(self, entry_id: int, features: OrbFeatures) -> None:
        """Make one picture's descriptors vote from now on (an entry already held is only re-enabled)."""
        with self._lock:
            if entry_id not in self._features:
                self._features[entry_id] = features
                if features.descriptors is not None and len(features.descriptors):
                    self._index.add(np.ascontiguousarray(features.descriptors, dtype=np.uint8))
                    self._owner_parts.append(np.full(len(features.descriptors), entry_id, dtype=np.int64))
            self._live.add(entry_id)

    def forget(self, entry_ids: list[int]) -> None:
        """Drop entries and their descriptors for good (an id reused for another picture); rebuilds."""
        with self._lock:
            gone = set(entry_ids)
            for entry_id in gone:
                self._features.pop(entry_id, None)
            self._live.difference_update(gone)
            self._index = faiss.IndexBinaryFlat(256)
            self._owner, self._owner_parts = np.zeros(0, dtype=np.int64), []
            for entry_id, features in self._features.items():
                if features.descriptors is not None and len(features.descriptors):
                    self._index.add(np.ascontiguousarray(features.descriptors, dtype=np.uint8))
                    self._owner_parts.append(np.full(len(features.descriptors), entry_id, dtype=np.int64))

    def enable(self, entry_ids: list[int]) -> None:
        """Make held entries vote again."""
        with self._lock:
            self._live.update(i for i in entry_ids if i in self._features)

    def disable(self, entry_ids: list[int]) -> None:
        """Stop these entries from voting and being verified, at once."""
        with self._lock:
            self._live.difference_update(entry_ids)

    def features(self, entry_id: int) -> OrbFeatures | None:
        """The keypoints and descriptors of a live entry."""
        return self._features.get(entry_id) if entry_id in self._live else None

    def votes(self, query: OrbFeatures) -> Counter[int]:
        """Live entries voted for by the query's distinctive descriptors, with their vote counts."""
        out: Counter[int] = Counter()
        if query.descriptors is None or not len(query.descriptors) or self._index.ntotal == 0:
            return out
        with self._lock:
            faiss.omp_set_num_threads(SEARCH_THREADS)
            distances, labels = self._index.search(
                np.ascontiguousarray(query.descriptors, dtype=np.uint8), min(NEIGHBOURS, self._index.ntotal)
            )
            if self._owner_parts:
                self._owner = np.concatenate([self._owner, *self._owner_parts])
                self._owner_parts = []
            owners = self._owner[np.maximum(labels, 0)]
            live = self._live
        for dist_row, owner_row, label_row in zip(distances, owners, labels, strict=True):
            best = int(dist_row[0])
            if best > MAX_DESCRIPTOR_DISTANCE:
                continue
            near = {int(o) for d, o, lab in zip(dist_row, owner_row, label_row, strict=True)
                    if lab >= 0 and d <= best + TIE_BITS}  # fmt: skip
            # Lowe's ratio test against the nearest descriptor that is not a tie: ties are the same feature
            # in the same picture enrolled several times, and must not cancel each other's vote.
            other = [
                int(d) for d, lab in zip(dist_row, label_row, strict=True) if lab >= 0 and d > best + TIE_BITS
            ]
            # Every neighbour a tie: a bland patch that many pictures share, not a vote.
            if not other or best >= RATIO * other[0]:
                continue
            out.update(e for e in near if e in live)
        return out

    def candidates(self, query: OrbFeatures, exclude: set[int], limit: int) -> list[tuple[int, int]]:
        """(entry id, votes) of the most voted live entries with at least MIN_VOTES votes."""
        votes = self.votes(query)
        floor = max(MIN_VOTES, RELATIVE_VOTES * max(votes.values(), default=0))
        ranked = sorted((-n, e) for e, n in votes.items() if n >= floor and e not in exclude)
        return [(e, -n) for n, e in ranked[:limit]]

    def save(self, path: Path) -> None:
        """Write the descriptors, keypoints and live ids (atomic rename)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            ids = sorted(self._features)
            counts = np.array([len(self._features[i].points) for i in ids], dtype=np.int64)
            points = [self._features[i].points for i in ids]
            descs = [_descriptors(self._features[i]) for i in ids]
            live = np.array(sorted(self._live), dtype=np.int64)
        tmp = path.with_suffix(".tmp")
        with tmp.open("wb") as out:
            np.savez(
                out,
                ids=np.array(ids, dtype=np.int64),
                counts=counts,
                points=np.concatenate(points) if points else np.zeros((0, 2), np.float32),
                descriptors=np.concatenate(descs) if descs else np.zeros((0, 32), np.uint8),
                live=live,
            )
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> DescriptorIndex:
        """An index read back from save(); InvalidInput when the file is missing or damaged."""
        index = cls()
        try:
            with np.load(path, allow_pickle=False) as saved:
                ids, counts = saved["ids"].tolist(), saved["counts"].tolist()
                points, descriptors, live = saved["points"], saved["descriptors"], saved["live"]
            start = 0
            for entry_id, count in zip(ids, counts, strict=True):
                feats = OrbFeatures(points[start : start + count].astype(np.float32),
                                    descriptors[start : start + count].astype(np.uint8))  # fmt: skip
                if len(feats.points) != count or feats.descriptors is None or len(feats.descriptors) != count:
                    raise ValueError("keypoints and descriptors disagree")
                index.add(int(entry_id), feats if count else OrbFeatures(feats.points, None))
                start += count
            index._live = {int(i) for i in live.tolist() if int(i) in index._features}
        except (OSError, ValueError, KeyError) as exc:
            raise InvalidInput(f"cannot read the descriptor index {path}: {exc}") from None
        return index


def _descriptors(features: OrbFeatures) -> NDArray[np.uint8]:
    if features.descriptors is None:
        return np.zeros((len(features.points), 32), dtype=np.uint8)
    return np.asarray(features.descriptors, dtype=np.uint8)
