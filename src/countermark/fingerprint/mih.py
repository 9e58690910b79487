"""Exact Hamming range search by multi-index hashing (Norouzi, Punjani & Fleet, CVPR 2012), in numpy.

A 256-bit code is cut into m chunks of about 256/m bits. Two codes within r bits differ in some chunk by
at most r // m bits (pigeonhole), so probing every key within r // m bits of each query chunk finds every
neighbour: the search is exact. Chunk tables are CSR arrays (entries sorted by chunk key, plus the offset
of each key), so a probe is two array reads; all queries of a batch are probed at once. The chunk count
is chosen by a cost model (probes + expected candidates) for the number of codes; bench/fingerprint_lookup.py
measures it against FAISS.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from itertools import combinations

import numpy as np
from numpy.typing import NDArray

BITS = 256
WORDS = BITS // 64
DESIGN_RADIUS = 31  # PDQ's match threshold: the chunk count is tuned for it
BRUTE_FORCE_BELOW = 16_384  # under this many codes a scan is as fast and needs no tables
MAX_CHUNK_BITS = 28  # a CSR offsets table of 2^28 int32 is 1 GiB: never more

QUERY_BLOCK = 32
Codes = NDArray[np.uint64]
Found = tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]
_EMPTY: Found = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64))


def as_words(codes: NDArray[np.uint8]) -> Codes:
    """(n, 32) uint8 hash bytes as (n, 4) uint64 words (any fixed bit order serves Hamming distance)."""
    arr = np.ascontiguousarray(codes, dtype=np.uint8).reshape(-1, BITS // 8)
    return arr.view(np.uint64).reshape(-1, WORDS)


def hamming(a: Codes, b: Codes) -> NDArray[np.int64]:
    """Row-wise Hamming distances between two (n, 4) uint64 arrays (or one row against many)."""
    out: NDArray[np.int64] = np.bitwise_count(np.bitwise_xor(a, b)).sum(axis=-1, dtype=np.int64)
    return out


def chunk_bounds(chunks: int) -> list[tuple[int, int]]:
    """Bit ranges [start, end) of `chunks` nearly equal chunks of the 256 bits."""
    base, extra = divmod(BITS, chunks)
    bounds, start = [], 0
    for j in range(chunks):
        end = start + base + (1 if j < extra else 0)
        bounds.append((start, end))
        start = end
    return bounds


def chunk_keys(words: Codes, start: int, end: int) -> NDArray[np.int64]:
    """The integer value of bits [start, end) of each code (a chunk may straddle two words)."""
    keys = np.zeros(len(words), dtype=np.uint64)
    pos = start
    while pos < end:
        word, offset = divmod(pos, 64)
        take = min(end - pos, 64 - offset)
        part = (words[:, word] >> np.uint64(offset)) & np.uint64((1 << take) - 1)
        keys |= part << np.uint64(pos - start)
        pos += take
    return keys.astype(np.int64)


@lru_cache(maxsize=64)
def flip_masks(length: int, flips: int) -> NDArray[np.int64]:
    """Every mask of `length` bits with at most `flips` bits set (0 first)."""
    masks = [0]
    for k in range(1, flips + 1):
        masks += [sum(1 << b for b in combo) for combo in combinations(range(length), k)]
    return np.array(masks, dtype=np.int64)


def _probes(length: int, flips: int) -> int:
    return sum(math.comb(length, k) for k in range(flips + 1))


def choose_chunks(size: int, radius: int = DESIGN_RADIUS) -> int:
    """Chunk count minimising probes + expected candidates per query for `size` uniform codes."""
    best, best_cost = 16, math.inf
    for chunks in range(8, 33):
        length = BITS / chunks
        if math.ceil(length) > MAX_CHUNK_BITS or 2 ** math.ceil(length) > 8 * max(size, 1):
            continue  # offsets tables larger than the data are not worth their memory
        probes = chunks * _probes(math.ceil(length), radius // chunks)
        cost = probes * (1 + size / 2**length)
        if cost < best_cost:
            best, best_cost = chunks, cost
    return best


class MultiIndexHash:
    """A static exact range-search index over codes with row numbers 0..n-1 (see module docstring)."""

    def __init__(self, words: Codes, chunks: int | None = None) -> None:
        self.words = np.ascontiguousarray(words, dtype=np.uint64).reshape(-1, WORDS)
        n = len(self.words)
        self.chunks = 0 if n < BRUTE_FORCE_BELOW and chunks is None else (chunks or choose_chunks(n))
        if self.chunks and math.ceil(BITS / self.chunks) > MAX_CHUNK_BITS:
            raise ValueError(f"chunks of more than {MAX_CHUNK_BITS} bits would need too large tables")
        self.bounds = chunk_bounds(self.chunks) if self.chunks else []
        self.order: list[NDArray[np.int32]] = []
        self.offsets: list[NDArray[np.int32]] = []
        for start, end in self.bounds:
            keys = chunk_keys(self.words, start, end)
            order = np.argsort(keys, kind="stable").astype(np.int32)
            self.order.append(order)
            self.offsets.append(
                np.searchsorted(keys[order], np.arange(2 ** (end - start) + 1)).astype(np.int32)
            )

    def __len__(self) -> int:
        return len(self.words)

    def search(self, queries: Codes, radius: int, *, threads: int = 1) -> Found:
        """(query number, row, distance) of every code within `radius` bits of each query, unsorted.

        With threads > 1, blocks of queries are probed in parallel (numpy releases the GIL in the array
        work: measured 1,010-1,150 -> 1,400-1,560 lookups/s at 10M with 2 threads on a busy 2-core box).
        """
        queries = np.ascontiguousarray(queries, dtype=np.uint64).reshape(-1, WORDS)
        if len(self.words) == 0 or len(queries) == 0:
            return _EMPTY
        if not self.chunks or radius // self.chunks > 3:
            return _scan(self.words, queries, radius)
        # Blocks of queries keep temporaries in cache (measured at 10M: 1,410 q/s vs 784 in one block).
        offsets = range(0, len(queries), QUERY_BLOCK)
        if threads > 1 and len(queries) > QUERY_BLOCK:
            with ThreadPoolExecutor(threads) as pool:
                parts = list(pool.map(lambda b: self._probe(queries[b : b + QUERY_BLOCK], radius), offsets))
        else:
            parts = [self._probe(queries[b : b + QUERY_BLOCK], radius) for b in offsets]
        return (
            np.concatenate([p[0] + b for p, b in zip(parts, offsets, strict=True)]),
            np.concatenate([p[1] for p in parts]),
            np.concatenate([p[2] for p in parts]),
        )

    def _probe(self, queries: Codes, radius: int) -> Found:
        empty = _EMPTY[0]
        flips = radius // self.chunks
        qs, rows = [], []
        for (start, end), order, offsets in zip(self.bounds, self.order, self.offsets, strict=True):
            masks = flip_masks(end - start, flips)
            probes = (chunk_keys(queries, start, end)[:, None] ^ masks[None, :]).ravel()
            lo, hi = offsets[probes].astype(np.int64), offsets[probes + 1].astype(np.int64)
            counts = hi - lo
            total = int(counts.sum())
            if total == 0:
                continue
            owner = np.repeat(np.arange(len(probes), dtype=np.int64), counts)
            starts = np.cumsum(counts) - counts
            pos = np.arange(total, dtype=np.int64) - np.repeat(starts - lo, counts)
            rows.append(order[pos].astype(np.int64))
            qs.append(owner // len(masks))
        if not rows:
            return empty, empty, empty
        q_all, r_all = np.concatenate(qs), np.concatenate(rows)
        dist = hamming(self.words[r_all], queries[q_all])
        keep = dist <= radius
        q_all, r_all, dist = q_all[keep], r_all[keep], dist[keep]
        # A neighbour close in several chunks is found several times: keep one of each pair.
        pair = q_all * len(self.words) + r_all
        _, first = np.unique(pair, return_index=True)
        return q_all[first], r_all[first], dist[first]


def _scan(words: Codes, queries: Codes, radius: int) -> Found:
    qs, rows, dists = [], [], []
    step = max(1, 4_000_000 // max(len(words), 1))
    for begin in range(0, len(queries), step):
        block = queries[begin : begin + step]
        dist = np.bitwise_count(block[:, None, :] ^ words[None, :, :]).sum(axis=-1, dtype=np.int64)
        q, r = np.nonzero(dist <= radius)
        qs.append(q + begin)
        rows.append(r)
        dists.append(dist[q, r])
    return (np.concatenate(qs).astype(np.int64), np.concatenate(rows).astype(np.int64),
            np.concatenate(dists).astype(np.int64))  # fmt: skip
