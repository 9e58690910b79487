"""The served world's pure parts: epochs, cursors, request counting, routing, pages from a tiny catalogue."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from countermark.sim.sites.base import Request, Site, WorldState
from countermark.sim.sites.catalog import canonical_url, load_catalog
from countermark.sim.sites.cursors import decode_cursor, encode_cursor
from countermark.sim.sites.epochs import ListingState, changed_price, changed_title, state_at
from countermark.sim.sites.hostility import Hit, Hostility, RequestStats
from countermark.sim.sites.server import Router
from countermark.sim.sites.shopmarket import ShopMarket
from countermark.sim.sites.trendora import Trendora


def test_canonical_url_keeps_host_and_path_and_speaks_plain_http() -> None:
    assert canonical_url("https://www.shopmarket.eu/item/12") == "http://www.shopmarket.eu/item/12"
    assert canonical_url("http://abc.onion/listing/1") == "http://abc.onion/listing/1"


def test_epoch_states_are_fixed_by_seed_and_gone_is_for_good() -> None:
    keys = [f"sim:L-{n:05d}" for n in range(2000)]
    states = {k: [state_at(k, e, seed="s", change_rate=0.1, gone_rate=0.05) for e in range(5)] for k in keys}
    assert all(s[0].live and not s[0].changed_at for s in states.values())
    gone_at_1 = sum(not s[1].live for s in states.values()) / len(keys)
    changed_at_1 = sum(bool(s[1].changed_at) for s in states.values()) / len(keys)
    assert 0.03 < gone_at_1 < 0.07
    assert 0.07 < changed_at_1 < 0.13
    for series in states.values():
        gone = [e for e, s in enumerate(series) if not s.live]
        assert not gone or gone == list(range(gone[0], 5))
    again = state_at(keys[7], 4, seed="s", change_rate=0.1, gone_rate=0.05)
    assert again == states[keys[7]][4]
    assert state_at(keys[7], 4, seed="s", change_rate=0.0, gone_rate=0.0).live


def test_a_change_lowers_the_price_and_every_other_change_retitles() -> None:
    one = ListingState(live=True, gone_at=None, changed_at=(2,))
    two = ListingState(live=True, gone_at=None, changed_at=(2, 3))
    assert changed_price(100.0, one) == 90.0
    assert changed_price(100.0, two) == 81.0
    assert changed_price(None, one) is None
    assert changed_title("Bag", one) != "Bag"
    assert changed_title("Bag", two) == "Bag"


def test_cursors_are_opaque_and_refuse_forgery() -> None:
    cursor = encode_cursor("secret", "/annonces|", 40)
    assert "40" not in cursor
    assert decode_cursor("secret", "/annonces|", cursor) == 40
    assert decode_cursor("secret", "/recherche|sac", cursor) is None
    assert decode_cursor("other", "/annonces|", cursor) is None
    assert decode_cursor("secret", "/annonces|", "not-base64!") is None


def test_stats_count_per_host_per_second_and_limit_bursts() -> None:
    stats = RequestStats()
    admitted = [stats.admit("a.test", 3, now=1000.2) for _ in range(5)]
    assert admitted == [True, True, True, False, False]
    assert stats.admit("a.test", 3, now=1001.0)
    assert stats.admit("b.test", 3, now=1000.5)
    assert stats.per_second("a.test") == {1000: 5, 1001: 1}
    assert stats.max_per_second("a.test") == 5
    assert stats.total() == 7
    stats.record(Hit(1000.2, "a.test", "/cart", 200), disallowed=True)
    assert stats.disallowed() == [("a.test", "/cart")]
    assert stats.admit("c.test", 0, now=1.0)  # 0 = no limit


def test_hostility_full_turns_everything_on_and_none_everything_off() -> None:
    full, none = Hostility.full(), Hostility.none()
    assert full.traps and full.duplicates and full.malformed
    assert full.slow_share > 0 and full.rate_limit > 0 and full.change_rate > 0 and full.gone_rate > 0
    assert not (none.traps or none.duplicates or none.malformed)
    assert none.slow_share == none.rate_limit == none.change_rate == none.gone_rate == 0
    assert full.but(rate_limit=0).rate_limit == 0


@pytest.fixture
def tiny_world(tmp_path: Path) -> Path:
    """Three listings on two marketplaces, written as `countermark world build` writes them."""
    online = tmp_path / "online"
    (online / "snapshots").mkdir(parents=True)
    (online / "images").mkdir()
    (online / "images" / "abc.jpg").write_bytes(b"\xff\xd8jpeg")
    listings = [
        ("L-00001", "ShopMarket", "https://www.shopmarket.eu/item/111", "Glimmerhold watch", "zed"),
        ("L-00002", "ShopMarket", "https://www.shopmarket.eu/item/222", "Plain mug", "zed"),
        ("L-00003", "Trendora", "https://www.trendora.fr/annonce/333", "Sac Lunavelle", "yann"),
    ]
    rows = [
        {
            "external_id": e,
            "platform": p,
            "url": u,
            "title": t,
            "description": "desc",
            "language": "en",
            "price": 10.0,
            "currency": "EUR",
            "seller": s,
            "images": ["images/abc.jpg"],
            "snapshot": f"snapshots/{e}.html",
        }
        for e, p, u, t, s in listings
    ]
    (online / "listings.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    (online / "snapshots" / "L-00001.html").write_text("<script>\nga('create', 'UA-1-1');\n  </script>")
    accounts = [
        {
            "external_id": "A-0001",
            "platform": "ShopMarket",
            "handle": "zed",
            "display_name": "Zed",
            "profile_url": "https://www.shopmarket.eu/seller/zed",
            "joined_at": "2020-01-01T00:00:00Z",
        },
        {
            "external_id": "A-0002",
            "platform": "Trendora",
            "handle": "yann",
            "display_name": "Yann",
            "profile_url": "https://www.trendora.fr/profil/yann",
            "joined_at": "2020-01-01T00:00:00Z",
        },
    ]
    (online / "accounts.jsonl").write_text("".join(json.dumps(a) + "\n" for a in accounts), encoding="utf-8")
    return tmp_path


def test_pages_show_references_scripts_and_hide_gone_listings(tiny_world: Path) -> None:
    catalog = load_catalog(tiny_world)
    state = WorldState(catalog, Hostility.full().but(gone_rate=1.0, change_rate=0.0), seed="t")
    site = ShopMarket("www.shopmarket.eu", state)
    page = site.handle(Request("GET", "www.shopmarket.eu", "/item/111")).body.decode()
    assert 'data-listing-ref="L-00001"' in page and 'data-seller-handle="zed"' in page
    assert "UA-1-1" in page  # the saved page's analytics id is served too
    assert '"@type": "Product"' in page
    search = site.handle(Request("GET", "www.shopmarket.eu", "/search", {"q": "GLIMMERHOLD"})).body.decode()
    assert "/item/111" in search and "/item/222" not in search
    slow = WorldState(catalog, Hostility.none().but(slow_share=1.0, slow_delay=0.5), seed="t")
    slow_site = ShopMarket("www.shopmarket.eu", slow)
    assert slow_site.handle(Request("GET", "www.shopmarket.eu", "/item/111")).delay == 0.5
    assert slow_site.handle(Request("GET", "www.shopmarket.eu", "/")).delay == 0.0  # only listing pages
    state.advance()
    assert site.handle(Request("GET", "www.shopmarket.eu", "/item/111")).status == 410
    seller = site.handle(Request("GET", "www.shopmarket.eu", "/seller/zed")).body.decode()
    assert "/item/111" not in seller and 'data-account-ref="A-0001"' in seller


def test_router_sends_each_host_to_its_site_and_refuses_unknown_hosts(tiny_world: Path) -> None:
    catalog = load_catalog(tiny_world)
    state = WorldState(catalog, Hostility.none(), seed="t")
    stats = RequestStats()
    sites: dict[str, Site] = {
        "www.shopmarket.eu": ShopMarket("www.shopmarket.eu", state),
        "www.trendora.fr": Trendora("www.trendora.fr", state),
    }
    router = Router(sites, stats, rate_limit=lambda: (0, 1))
    annonce = router.dispatch("GET", "www.trendora.fr", "/annonce/333?xtor=1")
    assert annonce.status == 200 and b'rel="canonical"' in annonce.body
    assert router.dispatch("GET", "www.example.com", "/").status == 404
    assert router.dispatch("GET", "www.shopmarket.eu", "/img/abc.jpg").content_type == "image/jpeg"
    assert router.dispatch("POST", "www.shopmarket.eu", "/").status == 405
    assert re.search(
        r"Disallow: /cart/", router.dispatch("GET", "www.shopmarket.eu", "/robots.txt").body.decode()
    )
    assert stats.total("www.shopmarket.eu") == 3
