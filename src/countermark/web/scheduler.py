"""The server's scheduler, composed at the web floor: the case scheduler (`cases.scheduler`) and the
monitor's runs of due sources (`monitor.run_service.run_due`), which cases, a lower floor, cannot import.
It also hands the case page the monitor's re-crawls of takedown notices (`app.state.notice_checks`).

`Settings.monitor_seconds` (COUNTERMARK_MONITOR_SECONDS) sets the interval of the monitor's runs (default
0: off, crawling is left to `countermark monitor run`). Each run happens in a daemon thread, never on the
event loop (the crawl itself is a separate process; absorbing what it found is database work), and holds
an exclusive lock on `<data_dir>/monitor/scheduler.lock` while it goes: with several server workers
(processes) one runs the due sources and the others skip that turn. The runs' directories live under the
same data directory, so the workers that share runs share the lock.

`Settings.link_job_seconds` (COUNTERMARK_LINK_JOB_SECONDS, default 5; 0: off) sets how often each worker
looks for a linking run asked for through the API or the web (`link.runner`): it claims one and starts
it in a process of its own. `Settings.link_auto_seconds` (COUNTERMARK_LINK_AUTO_SECONDS, default 3600;
0: off) queues an incremental run for each organisation with records stored since its last one
(`web.link_auto`).
"""

from __future__ import annotations

import fcntl
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

from fastapi import FastAPI

from countermark.cases.scheduler import TickRunner
from countermark.cases.scheduler import scheduler_lifespan as cases_lifespan
from countermark.core.context import AppContext
from countermark.link.runner import LinkJobRunner
from countermark.web.link_auto import queue_increments

log = logging.getLogger("countermark.web.scheduler")
LOCK_FILE = "scheduler.lock"


def lock_path(ctx: AppContext) -> Path:
    """The file whose lock makes one monitor run at a time across the server's workers."""
    return ctx.settings.data_dir / "monitor" / LOCK_FILE


@contextmanager
def exclusive(path: Path) -> Iterator[bool]:
    """Hold the file's exclusive lock if no other process holds it; whether it is held. Released when the
    block ends, and by the system if the process dies."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+b") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def run_monitor(ctx: AppContext) -> int | None:
    """One scheduled run: resume unfinished crawls and crawl every due source, unless another worker is at
    it; how many runs it did (None: skipped, another holds the lock)."""
    from countermark.monitor.run_service import run_due  # loads Scrapy's side only when it runs

    with exclusive(lock_path(ctx)) as held:
        if not held:
            log.info("the monitor's scheduled run is skipped: another server worker is running it")
            return None
        runs = run_due(ctx, actor="scheduler")
    for run in runs:
        log.info("monitor run %s of source %s: %s (%s)", run.id, run.source_id, run.status, run.message)
    return len(runs)


@asynccontextmanager
async def scheduler_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """The server's lifespan: the case scheduler, the monitor's runs when `monitor_seconds` is set, and
    the linking jobs' runner when `link_job_seconds` is."""
    from countermark.monitor.notice_check_service import notice_check_results

    # The case page shows each notice's latest re-crawl through this function (cases cannot import monitor).
    app.state.notice_checks = notice_check_results
    async with cases_lifespan(app):
        ctx: AppContext = app.state.ctx
        interval = ctx.settings.monitor_seconds
        runner: TickRunner | None = None
        if interval > 0:
            runner = TickRunner(lambda: run_monitor(ctx), interval)
            runner.start()
            log.info("the monitor runs due sources every %s seconds", interval)
        app.state.monitor_runner = runner
        link_runner: TickRunner | None = None
        if ctx.settings.link_job_seconds > 0:
            jobs = LinkJobRunner(ctx)
            link_runner = TickRunner(jobs.tick, ctx.settings.link_job_seconds)
            link_runner.start()
        app.state.link_job_runner = link_runner
        auto: TickRunner | None = None
        if ctx.settings.link_auto_seconds > 0:
            auto = TickRunner(lambda: queue_increments(ctx), ctx.settings.link_auto_seconds)
            auto.start()
        app.state.link_auto_runner = auto
        try:
            yield
        finally:
            for started in (runner, link_runner, auto):
                if started is not None:
                    started.stop()
            app.state.monitor_runner = app.state.link_job_runner = app.state.link_auto_runner = None
