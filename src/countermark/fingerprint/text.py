"""Near-duplicate listing texts: MinHash over word shingles, estimated Jaccard similarity, LSH lookup."""

from __future__ import annotations

import json
import re

import numpy as np
from datasketch import MinHash, MinHashLSH

from countermark.core.errors import InvalidInput

NAME = "text"
NUM_PERM = 128
SHINGLE = 3
MATCH_THRESHOLD = 0.7
THRESHOLD_SOURCE = (
    "Broder (1997) near-duplicate detection uses resemblance around 0.7-0.9 on word shingles; 0.7 chosen "
    "so that re-worded copies of one listing still match"
)
_WORD = re.compile(r"\w+", re.UNICODE)


def shingles(text: str) -> set[str]:
    """Word 3-grams of the lower-cased text (single words when the text is shorter)."""
    words = _WORD.findall(text.lower())
    if not words:
        raise InvalidInput.of("no words in the text to fingerprint")
    if len(words) < SHINGLE:
        return {" ".join(words)}
    return {" ".join(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}


def minhash(text: str) -> MinHash:
    """The MinHash of the text's shingles (seeded, so signals are comparable across runs)."""
    mh = MinHash(num_perm=NUM_PERM, seed=1)
    for shingle in shingles(text):
        mh.update(shingle.encode("utf-8"))
    return mh


def text_signal(text: str) -> str:
    """The MinHash signature of a text, serialised as JSON."""
    return json.dumps([int(v) for v in minhash(text).hashvalues])


def _from_signal(signal: str) -> MinHash:
    try:
        values = np.array(json.loads(signal), dtype=np.uint64)
    except (ValueError, TypeError) as exc:
        raise InvalidInput.of("not a text signal: {problem}", problem=exc) from None
    if values.shape != (NUM_PERM,):
        raise InvalidInput.of("not a text signal: wrong length")
    return MinHash(num_perm=NUM_PERM, seed=1, hashvalues=values, scheme="affine32")


def similarity(a: str, b: str) -> float:
    """Estimated Jaccard similarity of the two texts' shingles (1.0 for the same text)."""
    return float(_from_signal(a).jaccard(_from_signal(b)))


def is_match(sim: float) -> bool:
    """Whether a similarity means a near-duplicate text."""
    return sim >= MATCH_THRESHOLD


class TextIndex:
    """An LSH index of text signals for sub-linear near-duplicate lookup."""

    def __init__(self) -> None:
        self._lsh = MinHashLSH(threshold=MATCH_THRESHOLD, num_perm=NUM_PERM)
        self._signals: dict[int, str] = {}

    def add(self, entry_id: int, signal: str) -> None:
        """Index one text signal under its entry id."""
        if entry_id not in self._signals:
            self._lsh.insert(entry_id, _from_signal(signal))
            self._signals[entry_id] = signal

    def query(self, signal: str) -> list[tuple[int, float]]:
        """(entry id, similarity) of indexed texts that are near-duplicates, most similar first."""
        found = [
            (int(k), similarity(signal, self._signals[int(k)])) for k in self._lsh.query(_from_signal(signal))
        ]
        return sorted((f for f in found if is_match(f[1])), key=lambda f: (-f[1], f[0]))
