"""Render a JavaScript-heavy page in Debian's Chromium (through Playwright) and keep a screenshot.

Optional per source. When Chromium is absent the crawl says so once, in its log and in every fetch it
would have rendered, and carries on without screenshots.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
CHROMIUM = "/usr/bin/chromium"


def chromium_path() -> str | None:
    """Where Chromium is, or None when it is not installed."""
    if Path(CHROMIUM).is_file():
        return CHROMIUM
    return shutil.which("chromium") or shutil.which("chromium-browser")


class Renderer:
    """One headless Chromium for the crawl, started at the first page to render."""

    def __init__(self, folder: Path, proxy: str | None = None) -> None:
        self.folder = folder
        self.proxy = proxy
        self.browser: Any = None
        self.playwright: Any = None
        self.missing: str | None = None

    async def _browser(self) -> Any:
        if self.browser is None and self.missing is None:
            path = chromium_path()
            if path is None:
                self.missing = f"Chromium is not installed ({CHROMIUM}): pages are kept without screenshots"
                log.warning(self.missing)
                return None
            from playwright.async_api import async_playwright

            self.playwright = await async_playwright().start()
            self.browser = await self.playwright.chromium.launch(
                executable_path=path,
                args=["--no-sandbox", "--disable-gpu"],
                proxy={"server": self.proxy} if self.proxy else None,
            )
        return self.browser

    async def render(self, url: str, fp: str) -> dict[str, Any]:
        """Screenshot and rendered text of the page, as paths relative to the crawl's directory."""
        try:
            browser = await self._browser()
            if browser is None:
                return {"render_error": self.missing}
            page = await browser.new_page()
            try:
                await page.goto(url, wait_until="networkidle", timeout=30_000)
                self.folder.mkdir(parents=True, exist_ok=True)
                shot = self.folder / f"{fp}.png"
                text = self.folder / f"{fp}.txt"
                await page.screenshot(path=str(shot), full_page=True)
                text.write_text(await page.inner_text("body"), encoding="utf-8")
            finally:
                await page.close()
        except Exception as exc:
            return {"render_error": f"could not render: {type(exc).__name__}: {str(exc)[:300]}"}
        base = self.folder.name
        return {"screenshot": f"{base}/{fp}.png", "rendered_text": f"{base}/{fp}.txt"}

    def close(self) -> None:
        """Nothing to do synchronously: the browser ends with the crawler process."""
