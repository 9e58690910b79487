"""Per-client rate limits of the public routes, shared by every process: in the database, or in Redis.

A limit is a sliding window approximated from two fixed windows (the previous window's hits weighted by
how much of it still overlaps the sliding window, plus the current window's hits). Counting is one atomic
statement (`INSERT … ON CONFLICT DO UPDATE … RETURNING` on SQLite and PostgreSQL; `INCR` in a Redis
transaction), so concurrent workers never lose a hit. Client addresses are never stored: the key is an
HMAC-SHA256 of the address with the instance's pepper.

Counting in the database costs a write (and a transaction) per request. So each worker process reserves
hits for a client in small blocks (`RateLimiter(block=…)`): one upsert adds the whole block to the shared
count, and the next hits of that client in this process are checked against that count without touching
the store. A reserved hit counts for every other worker at once, so the limit is never looser than hit by
hit; it can only be stricter by the hits a worker reserved and did not use, and blocks shrink to one hit
as the client nears its limit, so the last hits are counted one by one.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from fastapi import Request
from sqlalchemy import Engine, delete, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from countermark.codes.models import RateLimitWindow
from countermark.codes.service import instance_secret
from countermark.core.errors import CountermarkError
from countermark.core.http.deps import app_context

log = logging.getLogger(__name__)
CLEANUP_EVERY = 200  # hits between deletions of stale windows, per process
RETRY_AFTER_FAILURE = 30.0  # seconds before a failed Redis is tried again
DATABASE_BLOCK = 8  # hits a worker reserves at once when the database counts (Redis counts each hit)
BLOCK_SHARE = 8  # a block is at most this fraction of what the client has left (1/8)
MAX_RESERVATIONS = 50_000  # clients' windows a process remembers reservations for
SWEEP_EVERY = 1_000  # new clients' windows between two sweeps of the finished ones


class TooManyRequests(CountermarkError):
    """Too many requests from one address in a short time."""

    status = 429
    code = "too_many_requests"


def _now() -> float:
    return time.time()


def over_limit(previous: int, current: int, *, elapsed: float, window: float, limit: int) -> bool:
    """Whether the sliding-window estimate, this hit included in `current`, exceeds the limit."""
    overlap = max(0.0, 1.0 - elapsed / window)
    return previous * overlap + current > limit


def client_key(pepper: bytes, address: str) -> str:
    """A keyed hash of a client address: equal addresses share a count, the address is never stored."""
    return hmac.new(pepper, b"rate-limit\x1f" + address.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def load_pepper(directory: Path, configured: str | None = None) -> bytes:
    """The instance's secret for hashing addresses: the configured one, else a file made once."""
    if configured:
        return configured.encode("utf-8")
    return instance_secret(directory / "ratelimit.pepper")


class WindowCounter(Protocol):
    """Counts one hit in the current fixed window; returns (previous window's hits, current window's)."""

    def count(
        self, bucket: str, key: str, window_start: int, window: int, hits: int = 1
    ) -> tuple[int, int]: ...


class MemoryCounter:
    """Windows in this process's memory: correct for one process only (tests, single-user installs)."""

    def __init__(self) -> None:
        self._hits: dict[tuple[str, str, int], int] = defaultdict(int)
        self._lock = threading.Lock()

    def count(self, bucket: str, key: str, window_start: int, window: int, hits: int = 1) -> tuple[int, int]:
        """Count `hits` hits in memory."""
        with self._lock:
            self._hits[(bucket, key, window_start)] += hits
            for stale in [k for k in self._hits if k[2] < window_start - window]:
                del self._hits[stale]
            previous = self._hits.get((bucket, key, window_start - window), 0)
            return previous, self._hits[(bucket, key, window_start)]


