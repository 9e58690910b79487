"""A customs analyst opens a network in a real browser (Playwright + Debian's Chromium): the server-drawn
graph pans (its frame scrolls) and zooms through the project's own stylesheet under the page's content
policy, without a script, and a click on a member shows why it is there. The whole graph fits its frame at
×1, a zoom level keeps the root (or the asked member) in the middle of the frame, no two names shown cover
each other at any level, and a narrow screen breaks no short word of the member list."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from countermark.core.db import unit_of_work
from countermark.link.store_reads import link_organisation
from countermark.orgs.service import get_organisation_by_name_or_raise
from tests.browser.harness import NEEDS_CHROMIUM, chromium_browser, new_page, served, sign_in, store_in
from tests.browser.seed import Seeded, seed_store
from tests.service.helpers import ingest, write_jsonl
from tests.service.test_link_store import LISTINGS, RING, SHIPMENTS, account

pytestmark = [pytest.mark.slow, NEEDS_CHROMIUM]
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")


# A second, crowded ring: six accounts in a chain of shared e-mails (one held by all would be a hub), each
# with a dozen listings of long titles, whose names compete for room in the graph.
CROWD = [account(f"C{n}", f"crowded-seller-{n}", [f"c{n}@ring-mail.com", f"c{n + 1}@ring-mail.com"])
         for n in range(1, 7)]  # fmt: skip
CROWD_LISTINGS = [
    {"source": "t", "external_id": f"CL{n}-{i}", "platform": "shopmarket",
     "url": f"https://shopmarket.example/c/{n}/{i}", "seller": f"crowded-seller-{n}",
     "title": f"Glimmerhold Anniversary Edition {i} (PC) limited bundle",
     "observed_at": "2025-02-01T10:00:00Z"}
    for n in range(1, 7) for i in range(12)
]  # fmt: skip

# The names shown in the graph as turned rectangles on screen, and the pairs of them that overlap (a
# separating-axis test; touching by less than a pixel is not overlapping).
OVERLAPS = """() => {
  const shown = [...document.querySelectorAll('svg[data-graph-canvas] text')]
    .filter(t => getComputedStyle(t).display !== 'none');
  const boxes = shown.map(t => { const b = t.getBBox(), m = t.getScreenCTM();
    return [[b.x, b.y], [b.x + b.width, b.y], [b.x + b.width, b.y + b.height], [b.x, b.y + b.height]]
      .map(([x, y]) => [m.a * x + m.c * y + m.e, m.b * x + m.d * y + m.f]); });
  const axes = p => [[p[1][0] - p[0][0], p[1][1] - p[0][1]], [p[3][0] - p[0][0], p[3][1] - p[0][1]]];
  const apart = (a, b) => [...axes(a), ...axes(b)].some(([x, y]) => {
    const n = Math.hypot(x, y) || 1, on = q => (q[0] * x + q[1] * y) / n, pa = a.map(on), pb = b.map(on);
    return Math.max(...pa) <= Math.min(...pb) + 1 || Math.max(...pb) <= Math.min(...pa) + 1; });
  const pairs = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++)
    if (!apart(boxes[i], boxes[j])) pairs.push([shown[i].textContent, shown[j].textContent]);
  return {shown: shown.length, pairs};
}"""


@pytest.fixture(scope="module")
def served_networks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Seeded]]:
    """The seeded store with the customs office's ring linked, served on a free local port."""
    tmp = tmp_path_factory.mktemp("networks-browser")
    with store_in(tmp) as ctx:
        seeded = seed_store(ctx, tmp)
        with unit_of_work(ctx.sessions) as session:
            org_id = get_organisation_by_name_or_raise(session=session, name="Douane Roissy").id
        for kind, rows in (("accounts", RING + CROWD), ("listings", LISTINGS + CROWD_LISTINGS),
                           ("shipments", SHIPMENTS)):  # fmt: skip
            ingest(ctx, kind, write_jsonl(Path(tmp) / f"ring-{kind}.jsonl", rows), org_id)
        with unit_of_work(ctx.sessions) as session:
            link_organisation(session=session, owner_org_id=org_id, actor="test")
        with served(ctx) as base:
            yield base, seeded


@pytest.fixture
def page() -> Iterator[Any]:
    with chromium_browser() as browser, new_page(browser) as tab:
        yield tab


