"""PDQ lookup at radius 31: multi-index hashing and FAISS side by side, recall, throughput, latency.

Random 256-bit hashes (or clustered ones: siblings of shared centres) plus planted near neighbours at
known distances (8..31 bits); recall is against brute force (IndexBinaryFlat).

    .venv/bin/python bench/fingerprint_lookup.py --sizes 1000000,10000000 [--data clustered]
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable

import faiss
import numpy as np

from countermark.fingerprint import mih
from countermark.fingerprint.index import make_faiss_index

RADIUS = 31
QUERIES = 1000


def _flip(codes: np.ndarray, bits: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    out = codes.copy()
    for row, k in enumerate(bits):
        for b in rng.choice(256, size=int(k), replace=False):
            out[row, b // 8] ^= np.uint8(1 << (b % 8))
    return out


class Mih:
    """The product's numpy multi-index hashing behind FAISS' range_search signature (labels = rows)."""

    def __init__(self, data: np.ndarray, chunks: int | None = None, threads: int = 1) -> None:
        self.table = mih.MultiIndexHash(mih.as_words(data), chunks)
        self.threads = threads

    def range_search(self, queries: np.ndarray, bound: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        q, rows, dist = self.table.search(mih.as_words(queries), bound - 1, threads=self.threads)
        order = np.argsort(q, kind="stable")
        lims = np.searchsorted(q[order], np.arange(len(queries) + 1))
        return lims, dist[order], rows[order]


def _faiss_multihash(data: np.ndarray, nhash: int, bits: int, nflip: int) -> faiss.IndexBinary:
    index = faiss.IndexBinaryMultiHash(256, nhash, bits)
    index.nflip = nflip
    index.add(data)
    return index


def _found(index: faiss.IndexBinary | Mih, queries: np.ndarray) -> tuple[list[set[int]], float]:
    started = time.perf_counter()
    lims, _, labels = index.range_search(queries, RADIUS + 1)
    elapsed = time.perf_counter() - started
    return [set(labels[lims[q] : lims[q + 1]].tolist()) for q in range(len(queries))], elapsed


def _data(size: int, kind: str, rng: np.random.Generator) -> np.ndarray:
    if kind == "uniform":
        return rng.integers(0, 256, (size, 32), dtype=np.uint8)
    # Clustered: groups of 100 siblings, each bit of the centre flipped with probability 0.1 (siblings
    # ~46 bits apart), so chunk keys collide far more often than uniform hashes do.
    centres = rng.integers(0, 256, (size // 100 + 1, 32), dtype=np.uint8)
    out = np.empty((size, 32), dtype=np.uint8)
    for start in range(0, size, 1_000_000):
        n = min(1_000_000, size - start)
        noise = np.packbits(rng.random((n, 256)) < 0.1, axis=1)
        out[start : start + n] = centres[(start + np.arange(n)) // 100] ^ noise
    return out


BUILDERS: dict[str, tuple[str, Callable[[np.ndarray], faiss.IndexBinary | Mih]]] = {
    "mih": ("numpy MIH", lambda d: Mih(d)),
    "mih2t": ("numpy MIH", lambda d: Mih(d, threads=2)),
    "mih10": ("numpy MIH 10 chunks", lambda d: Mih(d, 10)),
    "mih12": ("numpy MIH 12 chunks", lambda d: Mih(d, 12)),
    "mh12x21": ("FAISS MultiHash 12x21 f2", lambda d: _faiss_multihash(d, 12, 21, 2)),
}


def run(size: int, rng: np.random.Generator, data_kind: str, kinds: list[str]) -> None:
    """Build each index over `size` hashes and print one row per index."""
    data = _data(size, data_kind, rng)
    targets = rng.choice(size, QUERIES, replace=False)
    distances = rng.integers(8, RADIUS + 1, QUERIES)
    queries = _flip(data[targets], distances, rng)
    flat = make_faiss_index("flat")
    flat.add(data)
    truth, _ = _found(flat, queries)
    planted_recall = np.mean([int(t) in found for t, found in zip(targets, truth, strict=True)])
    print(f"\n{size:,} {data_kind} hashes; {QUERIES} queries with a neighbour planted at 8-31 bits "
          f"(brute force finds {planted_recall:.1%} of them)")  # fmt: skip
    print(f"{'index':<26}{'build s':>9}{'recall':>9}{'batch q/s':>11}{'1-query ms p50':>16}{'p99':>8}")
    for kind in kinds:
        if kind == "ivf" and size > 2_000_000:
            continue
        started = time.perf_counter()
        index: faiss.IndexBinary | Mih
        if kind in BUILDERS:
            index = BUILDERS[kind][1](data)
        elif kind == "flat":
            index = flat
        else:
            index = make_faiss_index(kind, train=data[: min(size, 200_000)])
            index.add(data)
        build = time.perf_counter() - started if kind != "flat" else 0.0
        found, elapsed = _found(index, queries)
        recall = np.mean([len(f & t) / len(t) if t else 1.0 for f, t in zip(found, truth, strict=True)])
        single = []
        for q in queries[:100]:
            t0 = time.perf_counter()
            index.range_search(q.reshape(1, -1), RADIUS + 1)
            single.append(1000 * (time.perf_counter() - t0))
        label = {
            "flat": "IndexBinaryFlat",
            "multihash": "IndexBinaryMultiHash 16x16",
            "hash": "IndexBinaryHash b16 nflip2",
            "ivf": "IndexBinaryIVF",
        }.get(kind) or BUILDERS[kind][0]
        if isinstance(index, Mih):
            label = f"numpy MIH {index.table.chunks} chunks" + ("*" if kind == "mih" else "")
            label += ", 2 thr" if index.threads > 1 else ""
        print(f"{label:<26}{build:>9.1f}{recall:>9.3f}{QUERIES / elapsed:>11,.0f}"
              f"{np.percentile(single, 50):>16.2f}{np.percentile(single, 99):>8.2f}")  # fmt: skip
        if kind != "flat":
            del index


def main() -> None:
    """Parse --sizes and run the bench at each size."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000000", help="comma-separated index sizes")
    parser.add_argument("--data", default="uniform", choices=["uniform", "clustered"])
    parser.add_argument("--kinds", default="flat,multihash,hash,ivf,mih,mih2t,mih10,mih12,mh12x21")
    args = parser.parse_args()
    print(f"machine: {platform.machine()} {os.cpu_count()} cores, faiss {faiss.__version__}, "
          f"threads {faiss.omp_get_max_threads()}")  # fmt: skip
    rng = np.random.default_rng(2024)
    for size in (int(s) for s in args.sizes.split(",")):
        run(size, rng, args.data, args.kinds.split(","))


if __name__ == "__main__":
    main()
