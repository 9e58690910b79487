"""The demo's crawl profiles name each site's listing and seller pages, so the trap cap (pages of one URL
shape) never stops a marketplace's listings: a medium world's marketplace sells more than the cap."""

from __future__ import annotations

import pytest

from countermark.demo.monitor import world_sources
from countermark.monitor.config import ExtractionProfile
from countermark.monitor.extract import link_kind

HOSTS = {"ShopMarket": "shop.test", "Bazario": "bazario.test", "Trendora": "trendora.test",
         "Pixelgram": "pixelgram.test", "ShadowBazaar": "market.onion"}  # fmt: skip
PROFILES = {
    platform: ExtractionProfile.model_validate(config["profile"])
    for _, platform, config in world_sources(HOSTS, ["shop-a.test"], "http://proxy", "socks5h://proxy")
}


@pytest.mark.parametrize(("platform", "url", "kind"), [
    ("ShopMarket", "http://shop.test/item/SM-104", "listing"),
    ("ShopMarket", "http://shop.test/seller/kicks.happy", "seller"),
    ("ShopMarket", "http://shop.test/catalogue?page=7", "page"),
    ("Bazario", "http://bazario.test/goods/88123.html", "listing"),
    ("Bazario", "http://bazario.test/store/kicks.happy", "seller"),
    ("Bazario", "http://bazario.test/list?offset=100&limit=100", "page"),
    ("Trendora", "http://trendora.test/annonce/3517246741", "listing"),
    ("Trendora", "http://trendora.test/profil/star_tech", "seller"),
    ("Trendora", "http://trendora.test/annonces?curseur=abc", "page"),
    ("Trendora", "http://trendora.test/agenda/2026/03", "page"),
    ("Pixelgram", "http://pixelgram.test/p/8E-wKYV9qJy", "listing"),
    ("web", "http://shop-a.test/products/lx-tote", "listing"),
    ("web", "http://shop-a.test/?page=2", "page"),
    ("ShadowBazaar", "http://market.onion/listing/4411", "listing"),
    ("ShadowBazaar", "http://market.onion/vendor/primetoysstore", "seller"),
    ("ShadowBazaar", "http://market.onion/board/market?page=3", "page"),
])  # fmt: skip
def test_listing_and_seller_pages_are_named_and_lists_stay_pages(platform: str, url: str, kind: str) -> None:
    assert link_kind(url, PROFILES[platform]) == kind
