"""Politeness beyond Scrapy's per-host slots: retries with exponential back-off, `Retry-After` honoured
per host, and a cap on the requests sent to a host in any second.

Scrapy's own retry middleware retries at once and ignores `Retry-After`; `PolitenessMiddleware` replaces
it. A 429 or 503 with `Retry-After` closes the whole host (host:port) until the time it names (capped by
the source's `max_wait_seconds`), so every request to that host waits, not only the one refused.

The crawl's `HostGate` is asked by the download handlers (`proxy.KeepAliveDownloadHandler`,
`socks.SocksDownloadHandler`) at the moment a request is sent, after Scrapy's slot has admitted it:
asked earlier (in a middleware, before the slot), requests held in the slot were later sent in bursts
past both the cap and a closed host. The cap (`requests_per_second`) counts requests sent in the last
second, robots.txt's and retries included. Scrapy's `DOWNLOAD_DELAY` spaces requests by at least the
delay, and a crawler short of CPU sends each one late and never catches up: on two busy cores, a delay
of 1/95 s gave 25 requests a second to a host that allows 100.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import time
from collections import deque
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.internet.error import (
    ConnectError,
    ConnectionLost,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)

log = logging.getLogger(__name__)
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504, 522, 524})
RETRY_EXCEPTIONS = (ConnectError, ConnectionLost, DNSLookupError, TCPTimedOutError, TimeoutError, OSError)


def retry_after_seconds(value: str | None, now: float) -> float | None:
    """Seconds to wait from a `Retry-After` value (delta-seconds or an HTTP date); None when unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


def backoff_seconds(base: float, attempt: int) -> float:
    """Exponential back-off before retry `attempt` (1, 2, ...): base, 2·base, 4·base..."""
    return float(base * (2 ** max(0, attempt - 1)))


class HostGate:
    """When a request may be sent to a host (host:port): not while the host is closed, and not more than
    `rate` in any second (0: no cap), spread over the second. One per crawl (`host_gate`).

    Spread: a bucket of a twentieth of a second's requests refills at `rate`, so that a host sees no burst
    of a second's worth at once (a site counting its requests late, busy itself, would count a burst sent
    at the end of one second in the next). The requests waiting for a host queue, and one task per host
    lets them go as the bucket allows: a waiting request wakes once, when its turn comes (each of them
    looking at the bucket whenever another went was seven wake-ups a request at 90 a second, eight in
    flight), and a crawler late on its schedule still sends no more than the bucket at once.
    """

    def __init__(self, rate: float = 0.0) -> None:
        self.rate = rate
        self.burst = max(1.0, rate / 20)
        self.closed_until: dict[str, float] = {}
        self.sent: dict[str, deque[float]] = {}
        self.tokens: dict[str, tuple[float, float]] = {}  # per host: (requests in hand, when counted)
        self.waiting: dict[str, deque[asyncio.Future[float]]] = {}
        self.dispatchers: dict[str, asyncio.Task[None]] = {}

    def close(self, host: str, seconds: float) -> None:
        """Send nothing more to the host for this long (what a `Retry-After` asks)."""
        self.closed_until[host] = max(self.closed_until.get(host, 0.0), time.monotonic() + seconds)

    async def wait_turn(self, host: str) -> float:
        """Wait until the host is open and its turn comes (fewer than `rate` requests to the host in the
        last second, the bucket not empty); count the request about to be sent. When it was let go."""
        if self.rate <= 0:
            while (closed := self.closed_until.get(host, 0.0) - time.monotonic()) > 0:
                await asyncio.sleep(closed)
            return time.monotonic()
        turn: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiting.setdefault(host, deque()).append(turn)
        if host not in self.dispatchers:
            self.dispatchers[host] = asyncio.ensure_future(self._dispatch(host))
        return await turn

    async def _dispatch(self, host: str) -> None:
        """Let the host's waiting requests go, one at a time, as the closure, the bucket and the last
        second's count allow; ends when none is left waiting."""
        waiting = self.waiting[host]
        sent = self.sent.setdefault(host, deque())
        try:
            while waiting:
                now = time.monotonic()
                closed = self.closed_until.get(host, 0.0) - now
                if closed > 0:
                    await asyncio.sleep(closed)
                    continue
                while sent and now - sent[0] >= 1.0:
                    sent.popleft()
                tokens, counted = self.tokens.get(host, (self.burst, now))
                tokens = min(self.burst, tokens + (now - counted) * self.rate)
                if len(sent) < self.rate and tokens >= 1.0:
                    turn = waiting.popleft()
                    if turn.done():  # the request was given up (cancelled) while it waited
                        self.tokens[host] = (tokens, now)
                        continue
                    sent.append(now)
                    self.tokens[host] = (tokens - 1.0, now)
                    turn.set_result(now)
                    continue
                self.tokens[host] = (tokens, now)
                window = sent[0] + 1.0 - now if len(sent) >= self.rate else 0.0
                await asyncio.sleep(max(window, (1.0 - tokens) / self.rate))
        finally:
            del self.dispatchers[host]
            while waiting:  # stopped early (an error, the crawl shutting down): none may wait for ever
                turn = waiting.popleft()
                if not turn.done():
                    turn.set_exception(RuntimeError(f"the request queue of {host} stopped"))


