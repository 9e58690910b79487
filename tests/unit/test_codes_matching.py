"""Pure parts of report matching and rate limiting: mentions, item ids, merging, sliding windows."""

from __future__ import annotations

import pytest

from countermark.codes.mentions import Match, item_tokens, mentioned, merge_matches, shop_handles
from countermark.codes.throttle import (
    MemoryCounter,
    RateLimiter,
    TooManyRequests,
    client_key,
    over_limit,
)


def test_brands_are_found_as_whole_words_only() -> None:
    assert mentioned("Aurel", "a fake AUREL tote")
    assert mentioned("Maison Aurel", "bought from maison aurel's 'outlet'")
    assert not mentioned("Aurel", "laurels and aurelian walls")
    assert not mentioned("AU", "au revoir")


def test_item_ids_are_parts_of_a_path_with_a_digit() -> None:
    assert item_tokens("/item/884512377") == ["884512377"]
    assert item_tokens("/p/AB12CD-aurel-tote_99123.html") == ["AB12CD", "99123"]
    assert item_tokens("/shop/aurel/bags") == []


def test_shop_handles_drop_the_at_sign_and_case() -> None:
    assert shop_handles(" @LuxDeals88 ") == ["@luxdeals88", "luxdeals88"]
    assert shop_handles("") == [] and shop_handles("x" * 201) == []


def test_evidence_for_one_record_combines_and_keeps_every_reason() -> None:
    merged = merge_matches(
        [
            Match(
                "thread",
                "listing",
                4,
                "listing 4",
                "shares an e-mail",
                0.9,
                {"identifier": "email", "value": "a@b.co"},
            ),
            Match("listing", "listing", 4, "listing 4", "same seller", 0.6),
            Match("right", "right", 1, "AUREL", "names the brand", 0.5),
            Match("thread", "shipment", 2, "shipment 2", "shares an e-mail", 0.9),
        ]
    )
    listing = next(m for m in merged if m.subject_type == "listing")
    assert listing.kind == "listing" and listing.strength == pytest.approx(0.96)
    assert listing.reason == "shares an e-mail; same seller"
    assert listing.detail["identifiers"] == [{"identifier": "email", "value": "a@b.co"}]
    assert [m.strength for m in merged] == sorted((m.strength for m in merged), reverse=True)
    assert len(merged) == 3


def test_the_sliding_window_weights_the_previous_window_by_its_overlap() -> None:
    assert not over_limit(0, 10, elapsed=0, window=60, limit=10)
    assert over_limit(0, 11, elapsed=0, window=60, limit=10)
    assert not over_limit(10, 5, elapsed=30, window=60, limit=10)  # 10 × 0.5 + 5 = 10: at the limit
    assert over_limit(10, 6, elapsed=30, window=60, limit=10)
    assert not over_limit(10, 5, elapsed=54, window=60, limit=10)  # 10 × 0.1 + 5 = 6


def test_addresses_are_keyed_hashes_that_depend_on_the_pepper() -> None:
    key = client_key(b"pepper-1", "203.0.113.9")
    assert "203" not in key and len(key) == 32
    assert key == client_key(b"pepper-1", "203.0.113.9") != client_key(b"pepper-2", "203.0.113.9")


def test_a_limiter_allows_the_limit_then_refuses_until_the_window_slides() -> None:
    now = [1_000_020.0]
    limiter = RateLimiter(MemoryCounter(), b"p", clock=lambda: now[0])
    for _ in range(5):
        limiter.hit("verify", "198.51.100.1", limit=5, window=60)
    with pytest.raises(TooManyRequests):
        limiter.hit("verify", "198.51.100.1", limit=5, window=60)
    limiter.hit("verify", "198.51.100.2", limit=5, window=60)  # another address counts apart
    now[0] += 115  # the next window, almost over: the previous one barely weighs
    limiter.hit("verify", "198.51.100.1", limit=5, window=60)


def test_near_duplicate_hashes_are_found_within_the_threshold_nearest_first() -> None:
    from countermark.codes.photo_similarity import near_duplicates

    query = "0" * 64
    one_bit, ten_bits, far = "1" + "0" * 63, "ff" + "3" + "0" * 61, "f" * 64
    found = near_duplicates(
        query, [("far", far), ("ten", ten_bits), ("one", one_bit), ("bad", "xyz")], threshold=31
    )
    assert found == [("one", 1), ("ten", 10)]
    assert near_duplicates(query, [], threshold=31) == []


class _BrokenCounter:
    def count(self, bucket: str, key: str, window_start: int, window: int) -> tuple[int, int]:
        raise OSError("store unreachable")


def test_a_failing_store_lets_requests_through_instead_of_failing_them() -> None:
    limiter = RateLimiter(_BrokenCounter(), b"p")
    for _ in range(3):
        limiter.hit("verify", "198.51.100.9", limit=1, window=60)
    backed = RateLimiter(_BrokenCounter(), b"p", fallback=MemoryCounter())
    backed.hit("verify", "198.51.100.9", limit=1, window=60)
    with pytest.raises(TooManyRequests):
        backed.hit("verify", "198.51.100.9", limit=1, window=60)
