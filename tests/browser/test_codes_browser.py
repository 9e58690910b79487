"""A consumer scans a code in a real browser (Playwright + Debian's Chromium), sees the verdict, reports."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from countermark.core.blobs import LocalBlobStore
from countermark.core.context import build_context
from countermark.core.db import unit_of_work
from countermark.core.settings import Settings
from countermark.orgs.service import get_organisation_by_name_or_raise
from countermark.web.app import create_app
from tests.browser.seed import Seeded, seed_store
from tests.service.codes_fixtures import add_product, issue_codes

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="no Chromium at /usr/bin/chromium (apt-get install chromium)"
    ),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[str]]]:
    """The app on a seeded store with three issued codes, served by uvicorn on a free local port."""
    import uvicorn

    tmp = tmp_path_factory.mktemp("codes-browser")
    settings = Settings(data_dir=tmp / "data", database_url=f"sqlite:///{tmp / 'countermark.db'}")
    ctx = build_context(settings, blobs=LocalBlobStore(tmp / "blobs"))
    seed_store(ctx, tmp)
    with unit_of_work(ctx.sessions) as session:
        org_id = get_organisation_by_name_or_raise(session=session, name="Maison Aurel").id
    _, uris = issue_codes(
        ctx, org_id, add_product(ctx, org_id, gtin="4006381333931", name="Aurel belt"), quantity=3
    )
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(context=ctx), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", uris
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        ctx.close()


@pytest.fixture
def page() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 412, "height": 860}, locale="en-GB")
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()


def sign_in(page: Any, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")


def test_a_consumer_scans_a_code_sees_it_is_genuine_and_reports_a_problem(
    page: Any, served: tuple[str, list[str]]
) -> None:
    base, uris = served
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


def test_a_forged_code_is_shown_as_not_genuine(page: Any, served: tuple[str, list[str]]) -> None:
    base, uris = served
    path = uris[1].split("://", 1)[1].split("/", 1)[1].replace("/21/", "/21/X", 1)
    page.goto(f"{base}/{path}")
    assert page.get_by_role("status").get_attribute("data-verdict") == "bad_signature"
