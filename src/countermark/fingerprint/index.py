"""In-memory binary match index over FAISS, updated incrementally and persisted under the data dir."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np
from numpy.typing import NDArray

from countermark.core.errors import InvalidInput
from countermark.fingerprint import mih
from countermark.fingerprint.live_codes import LiveCodes

INDEX_KINDS = ("mih", "flat", "multihash", "hash", "ivf")
# Chosen by bench/fingerprint_lookup.py (docs/fingerprint.md): multi-index hashing in numpy is exact at
# radius 31 like FAISS MultiHash 16x16 and ~80x faster at 10M hashes (1,400 vs 17 lookups/s).
DEFAULT_KIND = "mih"
# New codes wait in a small scanned buffer; past this many they are merged into the chunk tables, in the
# background (live_codes.py): a search never waits for a merge.
MIH_BUFFER = mih.BRUTE_FORCE_BELOW


@dataclass(frozen=True)
class Hit:
    """One indexed entry within the radius of a query, with its Hamming distance."""

    entry_id: int
    distance: int


def make_faiss_index(
    kind: str, bits: int = 256, *, train: NDArray[np.uint8] | None = None
) -> faiss.IndexBinary:
    """An empty FAISS binary index of the kind (flat, multihash, hash, ivf)."""
    if kind == "flat":
        return faiss.IndexBinaryFlat(bits)
    if kind == "multihash":
        multi = faiss.IndexBinaryMultiHash(bits, 16, 16)
        multi.nflip = 1
        return multi
    if kind == "hash":
        single = faiss.IndexBinaryHash(bits, 16)
        single.nflip = 2
        return single
    if kind == "ivf":
        quantizer = faiss.IndexBinaryFlat(bits)
        nlist = 256 if train is not None and len(train) >= 256 * 39 else 16
        ivf = faiss.IndexBinaryIVF(quantizer, bits, nlist)
        ivf.nprobe = max(1, nlist // 8)
        if train is None:
            raise InvalidInput("an IVF index needs training vectors")
        # FAISS' Python layer keeps the quantizer alive with the index; owning it too would free it twice.
        ivf.train(train[:50_000])
        return ivf
    raise InvalidInput(f"unknown index kind {kind!r}: choose one of {', '.join(INDEX_KINDS)}")


def to_codes(hashes: list[bytes]) -> NDArray[np.uint8]:
    """Hash bytes as the (n, bytes) uint8 matrix FAISS expects."""
    if not hashes:
        return np.zeros((0, 32), dtype=np.uint8)
    return np.frombuffer(b"".join(hashes), dtype=np.uint8).reshape(len(hashes), -1)


class BinaryIndex:
    """A FAISS binary index keyed by entry id; disabled entries stop matching at once (live-id filter)."""

    def __init__(self, kind: str = DEFAULT_KIND, bits: int = 256) -> None:
        self.kind = kind
        self.bits = bits
        if kind == "ivf":
            raise InvalidInput(
                "the live index supports flat, multihash and hash; IVF needs training (bench only)"
            )
        if kind == "mih" and bits != mih.BITS:
            raise InvalidInput(f"the mih index takes {mih.BITS}-bit codes")
        self._lock = threading.Lock()
        self._mih = LiveCodes(self._lock, MIH_BUFFER) if kind == "mih" else None
        self._index: faiss.IndexBinary = faiss.IndexBinaryIDMap2(
            make_faiss_index("flat" if self._mih else kind, bits)
        )
        self._ids: set[int] = set()
        self._live: set[int] = set()
        self._codes: dict[int, bytes] = {}

    def __len__(self) -> int:
        return len(self._live)

    def add(self, entry_ids: list[int], hashes: list[bytes]) -> None:
        """Make entries matchable now; an id already present is re-enabled (its hash must not change)."""
        if len(entry_ids) != len(hashes):
            raise InvalidInput("as many ids as hashes are needed")
        with self._lock:
            fresh = [(i, h) for i, h in zip(entry_ids, hashes, strict=True) if i not in self._ids]
            if fresh:
                self._ids.update(i for i, _ in fresh)
                ids = np.array([i for i, _ in fresh], dtype=np.int64)
                if self._mih is not None:
                    self._mih.add(ids, to_codes([h for _, h in fresh]))
                else:
                    self._index.add_with_ids(to_codes([h for _, h in fresh]), ids)
                    # FAISS's hash indexes can neither remove nor give back a code: keep them to rebuild.
                    self._codes.update(fresh)
            self._live.update(entry_ids)

    def wait_for_merge(self, timeout: float | None = None) -> bool:
        """Wait until no background merge runs (a saved or measured index); False on timeout."""
        if self._mih is None:
            return True
        with self._lock:
            return self._mih.wait(timeout)

    @property
    def merging(self) -> bool:
        """Whether the buffer is being merged into the tables in the background."""
        return self._mih is not None and self._mih.merging

    def known_ids(self) -> set[int]:
        """Ids ever added, matching or not."""
        return set(self._ids)

    def live_ids(self) -> set[int]:
        """Ids that currently match."""
        return set(self._live)

    def forget(self, entry_ids: list[int]) -> None:
        """Drop entries and their hashes for good (an id reused for another picture).

        A FAISS-kind index read back from a file cannot give its codes back: there the entries only stop
        matching (the default `mih` kind always drops them).
        """
        with self._lock:
            gone = [i for i in entry_ids if i in self._ids]
            if not gone:
                return
            if self._mih is not None:
                self._mih.forget(gone)
            elif set(self._codes) != self._ids:  # read back from a file: the codes are not at hand
                self._live.difference_update(gone)
                return
            else:
                for entry_id in gone:
                    self._codes.pop(entry_id, None)
                self._index = faiss.IndexBinaryIDMap2(make_faiss_index(self.kind, self.bits))
                if self._codes:
                    kept = list(self._codes.items())
                    self._index.add_with_ids(
                        to_codes([h for _, h in kept]), np.array([i for i, _ in kept], dtype=np.int64)
                    )
            self._ids.difference_update(gone)
            self._live.difference_update(gone)

    def enable(self, entry_ids: list[int]) -> None:
        """Make previously added entries match again."""
        with self._lock:
            self._live.update(i for i in entry_ids if i in self._ids)

    def disable(self, entry_ids: list[int]) -> None:
        """Stop matching these entries immediately, without rebuilding."""
        with self._lock:
            self._live.difference_update(entry_ids)

    def search(self, queries: list[bytes], radius: int) -> list[list[Hit]]:
        """Live entries within the Hamming radius of each query, closest first."""
        if not queries:
            return []
        if self._mih is not None:
            with self._lock:
                found = self._mih.search(to_codes(queries), radius)
            return [
                sorted(
                    (Hit(i, d) for i, d in pairs if i in self._live), key=lambda h: (h.distance, h.entry_id)
                )
                for pairs in found
            ]
        if self._index.ntotal == 0:
            return [[] for _ in queries]
        lims, distances, labels = self._index.range_search(to_codes(queries), radius + 1)
        out: list[list[Hit]] = []
        for q in range(len(queries)):
            start, end = int(lims[q]), int(lims[q + 1])
            hits = [
                Hit(int(labels[k]), int(distances[k]))
                for k in range(start, end)
                if int(labels[k]) in self._live
            ]
            out.append(sorted(hits, key=lambda h: (h.distance, h.entry_id)))
        return out

    def save(self, path: Path) -> None:
        """Write the index and its live ids next to each other (atomic rename)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with self._lock:
            if self._mih is not None:
                ids, words = self._mih.codes()
                with tmp.open("wb") as out:
                    np.savez(out, ids=ids, words=words)
            else:
                faiss.write_index_binary(self._index, str(tmp))
            live = np.array(sorted(self._live), dtype=np.int64)
        tmp.replace(path)
        live_path = path.with_suffix(".live.npy")
        np.save(live_path.with_suffix(".tmp.npy"), live)
        live_path.with_suffix(".tmp.npy").replace(live_path)

    @classmethod
    def load(cls, path: Path, kind: str = DEFAULT_KIND, bits: int = 256) -> BinaryIndex:
        """An index read back from save(); InvalidInput when the files are missing or damaged."""
        index = cls(kind, bits)
        try:
            if index._mih is not None:
                with np.load(path, allow_pickle=False) as saved:
                    ids, words = saved["ids"].astype(np.int64), saved["words"].astype(np.uint64)
                if words.ndim != 2 or words.shape[1] != mih.WORDS or len(ids) != len(words):
                    raise ValueError("ids and codes disagree")
                with index._lock:
                    index._mih.replace(ids, words)
                index._ids = set(ids.tolist())
            else:
                index._index = faiss.read_index_binary(str(path))
                index._ids = set(faiss.vector_to_array(index._index.id_map).tolist())  # type: ignore[attr-defined]
            index._live = set(np.load(path.with_suffix(".live.npy")).tolist())
        except (RuntimeError, OSError, ValueError, KeyError) as exc:
            raise InvalidInput(f"cannot read the match index {path}: {exc}") from None
        return index
