"""Multi-index hashing: exact against brute force, incremental in the live index, persisted."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from countermark.core.errors import InvalidInput
from countermark.fingerprint import index as index_module
from countermark.fingerprint import mih
from countermark.fingerprint.index import BinaryIndex


def _planted(rng: np.random.Generator, data: np.ndarray, count: int, low: int, high: int) -> np.ndarray:
    """Copies of `count` random rows with between low and high random bits flipped."""
    rows = data[rng.choice(len(data), count, replace=False)].copy()
    for row in rows:
        for bit in rng.choice(256, int(rng.integers(low, high + 1)), replace=False):
            row[bit // 8] ^= np.uint8(1 << (bit % 8))
    return rows


def _brute(data: np.ndarray, queries: np.ndarray, radius: int) -> set[tuple[int, int, int]]:
    words, qwords = mih.as_words(data), mih.as_words(queries)
    dist = np.bitwise_count(qwords[:, None, :] ^ words[None, :, :]).sum(axis=-1)
    q, r = np.nonzero(dist <= radius)
    return {(int(a), int(b), int(dist[a, b])) for a, b in zip(q, r, strict=True)}


@pytest.mark.parametrize("chunks", [12, 16, 21])
@pytest.mark.parametrize("radius", [0, 15, 31])
def test_multi_index_hashing_finds_exactly_what_brute_force_finds(chunks: int, radius: int) -> None:
    rng = np.random.default_rng(chunks * 100 + radius)
    # Clustered codes (siblings of a few centres) make the chunk keys collide, the hard case for tables.
    centres = rng.integers(0, 256, (20, 32), dtype=np.uint8)
    data = np.concatenate(
        [
            rng.integers(0, 256, (1500, 32), dtype=np.uint8),
            _planted(rng, np.repeat(centres, 25, axis=0), 500, 0, 40),
        ]
    )
    queries = np.concatenate([_planted(rng, data, 60, 0, 35), rng.integers(0, 256, (20, 32), dtype=np.uint8)])
    table = mih.MultiIndexHash(mih.as_words(data), chunks)
    q, rows, dist = table.search(mih.as_words(queries), radius)
    found = {(int(a), int(b), int(c)) for a, b, c in zip(q, rows, dist, strict=True)}
    expected = _brute(data, queries, radius)
    assert found == expected
    assert len(found) == len(q)  # each (query, code) pair once
    threaded = table.search(mih.as_words(queries), radius, threads=2)
    assert {(int(a), int(b), int(c)) for a, b, c in zip(*threaded, strict=True)} == expected
    if radius == 31:
        assert len(expected) >= 40  # the planted neighbours within 31 bits are there to be found


def test_chunk_keys_cover_every_bit_once() -> None:
    for chunks in (8, 11, 12, 16, 23):
        bounds = mih.chunk_bounds(chunks)
        assert bounds[0][0] == 0 and bounds[-1][1] == 256
        assert all(a[1] == b[0] for a, b in itertools.pairwise(bounds))
    one = np.zeros((1, 32), dtype=np.uint8)
    one[0, 8] = 1  # bit 64: the first bit of the second word
    words = mih.as_words(one)
    keys = [int(mih.chunk_keys(words, s, e)[0]) for s, e in mih.chunk_bounds(11)]
    assert sum(bin(k).count("1") for k in keys) == 1


def test_chunk_count_follows_the_size() -> None:
    assert mih.choose_chunks(10_000_000) == 11  # ~23-bit chunks, the log2(N) rule of the paper
    assert mih.choose_chunks(1_000_000) > mih.choose_chunks(10_000_000)
    assert len(mih.MultiIndexHash(np.zeros((10, 4), dtype=np.uint64))) == 10
    with pytest.raises(ValueError, match="too large"):
        mih.MultiIndexHash(np.zeros((10, 4), dtype=np.uint64), 8)  # 32-bit chunks: 16 GiB of offsets


def test_live_index_merges_its_buffer_and_keeps_matching(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(index_module, "MIH_BUFFER", 50)
    monkeypatch.setattr(mih, "BRUTE_FORCE_BELOW", 10)
    rng = np.random.default_rng(3)
    data = rng.integers(0, 256, (300, 32), dtype=np.uint8)
    live = BinaryIndex("mih")
    for start in range(0, 300, 7):  # small additions cross the buffer limit several times
        block = data[start : start + 7]
        live.add(list(range(start, start + len(block))), [row.tobytes() for row in block])
    queries = _planted(rng, data, 30, 0, 31)
    expected = _brute(data, queries, 31)
    # Complete whether or not a merge is still running in the background…
    hits = live.search([q.tobytes() for q in queries], 31)
    assert {(qi, h.entry_id, h.distance) for qi, row in enumerate(hits) for h in row} == expected
    assert live.wait_for_merge(timeout=30)
    assert live._mih is not None and len(live._mih.ids) > 0 and live._mih.table.chunks > 0
    assert live._mih.buffered <= 50  # the last additions (if any) wait in the scanned buffer
    hits = live.search([q.tobytes() for q in queries], 31)  # …and once it is done
    assert {(qi, h.entry_id, h.distance) for qi, row in enumerate(hits) for h in row} == expected
    target = next(iter(expected))[1]
    live.disable([target])
    assert all(h.entry_id != target for row in live.search([q.tobytes() for q in queries], 31) for h in row)
    live.save(tmp_path / "whole.mih")
    loaded = BinaryIndex.load(tmp_path / "whole.mih", "mih")
    assert loaded.live_ids() == set(range(300)) - {target}
    assert loaded.search([q.tobytes() for q in queries], 31) == live.search(
        [q.tobytes() for q in queries], 31
    )


def test_a_damaged_saved_index_is_refused(tmp_path: Path) -> None:
    (tmp_path / "whole.mih").write_bytes(b"not an index")
    np.save(tmp_path / "whole.live.npy", np.zeros(0, dtype=np.int64))
    with pytest.raises(InvalidInput):
        BinaryIndex.load(tmp_path / "whole.mih", "mih")
