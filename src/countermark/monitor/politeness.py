"""Downloader middleware: retries with exponential back-off, and `Retry-After` honoured per host.

Scrapy's own retry middleware retries at once and ignores `Retry-After`; this one replaces it. A 429 or
503 with `Retry-After` closes the whole host (host:port) until the time it names (capped by the
source's `max_wait_seconds`), so every request to that host waits, not only the one refused.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import time
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


class PolitenessMiddleware:
    """Retry refused and failed fetches with back-off; close a host for as long as it asks."""

    def __init__(self, *, retries: int, backoff: float, max_wait: float) -> None:
        self.retries = retries
        self.backoff = backoff
        self.max_wait = max_wait
        self.closed_until: dict[str, float] = {}
        self.waits: list[tuple[str, float]] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PolitenessMiddleware:
        settings = crawler.settings
        return cls(
            retries=settings.getint("MONITOR_RETRIES", 3),
            backoff=settings.getfloat("MONITOR_BACKOFF", 0.5),
            max_wait=settings.getfloat("MONITOR_MAX_WAIT", 60.0),
        )

    async def process_request(self, request: Request) -> None:
        host = urlsplit(request.url).netloc
        wait = self.closed_until.get(host, 0.0) - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)

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
            self.closed_until[host] = max(self.closed_until.get(host, 0.0), time.monotonic() + wait)
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
