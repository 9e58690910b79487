"""Crawl runs: start one for a source, run its crawler process(es), follow their progress, absorb what
they found; resume a run whose crawler was killed; run every due source once.

The crawler is a separate process (`monitor.crawl_process`) working in the run's directory under the
data directory; the database is touched only here, in short transactions, so the server and the command
line can watch a run's progress while it goes.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from select import select as wait_readable

from sqlalchemy import select

from countermark.core.clock import utcnow
from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.core.errors import InvalidInput, NotFound
from countermark.core.processes import process_alive
from countermark.ingest.bulk import collection_paused
from countermark.monitor.absorb_service import AbsorbReport, absorb_run, store_snapshots
from countermark.monitor.config import SourceConfig
from countermark.monitor.crawl_process import JOB_FILE, write_job
from countermark.monitor.models import CrawledItem, CrawlRun, MonitorSource
from countermark.monitor.snapshot_store import SnapshotSteps
from countermark.monitor.source_service import due_sources, schedule_next
from countermark.monitor.spider import CrawlJob

Progress = Callable[[int, int], None]
POLL_SECONDS = 0.5
ABSORB_POLL_SECONDS = 0.25  # snapshots stored while crawling: the fewer left at the end, the sooner done


def runs_dir(ctx: AppContext) -> Path:
    """Where crawl runs keep their frontier, WARC files and pages until (and after) they are absorbed."""
    return ctx.settings.data_dir / "monitor" / "runs"


def _known_urls(ctx: AppContext, source_id: int) -> list[str]:
    """URLs of the source's listings still online: revisited every run, so one that vanished is seen gone."""
    with unit_of_work(ctx.sessions) as session:
        return list(
            session.scalars(
                select(CrawledItem.url)
                .where(
                    CrawledItem.source_id == source_id,
                    CrawledItem.kind == "listing",
                    CrawledItem.gone_at.is_(None),
                )
                .order_by(CrawledItem.id)
            )
        )


def create_run(
    ctx: AppContext,
    source_id: int,
    *,
    max_seconds: float | None = None,
    workers: int = 1,
    extra_hosts: list[str] | None = None,
) -> int:
    """Record a new run of the source and write its crawler job(s); the run's id."""
    known = _known_urls(ctx, source_id)
    with unit_of_work(ctx.sessions) as session:
        source = session.get(MonitorSource, source_id)
        if source is None:
            raise NotFound.of("no source {source_id}", source_id=source_id)
        config = SourceConfig.model_validate(source.config)
        if workers > 1 and config.frontier != "redis":
            raise InvalidInput.of(
                "several crawler processes need the source's frontier in Redis (frontier: redis)"
            )
        run = CrawlRun(source_id=source.id, status="running", work_dir="")
        session.add(run)
        session.flush()
        work = runs_dir(ctx) / str(run.id)
        run.work_dir = str(work)
        seeds = [(url, "page") for url in config.seeds()] + [(url, "listing") for url in known]
        redis_key = f"countermark:monitor:run:{run.id}" if config.frontier == "redis" else None
        names = ["main"] if workers == 1 else [f"w{i}" for i in range(1, workers + 1)]
        for name in names:
            write_job(
                CrawlJob(
                    work_dir=str(work),
                    config=source.config,
                    seeds=seeds,
                    worker=name,
                    redis_key=redis_key,
                    max_seconds=max_seconds,
                    extra_hosts=extra_hosts or [],
                )
            )
        return run.id


def spawn_crawler(job_file: Path, *more: Path, told: bool = False) -> subprocess.Popen[bytes]:
    """Start a crawler process on a job file (its output goes to the worker's log in the run's directory);
    given several, one process that forks a crawl for each (`crawl_process.run_forked`), which with
    `told` writes a line on its stdout (a pipe) as each crawl ends."""
    log = job_file.with_name(job_file.name.replace(".job.json", ".stderr"))
    with log.open("ab") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "countermark.monitor.crawl_process", str(job_file), *map(str, more)],
            stdout=subprocess.PIPE if told else subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,
        )


def _exit_code(job_file: Path) -> int | None:
    """The exit code a forked crawl left (`crawl_process.exit_file`), None while it runs."""
    try:
        text = job_file.with_name(job_file.name.replace(f".{JOB_FILE}", ".exit")).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    return int(text) if text.strip().lstrip("-").isdigit() else 1


