"""The live PDQ index while its buffer merges: how long the adding request waits, lookups meanwhile, recall.

Builds a live index of N random hashes (read back from a saved index, as a server starts), then adds one
buffer's worth plus one (which starts a merge) and looks up planted copies, old and new, until the merge
is done. Before the merge moved to the background, the adding request waited for all of it and every
lookup waited behind it; the figure to compare is `merge_seconds`.

    .venv/bin/python bench/pdq_merge.py --size 10000000
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from countermark.fingerprint import mih
from countermark.fingerprint.index import MIH_BUFFER, BinaryIndex

RADIUS = 31
BATCH = 8  # a picture's lookup: the whole picture and its dihedral variants


def _saved(size: int, rng: np.random.Generator, folder: Path) -> tuple[Path, np.ndarray]:
    codes = rng.integers(0, 256, (size, 32), dtype=np.uint8)
    path = folder / "whole.mih"
    with path.open("wb") as out:
        np.savez(out, ids=np.arange(size, dtype=np.int64), words=mih.as_words(codes))
    np.save(path.with_suffix(".live.npy"), np.arange(size, dtype=np.int64))
    return path, codes


def run(size: int, seed: int) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    with tempfile.TemporaryDirectory() as folder:
        path, base = _saved(size, rng, Path(folder))
        started = time.perf_counter()
        live = BinaryIndex.load(path, "mih")
        loaded = time.perf_counter() - started
    extra = rng.integers(0, 256, (MIH_BUFFER + 1, 32), dtype=np.uint8)
    started = time.perf_counter()
    live.add(list(range(size, size + len(extra))), [row.tobytes() for row in extra])
    add_seconds = time.perf_counter() - started
    latencies, found, asked = [], 0, 0
    while live.merging:
        old, new = rng.integers(0, size, BATCH // 2), rng.integers(0, len(extra), BATCH // 2)
        queries = [base[i].tobytes() for i in old] + [extra[i].tobytes() for i in new]
        wanted = [int(i) for i in old] + [size + int(i) for i in new]
        begin = time.perf_counter()
        hits = live.search(queries, RADIUS)
        latencies.append(time.perf_counter() - begin)
        found += sum(any(h.entry_id == w for h in row) for row, w in zip(hits, wanted, strict=True))
        asked += len(wanted)
    live.wait_for_merge()
    merge_seconds = live._mih.last_merge_seconds if live._mih is not None else 0.0
    ms = np.array(latencies) * 1000 if latencies else np.zeros(1)
    return {
        "size": size,
        "load_seconds": round(loaded, 1),
        "add_request_seconds": round(add_seconds, 3),
        "merge_seconds": round(merge_seconds, 1),
        "lookups_during_merge": len(latencies),
        "lookup_p50_ms": round(float(np.percentile(ms, 50)), 1),
        "lookup_p99_ms": round(float(np.percentile(ms, 99)), 1),
        "lookup_max_ms": round(float(ms.max()), 1),
        "recall_during_merge": round(found / asked, 4) if asked else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(f"cpus={os.cpu_count()} buffer={MIH_BUFFER} radius={RADIUS} batch={BATCH}")
    for name, value in run(args.size, args.seed).items():
        print(f"{name}: {value}")


if __name__ == "__main__":
    main()
