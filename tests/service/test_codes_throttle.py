"""Shared rate limits on both databases and in Redis: counts survive processes and concurrent workers."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from countermark.codes.models import RateLimitWindow
from countermark.codes.throttle import (
    DatabaseCounter,
    RateLimiter,
    RedisCounter,
    TooManyRequests,
    build_limiter,
    load_pepper,
)
from countermark.core.context import AppContext, build_context
from countermark.core.db import unit_of_work

REDIS_URL = os.environ.get("COUNTERMARK_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def test_concurrent_workers_never_lose_a_hit(store: AppContext) -> None:
    counter = DatabaseCounter(store.engine)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(15):
                counter.count("verify", "k" * 32, 1_000_020, 60)
        except BaseException as exc:  # surfaced below: a lost hit must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with unit_of_work(store.sessions) as session:
        assert session.scalar(select(RateLimitWindow.hits)) == 90


def test_two_instances_over_one_database_share_the_count(store: AppContext) -> None:
    second = build_context(store.settings)  # another engine, as another worker process would have
    try:
        now = [1_000_030.0]
        pepper = load_pepper(store.settings.data_dir / "keys")
        first = RateLimiter(DatabaseCounter(store.engine), pepper, clock=lambda: now[0])
        other = RateLimiter(DatabaseCounter(second.engine), pepper, clock=lambda: now[0])
        for limiter in (first, other) * 3:
            limiter.hit("report", "192.0.2.7", limit=6, window=3600)
        with pytest.raises(TooManyRequests):
            other.hit("report", "192.0.2.7", limit=6, window=3600)
        with unit_of_work(store.sessions) as session:
            rows = session.scalars(select(RateLimitWindow)).all()
            assert len(rows) == 1 and rows[0].hits == 7 and "192.0.2.7" not in rows[0].client_hash
    finally:
        second.close()


def test_stale_windows_are_deleted_as_hits_go_on(store: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    from countermark.codes import throttle

    monkeypatch.setattr(throttle, "CLEANUP_EVERY", 2)
    counter = DatabaseCounter(store.engine)
    counter.count("verify", "a" * 32, 0, 60)
    counter.count("verify", "a" * 32, 600, 60)
    with unit_of_work(store.sessions) as session:
        assert [r.window_start for r in session.scalars(select(RateLimitWindow))] == [600]


def _redis_or_skip() -> object:
    redis = pytest.importorskip("redis", reason="the redis client is not installed")
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=0.5, socket_connect_timeout=0.5)
    try:
        client.ping()
    except (TimeoutError, redis.exceptions.ConnectionError, OSError) as exc:
        pytest.skip(f"no Redis reachable at {REDIS_URL} ({type(exc).__name__})")
    return client


@pytest.fixture
def redis_client() -> Iterator[object]:
    client = _redis_or_skip()
    prefix = f"countermark-test:{os.getpid()}"
    yield client
    for key in client.scan_iter(f"{prefix}*"):  # type: ignore[attr-defined]
        client.delete(key)  # type: ignore[attr-defined]


def test_two_limiters_share_a_count_in_redis(redis_client: object, tmp_path: Path) -> None:
    prefix = f"countermark-test:{os.getpid()}"
    now = [2_000_010.0]
    first = RateLimiter(RedisCounter(redis_client, prefix), b"p", clock=lambda: now[0])
    second = RateLimiter(RedisCounter(redis_client, prefix), b"p", clock=lambda: now[0])
    for limiter in (first, second) * 2:
        limiter.hit("verify", "198.51.100.4", limit=4, window=60)
    with pytest.raises(TooManyRequests):
        first.hit("verify", "198.51.100.4", limit=4, window=60)
    keys = [k.decode() for k in redis_client.scan_iter(f"{prefix}*")]  # type: ignore[attr-defined]
    assert keys and all("198.51.100.4" not in k for k in keys)
    assert 0 < redis_client.ttl(keys[0]) <= 120  # type: ignore[attr-defined]


def test_an_unreachable_redis_falls_back_to_the_database(store: AppContext) -> None:
    pytest.importorskip("redis", reason="the redis client is not installed")
    limiter = build_limiter(store.engine, store.settings.data_dir / "keys", "redis://127.0.0.1:1/0")
    calls = []
    real = limiter.counter.count

    def counted(*args: object) -> tuple[int, int]:
        calls.append(args)
        return real(*args)  # type: ignore[arg-type]

    limiter.counter.count = counted  # type: ignore[method-assign]
    for _ in range(3):
        limiter.hit("verify", "192.0.2.9", limit=3, window=60)
    with pytest.raises(TooManyRequests):
        limiter.hit("verify", "192.0.2.9", limit=3, window=60)
    assert len(calls) == 1  # after one failure, Redis is left alone for a while
    with unit_of_work(store.sessions) as session:
        assert session.scalar(select(RateLimitWindow.hits)) == 4
