"""The workbench in a real browser (issue #18): a saved page shows its pictures inside the sandboxed frame,
and a case is opened from a listing, in French, where the analyst stands.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select

from countermark.core.db import unit_of_work
from countermark.ingest.readers import RawRow
from countermark.ingest.service import ingest_rows
from countermark.orgs.models import Organisation
from tests.browser.harness import NEEDS_CHROMIUM, served, sign_in, store_in
from tests.browser.seed import Seeded, seed_store

pytestmark = [pytest.mark.slow, NEEDS_CHROMIUM]
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")

SAVED_PAGE = (
    "<!doctype html><html><body><h1>Sac AUREL</h1>"
    '<img id="shown" src="../images/bag.png" alt="the bag"></body></html>'
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Seeded]]:
    tmp = tmp_path_factory.mktemp("workbench-browser")
    with store_in(tmp) as ctx:
        seeded = seed_store(ctx, tmp)
        files = tmp / "saved" / "pages"
        (files.parent / "images").mkdir(parents=True)
        files.mkdir()
        Image.new("RGB", (64, 48), (200, 40, 40)).save(files.parent / "images" / "bag.png")
        (files / "bag.html").write_text(SAVED_PAGE, encoding="utf-8")
        with unit_of_work(ctx.sessions) as session:
            aurel = session.scalar(select(Organisation.id).where(Organisation.name == "Maison Aurel"))
            assert aurel is not None
            row = {
                "external_id": "L-PIC",
                "platform": "shopmarket",
                "url": "https://shopmarket.example/pic",
                "title": "Sac AUREL avec photo",
                "observed_at": "2025-03-20T10:00:00+00:00",
                "images": ["images/bag.png"],
                "snapshot": "pages/bag.html",
            }
            report = ingest_rows(
                session=session,
                blobs=ctx.blobs,
                kind="listings",
                owner_org_id=aurel,
                rows=[RawRow(line=1, data=row)],
                actor="test",
                label="pic",
                tlp="AMBER",
                source="test",
                base_dir=files.parent,
            )
            assert report.rejected == 0, report.rejects
        with served(ctx) as base:
            yield base, seeded


def test_a_saved_page_shows_its_picture_and_a_case_opens_from_the_listing_in_french(
    page: Any, server: tuple[str, Seeded]
) -> None:
    base, seeded = server
    sign_in(page, base, seeded.brand_admin, seeded.password)
    page.goto(f"{base}/listings?q=photo&lang=fr")
    page.get_by_role("link", name="Sac AUREL avec photo").click()
    page.locator("iframe.snapshot").scroll_into_view_if_needed()
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": 1280, "height": height})  # out-of-process frames appear only in view
    frame = page.frame_locator("iframe.snapshot")
    assert frame.locator("h1").inner_text() == "Sac AUREL"
    frame.locator("#shown").wait_for()
    assert frame.locator("#shown").evaluate("img => img.complete && img.naturalWidth") == 64

    page.set_viewport_size({"width": 1024, "height": 800})
    page.get_by_role("link", name="Ouvrir ou rejoindre un dossier").click()
    page.wait_for_url(re.compile(r"/act/listing/\d+"))
    page.get_by_label("Procédure").select_option("notice_and_takedown")
    page.get_by_role("button", name="Ouvrir un dossier").click()
    page.wait_for_url(re.compile(r"/cases/\d+$"))
    assert "Sac AUREL avec photo" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