def test_the_network_graph_pans_zooms_and_explains_a_member(
    page: Any, served_networks: tuple[str, Seeded]
) -> None:
    base, seeded = served_networks
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    sign_in(page, base, seeded.customs_analyst, seeded.password)
    page.goto(f"{base}/networks?group=networks")
    page.locator("table a.mono").first.click()
    canvas = page.locator("svg[data-graph-canvas]")
    frame = page.locator(".graph-viewport")
    width = canvas.bounding_box()["width"]
    page.get_by_text("×2.5", exact=True).click()
    assert canvas.bounding_box()["width"] > 2 * width  # the served stylesheet applies under the page's policy
    panned = frame.evaluate(
        "element => { element.scrollLeft = 300; element.scrollTop = 200; return element.scrollLeft; }"
    )
    assert panned > 0
    page.get_by_text("×1", exact=True).click()
    assert abs(canvas.bounding_box()["width"] - width) < 2
    page.locator("svg[data-graph-canvas] a").last.click()
    page.wait_for_url("**member=*")
    assert "—" in page.locator("#why").inner_text()
    assert errors == []


def _centre(box: dict[str, float]) -> tuple[float, float]:
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def test_the_whole_graph_fits_at_x1_zoom_keeps_the_middle_and_names_never_overlap(
    page: Any, served_networks: tuple[str, Seeded]
) -> None:
    base, seeded = served_networks
    sign_in(page, base, seeded.customs_analyst, seeded.password)
    page.goto(f"{base}/networks?group=networks")
    page.locator("table a.mono").first.click()  # the crowded ring: the largest network
    canvas = page.locator("svg[data-graph-canvas]")
    frame = page.locator(".graph-viewport")
    assert canvas.locator("text").count() > 60
    # ×1: the whole drawing inside the frame, nothing to scroll to.
    inside, whole = frame.bounding_box(), canvas.bounding_box()
    top, bottom = inside["y"] - 1, inside["y"] + inside["height"] + 1
    left, right = inside["x"] - 1, inside["x"] + inside["width"] + 1
    assert top <= whole["y"] and whole["y"] + whole["height"] <= bottom
    assert left <= whole["x"] and whole["x"] + whole["width"] <= right
    assert frame.evaluate("e => e.scrollHeight <= e.clientHeight + 1 && e.scrollWidth <= e.clientWidth + 1")
    root = canvas.locator("g.graph-node").first.locator("a > *").first  # members are drawn root first
    shown = []
    for level in ("1", "2", "3", "4"):
        page.locator(f"label[for=graph-zoom-{level}]").click()
        page.wait_for_timeout(200)
        found = page.evaluate(OVERLAPS)
        assert found["pairs"] == [], (level, found["pairs"][:5])
        shown.append(found["shown"])
        if level != "1":
            # The root stays in the middle of the frame (the drawing's origin, far from its edges).
            (x, y), (mx, my) = _centre(root.bounding_box()), _centre(frame.bounding_box())
            assert abs(x - mx) < 0.1 * inside["width"] and abs(y - my) < 0.1 * inside["height"], level
    assert shown == sorted(shown) and shown[-1] > shown[0]  # more names with room as one zooms in
    # A member asked for stays in view as one zooms in (the frame centres on it as far as it can).
    canvas.locator("g.graph-node a").nth(40).click()
    page.wait_for_url("**member=*")
    page.locator("label[for=graph-zoom-4]").click()
    page.wait_for_timeout(200)
    asked, seen = page.locator(".graph-asked").bounding_box(), frame.bounding_box()
    x, y = _centre(asked)
    assert seen["x"] < x < seen["x"] + seen["width"] and seen["y"] < y < seen["y"] + seen["height"]


def test_a_narrow_screen_breaks_no_short_word_of_the_member_list(served_networks: tuple[str, Seeded]) -> None:
    base, seeded = served_networks
    with chromium_browser() as browser, new_page(browser) as tab:
        tab.set_viewport_size({"width": 390, "height": 844})
        sign_in(tab, base, seeded.customs_analyst, seeded.password)
        tab.goto(f"{base}/networks?group=networks&lang=fr")
        tab.locator("table a.mono").first.click()
        kinds = tab.locator("table tbody tr td:nth-child(2)")
        assert kinds.count() > 20
        for cell in kinds.all()[:30]:
            # One line each: a kind is a word or two, never broken inside ("comp/te").
            lines = cell.evaluate(
                "e => { const r = document.createRange(); r.selectNodeContents(e); "
                "return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size; }"
            )
            assert lines == 1, cell.inner_text()
        tab.goto(f"{base}/networks?group=networks&lang=fr")
        counts = tab.locator("table tbody tr").first.locator("td").nth(3)
        # Each count by kind on one line of its own ("73 annonces", never "73 anno/nces").
        assert counts.locator("span").count() >= 2
        for span in counts.locator("span").all():
            assert span.evaluate("e => e.getClientRects().length") == 1, span.inner_text()
