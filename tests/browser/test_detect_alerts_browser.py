"""Reviewing detection alerts with the keyboard only, in a real browser (Playwright + Debian's Chromium)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from countermark.core.db import unit_of_work
from countermark.detect.models import DetectionAlert
from countermark.detect.stored_service import register_model
from countermark.ingest.readers import RawRow
from countermark.ingest.service import ingest_rows
from countermark.orgs.service import get_organisation_by_name_or_raise
from tests.browser.harness import NEEDS_CHROMIUM, served, sign_in, store_in
from tests.browser.seed import Seeded, seed_store
from tests.unit.test_detect_engine import tiny_model

pytestmark = [pytest.mark.slow, NEEDS_CHROMIUM]
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")


@pytest.fixture(scope="module")
def served_alerts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Seeded]]:
    """The seeded store with a registered model and three alerted listings of Maison Aurel."""
    tmp = tmp_path_factory.mktemp("alerts-browser")
    with store_in(tmp) as ctx:
        seeded = seed_store(ctx, tmp)
        with unit_of_work(ctx.sessions) as session:
            register_model(session=session, blobs=ctx.blobs, model=tiny_model())
            org_id = get_organisation_by_name_or_raise(session=session, name="Maison Aurel").id
            rows = [
                RawRow(i, {"source": "kb", "external_id": f"K-{i}", "platform": "shopmarket",
                           "url": f"https://shopmarket.example/k{i}", "title": "Kel0ndo Ondine replica",
                           "price": 20 + i, "currency": "EUR", "seller": f"fakes{i}",
                           "observed_at": "2026-05-01T10:00:00Z"})
                for i in range(3)
            ]  # fmt: skip
            ingest_rows(session=session, blobs=ctx.blobs, kind="listings", rows=rows, owner_org_id=org_id,
                        actor="t", label="t")  # fmt: skip
            assert len(session.scalars(select(DetectionAlert.id)).all()) >= 3
        with served(ctx) as base:
            yield base, seeded


def test_an_analyst_reviews_alerts_with_the_keyboard_only(
    page: Any, served_alerts: tuple[str, Seeded]
) -> None:
    base, seeded = served_alerts
    sign_in(page, base, seeded.brand_admin, seeded.password)
    page.goto(f"{base}/alerts")
    page.get_by_role("link", name=re.compile(r"Alert #\d+")).first.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/alerts/\d+"))
    first = page.url
    assert "j next alert" in page.locator("#alert-keys").inner_text()
    assert page.locator("#alert-live").get_attribute("aria-live") == "polite"
    page.keyboard.press("j")
    page.wait_for_url(lambda url: url != first)
    second = page.url
    page.keyboard.press("k")
    page.wait_for_url(first)
    # Typing in a field does not trigger a shortcut.
    page.get_by_label("Reason").first.focus()
    page.keyboard.press("d")
    assert page.url == first
    page.keyboard.press("Tab")  # on to a button: shortcuts work again
    page.keyboard.press("d")
    page.wait_for_url(second.split("?")[0] + "*")
    page.goto(first)
    assert "dismissed" in page.locator(".page-head").inner_text()
    with page.expect_navigation():
        page.keyboard.press("c")
    page.goto(first)
    assert "confirmed" in page.locator(".page-head").inner_text()
    assert page.get_by_role("link", name=re.compile(r"Case #\d+")).count() >= 1
