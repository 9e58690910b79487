"""Hash throughput: pictures per second on one core, from JPEG bytes, for each stage of enrolment/lookup.

Run: .venv/bin/python bench/fingerprint_throughput.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fingerprint_robustness import photographs
from PIL import Image, ImageOps

from countermark.fingerprint import geometric, pdq
from countermark.fingerprint.imaging import open_image


def _jpegs() -> list[bytes]:
    out = []
    for img in photographs().values():
        buf = io.BytesIO()
        img.convert("RGB").save(buf, "JPEG", quality=90)
        out.append(buf.getvalue())
    return out


def _rate(work: Callable[[bytes], object], jpegs: list[bytes], rounds: int) -> float:
    start = time.perf_counter()
    for _ in range(rounds):
        for data in jpegs:
            work(data)
    return rounds * len(jpegs) / (time.perf_counter() - start)


def _query(img: Image.Image) -> object:
    """What the second stage computes from a suspect picture besides PDQ: ORB, as is and mirrored."""
    return (
        pdq.dihedral_pixels(img),
        geometric.orb_features(img),
        geometric.orb_features(ImageOps.mirror(img)),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    # One core: the figure is per core, whatever the machine.
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import cv2

    cv2.setNumThreads(1)
    jpegs = _jpegs()
    stages: dict[str, Callable[[bytes], object]] = {
        "decode only": open_image,
        "PDQ (whole picture)": pdq.hash_image,
        "PDQ, 8 orientations": pdq.hash_image_dihedral,
        "ORB features (enrol)": lambda d: geometric.orb_features(open_image(d)),
        "query: PDQ x8 + ORB + mirror": lambda d: _query(open_image(d)),
    }
    sizes = sorted(len(j) for j in jpegs)
    print(
        f"machine: {platform.machine()}, Python {platform.python_version()}, 1 thread; "
        f"{len(jpegs)} JPEGs (q90, {sizes[0] // 1024}-{sizes[-1] // 1024} KiB), {args.rounds} rounds"
    )
    print(f"{'stage':28} {'pictures/s':>10}")
    for name, work in stages.items():
        print(f"{name:28} {_rate(work, jpegs, args.rounds):10.1f}")


if __name__ == "__main__":
    main()
