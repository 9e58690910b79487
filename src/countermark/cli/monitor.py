"""`countermark monitor`: sources to watch, crawl runs (once, or every due source), their status."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.table import Table
from sqlalchemy import select

from countermark.cli.common import app_context, console, progress_bar
from countermark.core.db import unit_of_work
from countermark.core.errors import InvalidInput
from countermark.monitor.models import CrawlRun, MonitorSource
from countermark.monitor.run_service import resume_run, run_due, run_source, unfinished_runs
from countermark.monitor.snapshot_service import verify_snapshots
from countermark.monitor.source_service import create_source, find_source, update_source
from countermark.orgs.service import get_organisation_by_name_or_raise
from countermark.orgs.visibility import SYSTEM

app = typer.Typer(
    help="Online monitoring: crawl sources, snapshot every fetch, ingest listings.", no_args_is_help=True
)


def _config(config: Path | None, start_urls: list[str], proxy: str | None) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if config is not None:
        try:
            data = json.loads(config.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InvalidInput.of(
                "cannot read the configuration {path}: {reason}", path=str(config), reason=str(exc)
            ) from None
        if not isinstance(data, dict):
            raise InvalidInput.of("the configuration file must hold a JSON object")
    if start_urls:
        data["start_urls"] = [*data.get("start_urls", []), *start_urls]
    if proxy:
        data["proxy"] = proxy
    return data


@app.command("add")
def add_command(
    name: str = typer.Argument(..., help="The source's name (unique in the organisation)."),
    org: str = typer.Option(..., "--org", help="The organisation that owns the source."),
    platform: str = typer.Option(..., help="Platform the listings are on (e.g. ShopMarket)."),
    config: Path | None = typer.Option(None, exists=True, dir_okay=False, help="JSON configuration file."),
    start_url: list[str] = typer.Option([], "--start-url", help="A start URL (repeatable)."),
    proxy: str | None = typer.Option(None, help="Proxy URL: http://, socks5:// or socks5h://."),
    frequency: int = typer.Option(1440, help="Minutes between crawls."),
    tlp: str | None = typer.Option(None, help="TLP 2.0 marking; default: the organisation's."),
) -> None:
    """Add a source to watch; it is due at once."""
    with app_context() as ctx, unit_of_work(ctx.sessions) as session:
        owner = get_organisation_by_name_or_raise(session=session, name=org)
        source = create_source(
            session=session,
            owner_org_id=owner.id,
            name=name,
            platform=platform,
            config=_config(config, start_url, proxy),
            actor="cli",
            frequency_minutes=frequency,
            tlp=tlp or owner.default_tlp,
        )
        console.print(f"source {source.id} [bold]{source.name}[/bold] added; due now")


@app.command("sources")
def sources_command(org: str | None = typer.Option(None, "--org", help="Only this organisation's.")) -> None:
    """List the sources, when each is next due, and whether it is paused."""
    table = Table("id", "name", "platform", "owner", "every (min)", "next due", "paused")
    with app_context() as ctx, unit_of_work(ctx.sessions) as session:
        query = select(MonitorSource).order_by(MonitorSource.id)
        if org:
            query = query.where(
                MonitorSource.owner_org_id == get_organisation_by_name_or_raise(session=session, name=org).id
            )
        for s in session.scalars(query):
            due = s.next_due_at.isoformat(timespec="seconds") if s.next_due_at else "-"
            table.add_row(
                str(s.id),
                s.name,
                s.platform,
                str(s.owner_org_id),
                str(s.frequency_minutes),
                due,
                "yes" if s.paused else "",
            )
    console.print(table)


@app.command("pause")
def pause_command(
    name: str = typer.Argument(...),
    org: str = typer.Option(..., "--org"),
    resume: bool = typer.Option(False, "--resume", help="Resume instead of pausing."),
) -> None:
    """Pause a source (no crawl until resumed), or resume it."""
    with app_context() as ctx, unit_of_work(ctx.sessions) as session:
        owner = get_organisation_by_name_or_raise(session=session, name=org)
        source = find_source(session=session, owner_org_id=owner.id, name=name)
        update_source(session=session, principal=SYSTEM, source_id=source.id, actor="cli", paused=not resume)
    console.print(f"{name}: {'resumed' if resume else 'paused'}")


@app.command("run")
def run_command(
    source: str | None = typer.Option(None, help="Crawl this source now (by name), due or not."),
    org: str | None = typer.Option(None, "--org", help="The source's organisation (with --source)."),
    workers: int = typer.Option(1, min=1, max=16, help="Crawler processes (sources with a Redis frontier)."),
    max_seconds: float | None = typer.Option(None, help="Stop each crawl after this many seconds."),
) -> None:
    """Resume unfinished runs and crawl every due source once (or one source, with --source)."""
    with app_context() as ctx:
        with progress_bar("crawling") as update:
            if source:
                if not org:
                    raise typer.BadParameter("--source needs --org")
                with unit_of_work(ctx.sessions) as session:
                    owner = get_organisation_by_name_or_raise(session=session, name=org)
                    source_id = find_source(session=session, owner_org_id=owner.id, name=source).id
                runs = [
                    run_source(
                        ctx, source_id, actor="cli", progress=update, max_seconds=max_seconds, workers=workers
                    )
                ]
            else:
                runs = run_due(ctx, actor="cli", progress=update)
        for run in runs:
            console.print(f"run {run.id} ({run.status}): {run.message}")
        if not runs:
            console.print("nothing due")


@app.command("resume")
def resume_command(run_id: int = typer.Argument(..., help="The run to resume.")) -> None:
    """Resume one unfinished run (its crawler was killed or stopped)."""
    with app_context() as ctx:
        if run_id not in unfinished_runs(ctx):
            raise typer.BadParameter(f"run {run_id} is not unfinished")
        with progress_bar("crawling") as update:
            run = resume_run(ctx, run_id, actor="cli", progress=update)
        console.print(f"run {run.id} ({run.status}): {run.message}")


@app.command("status")
def status_command(limit: int = typer.Option(20, help="How many recent runs.")) -> None:
    """Recent crawl runs: progress, what was new, changed or gone, errors."""
    table = Table(
        "run",
        "source",
        "status",
        "started",
        "pages",
        "to fetch",
        "listings",
        "new",
        "changed",
        "gone",
        "rejected",
        "errors",
    )
    with app_context() as ctx, unit_of_work(ctx.sessions) as session:
        for run in session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(limit)):
            table.add_row(
                str(run.id),
                str(run.source_id),
                run.status,
                run.started_at.isoformat(timespec="seconds"),
                str(run.pages),
                str(run.pending),
                str(run.listings_found),
                str(run.listings_new),
                str(run.listings_changed),
                str(run.listings_gone),
                str(run.rejected),
                str(len(run.errors or [])),
            )
    console.print(table)


@app.command("verify")
def verify_command(
    run_id: int | None = typer.Option(None, "--run", help="Only this run's snapshots."),
) -> None:
    """Recompute every snapshot's digests (blob SHA-256, WARC block and payload digests)."""
    with app_context() as ctx, unit_of_work(ctx.sessions) as session:
        report = verify_snapshots(session=session, blobs=ctx.blobs, run_id=run_id)
    for snapshot_id, reason in report.failures:
        console.print(f"[red]snapshot {snapshot_id}[/red]: {reason}")
    console.print(f"{report.checked} snapshots checked, {len(report.failures)} failed")
    if report.failures:
        raise typer.Exit(1)


