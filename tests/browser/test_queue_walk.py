"""Each role works its queue in each language (issue #18): from the home page's "what needs you today",
"open the next one" leads to the item, where the action is (a form to act with), and the navigation leads
back. Every page on the way is in the reader's language (no English interface string left on a French or
Chinese page) and fits 390, 1024 and 1440 px without sideways scrolling. Set COUNTERMARK_SCREENSHOTS to
keep a screenshot of the home page and of each item at each width.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.harness import NEEDS_CHROMIUM, new_page, served, sign_in, store_in, untranslated
from tests.browser.seed import Seeded, seed_store, seed_work_waiting

pytestmark = [pytest.mark.slow, NEEDS_CHROMIUM]
pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")

SCREENSHOTS = os.environ.get("COUNTERMARK_SCREENSHOTS")
WIDTHS = (390, 1024, 1440)
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
NEXT_LINKS = "main a[href^='/queue/'][href$='/next']"
# A form that acts on the item: it posts, carries the session's CSRF token and has a button to press.
ACTIONS = "main form[method='post' i]:has(input[name='csrf_token']):has(button, input[type='submit'])"
DASHBOARD = {"en": "Dashboard", "fr": "Tableau de bord", "zh": "仪表板"}
MAIN_NAV = {"en": "Main", "fr": "Navigation principale", "zh": "主导航"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Seeded]]:
    tmp = tmp_path_factory.mktemp("queue-walk")
    with store_in(tmp) as ctx:
        seeded = seed_store(ctx, tmp)
        seed_work_waiting(ctx)
        with served(ctx) as base:
            yield base, seeded


def _look(tab: Any, where: str, lang: str, problems: list[str], shot: str) -> None:
    """The page in the reader's language at every width; a screenshot of each when asked."""
    problems += [f"{where} in {lang}: untranslated {text!r}" for text in untranslated(tab, lang)]
    for width in WIDTHS:
        tab.set_viewport_size({"width": width, "height": 900})
        overflow = tab.evaluate(OVERFLOW)
        if overflow > 0:
            problems.append(f"{where} at {width}px in {lang}: scrolls sideways by {overflow}px")
        if SCREENSHOTS:
            Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
            tab.screenshot(path=str(Path(SCREENSHOTS) / f"queue-{shot}-{lang}-w{width}.png"), full_page=True)
    tab.set_viewport_size({"width": 1280, "height": 900})


@pytest.mark.parametrize("lang", ["en", "fr", "zh"])
@pytest.mark.parametrize(("who", "least"), [("brand_admin", 2), ("customs_analyst", 2)])
def test_each_role_works_its_queue_to_an_action_and_back_in_each_language(
    chromium: Any, server: tuple[str, Seeded], who: str, least: int, lang: str
) -> None:
    base, seeded = server
    problems: list[str] = []
    with new_page(chromium) as tab:
        sign_in(tab, base, getattr(seeded, who), seeded.password)
        tab.goto(f"{base}/?lang={lang}")
        _look(tab, "/", lang, problems, f"{who}-home")
        queues = tab.eval_on_selector_all(NEXT_LINKS, "els => els.map(e => e.getAttribute('href'))")
        assert len(queues) >= least, queues  # the seeded work shows in this role's queue
        for href in queues:
            tab.locator(f"main a[href='{href}']").click()
            tab.wait_for_url(re.compile(r"^https?://[^/]+/(?!queue/)[^?]+"))  # off the home page
            item = tab.url.removeprefix(base)
            assert tab.locator("h1").count() == 1, item
            assert tab.locator(ACTIONS).count() >= 1, f"{href} led to {item}, where there is nothing to do"
            _look(tab, item, lang, problems, f"{who}-{href.split('/')[2]}")
            nav = tab.get_by_role("navigation", name=MAIN_NAV[lang])
            nav.get_by_role("link", name=DASHBOARD[lang], exact=True).click()
            tab.wait_for_url(re.compile(r"/(\?.*)?$"))
            assert tab.locator("#queue-title").is_visible()
    assert not problems, "\n".join(problems)


def test_the_check_finds_an_english_string_on_a_french_page(
    chromium: Any, server: tuple[str, Seeded]
) -> None:
    """The untranslated-string check can fail: an English interface string put on a French page is found."""
    base, seeded = server
    with new_page(chromium) as tab:
        sign_in(tab, base, seeded.brand_admin, seeded.password)
        tab.goto(f"{base}/?lang=fr")
        assert untranslated(tab, "fr") == []
        add = "document.querySelector('main').insertAdjacentHTML('beforeend', '<p>Open the next one</p>')"
        tab.evaluate(add)
        assert untranslated(tab, "fr") == ["Open the next one"]
