"""The alert queue and a case's forms as a phone and a laptop show them, in a real browser (Playwright +
Debian's Chromium): findings of a browser walk.

At 390 px the queue's Reasons column was 78 px wide with a 40 px bullet indent, so a row grew 2,000 px tall;
at 1280 px in French a brand or a seller's name broke inside a word. The case page's "Generate a notice"
and "Add evidence" forms had no style: labels and fields ran together and the notice-type select overflowed
its panel at 390 px.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from countermark.cases.intake_service import open_from_listing
from countermark.core.clock import utcnow
from countermark.core.db import unit_of_work
from countermark.detect.stored_service import register_model
from countermark.ingest.readers import RawRow
from countermark.ingest.service import ingest_rows
from countermark.observe.models import Listing
from countermark.orgs.service import get_organisation_by_name_or_raise
from countermark.orgs.visibility import Principal
from tests.browser.harness import NEEDS_CHROMIUM, new_page, served, sign_in, store_in
from tests.browser.seed import Seeded, seed_store
from tests.unit.test_detect_engine import tiny_model

pytestmark = [pytest.mark.slow, NEEDS_CHROMIUM]
pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")

SELLERS = ("glimmerholdofficialstore", "outletdailystore", "fakes")
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
# The text of each cell of the column headed `label`, and how many lines it takes (a one-word name broken
# inside takes two or more).
LINES = """label => {
  const heads = Array.from(document.querySelectorAll("table thead th"));
  const column = heads.find(th => th.textContent.trim() === label).cellIndex;
  return Array.from(document.querySelectorAll("table tbody tr")).map(tr => tr.cells[column]).map(td => {
    const range = document.createRange(); range.selectNodeContents(td);
    const tops = new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top)));
    return [td.textContent.trim(), tops.size];
  });
}"""
FIELDS = "select, textarea, input:not([type=hidden]):not([type=checkbox])"
WIDTHS = "lists => lists.map(l => l.getBoundingClientRect().width)"
BOX = "e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; }"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Seeded, int]]:
    """The seeded store with a registered model, three alerted listings of Maison Aurel and a case."""
    tmp = tmp_path_factory.mktemp("review-layout")
    with store_in(tmp) as ctx:
        seeded = seed_store(ctx, tmp)
        with unit_of_work(ctx.sessions) as session:
            register_model(session=session, blobs=ctx.blobs, model=tiny_model())
            org_id = get_organisation_by_name_or_raise(session=session, name="Maison Aurel").id
            rows = [
                RawRow(i, {"source": "rv", "external_id": f"RV-{i}", "platform": "shopmarket",
                           "url": f"https://shopmarket.example/rv{i}",
                           "title": "Kel0ndo Ondine replica, top quality 1:1 copy, fast shipping",
                           "price": 20 + i, "currency": "EUR", "seller": seller, "ships_from": "CN",
                           "language": "en", "observed_at": "2026-05-01T10:00:00Z"})
                for i, seller in enumerate(SELLERS)
            ]  # fmt: skip
            report = ingest_rows(session=session, blobs=ctx.blobs, kind="listings", rows=rows,
                                 owner_org_id=org_id, actor="t", label="t")  # fmt: skip
            assert report.rejected == 0, report.rejects
            brand = Principal(org_id=org_id, scopes=frozenset({"read", "write"}), email=seeded.brand_admin)
            listing_id = session.scalar(select(Listing.id).where(Listing.external_id == "RV-0"))
            assert listing_id is not None
            case = open_from_listing(session=session, principal=brand, listing_id=listing_id, at=utcnow(),
                                     actor=seeded.brand_admin)  # fmt: skip
            case_id = case.id
        with served(ctx) as base:
            yield base, seeded, case_id


def test_the_alert_queue_reads_on_a_phone_and_keeps_names_whole_on_a_laptop(
    chromium: Any, server: tuple[str, Seeded, int]
) -> None:
    base, seeded, _ = server
    with new_page(chromium, width=1280) as tab:
        sign_in(tab, base, seeded.brand_admin, seeded.password)
        tab.goto(f"{base}/alerts?lang=fr")
        cells = tab.evaluate(LINES, "Vendeur") + tab.evaluate(LINES, "Marque")
        assert {name for name, _ in cells} >= set(SELLERS), cells
        broken = [name for name, lines in cells if lines > 1 and " " not in name]
        assert not broken, f"names broken inside a word at 1280 px: {broken}"
        tab.set_viewport_size({"width": 390, "height": 900})
        for lang in ("fr", "en"):
            tab.goto(f"{base}/alerts?lang={lang}")
            assert tab.evaluate(OVERFLOW) <= 0
            rows = tab.eval_on_selector_all("table tbody tr", "rows => rows.map(r => r.offsetHeight)")
            assert len(rows) >= 3 and max(rows) < 700, rows
            reasons = tab.eval_on_selector_all("td ul", WIDTHS)
            assert reasons and min(reasons) > 250, reasons
            # Each cell is led by its column's name, the table's head being hidden on a phone.
            label = tab.eval_on_selector("td[data-label]", "td => getComputedStyle(td, '::before').content")
            assert label == '"Score"'


@pytest.mark.parametrize("width", [390, 1280])
def test_the_case_pages_forms_stack_their_labels_above_full_width_fields(
    chromium: Any, server: tuple[str, Seeded, int], width: int
) -> None:
    base, seeded, case_id = server
    with new_page(chromium, width=width) as tab:
        sign_in(tab, base, seeded.brand_admin, seeded.password)
        tab.goto(f"{base}/cases/{case_id}?lang=fr")
        assert tab.evaluate(OVERFLOW) <= 0
        for form in tab.locator("form.stack-form").all():
            left, _, right, _ = form.evaluate(BOX)
            panel = form.evaluate("f => f.closest('.panel').getBoundingClientRect().right")
            assert right <= panel + 0.5
            for field in form.locator(FIELDS).all():
                f_left, f_top, f_right, _ = field.evaluate(BOX)
                name = field.get_attribute("name")
                # The field starts where the form starts, below its label, as wide as the form, inside it.
                assert abs(f_left - left) < 1 and f_right <= right + 0.5, (name, f_left, f_right, left, right)
                assert f_right - f_left > 0.95 * (right - left), (name, f_right - f_left, right - left)
                label_top = field.evaluate("e => e.closest('label').getBoundingClientRect().top")
                assert f_top > label_top + 8, name
        kind = tab.locator("select[name=kind]")
        panel_right = kind.evaluate("e => e.closest('.panel').getBoundingClientRect().right")
        assert kind.evaluate(BOX)[2] <= panel_right, "the notice type overflows its panel"
        explanation = tab.locator("textarea[name=explanation]").evaluate(BOX)
        assert explanation[3] - explanation[1] >= 100
        assert re.search(r"\d", tab.locator("form.stack-form p").first.inner_text())
