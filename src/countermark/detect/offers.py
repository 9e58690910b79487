"""A bank of known infringing offers' texts (MinHash), to recognise an offer reposted in other words.

Reposted offers (piracy bundles, IPTV resellers, a network's shared template) keep most of their word
shingles; the estimated Jaccard similarity to the nearest banked text is a signal. The MinHash is
computed in numpy (CRC-32 of each word 3-gram through 64 seeded affine permutations) and looked up by
banding (16 bands of 4 values: texts above about 0.5 similarity share a band with high probability).
"""

from __future__ import annotations

import json
import re
import zlib
from collections import defaultdict
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

NUM_PERM = 64
BANDS = 16
ROWS = NUM_PERM // BANDS
SHINGLE = 3
_WORD = re.compile(r"\w+", re.UNICODE)
# Digits vary between copies (prices, phone numbers, EANs); they are folded so that copies still match.
_DIGITS = re.compile(r"\d+")
_RNG = np.random.default_rng(20261203)
_A = _RNG.integers(1, 2**32, NUM_PERM, dtype=np.uint64)
_B = _RNG.integers(0, 2**32, NUM_PERM, dtype=np.uint64)
_MASK = np.uint64(0xFFFFFFFF)


def _shingles(text: str) -> set[str]:
    words = _WORD.findall(_DIGITS.sub("0", text.casefold()))
    if len(words) < SHINGLE:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}


def offer_minhash(text: str) -> NDArray[np.uint64] | None:
    """The MinHash of a text's word 3-grams (None for a text without words)."""
    shingles = _shingles(text)
    if not shingles:
        return None
    hashes = np.fromiter((zlib.crc32(s.encode()) for s in shingles), dtype=np.uint64, count=len(shingles))
    permuted = (hashes[:, None] * _A[None, :] + _B[None, :]) & _MASK
    result: NDArray[np.uint64] = permuted.min(axis=0)
    return result


def offer_signal(text: str) -> str | None:
    """A text's MinHash serialised as JSON, to keep in the bank."""
    values = offer_minhash(text)
    return None if values is None else json.dumps([int(v) for v in values])


class OfferBank:
    """Known offers' MinHashes with a banded index; `similarity` is the best estimated Jaccard to any.

    `sellers`, when given, names who posted each banked offer, so that a seller's own offers can be left
    out of its listings' similarity (a model fitted on other sellers' offers reads it that way).
    """

    def __init__(self, signals: Sequence[str], sellers: Sequence[str] | None = None) -> None:
        rows = []
        kept_sellers: list[str] = []
        for index, signal in enumerate(signals):
            try:
                values = np.array(json.loads(signal), dtype=np.uint64)
            except (ValueError, TypeError, OverflowError):
                continue
            if values.shape == (NUM_PERM,):
                rows.append(values)
                kept_sellers.append(sellers[index] if sellers is not None else "")
        self.size = len(rows)
        self._sellers = kept_sellers
        self._matrix = np.array(rows, dtype=np.uint64).reshape(self.size, NUM_PERM)
        self._bands: list[dict[bytes, list[int]]] = [defaultdict(list) for _ in range(BANDS)]
        for index, values in enumerate(rows):
            for band in range(BANDS):
                self._bands[band][values[band * ROWS : (band + 1) * ROWS].tobytes()].append(index)

    def similarity(self, text: str, not_from: str | None = None) -> float:
        """Estimated Jaccard similarity to the nearest known offer (0.0 when none is near), leaving out
        the offers of the seller `not_from`."""
        if not self.size:
            return 0.0
        values = offer_minhash(text)
        if values is None:
            return 0.0
        candidates: set[int] = set()
        for band in range(BANDS):
            candidates.update(self._bands[band].get(values[band * ROWS : (band + 1) * ROWS].tobytes(), ()))
        if not_from is not None:
            candidates = {i for i in candidates if self._sellers[i] != not_from}
        if not candidates:
            return 0.0
        chosen = self._matrix[sorted(candidates)]
        return float((chosen == values[None, :]).mean(axis=1).max())
