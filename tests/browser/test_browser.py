"""The pages in a real browser (Playwright driving Debian's Chromium) against the app served by uvicorn.

Set COUNTERMARK_SCREENSHOTS=docs/screenshots to also write the screenshots of the documentation.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.harness import NEEDS_CHROMIUM, served, sign_in, store_in
from tests.browser.seed import Seeded, seed_store

SCREENSHOTS = os.environ.get("COUNTERMARK_SCREENSHOTS")

pytestmark = [
    pytest.mark.slow,
    NEEDS_CHROMIUM,
]
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Seeded]]:
    """The app on a seeded SQLite store, served by uvicorn in a thread on a free local port."""
    tmp = tmp_path_factory.mktemp("browser")
    with store_in(tmp) as ctx:
        seeded = seed_store(ctx, tmp)
        with served(ctx) as base:
            yield base, seeded


def shoot(page: Any, name: str, *, full_page: bool = True) -> None:
    """Save a screenshot for the documentation when asked to."""
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=full_page)


def test_an_analyst_signs_in_browses_every_page_and_signs_out(page: Any, server: tuple[str, Seeded]) -> None:
    base, seeded = server
    page.goto(f"{base}/listings")
    page.wait_for_url(re.compile(r"/login\?next=/listings"))
    shoot(page, "sign-in")
    page.get_by_label("E-mail address").fill(seeded.brand_admin)
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").inner_text().strip() == "Wrong e-mail or password."
    page.get_by_label("Password").fill(seeded.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/listings")

    page.get_by_role("link", name="Dashboard").click()
    assert page.locator("svg.chart rect.chart-bar").count() > 0
    shoot(page, "dashboard")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Listings").click()
    page.get_by_label("Platform").select_option("shopmarket")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"platform=shopmarket"))
    rows = page.locator("#listings-table tbody tr")
    assert rows.count() == 4 and "SECRET-LISTING" not in page.content()
    assert page.locator(".tlp-amber").first.is_visible()
    page.get_by_role("link", name="Clear").click()
    shoot(page, "listings")

    page.get_by_role("link", name="AUREL tote bag replica 1", exact=True).click()
    page.get_by_role("heading", name="Page snapshot").scroll_into_view_if_needed()
    snapshot = page.frame_locator("iframe.snapshot")
    assert "90% off" in snapshot.locator("h1").inner_text()
    assert page.title().startswith("AUREL tote bag replica 1")  # the saved page's script did not run
    assert page.locator(".gallery img").first.evaluate("img => img.naturalWidth") > 0
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": 1280, "height": height})  # out-of-process frames appear only in view
    page.wait_for_timeout(300)
    shoot(page, "listing-detail", full_page=False)
    page.set_viewport_size({"width": 1280, "height": 860})

    page.get_by_role("link", name="luxe_outlet_88").first.click()
    assert "luxe.outlet88@example.com" in page.locator("table").first.inner_text()
    page.goto(f"{base}/accounts")
    shoot(page, "accounts")

    for name, heading in (("Rights", "Rights"), ("Recordals", "Recordals"), ("Products", "Genuine products")):
        page.get_by_role("navigation", name="Main").get_by_role("link", name=name).click()
        assert page.get_by_role("heading", level=1).inner_text() == heading
    page.get_by_role("link", name="Aurel tote bag").click()
    assert page.locator(".gallery img").count() == 2

    page.get_by_label("Search", exact=True).first.fill("+8613800138000")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q="))
    assert page.get_by_role("heading", name=re.compile("Identifiers")).is_visible()
    page.goto(f"{base}/search?q=luxe")
    shoot(page, "search")

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{base}/login")
    page.goto(f"{base}/")
    page.wait_for_url(re.compile(r"/login"))


def test_customs_sees_its_shipments(page: Any, server: tuple[str, Seeded]) -> None:
    base, seeded = server
    sign_in(page, base, seeded.customs_analyst, seeded.password)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Shipments").click()
    assert page.locator("table tbody tr").count() == 4
    shoot(page, "shipments")
    page.locator("table tbody tr a").first.click()
    assert page.get_by_role("heading", name="Identifiers found").is_visible()
    assert "Guangzhou Trading Co" in page.content()


def test_the_language_switch_translates_the_interface_and_is_remembered(page: Any,
                                                                      server: tuple[str, Seeded]) -> None:
    base, seeded = server
    sign_in(page, base, seeded.brand_viewer, seeded.password)
    page.get_by_role("button", name="Français").click()
    page.wait_for_url(f"{base}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Tableau de bord"
    shoot(page, "dashboard-fr")
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Annonces").click()
    assert "Expédié depuis" in page.content()
    page.get_by_role("button", name="中文").click()
    assert page.get_by_role("heading", level=1).inner_text() == "商品信息"
    shoot(page, "listings-zh")
    page.get_by_role("button", name="English").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Listings"


def test_a_user_creates_an_api_token_sees_it_once_and_revokes_it(page: Any,
                                                                 server: tuple[str, Seeded]) -> None:
    base, seeded = server
    sign_in(page, base, seeded.brand_admin, seeded.password)
    page.get_by_role("link", name="API tokens").click()
    page.get_by_label("Name").fill("nightly export")
    page.get_by_label("write").check()
    page.get_by_label("Expires after").select_option("30")
    page.get_by_role("button", name="Create the token").click()
    raw = page.get_by_label("Your new token").input_value()
    assert re.fullmatch(r"cm_[0-9a-f]{12}_[\w-]+", raw)
    response = page.request.get(f"{base}/api/v1/listings", headers={"authorization": f"Bearer {raw}"})
    assert response.status == 200
    shoot(page, "tokens")
    page.goto(f"{base}/tokens")
    assert raw not in page.content()
    page.get_by_role("button", name="Revoke nightly export").click()
    assert page.locator("#tokens-table").get_by_text("revoked").is_visible()
    anonymous = page.context.browser.new_context()
    try:
        refused = anonymous.request.get(f"{base}/api/v1/listings", headers={"authorization": f"Bearer {raw}"})
        assert refused.status == 401
    finally:
        anonymous.close()


def test_pages_fit_a_tablet_and_forms_work_from_the_keyboard(chromium: Any,
                                                             server: tuple[str, Seeded]) -> None:
    base, seeded = server
    context = chromium.new_context(viewport={"width": 768, "height": 1024})
    tab = context.new_page()
    try:
        tab.goto(f"{base}/login")
        tab.get_by_label("E-mail address").focus()
        tab.keyboard.type(seeded.brand_admin)
        tab.keyboard.press("Tab")
        tab.keyboard.type(seeded.password)
        tab.keyboard.press("Enter")
        tab.wait_for_url(f"{base}/")
        for path in ("/", "/listings", "/shipments", "/admin", "/tokens"):
            tab.goto(f"{base}{path}")
            overflow = tab.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"{path} scrolls sideways on a tablet"
        tab.goto(f"{base}/listings")
        tab.get_by_label("Contains").focus()
        outline = tab.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline != "none"
    finally:
        context.close()
