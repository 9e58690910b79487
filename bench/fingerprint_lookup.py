"""PDQ lookup at radius 31: FAISS index kinds side by side, recall against brute force, throughput, latency.

Random 256-bit hashes plus planted near neighbours at known distances (8..31 bits).

    .venv/bin/python bench/fingerprint_lookup.py --sizes 1000000,10000000
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import faiss
import numpy as np

from countermark.fingerprint.index import make_faiss_index

RADIUS = 31
QUERIES = 1000


def _flip(codes: np.ndarray, bits: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    out = codes.copy()
    for row, k in enumerate(bits):
        for b in rng.choice(256, size=int(k), replace=False):
            out[row, b // 8] ^= np.uint8(1 << (b % 8))
    return out


def _found(index: faiss.IndexBinary, queries: np.ndarray) -> tuple[list[set[int]], float]:
    started = time.perf_counter()
    lims, _, labels = index.range_search(queries, RADIUS + 1)
    elapsed = time.perf_counter() - started
    return [set(labels[lims[q] : lims[q + 1]].tolist()) for q in range(len(queries))], elapsed


def run(size: int, rng: np.random.Generator) -> None:
    """Build each index over `size` hashes and print one row per index."""
    data = rng.integers(0, 256, (size, 32), dtype=np.uint8)
    targets = rng.choice(size, QUERIES, replace=False)
    distances = rng.integers(8, RADIUS + 1, QUERIES)
    queries = _flip(data[targets], distances, rng)
    flat = make_faiss_index("flat")
    flat.add(data)
    truth, _ = _found(flat, queries)
    planted_recall = np.mean([int(t) in found for t, found in zip(targets, truth, strict=True)])
    print(f"\n{size:,} hashes; {QUERIES} queries with a neighbour planted at 8-31 bits "
          f"(brute force finds {planted_recall:.1%} of them)")  # fmt: skip
    print(f"{'index':<26}{'build s':>9}{'recall':>9}{'batch q/s':>11}{'1-query ms p50':>16}{'p99':>8}")
    kinds = ["flat", "multihash", "hash"] + (["ivf"] if size <= 2_000_000 else [])
    for kind in kinds:
        started = time.perf_counter()
        index = flat if kind == "flat" else make_faiss_index(kind, train=data[: min(size, 200_000)])
        if kind != "flat":
            index.add(data)
        build = time.perf_counter() - started if kind != "flat" else 0.0
        found, elapsed = _found(index, queries)
        recall = np.mean([len(f & t) / len(t) if t else 1.0 for f, t in zip(found, truth, strict=True)])
        single = []
        for q in queries[:100]:
            t0 = time.perf_counter()
            index.range_search(q.reshape(1, -1), RADIUS + 1)
            single.append(1000 * (time.perf_counter() - t0))
        label = {"flat": "IndexBinaryFlat", "multihash": "IndexBinaryMultiHash 16x16",
                 "hash": "IndexBinaryHash b16 nflip2", "ivf": "IndexBinaryIVF"}[kind]  # fmt: skip
        print(f"{label:<26}{build:>9.1f}{recall:>9.3f}{QUERIES / elapsed:>11,.0f}"
              f"{np.percentile(single, 50):>16.2f}{np.percentile(single, 99):>8.2f}")  # fmt: skip
        if kind != "flat":
            del index


def main() -> None:
    """Parse --sizes and run the bench at each size."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000000", help="comma-separated index sizes")
    args = parser.parse_args()
    print(f"machine: {platform.machine()} {os.cpu_count()} cores, faiss {faiss.__version__}, "
          f"threads {faiss.omp_get_max_threads()}")  # fmt: skip
    rng = np.random.default_rng(2024)
    for size in (int(s) for s in args.sizes.split(",")):
        run(size, rng)


if __name__ == "__main__":
    main()
