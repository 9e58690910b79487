"""Every page fits a phone (390 px), a laptop (1024 px) and a desktop (1440 px) without sideways scrolling.

Issue #18: the dashboard's recent-activity table spilled out of its panel at 1440 px and scrolled the page
sideways at 1024 px; at 390 px the case timeline and the clone alerts overflowed. Tables may scroll inside
their own box; the page itself never does. The walk covers every page the navigation links to and the
first record of each list, as a rights holder and as a customs analyst, in French (longer words) at
every width and in English at the narrowest; no French page shows an English interface string. Set
COUNTERMARK_SCREENSHOTS to keep a screenshot of each page at each width.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.harness import NEEDS_CHROMIUM, new_page, served, sign_in, store_in, untranslated
from tests.browser.seed import Seeded, seed_store

pytestmark = [pytest.mark.slow, NEEDS_CHROMIUM]
pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")

SCREENSHOTS = os.environ.get("COUNTERMARK_SCREENSHOTS")
WIDTHS = (390, 1024, 1440)
KINDS = "listings|accounts|shipments|rights|products|recordals|cases|targeting|codes"
DETAIL = re.compile(rf"^/({KINDS})/[\w-]+$")
HREFS = "els => els.map(e => e.getAttribute('href'))"
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Seeded]]:
    tmp = tmp_path_factory.mktemp("layout")
    with store_in(tmp) as ctx:
        seeded = seed_store(ctx, tmp)
        with served(ctx) as base:
            yield base, seeded


def _pages(tab: Any, base: str) -> list[str]:
    """The navigation's pages and the first record linked from each."""
    tab.goto(f"{base}/")
    nav = list(tab.eval_on_selector_all("nav a[href^='/']", HREFS))
    pages = list(dict.fromkeys(h.split("?")[0] for h in nav if h and not h.startswith("/logout")))
    details: list[str] = []
    for path in pages:
        tab.goto(f"{base}{path}")
        links = tab.eval_on_selector_all("main a[href^='/']", HREFS)
        first = next((h for h in links if DETAIL.match(h.split("?")[0].split("#")[0])), None)
        if first:
            details.append(first.split("#")[0])
    return list(dict.fromkeys(pages + details))


@pytest.mark.parametrize("who", ["brand_admin", "customs_analyst"])
def test_no_page_scrolls_sideways_at_any_width(chromium: Any, server: tuple[str, Seeded], who: str) -> None:
    base, seeded = server
    wide: list[str] = []
    with new_page(chromium, width=1440) as tab:
        sign_in(tab, base, getattr(seeded, who), seeded.password)
        paths = _pages(tab, base)
        assert len(paths) >= 10, paths
        for width in WIDTHS:
            tab.set_viewport_size({"width": width, "height": 900})
            # French has the longest words at every width; English is checked where space is tightest.
            for lang in ("fr", "en") if width == WIDTHS[0] else ("fr",):
                for path in paths:
                    tab.goto(f"{base}{path}{'&' if '?' in path else '?'}lang={lang}")
                    overflow = tab.evaluate(OVERFLOW)
                    if overflow > 0:
                        wide.append(f"{path} at {width}px in {lang}: {overflow}px")
                    if width == WIDTHS[-1]:  # the words do not change with the width: read them once
                        wide += [f"{path} in {lang}: untranslated {t!r}" for t in untranslated(tab, lang)]
                    if SCREENSHOTS and lang == "fr":
                        name = re.sub(r"[^\w]+", "-", path).strip("-") or "home"
                        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
                        shot = Path(SCREENSHOTS) / f"w{width}-{who}-{name}.png"
                        tab.screenshot(path=str(shot), full_page=True)
    assert not wide, "pages scroll sideways or show English:\n" + "\n".join(wide)