class DatabaseCounter:
    """Windows in the product's own database, counted by one atomic upsert in its own short transaction."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._postgres = engine.dialect.name == "postgresql"
        self._insert = pg_insert if self._postgres else sqlite_insert
        self._since_cleanup = 0
        self._lock = threading.Lock()

    def count(self, bucket: str, key: str, window_start: int, window: int, hits: int = 1) -> tuple[int, int]:
        """Count `hits` hits in the database (committed at once, whatever the request then does)."""
        table = RateLimitWindow
        statement = (
            self._insert(table)
            .values(bucket=bucket, client_hash=key, window_start=window_start, hits=hits)
            .on_conflict_do_update(
                index_elements=["bucket", "client_hash", "window_start"],
                set_={"hits": table.hits + hits},
            )
            .returning(table.hits)
        )
        with self._engine.begin() as connection:
            if self._postgres:
                # A lost hit after a crash costs nothing; waiting for the disk on every request does.
                connection.execute(text("SET LOCAL synchronous_commit TO OFF"))
            current = int(connection.execute(statement).scalar_one())
            previous = connection.execute(
                select(table.hits).where(
                    table.bucket == bucket,
                    table.client_hash == key,
                    table.window_start == window_start - window,
                )
            ).scalar()
            if self._due_for_cleanup():
                connection.execute(
                    delete(table).where(table.bucket == bucket, table.window_start < window_start - window)
                )
        return int(previous or 0), current

    def _due_for_cleanup(self) -> bool:
        with self._lock:
            self._since_cleanup += 1
            if self._since_cleanup < CLEANUP_EVERY:
                return False
            self._since_cleanup = 0
            return True


class RedisCounter:
    """Windows in Redis (`INCR` and `EXPIRE` in one MULTI transaction); keys expire after two windows."""

    def __init__(self, client: Any, prefix: str = "countermark:rl") -> None:
        self._client = client
        self._prefix = prefix

    def count(self, bucket: str, key: str, window_start: int, window: int, hits: int = 1) -> tuple[int, int]:
        """Count `hits` hits in Redis."""
        current_key = f"{self._prefix}:{bucket}:{key}:{window_start}"
        pipe = self._client.pipeline(transaction=True)
        pipe.incrby(current_key, hits)
        pipe.expire(current_key, 2 * window)
        pipe.get(f"{self._prefix}:{bucket}:{key}:{window_start - window}")
        current, _, previous = pipe.execute()
        return int(previous or 0), int(current)


@dataclass
class _Reservation:
    """Hits of one client's window this process reserved in the shared store, and how many it used."""

    previous: int  # the previous window's hits, as the store said when the block was reserved
    total: int  # the current window's shared count then, this block included
    block: int
    used: int = 0

    @property
    def current(self) -> int:
        """The current window's count as this process knows it: unused reserved hits left out."""
        return self.total - self.block + self.used


