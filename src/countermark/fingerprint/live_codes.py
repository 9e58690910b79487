"""Multi-index hashing tables that take new codes while they serve, merging them in the background.

New codes wait in a small buffer that every search scans. Past `buffer_limit` codes, the buffer is set
aside (still searched) and a background thread builds new tables over the merged codes and those set aside
(seconds at 1M codes, minutes at 10M on a busy two-core machine: bench/pdq_merge.py). Meanwhile searches
read the old tables, the codes set aside and the new buffer, so they stay complete and never wait for it.
The new tables are swapped in at once, under the lock.

A forgotten id (the picture behind it was rolled back or replaced) is dropped from the buffer at once and
marked dead in the tables (skipped by searches, dropped by the next merge), so forgetting never rebuilds.

Every method but the merge itself runs under the owner's lock (`BinaryIndex._lock`), which the merge
thread takes only to set the buffer aside and to swap the tables.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable

import numpy as np
from numpy.typing import NDArray

from countermark.fingerprint import mih

log = logging.getLogger(__name__)
Ids = NDArray[np.int64]
Words = NDArray[np.uint64]


def _no_words() -> Words:
    return np.zeros((0, mih.WORDS), dtype=np.uint64)


class LiveCodes:
    """Merged tables, the codes being merged, and a buffer of recent additions (see the module docstring)."""

    def __init__(self, lock: threading.Lock, buffer_limit: int = mih.BRUTE_FORCE_BELOW) -> None:
        self._lock = lock
        self.buffer_limit = buffer_limit
        self.ids: Ids = np.zeros(0, dtype=np.int64)  # of the merged tables, row by row
        self.table = mih.MultiIndexHash(_no_words())
        self.dead: set[int] = set()  # ids whose rows in the merged tables no longer count
        # Codes set aside for the merge in progress (searched until the new tables are in), and their dead.
        self.merging_ids: Ids = np.zeros(0, dtype=np.int64)
        self.merging_words: Words = _no_words()
        self.merging_table = mih.MultiIndexHash(_no_words())
        self.merging_dead: set[int] = set()
        self.buffer_ids: list[Ids] = []
        self.buffer_words: list[Words] = []
        self.buffered = 0
        self._merger: threading.Thread | None = None
        self._merged = threading.Condition(lock)
        self.merges = 0
        self.last_merge_seconds = 0.0

    @property
    def merging(self) -> bool:
        """Whether a merge is running in the background."""
        return self._merger is not None

    def codes(self) -> tuple[Ids, Words]:
        """Every live (id, code): merged first, then those being merged, then the buffer."""
        parts_ids, parts_words = [], []
        for ids, words, dead in (
            (self.ids, self.table.words, self.dead),
            (self.merging_ids, self.merging_words, self.merging_dead),
        ):
            keep = ~np.isin(ids, np.fromiter(dead, np.int64, len(dead))) if dead else slice(None)
            parts_ids.append(ids[keep])
            parts_words.append(words[keep])
        return (
            np.concatenate([*parts_ids, *self.buffer_ids]),
            np.concatenate([*parts_words, *self.buffer_words]).reshape(-1, mih.WORDS),
        )

    def add(self, ids: Ids, codes: NDArray[np.uint8]) -> None:
        """Append codes to the buffer; a full buffer starts a merge in the background (never waited for)."""
        self.buffer_ids.append(ids)
        self.buffer_words.append(mih.as_words(codes).copy())
        self.buffered += len(ids)
        if self.buffered > self.buffer_limit and self._merger is None:
            self._start_merge()

    def forget(self, gone: Iterable[int]) -> None:
        """Stop ids from matching for good, at once, without rebuilding (see the module docstring)."""
        gone_ids = np.fromiter(set(gone), np.int64)
        if not len(gone_ids):
            return
        self.dead.update(gone_ids.tolist())
        if self._merger is not None:
            self.merging_dead.update(gone_ids.tolist())
        kept_ids, kept_words = [], []
        for ids, words in zip(self.buffer_ids, self.buffer_words, strict=True):
            keep = ~np.isin(ids, gone_ids)
            kept_ids.append(ids[keep])
            kept_words.append(words[keep])
        self.buffer_ids, self.buffer_words = kept_ids, kept_words
        self.buffered = sum(len(ids) for ids in kept_ids)

    def replace(self, ids: Ids, words: Words) -> None:
        """Load these codes as the merged tables now (a saved index read back), waiting out any merge."""
        self.wait()
        self.table, self.ids = mih.MultiIndexHash(words), ids
        self.dead = set()
        self.buffer_ids, self.buffer_words, self.buffered = [], [], 0

    def wait(self, timeout: float | None = None) -> bool:
        """Wait (the lock held) until no merge runs; False if one still runs after `timeout` seconds."""
        return self._merged.wait_for(lambda: self._merger is None, timeout)

    def search(self, queries: NDArray[np.uint8], radius: int) -> list[list[tuple[int, int]]]:
        """(id, distance) of every live code within the radius of each query, unsorted."""
        words = mih.as_words(queries)
        out: list[list[tuple[int, int]]] = [[] for _ in range(len(words))]
        parts: list[tuple[mih.MultiIndexHash, Ids, set[int]]] = [(self.table, self.ids, self.dead)]
        if len(self.merging_ids):
            parts.append((self.merging_table, self.merging_ids, self.merging_dead))
        if self.buffered:
            parts.append(
                (
                    mih.MultiIndexHash(np.concatenate(self.buffer_words)),
                    np.concatenate(self.buffer_ids),
                    set(),
                )
            )
        for table, ids, dead in parts:
            q, rows, dist = table.search(words, radius)
            for qi, row, d in zip(q.tolist(), rows.tolist(), dist.tolist(), strict=True):
                entry_id = int(ids[row])
                if entry_id not in dead:
                    out[qi].append((entry_id, d))
        return out

    def _start_merge(self) -> None:
        """Set the buffer aside and build new tables over it and the merged codes in a thread of its own."""
        self.merging_ids = np.concatenate(self.buffer_ids)
        self.merging_words = np.concatenate(self.buffer_words)
        self.merging_table = mih.MultiIndexHash(self.merging_words)  # a few ms: searched until the swap
        self.merging_dead = set()
        self.buffer_ids, self.buffer_words, self.buffered = [], [], 0
        base = (self.table, self.ids, set(self.dead))
        self._merger = threading.Thread(target=self._merge, args=base, name="pdq-index-merge", daemon=True)
        self._merger.start()

    def _merge(self, table: mih.MultiIndexHash, ids: Ids, dead: set[int]) -> None:
        started = time.perf_counter()
        try:
            keep = ~np.isin(ids, np.fromiter(dead, np.int64, len(dead))) if dead else slice(None)
            new_ids = np.concatenate([ids[keep], self.merging_ids])
            new_table = mih.MultiIndexHash(np.concatenate([table.words[keep], self.merging_words]))
        except Exception:  # the codes set aside stay searched; the next addition tries again
            log.exception("merging the PDQ index buffer failed")
            with self._lock:
                dropped = np.fromiter(self.merging_dead, np.int64, len(self.merging_dead))
                keep = ~np.isin(self.merging_ids, dropped)
                self.buffer_ids.insert(0, self.merging_ids[keep])
                self.buffer_words.insert(0, self.merging_words[keep])
                self.buffered += int(keep.sum())
                self._finish()
            return
        with self._lock:
            # Ids forgotten while the merge ran name rows of the new tables: they stay dead there.
            self.dead = (self.dead - dead) | self.merging_dead
            self.table, self.ids = new_table, new_ids
            self.merges += 1
            self.last_merge_seconds = time.perf_counter() - started
            self._finish()
            if self.buffered > self.buffer_limit:
                self._start_merge()

    def _finish(self) -> None:
        self.merging_ids, self.merging_words, self.merging_dead = np.zeros(0, np.int64), _no_words(), set()
        self.merging_table = mih.MultiIndexHash(_no_words())
        self._merger = None
        self._merged.notify_all()
