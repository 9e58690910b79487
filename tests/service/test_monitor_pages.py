"""Monitoring pages: a brand adds, edits and pauses a source through the forms; a viewer cannot; another
organisation sees none of it; a run's page shows its counts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.monitor.models import CrawlRun, MonitorSource
from countermark.web.app import create_app
from tests.browser.harness import store_in
from tests.browser.seed import Seeded, seed_store
from tests.service.test_pages import csrf_of, signed_in


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FastAPI, AppContext, Seeded]]:
    tmp = tmp_path_factory.mktemp("monitor-pages")
    with store_in(tmp) as ctx:
        yield create_app(context=ctx), ctx, seed_store(ctx, tmp)


def test_a_source_is_added_edited_and_paused_through_the_pages(
    site: tuple[FastAPI, AppContext, Seeded],
) -> None:
    app, ctx, seeded = site
    brand = signed_in(app, seeded.brand_admin, seeded.password)
    page = brand.get("/monitor")
    assert page.status_code == 200 and "Online monitoring" in page.text
    added = brand.post(
        "/monitor/sources",
        data={
            "csrf_token": csrf_of(page.text),
            "name": "ShopMarket watch",
            "platform": "ShopMarket",
            "start_urls": "http://www.shopmarket.eu/catalogue\n",
            "frequency_minutes": "60",
        },
    )
    assert added.status_code == 303, added.text
    detail_path = added.headers["location"]
    detail = brand.get(detail_path)
    assert detail.status_code == 200 and "ShopMarket watch" in detail.text
    paused = brand.post(detail_path, data={"csrf_token": csrf_of(detail.text), "action": "pause"})
    assert paused.status_code == 303
    bad = brand.post(
        detail_path, data={"csrf_token": csrf_of(detail.text), "action": "save", "config_json": "{"}
    )
    assert bad.status_code == 422 and "not JSON" in bad.text
    with unit_of_work(ctx.sessions) as session:
        source = session.scalar(select(MonitorSource).where(MonitorSource.name == "ShopMarket watch"))
        assert source is not None and source.paused and source.frequency_minutes == 60
        run = CrawlRun(
            source_id=source.id,
            status="running",
            work_dir="/nowhere",
            pages=30,
            pending=10,
            listings_new=3,
            errors=["http://x/: timeout"],
        )
        session.add(run)
        session.flush()
        run_id = run.id
    run_page = brand.get(f"/monitor/runs/{run_id}")
    assert (
        run_page.status_code == 200
        and 'value="75"' in run_page.text
        and "http://x/: timeout" in run_page.text
    )
    viewer = signed_in(app, seeded.brand_viewer, seeded.password)
    refused = viewer.post(
        detail_path, data={"csrf_token": csrf_of(viewer.get(detail_path).text), "action": "resume"}
    )
    assert refused.status_code == 403
    outsider = signed_in(app, seeded.outsider, seeded.password)
    assert outsider.get(detail_path).status_code == 404
    assert outsider.get(f"/monitor/runs/{run_id}").status_code == 404
    assert "ShopMarket watch" not in outsider.get("/monitor").text


def test_a_listing_page_links_its_crawl_snapshots(site: tuple[FastAPI, AppContext, Seeded]) -> None:
    app, _, seeded = site
    brand = signed_in(app, seeded.brand_admin, seeded.password)
    listing = brand.get("/listings/1")
    assert listing.status_code == 200 and "/monitor/snapshots?listing_source=" in listing.text
    empty = brand.get("/monitor/snapshots", params={"listing_source": "sim", "external_id": "nothing"})
    assert empty.status_code == 200 and "Crawl snapshots" in empty.text
    assert brand.get("/monitor/snapshots").status_code == 422
