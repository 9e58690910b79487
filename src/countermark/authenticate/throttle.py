"""A per-address sliding-window rate limit for the public routes (in memory, per process)."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque

from fastapi import Request

from countermark.core.errors import CountermarkError


class TooManyRequests(CountermarkError):
    """Too many requests from one address in a short time."""

    status = 429
    code = "too_many_requests"


class RateLimiter:
    """At most `limit` events per `window` seconds for each (bucket, address)."""

    def __init__(self) -> None:
        self._events: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def hit(self, bucket: str, address: str, *, limit: int, window: float) -> None:
        """Count one event; raise TooManyRequests when the address is over its limit."""
        now = time.monotonic()
        with self._lock:
            events = self._events[(bucket, address)]
            while events and events[0] <= now - window:
                events.popleft()
            if len(events) >= limit:
                raise TooManyRequests("too many requests from your address: wait a few minutes and try again")
            events.append(now)


def limiter(request: Request) -> RateLimiter:
    """The app's rate limiter (one per app, so tests and instances never share counts)."""
    state = request.app.state
    if not hasattr(state, "codes_rate_limiter"):
        state.codes_rate_limiter = RateLimiter()
    found: RateLimiter = state.codes_rate_limiter
    return found


def client_address(request: Request) -> str:
    """The client address used for throttling (never stored)."""
    return request.client.host if request.client else "unknown"


def device_fingerprint(request: Request) -> str:
    """What identifies a scanning device without storing it: address and user agent, hashed later."""
    return f"{client_address(request)}|{request.headers.get('user-agent', '')[:200]}"
