"""A customs analyst opens a network in a real browser (Playwright + Debian's Chromium): the server-drawn
graph pans (its frame scrolls) and zooms through the project's own stylesheet under the page's content
policy, without a script, and a click on a member shows why it is there."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from countermark.core.db import unit_of_work
from countermark.link.store_reads import link_organisation
from countermark.orgs.service import get_organisation_by_name_or_raise
from tests.browser.harness import NEEDS_CHROMIUM, chromium_browser, new_page, served, sign_in, store_in
from tests.browser.seed import Seeded, seed_store
from tests.service.helpers import ingest, write_jsonl
from tests.service.test_link_store import LISTINGS, RING, SHIPMENTS

pytestmark = [pytest.mark.slow, NEEDS_CHROMIUM]
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")


@pytest.fixture(scope="module")
def served_networks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Seeded]]:
    """The seeded store with the customs office's ring linked, served on a free local port."""
    tmp = tmp_path_factory.mktemp("networks-browser")
    with store_in(tmp) as ctx:
        seeded = seed_store(ctx, tmp)
        with unit_of_work(ctx.sessions) as session:
            org_id = get_organisation_by_name_or_raise(session=session, name="Douane Roissy").id
        for kind, rows in (("accounts", RING), ("listings", LISTINGS), ("shipments", SHIPMENTS)):
            ingest(ctx, kind, write_jsonl(Path(tmp) / f"ring-{kind}.jsonl", rows), org_id)
        with unit_of_work(ctx.sessions) as session:
            link_organisation(session=session, owner_org_id=org_id, actor="test")
        with served(ctx) as base:
            yield base, seeded


@pytest.fixture
def page() -> Iterator[Any]:
    with chromium_browser() as browser, new_page(browser) as tab:
        yield tab


def test_the_network_graph_pans_zooms_and_explains_a_member(
    page: Any, served_networks: tuple[str, Seeded]
) -> None:
    base, seeded = served_networks
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    sign_in(page, base, seeded.customs_analyst, seeded.password)
    page.goto(f"{base}/networks?group=networks")
    page.locator("table a.mono").first.click()
    canvas = page.locator("svg[data-graph-canvas]")
    frame = page.locator(".graph-viewport")
    width = canvas.bounding_box()["width"]
    page.get_by_text("×2.5", exact=True).click()
    assert canvas.bounding_box()["width"] > 2 * width  # the served stylesheet applies under the page's policy
    panned = frame.evaluate(
        "element => { element.scrollLeft = 300; element.scrollTop = 200; return element.scrollLeft; }"
    )
    assert panned > 0
    page.get_by_text("×1", exact=True).click()
    assert abs(canvas.bounding_box()["width"] - width) < 2
    page.locator("svg[data-graph-canvas] a").last.click()
    page.wait_for_url("**member=*")
    assert "—" in page.locator("#why").inner_text()
    assert errors == []