def crawl_and_absorb(
    ctx: AppContext, run_ids: list[int], *, actor: str, progress: Progress | None = None
) -> list[tuple[CrawlRun, AbsorbReport]]:
    """Crawl several runs at once and absorb each as it goes; each run with what absorbing it did.

    One crawler process forks a crawl for each job (they share the start). While a run crawls, the
    snapshots it logged are stored, and its listings' pages scanned, every quarter second
    (`absorb_service.store_snapshots`); when its crawl ends the run is absorbed (the rest of its
    snapshots, then its accounts and listings) while the others go on. Interrupted, the crawls stop with
    it and resume as any run (`unfinished_runs`).
    """
    works: dict[int, Path] = {}
    with unit_of_work(ctx.sessions) as session:
        for run_id in run_ids:
            run = session.get(CrawlRun, run_id)
            if run is None:
                raise NotFound.of("no crawl run {run_id}", run_id=run_id)
            works[run_id] = Path(run.work_dir)
            run.status = "running"
    jobs = {run_id: sorted(work.glob(f"*.{JOB_FILE}")) for run_id, work in works.items()}
    for job in (job for files in jobs.values() for job in files):
        job.with_name(job.name.replace(f".{JOB_FILE}", ".exit")).unlink(missing_ok=True)
    process = spawn_crawler(*(job for files in jobs.values() for job in files), told=True)
    assert process.stdout is not None
    told = process.stdout.fileno()
    for work in works.values():
        _pid_file(work).write_text(str(process.pid), encoding="utf-8")
    steps = {run_id: SnapshotSteps() for run_id in run_ids}
    done: dict[int, tuple[CrawlRun, AbsorbReport]] = {}
    try:
        while len(done) < len(run_ids):
            ended = process.poll() is not None
            codes = {
                run_id: [_exit_code(job) for job in jobs[run_id]] for run_id in run_ids if run_id not in done
            }
            # A run whose crawl ended is absorbed at once, before the others' new fetches are stored;
            # after one, the crawls are looked at again without waiting (others may have ended since).
            finished = [run_id for run_id, ran in codes.items() if ended or None not in ran]
            for run_id in finished:
                ok = all(code == 0 for code in codes[run_id])
                with collection_paused():
                    done[run_id] = finish_with_report(ctx, run_id, actor=actor, ok=ok)
            for run_id in codes:
                if run_id in done:
                    continue
                # Each step makes thousands of short-lived containers, which Python's collector would
                # walk again and again with the whole heap (as in an ingestion batch).
                with collection_paused(), unit_of_work(ctx.sessions) as session:
                    run = session.get(CrawlRun, run_id)
                    assert run is not None
                    source = session.get(MonitorSource, run.source_id)
                    assert source is not None
                    store_snapshots(
                        session=session, blobs=ctx.blobs, run=run, source=source, steps=steps[run_id]
                    )
            if progress:
                counts = [crawl_counts(work) for work in works.values()]
                fetched = sum(count for count, _ in counts)
                progress(fetched, fetched + sum(pending for _, pending in counts))
            # Woken by a crawl's end, or after a quarter second to store what the crawls logged.
            waiting = len(done) < len(run_ids) and not finished
            if waiting and wait_readable([told], [], [], ABSORB_POLL_SECONDS)[0]:
                os.read(told, 65536)
    except BaseException:
        if process.poll() is None:  # an interrupted command takes its crawlers with it; the runs resume
            os.killpg(process.pid, signal.SIGTERM)
        raise
    return [done[run_id] for run_id in run_ids]


def crawl_counts(work: Path) -> tuple[int, int]:
    """(fetched, still to fetch) across the run's frontier files, read without disturbing the crawler."""
    fetched = pending = 0
    for path in work.glob("*.frontier.sqlite"):
        try:
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
            try:
                fetched += db.execute("SELECT count(*) FROM fetches").fetchone()[0]
                pending += db.execute("SELECT count(*) FROM urls WHERE state = 'pending'").fetchone()[0]
            finally:
                db.close()
        except sqlite3.Error:
            continue  # created but not yet initialised by the crawler
    return fetched, pending


def _set_progress(ctx: AppContext, run_id: int, fetched: int, pending: int) -> None:
    with unit_of_work(ctx.sessions) as session:
        run = session.get(CrawlRun, run_id)
        if run is not None:
            run.pages, run.pending = fetched, pending


def _pid_file(work: Path) -> Path:
    return work / "crawler.pids"


