"""Site templates through ingestion and the store's linking: a web shop's saved page gives its template
(a marketplace's page does not); two shops that share one are tied only when something else corroborates
it, and the network's edge says "same site template"."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from sqlalchemy import select

from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.link.models import LinkEdge
from countermark.link.store_reads import link_organisation
from countermark.observe.identifier_service import identifiers_of
from countermark.observe.models import Listing
from countermark.observe.templates import page_template
from countermark.sim.themes import Theme, custom_theme, frame, stock_theme
from tests.service.helpers import ingest, make_org, write_jsonl


def _page(theme: Theme, shop: str, title: str) -> str:
    return frame(
        theme,
        lang="en",
        title=title,
        shop_name=shop,
        main=f"<div class='item'><h1>{title}</h1></div>",
        about="Factory direct",
        contacts=[],
    )


def _load(store: AppContext, tmp_path: Path, org: int, themes: dict[str, Theme]) -> None:
    accounts: list[dict[str, Any]] = []
    listings: list[dict[str, Any]] = []
    for n, (handle, theme) in enumerate(sorted(themes.items()), start=1):
        platform = "shopmarket" if handle.startswith("market-") else "web"
        accounts.append({"source": "t", "external_id": f"A{n}", "platform": platform, "handle": handle})
        page = tmp_path / "pages" / f"{handle}.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(_page(theme, handle, f"Bag {n}"), encoding="utf-8")
        listings.append(
            {"source": "t", "external_id": f"L{n}", "platform": platform, "url": f"https://{handle}/p/{n}",
             "title": f"Bag {n}", "seller": handle, "observed_at": "2025-02-01T10:00:00Z",
             "snapshot": f"pages/{handle}.html"}
        )  # fmt: skip
    ingest(store, "accounts", write_jsonl(tmp_path / "accounts.jsonl", accounts), org)
    report = ingest(store, "listings", write_jsonl(tmp_path / "listings.jsonl", listings), org)
    assert report.rejected == 0, report.rejects


def _templates(store: AppContext) -> dict[str, set[str]]:
    with unit_of_work(store.sessions) as session:
        found: dict[str, set[str]] = {}
        for listing in session.scalars(select(Listing)):
            found[listing.seller_handle or ""] = {
                value
                for kind, value, _ in identifiers_of(
                    session=session, subject_type="listing", subject_id=listing.id
                )
                if kind == "site_template"
            }
        return found


def _edges(store: AppContext, org: int) -> list[tuple[str, str]]:
    with unit_of_work(store.sessions) as session:
        link_organisation(session=session, owner_org_id=org, actor="test")
        return [(e.evidence, e.detail) for e in session.scalars(select(LinkEdge))]


def test_a_shared_template_corroborates_a_domain_family(store: AppContext, tmp_path: Path) -> None:
    org = make_org(store)
    own = custom_theme(random.Random(5))
    _load(
        store,
        tmp_path,
        org,
        {
            "luxbags-paris.example": own,
            "luxbags-outlet.example": own,
            "market-seller": own,  # a marketplace's page is the platform's: no template is read from it
            "solo-shop.example": stock_theme("aurora"),
        },
    )
    templates = _templates(store)
    expected = page_template(_page(own, "x", "y"))
    assert templates["luxbags-paris.example"] == templates["luxbags-outlet.example"] == {expected}
    assert templates["market-seller"] == set()
    assert templates["solo-shop.example"] == {page_template(_page(stock_theme("aurora"), "x", "y"))}
    edges = _edges(store, org)
    assert ("exact:site_template", f"site_template {expected}") in edges
    assert any(evidence == "domain:family" for evidence, _ in edges)


def test_a_family_of_domains_on_two_themes_is_not_enough(store: AppContext, tmp_path: Path) -> None:
    org = make_org(store)
    _load(
        store,
        tmp_path,
        org,
        {"luxbags-paris.example": stock_theme("aurora"), "luxbags-outlet.example": stock_theme("kiosk")},
    )
    assert _edges(store, org) == []
