"""A consumer scans a code in a real browser (Playwright + Debian's Chromium), sees the verdict, reports."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from countermark.core.db import unit_of_work
from countermark.orgs.service import get_organisation_by_name_or_raise
from tests.browser.harness import NEEDS_CHROMIUM, chromium_browser, new_page, served, sign_in, store_in
from tests.browser.seed import Seeded, seed_store
from tests.service.codes_fixtures import add_product, issue_codes

pytestmark = [
    pytest.mark.slow,
    NEEDS_CHROMIUM,
]
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")


@pytest.fixture(scope="module")
def served_codes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[str]]]:
    """The app on a seeded store with three issued codes, served by uvicorn on a free local port."""
    tmp = tmp_path_factory.mktemp("codes-browser")
    with store_in(tmp) as ctx:
        seed_store(ctx, tmp)
        with unit_of_work(ctx.sessions) as session:
            org_id = get_organisation_by_name_or_raise(session=session, name="Maison Aurel").id
        _, uris = issue_codes(
            ctx, org_id, add_product(ctx, org_id, gtin="4006381333931", name="Aurel belt"), quantity=3
        )
        with served(ctx) as base:
            yield base, uris


@pytest.fixture
def page() -> Iterator[Any]:
    with chromium_browser() as browser, new_page(browser, width=412) as tab:
        yield tab


def test_a_consumer_scans_a_code_sees_it_is_genuine_and_reports_a_problem(
    page: Any, served_codes: tuple[str, list[str]]
) -> None:
    base, uris = served_codes
    page.goto(base + "/" + uris[0].split("://", 1)[1].split("/", 1)[1])
    verdict = page.get_by_role("status")
    assert verdict.get_attribute("data-verdict") == "genuine"
    assert "Genuine code" in verdict.inner_text() and "Aurel belt" in verdict.inner_text()
    page.get_by_role("link", name="Report a problem with this product").click()
    page.get_by_label("Where did you buy it?").select_option("market")
    page.get_by_label("Shop or seller name").fill("Stall 9, Marché de Clignancourt")
    page.get_by_label("What is wrong with it?").fill("The stitching is uneven and the logo is misspelt.")
    time.sleep(3.2)  # the form refuses robots that post faster than a person can type
    page.get_by_role("button", name="Send the report").click()
    assert "Thank you" in page.get_by_role("status").inner_text()
    # The rights holder finds the report matched to its genuine product, with the reason in words.
    sign_in(page, base, Seeded.brand_admin, Seeded.password)
    page.goto(base + "/codes/reports")
    page.locator('a[href^="/codes/reports/"]').first.click()
    match = page.locator("tr.report-match").filter(has_text="identifies this genuine product")
    assert "Aurel" in match.inner_text() and "trademark AUREL" in page.locator("#matches").inner_text()


def test_a_forged_code_is_shown_as_not_genuine(page: Any, served_codes: tuple[str, list[str]]) -> None:
    base, uris = served_codes
    path = uris[1].split("://", 1)[1].split("/", 1)[1].replace("/21/", "/21/X", 1)
    page.goto(f"{base}/{path}")
    assert page.get_by_role("status").get_attribute("data-verdict") == "bad_signature"
