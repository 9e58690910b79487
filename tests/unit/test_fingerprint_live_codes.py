"""The live PDQ index merges its buffer in the background: lookups neither wait for it nor miss anything.

Issue 12, item 11: the merge used to run inside the request whose addition filled the buffer (~30 s at
10M codes), and every lookup waited for the lock it held.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from countermark.fingerprint.index import MIH_BUFFER, BinaryIndex

BASE = 300_000  # large enough that building the tables takes far longer than a lookup


def _codes(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.integers(0, 256, (n, 32), dtype=np.uint8)


def _found(live: BinaryIndex, codes: np.ndarray, ids: Sequence[int]) -> bool:
    hits = live.search([c.tobytes() for c in codes], 31)
    return all(
        any(h.entry_id == i and h.distance == 0 for h in row) for row, i in zip(hits, ids, strict=True)
    )


def test_lookups_during_a_merge_are_not_blocked_and_find_everything() -> None:
    rng = np.random.default_rng(11)
    base, batch, late = _codes(rng, BASE), _codes(rng, MIH_BUFFER + 1), _codes(rng, 50)
    live = BinaryIndex("mih")
    for start in range(0, BASE, 50_000):  # merged tables to start from
        block = base[start : start + 50_000]
        live.add(list(range(start, start + len(block))), [c.tobytes() for c in block])
        assert live.wait_for_merge(timeout=120)
    started = time.perf_counter()
    live.add(list(range(BASE, BASE + len(batch))), [c.tobytes() for c in batch])  # fills the buffer
    added_in = time.perf_counter() - started
    assert live.merging  # the merge runs in the background…
    sample = rng.integers(0, BASE, 200)
    started = time.perf_counter()
    assert _found(live, base[sample], [int(i) for i in sample])  # …while the old tables serve,
    assert _found(live, batch[:200], range(BASE, BASE + 200))  # the codes set aside,
    live.add(list(range(10**7, 10**7 + 50)), [c.tobytes() for c in late])
    assert _found(live, late, range(10**7, 10**7 + 50))  # and the newest additions.
    looked_up_in = time.perf_counter() - started
    live.forget([BASE, 0])  # forgetting during a merge holds once the new tables are in
    assert live.merging, "the merge ended before the lookups: BASE is too small to show anything"
    assert live.wait_for_merge(timeout=120)
    assert live._mih is not None and live._mih.merges >= 1
    merge_seconds = live._mih.last_merge_seconds
    assert added_in < merge_seconds / 3 and looked_up_in < merge_seconds, (
        added_in,
        looked_up_in,
        merge_seconds,
    )
    assert _found(live, base[sample[sample > 0]], [int(i) for i in sample[sample > 0]])
    assert _found(live, batch[1:200], range(BASE + 1, BASE + 200))
    assert _found(live, late, range(10**7, 10**7 + 50))
    gone = live.search([batch[0].tobytes(), base[0].tobytes()], 0)
    assert [[h.entry_id for h in row] for row in gone] == [[], []]
    # The forgotten rows stay in the new tables, dead, until the next merge drops them.
    assert live._mih.buffered == 50 and live._mih.dead == {0, BASE}
    ids, _ = live._mih.codes()
    assert len(ids) == BASE + MIH_BUFFER + 1 + 50 - 2 and not {0, BASE} & set(ids.tolist())


def test_a_forgotten_id_given_to_another_code_during_a_merge_finds_only_the_new_code() -> None:
    rng = np.random.default_rng(12)
    first, replacement = _codes(rng, MIH_BUFFER + 1), _codes(rng, 1)
    live = BinaryIndex("mih")
    live.add(list(range(len(first))), [c.tobytes() for c in first])
    live.forget([7])
    live.add([7], [replacement[0].tobytes()])
    assert live.wait_for_merge(timeout=120)
    hits = live.search([first[7].tobytes(), replacement[0].tobytes()], 0)
    assert [[h.entry_id for h in row] for row in hits] == [[], [7]]
    ids, _ = live._mih.codes() if live._mih is not None else (np.zeros(0), None)
    assert sorted(ids.tolist()) == list(range(len(first)))  # one code per id, none stale
