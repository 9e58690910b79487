"""The load generator's side of `load_api.py`: raw keep-alive HTTP/1.1 on asyncio, and the statistics.

No HTTP library: one asyncio process writes requests and reads answers (Content-Length or chunked), so
that it costs little CPU beside the server it loads on the same cores.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

HOST = "127.0.0.1"


@dataclass
class RouteStats:
    """Latencies (seconds) of one route's successful and failed requests."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)
    retries: int = 0


class Connection:
    """One keep-alive HTTP/1.1 connection, optionally from a given loopback source address."""

    def __init__(self, port: int, source: str | None = None) -> None:
        self.port, self.source = port, source
        self.reused = False  # whether the open socket already carried a request
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, path: str, headers: bytes) -> tuple[int, int]:
        """Send a GET and read the whole answer; (status, body length)."""
        if self.writer is None:
            local = (self.source, 0) if self.source else None
            self.reader, self.writer = await asyncio.open_connection(HOST, self.port, local_addr=local)
            self.reused = False
        assert self.reader is not None
        self.writer.write(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers + b"\r\n")
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length, chunked, close = 0, False, False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
        if chunked:
            length = 0
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                await self.reader.readexactly(size + 2)
                length += size
                if size == 0:
                    break
        else:
            await self.reader.readexactly(length)
        self.reused = True
        if close:
            await self.close()
        return status, length

    async def close(self) -> None:
        """Close the socket (a new one opens on the next request); `reused` tells what the last one did."""
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


STALE = (ConnectionResetError, BrokenPipeError, asyncio.IncompleteReadError)


async def attempt(conn: Connection, path: str, headers: bytes, entry: RouteStats) -> int:
    """One more try of a request; 0 (and the failure counted) when it fails."""
    try:
        return (await conn.request(path, headers))[0]
    except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
        entry.failures[type(exc).__name__] = entry.failures.get(type(exc).__name__, 0) + 1
        await conn.close()
        return 0


def percentile(sorted_values: list[float], fraction: float) -> float:
    """The nearest-rank percentile of sorted values (0 when empty)."""
    if not sorted_values:
        return 0.0
    rank = max(0, min(len(sorted_values) - 1, round(fraction * len(sorted_values) + 0.5) - 1))
    return sorted_values[rank]


def print_table(title: str, stats: dict[str, RouteStats], seconds: float) -> None:
    """One row per route and one for all of them: requests, errors, req/s and latencies in ms."""
    print(f"\n{title}")
    print(f"| {'route':<34} | requests | errors | req/s | p50 ms | p90 ms | p99 ms | max ms |")
    print(f"|{'-' * 36}|---------:|-------:|------:|-------:|-------:|-------:|-------:|")
    every = RouteStats()
    for route, entry in stats.items():
        every.latencies += entry.latencies
        every.errors += entry.errors
        _row(route, entry, seconds)
    _row("all", every, seconds)
    for route, entry in stats.items():
        odd = {k: v for k, v in entry.statuses.items() if k != 200}
        if odd or entry.retries:
            print(
                f"  {route}: statuses other than 200: {odd or 'none'}; failures: {entry.failures or 'none'}; "
                f"sent again after the server closed a kept-alive connection: {entry.retries}"
            )


def _row(name: str, entry: RouteStats, seconds: float) -> None:
    values = sorted(entry.latencies)
    done = len(values) + entry.errors
    ms = [1000 * percentile(values, f) for f in (0.5, 0.9, 0.99)] + [1000 * (values[-1] if values else 0.0)]
    print(
        f"| {name:<34} | {done:>8,} | {entry.errors:>6} | {done / seconds:>5,.0f} | "
        + " | ".join(f"{v:>6.1f}" for v in ms)
        + " |"
    )
