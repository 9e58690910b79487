"""Confirm takedown notices by re-crawling their URLs: "confirmed removed" or "still online".

The caller (the top floor, which may read the cases' tables) names the notices and their URLs; this
module fetches each URL once with the politeness and proxy of the source that watches its host (a plain
polite fetch when none does), keeps the WARC of the answer, and records the outcome per notice.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.core.storage import store_blob
from countermark.monitor.config import SourceConfig, netloc
from countermark.monitor.crawl_process import write_job
from countermark.monitor.models import MonitorSource, NoticeCheck
from countermark.monitor.run_service import runs_dir, spawn_crawler
from countermark.monitor.snapshot_store import FetchContent, read_fetches
from countermark.monitor.spider import CrawlJob

REMOVED_STATUSES = frozenset({404, 410, 451})
CONFIRMED_REMOVED = "confirmed_removed"
STILL_ONLINE = "still_online"
UNREACHABLE = "unreachable"


def outcome_of(status: int, *, sent_elsewhere: bool = False) -> str:
    """What an HTTP answer says of a notice's listing: removed (404, 410, 451), online (2xx), or neither.

    `sent_elsewhere`: the address redirected to a page that is not an offer (a shop moved onto another's
    front page, a marketplace's search): the offer is no longer at its address, so removed; the chain is
    in the answer's record, and linking ties the shops it names (`observe.redirects`). A redirect to an
    offer's page (the offer moved within the site) is still online."""
    if status in REMOVED_STATUSES:
        return CONFIRMED_REMOVED
    if 200 <= status < 300:
        return CONFIRMED_REMOVED if sent_elsewhere else STILL_ONLINE
    return UNREACHABLE


@dataclass(frozen=True)
class Recheck:
    """The answer to one re-crawled URL."""

    url: str
    status: int
    outcome: str
    warc_path: Path | None
    error: str | None


def _configs(session: Session, urls: list[str]) -> dict[str, SourceConfig]:
    """For each host, the configuration of a source watching it (its proxy, its politeness)."""
    by_host: dict[str, SourceConfig] = {}
    for source in session.scalars(select(MonitorSource).order_by(MonitorSource.id)):
        config = SourceConfig.model_validate(source.config)
        for host in config.hosts():
            by_host.setdefault(host, config)
    return {url: by_host[netloc(url)] for url in urls if netloc(url) in by_host}


def recheck_urls(ctx: AppContext, urls: list[str], *, timeout: float = 300.0) -> dict[str, Recheck]:
    """Fetch each URL once (no links followed), grouped by the source watching its host; answers by URL."""
    urls = list(dict.fromkeys(urls))
    with unit_of_work(ctx.sessions) as session:
        configs = _configs(session, urls)
    groups: dict[str, tuple[SourceConfig | None, list[str]]] = {}
    for url in urls:
        config = configs.get(url)
        key = config.model_dump_json() if config else ""
        groups.setdefault(key, (config, []))[1].append(url)
    work = runs_dir(ctx).parent / "notice-checks" / datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    processes = []
    for index, (config, group) in enumerate(groups.values()):
        base = config.model_dump(mode="json") if config else {}
        base.update(
            start_urls=group,
            allowed_hosts=sorted({netloc(u) for u in group}),
            max_depth=0,
            fetch_images=False,
            frontier="local",
        )
        job = CrawlJob(work_dir=str(work / str(index)), config=base, seeds=[(u, "listing") for u in group])
        processes.append(spawn_crawler(write_job(job)))
    deadline = time.monotonic() + timeout
    for process in processes:
        process.wait(timeout=max(1.0, deadline - time.monotonic()))
    answers: dict[str, Recheck] = {}
    for index in range(len(groups)):
        folder = work / str(index)
        content = FetchContent(folder)
        try:
            for fp, record in read_fetches(folder).items():
                status = int(record.get("status") or 0)
                data = content.get(record, "warc")
                warc = None
                if data is not None:  # the answer's WARC, as a file of the check's own
                    warc = folder / f"{fp}.warc.gz"
                    warc.write_bytes(data)
                elsewhere = bool(record.get("redirected_from")) and record.get("page_kind") != "listing"
                answers[record["requested"]] = Recheck(
                    record["requested"],
                    status,
                    outcome_of(status, sent_elsewhere=elsewhere),
                    warc,
                    record.get("error"),
                )
        finally:
            content.close()
    for url in urls:
        answers.setdefault(url, Recheck(url, 0, UNREACHABLE, None, "not fetched before the time limit"))
    return answers


def record_check(
    *, session: Session, ctx: AppContext, notice_id: int, answer: Recheck, at: datetime
) -> NoticeCheck:
    """Keep a notice's re-crawl: the outcome, the HTTP status and the WARC of the answer."""
    warc = None
    if answer.warc_path is not None and answer.warc_path.is_file():
        warc = store_blob(
            session=session,
            blobs=ctx.blobs,
            data=answer.warc_path.read_bytes(),
            media_type="application/warc",
        )
    check = NoticeCheck(
        notice_id=notice_id,
        url=answer.url[:2000],
        checked_at=at,
        http_status=answer.status or None,
        outcome=answer.outcome,
        warc_sha256=warc,
        detail=(answer.error or None) and answer.error[:500],
    )
    session.add(check)
    session.flush()
    return check


def latest_checks(*, session: Session, notice_ids: list[int]) -> dict[int, NoticeCheck]:
    """The latest re-crawl of each notice that has one."""
    latest: dict[int, NoticeCheck] = {}
    query = select(NoticeCheck).where(NoticeCheck.notice_id.in_(notice_ids)).order_by(NoticeCheck.checked_at)
    for check in session.scalars(query):
        latest[check.notice_id] = check
    return latest


def notice_check_results(*, session: Session, notice_ids: list[int]) -> dict[int, dict[str, Any]]:
    """For a page: each notice's latest re-crawl as plain values (outcome, HTTP status, time), by notice id.

    The case page (cases, a lower floor that cannot import monitor) calls it through the function the web
    floor hands it (`app.state.notice_checks`, set by `web.scheduler`); the notices are the ones the page
    already shows, so it reveals nothing of a notice the viewer cannot see.
    """
    if not notice_ids:
        return {}
    return {
        notice_id: {
            "outcome": check.outcome,
            "http_status": check.http_status,
            "checked_at": check.checked_at,
            "url": check.url,
        }
        for notice_id, check in latest_checks(session=session, notice_ids=notice_ids).items()
    }
