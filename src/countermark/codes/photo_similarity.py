"""Pure comparison of one PDQ hash against many: which pictures are near-duplicates, and how near."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

BITS = 256


def _bytes_of(hexes: Sequence[str]) -> np.ndarray:
    return np.frombuffer(bytes.fromhex("".join(hexes)), dtype=np.uint8).reshape(len(hexes), BITS // 8)


def near_duplicates(
    query: str, candidates: Sequence[tuple[str, str]], *, threshold: int
) -> list[tuple[str, int]]:
    """(key, distance) of candidates (key, PDQ hex) within `threshold` bits of the query, nearest first."""
    usable = [(key, value) for key, value in candidates if len(value) == BITS // 4]
    if not usable:
        return []
    matrix = _bytes_of([value for _, value in usable])
    distances = np.unpackbits(matrix ^ _bytes_of([query]), axis=1).sum(axis=1)
    found = [(usable[i][0], int(d)) for i, d in enumerate(distances) if d <= threshold]
    return sorted(found, key=lambda item: (item[1], item[0]))
