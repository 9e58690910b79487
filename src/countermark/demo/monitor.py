"""The demo's crawl of the served synthetic world: one monitor source per platform, profiles written from
the sites' published structure (docs/sites.md), the dark-web market through the SOCKS5 stand-in.

The top floor composes here: it starts the served world (sim), adds the sources (monitor) and runs them.
The demo's online listings and sellers are what this crawl finds (`crawl_online`, in place of the world's
files); they are ingested with the world's own keys (`data-listing-ref`, `data-account-ref` under source
`sim`) so later steps and the evaluation speak of the same records as the world's truth.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.ingest.service import IngestReport
from countermark.monitor.absorb_service import AbsorbReport
from countermark.monitor.models import CrawlRun
from countermark.monitor.run_service import crawl_and_absorb, create_run
from countermark.monitor.source_service import create_source

WORLD_SOURCE = "sim"
TRACKING = [(r"[?&](utm_source|utm_medium|utm_campaign|ref|xtor|igsh|variant)=[^&#]*", ""), (r"\?&", "?")]
COMMON: dict[str, Any] = {
    "listing_marker": "[data-listing-ref]",
    "seller_marker": "[data-account-ref]",
    "external_id": "[data-listing-ref]::attr(data-listing-ref)",
    "seller": "[data-seller-handle]::attr(data-seller-handle)",
    "seller_external_id": "[data-account-ref]::attr(data-account-ref)",
    "price": "[data-amount]::attr(data-amount)",
    "currency": "[data-currency]::attr(data-currency)",
    "normalise": TRACKING,
    "deny": [r"/cart", r"/checkout", r"/login", r"/account", r"/compte/", r"/admin/", r"/api/private/"],
    # Past 400 pages of one shape a list is a trap (ShopMarket's endless "next", Trendora's calendar);
    # listing and seller pages, named by each profile's `listing_url` and `seller_url`, are never capped:
    # a marketplace of a medium world sells more than 400 (the cap stopped its first crawl at 400).
    "max_per_pattern": 400,
}


def _profile(**fields: Any) -> dict[str, Any]:
    return {**COMMON, **fields}


def world_sources(
    hosts: dict[str, str],
    shop_hosts: list[str],
    http_proxy: str,
    socks_proxy: str,
    *,
    concurrency: int = 8,
    ingest_source: str | None = WORLD_SOURCE,
) -> list[tuple[str, str, dict[str, Any]]]:
    """(name, platform, configuration) of each source of the served world."""
    # The sites refuse more than 100 requests a second to one host (429, Retry-After: 1, docs/sites.md):
    # 90 a second stays under it instead of being told, now and then, to wait a whole second. (At 95, the
    # site counted up to 102 in a second now and then: it counts a request when one of its threads gets
    # to it, tens of milliseconds after it was sent on a busy machine.)
    polite = {
        "concurrency_per_host": concurrency,
        "requests_per_second": 90,
        "backoff_seconds": 0.2,
        "max_wait_seconds": 5,
    }
    base = {"proxy": http_proxy, "politeness": polite, "ingest_source": ingest_source, "max_pages": 50_000}
    shop = hosts["ShopMarket"]
    bazario = hosts["Bazario"]
    trendora = hosts["Trendora"]
    pixelgram = hosts["Pixelgram"]
    onion = hosts["ShadowBazaar"]
    return [
        (
            "ShopMarket crawl",
            "ShopMarket",
            {
                **base,
                "start_urls": [f"http://{shop}/catalogue?page=1"],
                "profile": _profile(
                    listing_url=r"/item/[^/?#]+$",
                    seller_url=r"/seller/[^/?#]+$",
                    title="h1.item-title::text",
                    description=".description ::text",
                    ships_from=".ships-from::text",
                    images=".gallery img::attr(src)",
                    seller_handle="p.seller-handle::text",
                    seller_name="h1.seller-name::text",
                    seller_country=".country::text",
                    seller_joined=".joined::text",
                    seller_contacts="p.contact::text",
                    seller_bio=".bio ::text",
                    deny=[*COMMON["deny"], r"/catalogue\?page=\d{3,}", r"/search"],
                ),
            },
        ),
        (
            "Bazario crawl",
            "Bazario",
            {
                **base,
                "start_urls": [f"http://{bazario}/list?offset=0&limit=100"],
                "profile": _profile(
                    listing_url=r"/goods/[^/?#]+\.html$",
                    seller_url=r"/store/[^/?#]+$",
                    title="h1.goods-title::text",
                    description=".goods-desc ::text",
                    ships_from=".ship-from::text",
                    images=".goods-images img::attr(src)",
                    seller_handle="p.store-handle::text",
                    seller_name="h1.store-name::text",
                    seller_country=".country::text",
                    seller_joined=".joined::text",
                    seller_contacts="p.contact::text",
                    seller_bio=".bio ::text",
                    normalise=[*TRACKING, (r"/m/goods/", "/goods/")],
                    deny=[*COMMON["deny"], r"/search"],
                ),
            },
        ),
        (
            "Trendora crawl",
            "Trendora",
            {
                **base,
                "start_urls": [f"http://{trendora}/annonces"],
                "profile": _profile(
                    listing_url=r"/annonce/\d+$",
                    seller_url=r"/profil/[^/?#]+$",
                    title="h1.titre::text",
                    description=".texte ::text",
                    ships_from=".expedition::text",
                    images=".photos img::attr(src)",
                    seller_handle="p.identifiant::text",
                    seller_name="h1.pseudo::text",
                    seller_country=".pays::text",
                    seller_joined=".inscrit::text",
                    seller_contacts="p.contact::text",
                    seller_bio=".bio ::text",
                    deny=[*COMMON["deny"], r"/agenda/", r"/recherche"],
                ),
            },
        ),
        (
            "Pixelgram crawl",
            "Pixelgram",
            {
                **base,
                "start_urls": [f"http://{pixelgram}/explore"],
                "profile": _profile(
                    listing_url=r"/p/[^/?#]+$",
                    follow=["a::attr(href)", "[data-next]::attr(data-next)"],
                    title="meta[property='og:title']::attr(content)",
                    description=".caption ::text",
                    ships_from=".ships-from::text",
                    images="img.post-image::attr(src)",
                    seller_handle="p.handle::text",
                    seller_name="h1.display-name::text",
                    seller_country=".country::text",
                    seller_joined=".joined::text",
                    seller_contacts="p.contact::text",
                    seller_bio=".bio ::text",
                    deny=[*COMMON["deny"], r"/search", r"/api/search"],
                ),
            },
        ),
        (
            "Web shops crawl",
            "web",
            {
                **base,
                # Over TLS, through the proxy's CONNECT tunnels: each page's certificate is recorded.
                "start_urls": [f"https://{h}/" for h in shop_hosts],
                "profile": _profile(
                    listing_url=r"/products/[^/?#]+$",
                    title="h1.product-title::text",
                    description=".product-description ::text",
                    ships_from=".ships-from::text",
                    images=".product-images img::attr(src)",
                    seller_name="h1.shop-name::text",
                    seller_country=".country::text",
                    seller_joined=".since::text",
                    seller_bio=".shop-about ::text",
                    seller_contacts="footer p.contact::text",
                    deny=[*COMMON["deny"], r"/search"],
                ),
            },
        ),
        (
            "ShadowBazaar crawl",
            "ShadowBazaar",
            {
                **base,
                "proxy": socks_proxy,
                "start_urls": [f"http://{onion}/"],
                "profile": _profile(
                    listing_url=r"/listing/[^/?#]+$",
                    seller_url=r"/vendor/[^/?#]+$",
                    title="h2.thread-title::text",
                    description=".op-body ::text",
                    ships_from=".ships-from::text",
                    images=".op-images img::attr(src)",
                    seller_name="h1.vendor-name::text",
                    seller_joined=".joined::text",
                    seller_contacts="p.contact::text",
                    seller_bio=".bio ::text",
                    deny=[*COMMON["deny"], r"/search"],
                ),
            },
        ),
    ]


def add_world_sources(
    ctx: AppContext,
    *,
    owner_org_id: int,
    served: Any,
    concurrency: int = 8,
    ingest_source: str | None = WORLD_SOURCE,
    tlp: str = "AMBER",
) -> list[int]:
    """Add (or find) the sources of the served world for the organisation; their ids."""
    from sqlalchemy import select

    from countermark.monitor.models import MonitorSource

    ids = []
    with unit_of_work(ctx.sessions) as session:
        for name, platform, config in world_sources(
            served.hosts,
            served.shop_hosts,
            served.http_proxy,
            served.socks_proxy,
            concurrency=concurrency,
            ingest_source=ingest_source,
        ):
            found = session.scalar(
                select(MonitorSource).where(
                    MonitorSource.owner_org_id == owner_org_id, MonitorSource.name == name
                )
            )
            if found is None:
                found = create_source(
                    session=session,
                    owner_org_id=owner_org_id,
                    name=name,
                    platform=platform,
                    config=config,
                    actor="demo",
                    frequency_minutes=1440,
                    tlp=tlp,
                )
            else:
                found.config = config  # the served world's ports change from one start to the next
            ids.append(found.id)
    return ids


def crawl_sources(
    ctx: AppContext,
    source_ids: list[int],
    *,
    max_seconds: float | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[tuple[CrawlRun, AbsorbReport]]:
    """Crawl the sources at the same time, each run absorbed as it goes (`run_service.crawl_and_absorb`)."""
    run_ids = [create_run(ctx, source_id, max_seconds=max_seconds) for source_id in source_ids]
    return crawl_and_absorb(ctx, run_ids, actor="demo", progress=progress)


def _crawl(
    ctx: AppContext,
    session: Session,
    org: str,
    tlp: str | None,
    progress: Callable[[int, int], None] | None,
    *,
    advance: bool = False,
) -> tuple[list[tuple[CrawlRun, AbsorbReport]], float]:
    """Serve the world (one epoch on with `advance`), crawl every platform; the runs and the seconds."""
    from countermark.orgs.service import get_organisation_by_name_or_raise
    from countermark.sim.sites import serve_world

    owner = get_organisation_by_name_or_raise(session=session, name=org)
    owner_id, tlp = owner.id, tlp or owner.default_tlp
    session.commit()  # the crawl writes in its own transactions
    started = time.perf_counter()
    with serve_world(Path(ctx.settings.world_dir)) as served:
        if advance:
            served.advance()
        ids = add_world_sources(ctx, owner_org_id=owner_id, served=served, tlp=tlp)
        runs = crawl_sources(ctx, ids, max_seconds=DEMO_CRAWL_SECONDS, progress=progress)
    return runs, time.perf_counter() - started


def crawl_online(
    ctx: AppContext,
) -> Callable[[Session, dict[str, Any], Callable[[int, int], None]], list[IngestReport]]:
    """The demo's online feed (`load_world(online=...)`): the world's listings and sellers are what a crawl
    of the served world over HTTP finds (the market through SOCKS5), not the world's files.

    They are ingested with the world's keys (source `sim`, `data-listing-ref`/`data-account-ref`) for the
    organisation of the manifest's listings step, so later steps and the evaluation find them as before.
    """

    def feed(
        session: Session, step: dict[str, Any], progress: Callable[[int, int], None]
    ) -> list[IngestReport]:
        runs, _ = _crawl(ctx, session, step["org"], step.get("tlp"), progress)
        reports: dict[str, IngestReport] = {}
        for run, absorbed in runs:
            for ingested in absorbed.ingested:
                kind = f"{ingested.kind} (crawled)"
                total = reports.setdefault(kind, IngestReport(kind=kind, path=f"crawl runs {run.id}…"))
                for name in ("read", "stored", "updated", "unchanged", "rejected"):
                    setattr(total, name, getattr(total, name) + getattr(ingested, name))
                total.rejects += ingested.rejects
        return list(reports.values())

    return feed


def crawl_world(ctx: AppContext, session: Session, progress: Callable[[int, int], None]) -> str:
    """The demo step: the world moves one epoch on (prices change, listings go) and is crawled again.

    The demo's listings came from the first crawl (`crawl_online`); this re-crawl revisits every known
    listing, stores a new version of each that changed and records the ones gone, with the time.
    """
    from countermark.demo.world import read_manifest

    world_dir = Path(ctx.settings.world_dir)
    step = next((s for s in read_manifest(world_dir)["ingest"] if s["kind"] == "listings"), None)
    if step is None:
        return "no online listings in this world: nothing to crawl"
    runs, seconds = _crawl(ctx, session, step["org"], step.get("tlp"), progress, advance=True)
    crawled = [run for run, _ in runs]
    pages, found = sum(r.pages for r in crawled), sum(r.listings_found for r in crawled)
    changed, gone = sum(r.listings_changed for r in crawled), sum(r.listings_gone for r in crawled)
    return (
        f"{len(crawled)} sources re-crawled in {seconds:.0f} s one epoch on: {pages} pages snapshotted, "
        f"{found} listings ({changed} changed, {gone} gone), {sum(r.rejected for r in crawled)} rows rejected"
    )


DEMO_CRAWL_SECONDS = 90.0
