"""A bounded pool of worker threads for a request's CPU-heavy work: decoding, hashing and matching uploads.

Routes that decode pictures, run media tools or match against the banks are `async def` and hand that
work to `run_heavy`, so the event loop keeps answering every other request (sign-in, pages, the API)
while it runs. At most `HEAVY_WORKERS` such jobs run at once per server process, each in a thread of its
own; a request that finds them all taken waits up to `HEAVY_WAIT_SECONDS` for one, then gets 503 `busy`
with the seconds after which to try again (`detail.retry_after`). What one job may decode is bounded by
its caller (the fingerprint's pixel budget per request), so the pool bounds the memory of heavy work too.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

import anyio
import anyio.lowlevel
import anyio.to_thread
from fastapi import Request
from sqlalchemy.orm import Session

from countermark.core.errors import CountermarkError

HEAVY_WORKERS = max(1, min(4, (os.cpu_count() or 2) - 1))  # a core stays free for everything else
HEAVY_WAIT_SECONDS = 15.0
RETRY_AFTER_SECONDS = 10
STATE_NAME = "heavy_pool"

P = ParamSpec("P")
T = TypeVar("T")


class Busy(CountermarkError):
    """Every heavy worker stayed taken for as long as a request may wait."""

    status = 503
    code = "busy"


@dataclass
class HeavyPool:
    """Admission slots and the threads that run admitted jobs, bound to one event loop."""

    loop: object
    workers: int
    wait_seconds: float
    slots: anyio.CapacityLimiter
    threads: anyio.CapacityLimiter

    @property
    def running(self) -> int:
        """Jobs admitted now (running or about to)."""
        return int(self.slots.borrowed_tokens)


def heavy_pool(request: Request) -> HeavyPool:
    """The app's pool for the running event loop (made on first use; a new loop gets a new pool)."""
    loop = anyio.lowlevel.current_token()
    pool: HeavyPool | None = getattr(request.app.state, STATE_NAME, None)
    if pool is None or pool.loop != loop:
        workers = int(getattr(request.app.state, "heavy_workers", HEAVY_WORKERS))
        wait = float(getattr(request.app.state, "heavy_wait_seconds", HEAVY_WAIT_SECONDS))
        pool = HeavyPool(loop, workers, wait, anyio.CapacityLimiter(workers), anyio.CapacityLimiter(workers))
        setattr(request.app.state, STATE_NAME, pool)
    return pool


async def commit_before_waiting(session: Session) -> None:
    """Commit what the request wrote so far (a token's last use, say) before it queues for a worker.

    SQLite has one write lock: a request holding it while it waits and works would make every other
    writer time out.
    """
    await anyio.to_thread.run_sync(session.commit)


async def run_heavy(request: Request, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """fn(*args, **kwargs) in a heavy worker thread once a slot is free; Busy (503) after waiting too long.

    A job is never abandoned: when the client goes away, its thread still finishes before the slot is
    given back, so no more than the pool's workers ever run at once.
    """
    pool = heavy_pool(request)
    admitted = False
    with anyio.move_on_after(pool.wait_seconds):
        await pool.slots.acquire()
        admitted = True
    if not admitted:
        raise Busy.of(
            "the server is busy with other uploads: try again in {seconds} seconds",
            seconds=RETRY_AFTER_SECONDS,
            detail={"retry_after": RETRY_AFTER_SECONDS},
        )
    try:
        return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kwargs), limiter=pool.threads)
    finally:
        pool.slots.release()