CONFIRMABLE = ("sent", "acknowledged", "actioned")


@app.command("check-notices")
def check_notices_command() -> None:
    """Re-crawl the URL of every sent, acknowledged or actioned notice: confirmed removed or still online.

    A sent or acknowledged notice whose listing is confirmed removed becomes actioned, with the re-crawl
    as its note; a listing still online after its notice was actioned is left to the relisting check.
    """
    from countermark.cases.models import Notice  # the top floor reads the cases' tables
    from countermark.cases.notice_service import set_notice_status
    from countermark.core.clock import utcnow
    from countermark.monitor.notice_check_service import CONFIRMED_REMOVED, recheck_urls, record_check

    with app_context() as ctx:
        with unit_of_work(ctx.sessions) as session:
            targets = [
                (n.id, n.target_url)
                for n in session.scalars(
                    select(Notice).where(Notice.status.in_(CONFIRMABLE), Notice.target_url.is_not(None))
                )
            ]
        answers = recheck_urls(ctx, [url for _, url in targets if url])
        table = Table("notice", "url", "HTTP", "outcome", "status now")
        with unit_of_work(ctx.sessions) as session:
            now = utcnow()
            for notice_id, url in targets:
                answer = answers[str(url)]
                record_check(session=session, ctx=ctx, notice_id=notice_id, answer=answer, at=now)
                notice = session.get(Notice, notice_id)
                assert notice is not None
                if answer.outcome == CONFIRMED_REMOVED and notice.status in ("sent", "acknowledged"):
                    set_notice_status(
                        session=session,
                        notice=notice,
                        status="actioned",
                        actor="monitor",
                        at=now,
                        note=f"confirmed removed: HTTP {answer.status} on re-crawl",
                    )
                table.add_row(
                    str(notice_id),
                    str(url)[:80],
                    str(answer.status or "-"),
                    answer.outcome.replace("_", " "),
                    notice.status,
                )
    console.print(table)
