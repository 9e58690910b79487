"""The crawl as one feed among others of the same keys, the server's scheduler of due sources (one run at a
time across workers), and a notice's re-crawl on the case page."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from countermark.core.clock import utcnow
from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.ingest.readers import RawRow
from countermark.ingest.service import ingest_rows
from countermark.monitor.models import CrawledItem
from countermark.monitor.run_service import run_source
from countermark.monitor.source_service import create_source
from countermark.observe.models import Listing
from tests.service.helpers import make_org
from tests.service.test_monitor_sitekit import TestSite, site_config

FEED = "partner-feed"
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_a_listing_another_feed_stored_is_replaced_by_the_crawl_not_rejected(store: AppContext) -> None:
    """The demo's old clash: a file gave SKU-2 version 1 under the same source; the crawl saw it anew
    (version 1 by its own count, other content) and the version rule turned it down."""
    org = make_org(store)
    with unit_of_work(store.sessions) as session:
        filed = {
            "external_id": "SKU-2",
            "platform": "testmarket",
            "url": "https://elsewhere.example/item/2",
            "title": "As the partner's file had it",
            "observed_at": "2026-01-02T03:04:05Z",
            "version": 1,
        }
        report = ingest_rows(
            session=session,
            blobs=store.blobs,
            kind="listings",
            rows=iter([RawRow(line=1, data=filed)]),
            owner_org_id=org,
            actor="test",
            label="partner file",
            source=FEED,
        )
        assert report.stored == 1
    with TestSite(items=4) as site:
        with unit_of_work(store.sessions) as session:
            source_id = create_source(
                session=session,
                owner_org_id=org,
                name="test market",
                platform="testmarket",
                config=site_config(site, ingest_source=FEED),
                actor="test",
            ).id
        first = run_source(store, source_id, actor="test")
        second = run_source(store, source_id, actor="test")
    assert first.status == "done" and first.rejected == 0, first.errors
    assert second.rejected == 0 and second.listings_unchanged == 4, second.errors
    with unit_of_work(store.sessions) as session:
        listing = session.scalar(
            select(Listing).where(Listing.source == FEED, Listing.external_id == "SKU-2")
        )
        assert listing is not None and listing.title == "Luxe watch model 2" and listing.version == 2
        assert listing.url == f"{site.base}/item/2"
        item = session.scalar(select(CrawledItem).where(CrawledItem.external_id == "SKU-2"))
        assert item is not None and item.version == 2  # the crawl counts on from the version it sent
        others = session.scalars(select(Listing.version).where(Listing.source == FEED)).all()
        assert sorted(others) == [1, 1, 1, 2]


@SQLITE_ONLY  # no database difference in what it checks
def test_one_scheduled_run_at_a_time_across_workers(
    store: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    from countermark.monitor import run_service
    from countermark.web.scheduler import exclusive, lock_path, run_monitor

    calls: list[str] = []
    monkeypatch.setattr(run_service, "run_due", lambda ctx, actor: calls.append(actor) or [])
    with exclusive(lock_path(store)) as held, exclusive(lock_path(store)) as other:
        assert held and not other  # a second open of the lock (another worker) does not get it
        assert run_monitor(store) is None and calls == []
    assert run_monitor(store) == 0 and calls == ["scheduler"]


@SQLITE_ONLY  # no database difference in what it checks
def test_the_server_runs_due_sources_only_when_configured(
    store: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    from countermark.monitor import run_service
    from countermark.web.app import create_app

    calls: list[float] = []
    monkeypatch.setattr(run_service, "run_due", lambda ctx, actor: calls.append(time.monotonic()) or [])
    app = create_app(context=store)
    with TestClient(app) as client:
        assert client.app.state.monitor_runner is None  # type: ignore[attr-defined]  # off by default
    monkeypatch.setattr(store.settings, "monitor_seconds", 0.05)
    with TestClient(app) as client:  # the lifespan reads the setting when the server starts
        deadline = time.monotonic() + 10
        while len(calls) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert client.app.state.monitor_runner.running  # type: ignore[attr-defined]
    assert len(calls) >= 2


@SQLITE_ONLY  # no database difference in what it checks
def test_the_case_page_shows_each_notice_s_recrawl(store: AppContext, tmp_path: Path) -> None:
    from countermark.cases.models import Notice
    from countermark.cases.service import open_case
    from countermark.monitor.notice_check_service import CONFIRMED_REMOVED, Recheck, record_check
    from countermark.orgs.auth_service import set_password
    from countermark.orgs.service import create_user
    from countermark.web.app import create_app
    from tests.service.test_pages import signed_in

    org = make_org(store, name="Douane Roissy", kind="customs")
    with unit_of_work(store.sessions) as session:
        user = create_user(
            session=session, org_id=org, email="li@douane.example", display_name="Li", role="analyst"
        )
        set_password(session=session, user=user, password="a long enough password 1")
        case = open_case(
            session=session,
            owner_org_id=org,
            procedure="eu_standard",
            title="Totes",
            at=utcnow() - timedelta(hours=1),
            actor="test",
        )
        notices = []
        for url in ("http://gone.example/item/1", "http://live.example/item/2"):
            notice = Notice(
                case_id=case.id,
                kind="dsa",
                target_url=url,
                status="sent",
                content_hash="0" * 64,
                created_by="test",
                owner_org_id=org,
            )
            session.add(notice)
            session.flush()
            notices.append(notice.id)
        record_check(
            session=session,
            ctx=store,
            notice_id=notices[0],
            answer=Recheck("http://gone.example/item/1", 410, CONFIRMED_REMOVED, None, None),
            at=utcnow(),
        )
        case_id = case.id
    app = create_app(context=store)
    with TestClient(app):  # the lifespan hands the case page the monitor's re-crawls
        page = signed_in(app, "li@douane.example", "a long enough password 1").get(f"/cases/{case_id}")
    assert page.status_code == 200
    shown = [line for line in page.text.splitlines() if "notice-check" in line]
    assert len(shown) == 1 and "confirmed removed" in shown[0] and "HTTP 410" in shown[0]
    assert "<time datetime=" in shown[0]
