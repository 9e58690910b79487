"""No page has a serious or critical accessibility violation, as axe-core judges it (issue 18).

axe-core comes inside the axe-playwright-python package (its axe.min.js is injected into the page), so
nothing is downloaded at run time. The walk is the one the layout test makes: every page the navigation
links to and the first record linked from each, as a rights holder and as a customs analyst, in English
and in French, plus the dashboards page. Moderate and minor findings are reported by axe but do not fail
the test. The store also holds an overdue case, a new consumer report and an inspection, so the home
page's work queue has items to open and the dashboards a chart; the queue is worked from the keyboard
alone: Tab to the next item, Enter, and back.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.harness import NEEDS_CHROMIUM, new_page, served, sign_in, store_in
from tests.browser.seed import Seeded, seed_store, seed_work_waiting

pytestmark = [pytest.mark.slow, NEEDS_CHROMIUM]
pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
axe_module = pytest.importorskip("axe_playwright_python.sync_playwright",
                                 reason="axe-playwright-python (which ships axe-core) is not installed")

KINDS = "listings|accounts|shipments|rights|products|recordals|cases|targeting|codes"
DETAIL = re.compile(rf"^/({KINDS})/[\w-]+$")
HREFS = "els => els.map(e => e.getAttribute('href'))"
BLOCKING = {"serious", "critical"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Seeded]]:
    tmp = tmp_path_factory.mktemp("a11y")
    with store_in(tmp) as ctx:
        seeded = seed_store(ctx, tmp)
        seed_work_waiting(ctx)
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


def _blocking(results: Any) -> list[str]:
    """One line per serious or critical violation: the rule, its impact and the first offending nodes."""
    lines = []
    for violation in results.response.get("violations", []):
        if violation.get("impact") in BLOCKING:
            targets = [" ".join(map(str, node.get("target", []))) for node in violation.get("nodes", [])[:3]]
            lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} at {targets}")
    return lines


@pytest.mark.parametrize("who", ["brand_admin", "customs_analyst"])
def test_no_serious_or_critical_axe_violation(chromium: Any, server: tuple[str, Seeded], who: str) -> None:
    base, seeded = server
    axe = axe_module.Axe()
    found: list[str] = []
    with new_page(chromium, width=1280) as tab:
        sign_in(tab, base, getattr(seeded, who), seeded.password)
        paths = [*_pages(tab, base), "/dashboards"]
        assert len(paths) >= 10, paths
        # The markup is the same in every language: each role's walk is in a different one (EN, FR).
        for lang in ("en",) if who == "brand_admin" else ("fr",):
            for path in paths:
                tab.goto(f"{base}{path}{'&' if '?' in path else '?'}lang={lang}")
                found += [f"{path} in {lang}: {line}" for line in _blocking(axe.run(tab))]
    assert not found, "accessibility violations:\n" + "\n".join(found)


def test_axe_reports_a_violation_it_should(chromium: Any, server: tuple[str, Seeded]) -> None:
    """The check itself can fail: an image without alternative text is a critical violation."""
    base, _ = server
    with new_page(chromium) as tab:
        tab.goto(f"{base}/login")
        tab.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=\"/x.png\">')")
        assert any(line.startswith("image-alt") for line in _blocking(axe_module.Axe().run(tab)))


def _tab_to(tab: Any, href: str, presses: int = 80) -> None:
    """Press Tab until the link to href has the focus (as a keyboard user would)."""
    for _ in range(presses):
        tab.keyboard.press("Tab")
        if tab.evaluate("document.activeElement && document.activeElement.getAttribute('href')") == href:
            return
    pytest.fail(f"no keyboard focus reaches {href}")


@pytest.mark.parametrize(("who", "queue", "item"), [
    ("brand_admin", "consumer_reports", r"/codes/reports/\d+$"),
    ("brand_admin", "deadlines_overdue", r"/cases/\d+$"),
    ("customs_analyst", "deadlines_overdue", r"/cases/\d+$"),
])
def test_the_work_queue_works_from_the_keyboard(
    chromium: Any, server: tuple[str, Seeded], who: str, queue: str, item: str
) -> None:
    base, seeded = server
    with new_page(chromium) as tab:
        sign_in(tab, base, getattr(seeded, who), seeded.password)
        tab.goto(f"{base}/?lang=fr")
        _tab_to(tab, f"/queue/{queue}/next")
        tab.keyboard.press("Enter")
        tab.wait_for_url(re.compile(item))
        assert tab.locator("h1").count() == 1
        tab.go_back()
        tab.wait_for_url(re.compile(r"/\?lang=fr$"))
        assert tab.locator("#queue-title").is_visible()
