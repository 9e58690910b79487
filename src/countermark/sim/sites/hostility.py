"""The hostile details a crawler must survive, each switchable, and the request counts judging politeness."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Hostility:
    """Which hostile details the sites serve: `Hostility.full()` (the default) or `Hostility.none()` (tame).

    Attributes:
        traps: pagination that never ends (ShopMarket's "next") and an infinite calendar (Trendora).
        duplicates: the same listing under several URLs (tracking parameters, Bazario's mobile path).
        slow_share: share of listing pages answered after `slow_delay` seconds.
        malformed: Trendora's unclosed tags and lying `<meta charset>`.
        rate_limit: requests per host in one wall-clock second above which the sites answer 429
            with `Retry-After: retry_after` (0 = unlimited).
        change_rate: share of live listings whose price (and every other time title) changes per epoch.
        gone_rate: share of live listings that disappear per epoch (404, or 410 on ShopMarket and the market).
        moves: shops that move (the world's `sites/moves.json`, `sim.moves`): from their epoch every address
            of a moved shop redirects (301) to a sibling shop or a parking page, and its listings are gone.
    """

    traps: bool = True
    duplicates: bool = True
    slow_share: float = 0.03
    slow_delay: float = 0.3
    malformed: bool = True
    rate_limit: int = 100
    retry_after: int = 1
    change_rate: float = 0.10
    gone_rate: float = 0.05
    moves: bool = True

    @classmethod
    def full(cls) -> Hostility:
        """Every hostile detail on (the default of `serve_world`)."""
        return cls()

    @classmethod
    def none(cls) -> Hostility:
        """A tame web: no trap, no duplicate, no delay, clean HTML, no rate limit, nothing changes."""
        return cls(
            traps=False,
            duplicates=False,
            slow_share=0.0,
            malformed=False,
            rate_limit=0,
            change_rate=0.0,
            gone_rate=0.0,
            moves=False,
        )

    def but(self, **changes: object) -> Hostility:
        """A copy with some details switched (e.g. `Hostility.full().but(rate_limit=0)`)."""
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Hit:
    """One request as the server saw it."""

    at: float
    host: str
    path: str
    status: int


class RequestStats:
    """Counts requests per host per wall-clock second, keeps a log, and enforces the per-host rate limit.

    Tests of a crawler's politeness read `per_second`, `max_per_second` and `disallowed`; the log is bounded
    so a long-running `countermark world serve` does not grow without end.
    """

    KEEP_SECONDS = 100_000

    def __init__(self, *, log_size: int = 1_000_000) -> None:
        """Start with no request seen."""
        self._lock = threading.Lock()
        self._seconds: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        self._log: deque[Hit] = deque(maxlen=log_size)
        self._disallowed: list[tuple[str, str]] = []

    def admit(self, host: str, limit: int, now: float | None = None) -> bool:
        """Count a request to host; False when it is over `limit` in the current second (0 = no limit)."""
        second = int(time.time() if now is None else now)
        with self._lock:
            counts = self._seconds[host]
            counts[second] += 1
            if len(counts) > self.KEEP_SECONDS:
                # A server left running for days forgets its oldest seconds rather than growing for ever.
                for old in sorted(counts)[: len(counts) // 2]:
                    del counts[old]
            return limit <= 0 or counts[second] <= limit

    def record(self, hit: Hit, *, disallowed: bool) -> None:
        """Log an answered request, and remember it when robots.txt disallowed its path."""
        with self._lock:
            self._log.append(hit)
            if disallowed:
                self._disallowed.append((hit.host, hit.path))

    def per_second(self, host: str) -> dict[int, int]:
        """Requests to host (answered or refused with 429) per wall-clock second."""
        with self._lock:
            return dict(self._seconds.get(host, {}))

    def max_per_second(self, host: str) -> int:
        """The most requests host received in any one second."""
        return max(self.per_second(host).values(), default=0)

    def total(self, host: str | None = None) -> int:
        """Requests received by host (or by every host)."""
        with self._lock:
            hosts = [host] if host is not None else list(self._seconds)
            return sum(sum(self._seconds.get(h, {}).values()) for h in hosts)

    def hosts(self) -> list[str]:
        """Every host that received a request."""
        with self._lock:
            return sorted(self._seconds)

    def log(self, host: str | None = None) -> list[Hit]:
        """The answered requests (of one host), oldest first."""
        with self._lock:
            return [h for h in self._log if host is None or h.host == host]

    def disallowed(self, host: str | None = None) -> list[tuple[str, str]]:
        """(host, path) of every request to a path the host's robots.txt disallows."""
        with self._lock:
            return [d for d in self._disallowed if host is None or d[0] == host]

    def as_json(self) -> dict[str, dict[str, int]]:
        """Counts per host per second, for the admin endpoint."""
        with self._lock:
            return {h: {str(s): n for s, n in sorted(c.items())} for h, c in sorted(self._seconds.items())}
