"""The server's scheduler: a daemon thread that applies lapsed deadlines every few minutes.

`Settings.tick_seconds` (COUNTERMARK_TICK_SECONDS) sets the interval (default 300; 0 disables it). Each run
is `tick(...)` in its own transaction; an error is logged and the next run goes ahead, so the server never
falls over with it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI

from countermark.cases.service import TickReport, tick
from countermark.core.clock import utcnow
from countermark.core.context import AppContext
from countermark.core.db import unit_of_work

log = logging.getLogger("countermark.cases.scheduler")

STOP_TIMEOUT_SECONDS = 30.0


def run_tick(ctx: AppContext) -> TickReport:
    """One run of the scheduler in its own transaction, logging what lapsed and what is overdue."""
    with unit_of_work(ctx.sessions) as session:
        report = tick(session=session, now=utcnow())
    for reference, step, effect in report.lapsed:
        log.info("case %s: the deadline of %s lapsed (%s)", reference, step, effect or "no effect")
    for reference in report.overdue:
        log.info("case %s is overdue", reference)
    return report


class TickRunner:
    """Runs a job every `interval` seconds in a daemon thread until stopped; the job's errors are logged."""

    def __init__(self, job: Callable[[], object], interval: float) -> None:
        if interval <= 0:
            raise ValueError("the interval must be positive")
        self.job = job
        self.interval = interval
        self.runs = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="countermark-tick", daemon=True)

    def start(self) -> None:
        """Start the thread; the first run comes one interval after the start."""
        self._thread.start()

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
        """Ask the thread to stop and wait for a run in progress to finish."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        """Whether the thread is alive."""
        return self._thread.is_alive()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.job()
            except Exception:  # one failed run must not stop the next ones, nor the server
                log.exception("the scheduler's run failed; it will try again in %s seconds", self.interval)
            self.runs += 1


@asynccontextmanager
async def scheduler_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Start the scheduler with the server (unless disabled) and stop it cleanly on shutdown."""
    ctx: AppContext = app.state.ctx
    interval = ctx.settings.tick_seconds
    runner: TickRunner | None = None
    if interval > 0:
        runner = TickRunner(lambda: run_tick(ctx), interval)
        runner.start()
        log.info("the case scheduler runs every %s seconds", interval)
    app.state.tick_runner = runner
    try:
        yield
    finally:
        if runner is not None:
            runner.stop()
        app.state.tick_runner = None
