"""Listing detection throughput on one core: listings scored per second, without and with photos.

Reads a world built by `countermark world build` (default size medium, seed 7), fits a model on it (the
truth standing for verdicts, as `countermark detect retrain --world` does), then scores its listings in
this one process:
- without photos: signals (marks, vocabulary, price, seller, known offers), seller context, the
  calibrated model and the reasons;
Per wall-clock second and per CPU-second of the process: on a shared machine the second is the cost
on one core. Photo decoding runs in this process too (no worker pool).
- with photos: the same plus reading, decoding and PDQ-hashing every listing photo and matching it
  against the genuine references.

Run: .venv/bin/python bench/detect.py --world DIR [--listings 2000] [--photo-listings 200]
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from countermark.detect.engine import score
from countermark.detect.training import fit_model, matrix
from countermark.eval.detect import world_listings, world_training_set
from countermark.eval.world_files import read_world
from countermark.fingerprint.pdq import image_hashes


def timed(work: Callable[[], object], count: int) -> tuple[float, float]:
    """Items per wall-clock second and per CPU-second of this process (one core) for one run of work."""
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return count / (time.perf_counter() - wall), count / (time.process_time() - cpu)


def main() -> None:
    """Measure and print the table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--world", type=Path, required=True)
    parser.add_argument("--listings", type=int, default=2000)
    parser.add_argument("--photo-listings", type=int, default=200)
    parser.add_argument(
        "--photo-cache", type=Path, default=None, help="PDQ cache for the training pass only."
    )
    args = parser.parse_args()
    training = world_training_set(args.world, photo_cache=args.photo_cache)
    model = fit_model(
        matrix(training.evidences), training.labels, training.groups, training.split, training.references
    )
    world = read_world(args.world)
    rows = world_listings(world, {})[: args.listings]
    bare = [(replace(facts, photo_hashes=()), seller) for facts, seller in rows]
    # Cold: a fresh model copy compiles its references and fills its word caches on the way.
    model._detector = None
    cold = timed(lambda: score(model, bare), len(bare))
    warm = timed(lambda: score(model, bare), len(bare))
    with_photos = world.listings[: args.photo_listings]
    by_key = {facts.key: (facts, seller) for facts, seller in rows}
    photo_count = sum(len(listing.images) for listing in with_photos)

    def with_hashing() -> None:
        batch = []
        for listing in with_photos:
            hashes = []
            for path in listing.images:
                # The photo's own hash and, when it has a flat frame, the hash inside it (as stored).
                hashes.extend(d.hex for d in image_hashes(path.read_bytes()) if d.usable)
            facts, seller = by_key.get(listing.key, rows[0])
            batch.append((replace(facts, photo_hashes=tuple(hashes)), seller))
        score(model, batch)

    photos_rate = timed(with_hashing, len(with_photos))
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f}; python {platform.python_version()}; one process"
    )
    print(
        f"world: {args.world} ({len(world.listings)} listings); model AP on held-out sellers "
        f"{model.figures['ap']:.3f}"
    )
    print(f"{'pass':<52}{'listings':>10}{'per second':>12}{'per CPU-second':>16}")
    for name, count, (wall, cpu) in (
        ("no photos, first pass (caches cold)", len(bare), cold),
        ("no photos, second pass", len(bare), warm),
        (f"with photos (decode + PDQ + match), {photo_count} photos", len(with_photos), photos_rate),
    ):
        print(f"{name:<52}{count:>10}{wall:>12.0f}{cpu:>16.0f}")


if __name__ == "__main__":
    main()
