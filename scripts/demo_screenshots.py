"""Screenshots of the capability pages on a demo store, for the README.

Run after `countermark demo --no-serve` (same COUNTERMARK_DATA_DIR):
    .venv/bin/python scripts/demo_screenshots.py docs/screenshots
Serves the app on a free loopback port, signs in as the demo customs officer with Debian's Chromium
(/usr/bin/chromium, never a downloaded browser) and saves one PNG per page.
"""

from __future__ import annotations

import socket
import sys
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import Page, sync_playwright

from countermark.web.app import create_app

PAGES = {
    "queue-fr": "/",
    "dashboards-fr": "/dashboards",
    "targeting": "/targeting",
    "cases": "/cases",
    "case-detail": "/cases/1",
    "fingerprint-banks": "/fingerprint",
    "networks": "/networks",
    "codes": "/codes/alerts",
}
# Pages of the demo brand (consumer reports reach the rights holder whose product they concern).
BRAND_LOGIN = ("rights-holder@demo.countermark.local", "demo-rights-holder-2026")
BRAND_PAGES: dict[str, str] = {"alerts": "/alerts"}
# A record reached from a list by a selector (the first link, or the last for reports: the world writes its
# distractors last), saved under a name.
BRAND_DETAILS = (
    ("codes-report", "/codes/reports", "a[href^='/codes/reports/']", "last"),
    ("alert-detail", "/alerts", "main a[href^='/alerts/']", "first"),
)
# The same for the customs officer (networks are each organisation's own: the brand has none in the demo).
DETAILS = (("network", "/networks", "main table a[href^='/networks/']", "first"),)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _sign_in(page: Page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/login?lang=en")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def _shoot(page: Page, base: str, pages: dict[str, str], out_dir: Path) -> None:
    for name, path in pages.items():
        page.goto(base + path)
        page.wait_for_load_state("networkidle")  # lazy pictures in view
        page.screenshot(path=str(out_dir / f"{name}.png"), full_page=False)
        print(f"{name}: {page.title()}")


def _details(page: Page, base: str, details: tuple[tuple[str, str, str, str], ...], out_dir: Path) -> None:
    for name, listing, selector, which in details:
        page.goto(base + listing)
        links = page.locator(selector)
        if links.count():
            (links.last if which == "last" else links.first).click()
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(out_dir / f"{name}.png"), full_page=which == "last")
            print(f"{name}: {page.title()}")


def main(
    out_dir: Path, email: str = "customs@demo.countermark.local", password: str = "demo-customs-2026"
) -> None:
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    out_dir.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        _sign_in(page, base, email, password)
        _shoot(page, base, PAGES, out_dir)
        brand = browser.new_page(viewport={"width": 1280, "height": 900})
        _sign_in(brand, base, *BRAND_LOGIN)
        _shoot(brand, base, BRAND_PAGES, out_dir)
        _details(page, base, DETAILS, out_dir)
        _details(brand, base, BRAND_DETAILS, out_dir)
        browser.close()
    server.should_exit = True
    thread.join(timeout=10)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots"))
