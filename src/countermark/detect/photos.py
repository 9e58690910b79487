"""Listing photos against genuine photos: the nearest reference by PDQ Hamming distance, in bulk.

Pure: hashes in (64 hex digits each), matches out. A few hundred references are compared by brute force
with numpy (XOR and a popcount table), far quicker here than building an index.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from countermark.fingerprint.pdq import MATCH_THRESHOLD

_POPCOUNT = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint16)
BITS = 256


@dataclass(frozen=True, slots=True)
class PhotoMatch:
    """The genuine photo nearest to one listing photo: which reference, and how far (0-256 bits)."""

    photo: str
    reference: str
    label: str
    distance: int

    @property
    def is_match(self) -> bool:
        """Whether PDQ calls it the same picture."""
        return self.distance <= MATCH_THRESHOLD


def _matrix(hashes: Sequence[str]) -> NDArray[np.uint8]:
    if not hashes:
        return np.zeros((0, BITS // 8), dtype=np.uint8)
    return np.frombuffer(b"".join(bytes.fromhex(h) for h in hashes), dtype=np.uint8).reshape(-1, BITS // 8)


class PhotoBank:
    """Reference hashes, each with a label (a product key or a brand's logo) to say what matched."""

    def __init__(self, references: Iterable[tuple[str, str]]) -> None:
        pairs = [(h, label) for h, label in references if len(h) == BITS // 4]
        self.hashes = [h for h, _ in pairs]
        self.labels = [label for _, label in pairs]
        self._matrix = _matrix(self.hashes)

    def __len__(self) -> int:
        return len(self.hashes)

    def nearest(self, photos: Sequence[str], among: Collection[str] | None = None) -> list[PhotoMatch]:
        """For each listing photo, its nearest reference (none when the bank is empty), or its nearest of
        the references labelled with one of `among` (none when no reference is)."""
        usable = [p for p in photos if len(p) == BITS // 4]
        columns = np.arange(len(self.hashes))
        if among is not None:
            columns = np.flatnonzero([label in among for label in self.labels])
        if not usable or not len(columns):
            return []
        queries = _matrix(usable)
        bank = self._matrix[columns]
        distances = _POPCOUNT[np.bitwise_xor(queries[:, None, :], bank[None, :, :])].sum(axis=2)
        best = distances.argmin(axis=1)
        return [
            PhotoMatch(photo, self.hashes[k], self.labels[k], int(distances[row, i]))
            for row, (photo, i) in enumerate(zip(usable, best, strict=True))
            for k in (int(columns[i]),)
        ]
