"""A crawl run end to end against the hostile test site, on SQLite and PostgreSQL: listings ingested
once, snapshots that verify, a change made a new version, a removal recorded gone, and a resumed run."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from countermark.core.blobs import LocalBlobStore
from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.monitor.models import CrawledItem, CrawlRun, CrawlSnapshot
from countermark.monitor.run_service import run_source
from countermark.monitor.snapshot_service import verify_snapshots
from countermark.monitor.source_service import create_source
from countermark.observe.models import Account, Listing
from tests.service.helpers import make_org
from tests.service.test_monitor_sitekit import TestSite, site_config


def _source(ctx: AppContext, site: TestSite, **overrides: object) -> tuple[int, int]:
    org = make_org(ctx)
    with unit_of_work(ctx.sessions) as session:
        source = create_source(
            session=session,
            owner_org_id=org,
            name="test market",
            platform="testmarket",
            config=site_config(site, **overrides),
            actor="test",
        )
        return org, source.id


def _listings(ctx: AppContext, source_id: int) -> dict[str, Listing]:
    with unit_of_work(ctx.sessions) as session:
        rows = session.scalars(select(Listing).where(Listing.source == f"monitor:{source_id}")).all()
        session.expunge_all()
        return {row.external_id: row for row in rows}


def test_a_crawl_ingests_every_listing_once_with_verified_snapshots(store: AppContext) -> None:
    with TestSite(items=12) as site:
        _, source_id = _source(store, site)
        run = run_source(store, source_id, actor="test")
        hits = site.hits_of("/")
    assert run.status == "done", run.message
    listings = _listings(store, source_id)
    assert sorted(listings) == sorted(f"SKU-{i}" for i in range(1, 13))  # aliases (?ref=) not doubled
    assert run.listings_found == 12 and run.listings_new == 12
    one = listings["SKU-2"]  # published in JSON-LD
    assert one.title == "Luxe watch model 2" and str(one.price) == "102.50" and one.currency == "EUR"
    assert one.seller_handle == "seller2" and one.snapshot_sha256 is not None
    seven = listings["SKU-7"]  # selectors only, malformed HTML
    assert seven.title == "Luxe watch model 7" and str(seven.price) == "107.50" and seven.ships_from == "CN"
    assert not any(path.startswith("/private/") for path in hits)  # robots.txt obeyed
    assert len([p for p in hits if p.startswith("/calendar/")]) <= 5  # the infinite calendar is capped
    with unit_of_work(store.sessions) as session:
        handles = set(session.scalars(select(Account.handle).where(Account.source == f"monitor:{source_id}")))
        assert handles == {"seller0", "seller1", "seller2"}
        snapshots = session.scalar(select(func.count()).select_from(CrawlSnapshot))
        assert snapshots == run.pages - 1  # every fetch but the one robots.txt forbade
        checked = verify_snapshots(session=session, blobs=store.blobs, run_id=run.id)
    assert checked.checked == snapshots and checked.failures == []
    # The page the listing's row named is the stored blob itself, linked into the crawl's folder.
    assert isinstance(store.blobs, LocalBlobStore)
    page = Path(run.work_dir) / "pages" / one.snapshot_sha256
    assert page.stat().st_ino == store.blobs.file_of(one.snapshot_sha256).stat().st_ino


def test_a_changed_listing_is_a_new_version_and_a_removed_one_is_gone(store: AppContext) -> None:
    with TestSite(items=8) as site:
        _, source_id = _source(store, site)
        first = run_source(store, source_id, actor="test")
        site.state.items[3].title = "Luxe watch model 3 (new stock)"
        del site.state.items[5]
        second = run_source(store, source_id, actor="test")
    assert first.listings_new == 8
    assert (second.listings_changed, second.listings_gone, second.listings_unchanged) == (1, 1, 6)
    listings = _listings(store, source_id)
    assert listings["SKU-3"].version == 2 and listings["SKU-3"].title.endswith("(new stock)")
    assert listings["SKU-4"].version == 1
    with unit_of_work(store.sessions) as session:
        gone = session.scalars(select(CrawledItem).where(CrawledItem.gone_at.is_not(None))).all()
        assert [item.external_id for item in gone] == ["SKU-5"]
        assert session.scalar(select(func.count()).select_from(CrawlRun)) == 2


def test_a_host_that_answers_429_is_waited_for_and_retried(store: AppContext) -> None:
    with TestSite(items=2) as site:
        _, source_id = _source(store, site, start_urls=[f"{site.base}/search", f"{site.base}/limited/a"])
        run = run_source(store, source_id, actor="test")
        limited = [t for t, path, _ in site.state.hits if path == "/limited/a"]
    assert run.status == "done"
    assert len(limited) == 2 and limited[1] - limited[0] >= 0.95  # Retry-After: 1 honoured


def test_a_notice_url_is_confirmed_removed_or_still_online_by_a_recrawl(store: AppContext) -> None:
    from countermark.monitor.notice_check_service import CONFIRMED_REMOVED, STILL_ONLINE, recheck_urls

    with TestSite(items=3) as site:
        _source(store, site)  # the source watching the host lends its politeness
        del site.state.items[2]
        answers = recheck_urls(store, [f"{site.base}/item/1", f"{site.base}/item/2"])
        fetched = site.hits_of("/item/")
        moved = recheck_urls(store, [f"{site.base}/moved/1", f"{site.base}/moved-item/1"])
    assert answers[f"{site.base}/item/1"].outcome == STILL_ONLINE
    assert answers[f"{site.base}/item/2"].outcome == CONFIRMED_REMOVED
    assert answers[f"{site.base}/item/2"].warc_path is not None
    assert sorted(fetched) == ["/item/1", "/item/2"]  # each URL once, no link followed
    # Redirected to the front page, the offer is gone from its address; redirected to it, it is online.
    assert moved[f"{site.base}/moved/1"].outcome == CONFIRMED_REMOVED
    assert moved[f"{site.base}/moved-item/1"].outcome == STILL_ONLINE


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_rendered_source_keeps_a_screenshot_of_each_listing(store: AppContext) -> None:
    from countermark.monitor.render import chromium_path

    if chromium_path() is None:
        pytest.skip("Chromium is not installed (/usr/bin/chromium): rendering cannot be tested here")
    with TestSite(items=2) as site:
        _, source_id = _source(store, site, render=True)
        run = run_source(store, source_id, actor="test")
    assert run.status == "done", run.message
    with unit_of_work(store.sessions) as session:
        shots = session.scalars(
            select(CrawlSnapshot).where(CrawlSnapshot.screenshot_sha256.is_not(None))
        ).all()
        assert len(shots) == 4  # two listings, each under two URLs
        assert store.blobs.get(shots[0].screenshot_sha256)[:8] == b"\x89PNG\r\n\x1a\n"  # type: ignore[arg-type]
        assert b"Luxe watch" in store.blobs.get(shots[0].text_sha256)  # type: ignore[arg-type]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_sources_crawled_at_once_are_each_absorbed_when_their_crawl_ends(store: AppContext) -> None:
    from pathlib import Path

    from countermark.monitor.run_service import crawl_and_absorb, create_run

    with TestSite(items=4) as small, TestSite(items=9) as large:
        org, first = _source(store, small)
        with unit_of_work(store.sessions) as session:
            second = create_source(
                session=session,
                owner_org_id=org,
                name="larger market",
                platform="testmarket",
                config=site_config(large),
                actor="test",
            ).id
        runs = crawl_and_absorb(store, [create_run(store, first), create_run(store, second)], actor="test")
    assert [run.status for run, _ in runs] == ["done", "done"]
    assert [run.listings_new for run, _ in runs] == [4, 9]
    assert all((Path(run.work_dir) / "main.exit").read_text() == "0" for run, _ in runs)  # one crawl each
    with unit_of_work(store.sessions) as session:
        checked = verify_snapshots(session=session, blobs=store.blobs)
    assert checked.checked == sum(run.pages - 1 for run, _ in runs) and checked.failures == []


def test_robots_txt_is_read_through_the_sources_http_proxy(store: AppContext) -> None:
    with TestSite(items=3) as site:  # the site answers as the proxy of shop.invalid (no such name in DNS)
        _, source_id = _source(store, site, start_urls=["http://shop.invalid/search"], proxy=site.base)
        run = run_source(store, source_id, actor="test")
        asked = [path for _, path, _ in site.state.hits]
    assert run.status == "done", run.message
    assert "http://shop.invalid/robots.txt" in asked
    assert not any("/private/" in path for path in asked)  # robots.txt, fetched through the proxy, obeyed
    assert sorted(_listings(store, source_id)) == ["SKU-1", "SKU-2", "SKU-3"]
