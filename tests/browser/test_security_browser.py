"""The "Hardening" item 6 findings replayed in Chromium: a page on another port of the same host (same
site, so the SameSite=Lax session cookie goes along) frames `/tokens` and posts to the API through the
signed-in officer's browser. Both must fail; the pages must still render under their strict policy.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.browser.harness import NEEDS_CHROMIUM, served, sign_in, store_in
from tests.browser.seed import Seeded, seed_store

pytestmark = [
    pytest.mark.slow,
    NEEDS_CHROMIUM,
]
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")

ATTACK = """<!doctype html><html><head><title>Cute cats</title></head><body>
<h1>Cute cats</h1>
<iframe id="framed" src="{base}/tokens" width="800" height="400"></iframe>
<form id="detect" action="{base}/api/v1/codes/detect" method="post"></form>
<script>
  const body = new FormData();
  body.append("file", new Blob(["planted"], {{type: "image/jpeg"}}), "parcel.jpg");
  body.append("description", "planted");
  body.append("source", "a page on another port");
  fetch("{base}/api/v1/cases/{case_id}/evidence",
        {{method: "POST", body, mode: "no-cors", credentials: "include"}})
    .finally(() => {{ document.body.dataset.sent = "yes"; }});
</script>
</body></html>"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Seeded]]:
    """The app on a seeded SQLite store, served by uvicorn in a thread on a free local port."""
    tmp = tmp_path_factory.mktemp("hardening")
    with store_in(tmp) as ctx:
        seeded = seed_store(ctx, tmp)
        with served(ctx) as base:
            yield base, seeded


@pytest.fixture
def attacker() -> Iterator[tuple[str, dict[str, str]]]:
    """A site on another port of 127.0.0.1 serving whatever page is put in the returned dict."""
    pages: dict[str, str] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # the standard library's name
            body = pages.get(self.path, "").encode()
            self.send_response(200 if body else 404)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            return

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", pages
    finally:
        httpd.shutdown()
        thread.join(timeout=10)


def csrf_token(page: Any) -> str:
    """The CSRF token a signed-in page names for scripts of its own origin."""
    return str(page.locator('meta[name="csrf-token"]').get_attribute("content"))


def test_a_page_on_another_port_can_neither_frame_tokens_nor_write_through_the_api(
    page: Any, server: tuple[str, Seeded], attacker: tuple[str, dict[str, str]]
) -> None:
    base, seeded = server
    sign_in(page, base, seeded.customs_analyst, seeded.password)
    # The legitimate way for a script of this origin: the session's token in X-CSRF-Token.
    refused = page.request.post(f"{base}/api/v1/cases", data={"procedure": "eu_standard", "title": "Totes"})
    assert refused.status == 403 and refused.json()["code"] == "csrf_token_invalid"
    opened = page.request.post(f"{base}/api/v1/cases", data={"procedure": "eu_standard", "title": "Totes"},
                               headers={"X-CSRF-Token": csrf_token(page)})
    assert opened.status == 201, opened.text()
    case_id = opened.json()["id"]

    origin, pages = attacker
    pages["/"] = ATTACK.format(base=base, case_id=case_id)
    page.goto(f"{origin}/")
    page.wait_for_selector("body[data-sent=yes]", state="attached")
    framed = page.frame_locator("#framed")
    assert framed.get_by_role("heading", name="API tokens").count() == 0
    assert not any(frame.url.startswith(f"{base}/tokens") and "API tokens" in frame.content()
                   for frame in page.frames if frame != page.main_frame)
    case = page.request.get(f"{base}/api/v1/cases/{case_id}")
    assert case.status == 200 and case.json()["evidence"] == []

    page.locator("#detect").evaluate("form => form.submit()")
    page.wait_for_url(f"{base}/api/v1/codes/detect")
    assert "csrf_token_invalid" in page.content()


def test_pages_render_under_their_policy_without_a_violation(page: Any, server: tuple[str, Seeded]) -> None:
    base, seeded = server
    violations: list[str] = []

    def watch(message: Any) -> None:
        where = str(message.location.get("url", ""))
        if "Content Security Policy" in message.text and "/api/v1/blobs/" not in where:
            violations.append(f"{where}: {message.text}")

    page.on("console", watch)
    sign_in(page, base, seeded.brand_admin, seeded.password)
    for path in ("/", "/listings", "/rights", "/products", "/accounts", "/search?q=aurel", "/fingerprint",
                 "/cases", "/codes", "/tokens", "/admin"):
        page.goto(f"{base}{path}")
        rules = page.evaluate("[...document.styleSheets].reduce((n, sheet) => n + sheet.cssRules.length, 0)")
        assert rules > 0, f"{path}: the stylesheet was not applied"
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Listings").click()
    page.get_by_role("link", name="AUREL tote bag replica 1", exact=True).click()
    page.get_by_role("heading", name="Page snapshot").scroll_into_view_if_needed()
    assert "90% off" in page.frame_locator("iframe.snapshot").locator("h1").inner_text()
    assert page.locator(".gallery img").first.evaluate("img => img.naturalWidth") > 0
    page.goto(f"{base}/codes/report")
    assert violations == []