def crawl(ctx: AppContext, run_id: int, *, progress: Progress | None = None) -> bool:
    """Run (or resume) the run's crawler processes to their end; whether all ended normally."""
    with unit_of_work(ctx.sessions) as session:
        run = session.get(CrawlRun, run_id)
        if run is None:
            raise NotFound.of("no crawl run {run_id}", run_id=run_id)
        work = Path(run.work_dir)
        run.status = "running"
    processes = [spawn_crawler(job) for job in sorted(work.glob("*.job.json"))]
    _pid_file(work).write_text(" ".join(str(p.pid) for p in processes), encoding="utf-8")
    try:
        while any(p.poll() is None for p in processes):
            time.sleep(POLL_SECONDS)
            fetched, pending = crawl_counts(work)
            _set_progress(ctx, run_id, fetched, pending)
            if progress:
                progress(fetched, fetched + pending)
    except BaseException:
        for process in processes:  # an interrupted command takes its crawlers with it; the run resumes
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        raise
    fetched, pending = crawl_counts(work)
    _set_progress(ctx, run_id, fetched, pending)
    return all(p.returncode == 0 for p in processes)


def finish(ctx: AppContext, run_id: int, *, actor: str, ok: bool) -> CrawlRun:
    """Absorb what the run found; mark it done (and the source's next crawl scheduled) or interrupted."""
    return finish_with_report(ctx, run_id, actor=actor, ok=ok)[0]


def finish_with_report(
    ctx: AppContext, run_id: int, *, actor: str, ok: bool
) -> tuple[CrawlRun, AbsorbReport]:
    """`finish`, with what absorbing did (its ingestion reports among it)."""
    with unit_of_work(ctx.sessions) as session:
        run = session.get(CrawlRun, run_id)
        assert run is not None
        source = session.get(MonitorSource, run.source_id)
        assert source is not None
        report = absorb_run(session=session, blobs=ctx.blobs, run=run, source=source, actor=actor)
        run.pages = report.pages
        run.listings_found, run.accounts_found = report.listings_found, report.accounts_found
        run.listings_new, run.listings_changed = report.new, report.changed
        run.listings_unchanged, run.listings_gone = report.unchanged, report.gone
        run.rejected, run.errors = report.rejected, report.errors
        now = utcnow()
        if ok:
            run.status, run.finished_at = "done", now
            run.message = (
                f"{report.pages} pages; {report.listings_found} listings ({report.new} new, "
                f"{report.changed} changed, {report.gone} gone); {report.accounts_found} accounts"
            )
            schedule_next(source, after=now)
        else:
            run.status = "interrupted"
            run.message = "the crawler stopped before its end: `countermark monitor run` resumes it"
        session.flush()
        session.expunge(run)
        return run, report


def run_source(
    ctx: AppContext,
    source_id: int,
    *,
    actor: str,
    progress: Progress | None = None,
    max_seconds: float | None = None,
    workers: int = 1,
) -> CrawlRun:
    """Crawl one source now, start to end."""
    run_id = create_run(ctx, source_id, max_seconds=max_seconds, workers=workers)
    ok = crawl(ctx, run_id, progress=progress)
    return finish(ctx, run_id, actor=actor, ok=ok)


def unfinished_runs(ctx: AppContext) -> list[int]:
    """Runs interrupted, or marked running with no crawler process alive (its command was killed)."""
    with unit_of_work(ctx.sessions) as session:
        runs = list(session.scalars(select(CrawlRun).where(CrawlRun.status.in_(("running", "interrupted")))))
        found = []
        for run in runs:
            pids = _pid_file(Path(run.work_dir))
            listed = pids.read_text().split() if pids.is_file() else []
            # Written when the crawlers started: a process of a listed id started later is another one.
            written = datetime.fromtimestamp(pids.stat().st_mtime, UTC) if listed else None
            alive = any(process_alive(int(p), since=written) for p in listed if p.isdigit())
            if run.status == "interrupted" or not alive:
                found.append(run.id)
        return found


def resume_run(ctx: AppContext, run_id: int, *, actor: str, progress: Progress | None = None) -> CrawlRun:
    """Start the crawler of an unfinished run again on its frontier, then absorb."""
    ok = crawl(ctx, run_id, progress=progress)
    return finish(ctx, run_id, actor=actor, ok=ok)


def run_due(ctx: AppContext, *, actor: str, progress: Progress | None = None) -> list[CrawlRun]:
    """Resume unfinished runs, then crawl every due source once: what `countermark monitor run` does."""
    done = [resume_run(ctx, run_id, actor=actor, progress=progress) for run_id in unfinished_runs(ctx)]
    resumed_sources = {run.source_id for run in done}
    with unit_of_work(ctx.sessions) as session:
        due = [s.id for s in due_sources(session=session) if s.id not in resumed_sources]
    done += [run_source(ctx, source_id, actor=actor, progress=progress) for source_id in due]
    return done