def host_gate(crawler: Crawler) -> HostGate:
    """The crawl's gate, shared by its politeness middleware and its download handlers."""
    gate: HostGate | None = getattr(crawler, "_countermark_host_gate", None)
    if gate is None:
        gate = HostGate(crawler.settings.getfloat("MONITOR_RATE", 0.0))
        crawler._countermark_host_gate = gate  # type: ignore[attr-defined]
    return gate


class PolitenessMiddleware:
    """Retry refused and failed fetches with back-off; close a host for as long as it asks."""

    def __init__(
        self, *, retries: int, backoff: float, max_wait: float, gate: HostGate | None = None
    ) -> None:
        self.retries = retries
        self.backoff = backoff
        self.max_wait = max_wait
        self.gate = gate or HostGate()
        self.waits: list[tuple[str, float]] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PolitenessMiddleware:
        settings = crawler.settings
        return cls(
            retries=settings.getint("MONITOR_RETRIES", 3),
            backoff=settings.getfloat("MONITOR_BACKOFF", 0.5),
            max_wait=settings.getfloat("MONITOR_MAX_WAIT", 60.0),
            gate=host_gate(crawler),
        )

    def _retry(self, request: Request, reason: str, wait: float) -> Request | None:
        attempt = int(request.meta.get("monitor_attempt", 0)) + 1
        if attempt > self.retries:
            log.info("giving up on %s after %d retries (%s)", request.url, self.retries, reason)
            return None
        retry = request.replace(dont_filter=True)
        retry.meta["monitor_attempt"] = attempt
        retry.meta["monitor_wait"] = wait
        retry.priority = request.priority + 1
        return retry

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        if response.status not in RETRY_STATUSES:
            return response
        attempt = int(request.meta.get("monitor_attempt", 0)) + 1
        asked = retry_after_seconds(
            (response.headers.get(b"Retry-After") or b"").decode("latin-1"), time.time()
        )
        wait = min(self.max_wait, asked if asked is not None else backoff_seconds(self.backoff, attempt))
        retry = self._retry(request, f"HTTP {response.status}", wait)
        if retry is None:
            return response
        host = urlsplit(request.url).netloc
        if asked is not None:
            self.gate.close(host, wait)
            self.waits.append((host, wait))
        await asyncio.sleep(wait)
        return retry

    async def process_exception(self, request: Request, exception: Exception) -> Request | None:
        if not isinstance(exception, RETRY_EXCEPTIONS):
            return None
        attempt = int(request.meta.get("monitor_attempt", 0)) + 1
        wait = min(self.max_wait, backoff_seconds(self.backoff, attempt))
        retry = self._retry(request, type(exception).__name__, wait)
        if retry is not None:
            await asyncio.sleep(wait)
        return retry

    def stats(self) -> dict[str, Any]:
        """Waits asked by hosts, for the run's report."""
        return {"retry_after_waits": len(self.waits)}