class RateLimiter:
    """At most `limit` hits per sliding `window` seconds for each (bucket, hashed client address).

    `block` > 1 reserves that many hits at a time in the shared store (see the module's docstring).
    """

    def __init__(
        self,
        counter: WindowCounter,
        pepper: bytes,
        *,
        fallback: WindowCounter | None = None,
        clock: Callable[[], float] | None = None,
        block: int = 1,
    ) -> None:
        self.counter = counter
        self._pepper = pepper
        self._fallback = fallback
        self._clock = clock
        self._failed_until = 0.0
        self._block = max(1, block)
        self._reserved: dict[tuple[str, str, int], _Reservation] = {}
        self._new_slots = 0
        self._lock = threading.Lock()

    def hit(self, bucket: str, address: str, *, limit: int, window: float) -> None:
        """Count one hit; raise TooManyRequests when the client is over its limit."""
        span = max(1, round(window))
        now = self._clock() if self._clock is not None else _now()
        window_start = int(now // span) * span
        key = client_key(self._pepper, address)
        try:
            previous, current = self._take(bucket, key, window_start, span, now, limit)
        except Exception:  # the limit protects the service; its store failing must not take the service down
            log.exception("rate-limit store failed; request let through uncounted")
            return
        if over_limit(previous, current, elapsed=now - window_start, window=span, limit=limit):
            raise TooManyRequests.of("too many requests from your address: wait a few minutes and try again")

    def _take(
        self, bucket: str, key: str, window_start: int, span: int, now: float, limit: int
    ) -> tuple[int, int]:
        """Use a hit this process reserved, or reserve a block in the store; (previous, current)."""
        slot = (bucket, key, window_start)
        with self._lock:
            reservation = self._reserved.get(slot)
            if reservation is not None and reservation.used < reservation.block:
                reservation.used += 1
                return reservation.previous, reservation.current
            known = 0.0
            if reservation is not None:
                overlap = max(0.0, 1.0 - (now - window_start) / span)
                known = reservation.previous * overlap + reservation.current
        # Blocks shrink as the client nears its limit: far from it a few hits at once, close to it one.
        block = max(1, min(self._block, int(limit - known) // BLOCK_SHARE))
        previous, total = self._count(bucket, key, window_start, span, now, block)
        with self._lock:
            if block > 1 or slot in self._reserved:
                if slot not in self._reserved:
                    self._new_slots += 1
                    if self._new_slots % SWEEP_EVERY == 0 or len(self._reserved) >= MAX_RESERVATIONS:
                        self._forget_before(window_start - span)
                self._reserved[slot] = _Reservation(previous, total, block, used=1)
        return previous, total - block + 1

    def _forget_before(self, window_start: int) -> None:
        stale = [slot for slot in self._reserved if slot[2] < window_start]
        for slot in stale:
            del self._reserved[slot]
        if len(self._reserved) >= MAX_RESERVATIONS:
            self._reserved.clear()  # only unused reserved hits are lost: the limit gets no looser

    def _count(
        self, bucket: str, key: str, window_start: int, span: int, now: float, hits: int
    ) -> tuple[int, int]:
        if self._fallback is not None and now < self._failed_until:
            return self._fallback.count(bucket, key, window_start, span, hits)
        try:
            return self.counter.count(bucket, key, window_start, span, hits)
        except Exception as exc:  # Redis down or unreachable: the shared database still counts
            if self._fallback is None:
                raise
            # Retry the failed store only after a pause, so requests do not each wait for its timeout.
            self._failed_until = now + RETRY_AFTER_FAILURE
            log.warning("rate-limit store failed (%s); counting in the database instead", exc)
            return self._fallback.count(bucket, key, window_start, span, hits)


def build_limiter(
    engine: Engine, key_directory: Path, redis_url: str | None = None, pepper_secret: str | None = None
) -> RateLimiter:
    """The shared limiter: Redis when a URL is given (the database if Redis fails), else the database."""
    pepper = load_pepper(key_directory, pepper_secret)
    database = DatabaseCounter(engine)
    if redis_url:
        # Optional dependency (redis-py): only an instance that sets COUNTERMARK_REDIS_URL needs it.
        try:
            redis = importlib.import_module("redis")
        except ImportError:
            log.warning(
                "COUNTERMARK_REDIS_URL is set but the redis package is not installed "
                "(pip install 'countermark[redis]'); rate limits are counted in the database"
            )
            return RateLimiter(database, pepper, block=DATABASE_BLOCK)
        client = redis.Redis.from_url(redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)
        return RateLimiter(RedisCounter(client), pepper, fallback=database)
    return RateLimiter(database, pepper, block=DATABASE_BLOCK)


def limiter(request: Request) -> RateLimiter:
    """The app's rate limiter, shared through the app's database (or Redis) with its other workers."""
    state = request.app.state
    if not hasattr(state, "codes_rate_limiter"):
        ctx = app_context(request)
        state.codes_rate_limiter = build_limiter(
            ctx.engine, ctx.settings.keys_dir, ctx.settings.redis_url, ctx.settings.rate_limit_pepper
        )
    found: RateLimiter = state.codes_rate_limiter
    return found


def client_address(request: Request) -> str:
    """The client address used for throttling (only its keyed hash is stored)."""
    return request.client.host if request.client else "unknown"


def device_fingerprint(request: Request) -> str:
    """What identifies a scanning device without storing it: address and user agent, hashed later."""
    return f"{client_address(request)}|{request.headers.get('user-agent', '')[:200]}"
