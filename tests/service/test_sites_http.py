"""The served world over real HTTP on loopback: every site, every hostile detail, the SOCKS5 stand-in."""

from __future__ import annotations

import html
import http.client
import json
import os
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import pytest
from python_socks import ProxyError
from python_socks.sync import Proxy

from countermark.sim import build_world
from countermark.sim.sites import SERVED_FILE, Hostility, ServedWorld, serve_world

TRACKING = {"utm_source", "utm_medium", "ref", "xtor", "igsh", "variant"}
_LINK = re.compile(r'(?:href|src|data-next)="([^"]*)"')


@pytest.fixture(scope="module")
def world_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small world, built once per test session (~30 s), or the one COUNTERMARK_TEST_SITES_WORLD names."""
    prebuilt = os.environ.get("COUNTERMARK_TEST_SITES_WORLD")
    root = Path(prebuilt) if prebuilt else tmp_path_factory.getbasetemp() / "sites-world"
    if not (root / "world.json").is_file():
        build_world(root, seed=7, scale="small")
    return root


@pytest.fixture(scope="module")
def world_rows(world_dir: Path) -> list[dict[str, object]]:
    """The world's listings as its files describe them."""
    lines = (world_dir / "online" / "listings.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


@pytest.fixture
def tame(world_dir: Path) -> Iterator[ServedWorld]:
    """The world served without any hostile detail."""
    with serve_world(world_dir, hostile=False, write_truth=False) as served:
        yield served


@pytest.fixture
def hostile(world_dir: Path) -> Iterator[ServedWorld]:
    """Every hostile detail on but the rate limit and the delays (each tested on its own)."""
    with serve_world(world_dir, hostility=Hostility.full().but(rate_limit=0, slow_share=0.0)) as served:
        yield served


class Client:
    """A tiny crawler's fetcher: keep-alive through the HTTP proxy, onion names through SOCKS5."""

    def __init__(self, served: ServedWorld, *, credentials: tuple[str, str] | None = None) -> None:
        self.served = served
        self.credentials = credentials
        self._front: http.client.HTTPConnection | None = None

    def get(self, url: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(url)
        host = parts.hostname or ""
        target = urlunsplit(("", "", parts.path or "/", parts.query, ""))
        if host.endswith(".onion"):
            conn = self._onion(host)
            conn.request(method, target)
        else:
            if self._front is None:
                self._front = http.client.HTTPConnection(*self.served.http_address, timeout=10)
            conn = self._front
            conn.request(method, url)  # absolute form: the front port is our HTTP proxy
        response = conn.getresponse()
        body = response.read()
        if host.endswith(".onion"):
            conn.close()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body

    def _onion(self, host: str) -> http.client.HTTPConnection:
        url = self.served.socks_proxy
        if self.credentials is not None:
            url = url.replace("socks5://", f"socks5://{self.credentials[0]}:{self.credentials[1]}@")
        sock = Proxy.from_url(url, rdns=True).connect(dest_host=host, dest_port=80, timeout=10)
        conn = http.client.HTTPConnection(host, 80, timeout=10)
        conn.sock = sock
        return conn


def normalise(url: str) -> str:
    """The contract's rules: drop tracking parameters, Bazario's mobile prefix and the fragment."""
    parts = urlsplit(url)
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k not in TRACKING])
    path = parts.path
    if parts.hostname == "global.bazario.com" and path.startswith("/m/goods/"):
        path = path[len("/m") :]
    return urlunsplit((parts.scheme, parts.netloc, path, query, ""))


def links(base: str, body: bytes, content_type: str) -> list[str]:
    """Every link of a page (and the `next`/`url` fields of a JSON feed), absolute."""
    if content_type.startswith("application/json"):
        payload = json.loads(body)
        found = [payload.get("next")] + [
            item.get("url") for key in ("posts", "profiles") for item in payload.get(key, [])
        ]
        return [urljoin(base, u) for u in found if u]
    text = body.decode("utf-8", "replace")
    return [urljoin(base, html.unescape(u)) for u in _LINK.findall(text) if u and not u.startswith("#")]


def crawl(served: ServedWorld, *, limit: int = 5000) -> tuple[set[str], dict[str, int]]:
    """Breadth-first from the start page; returns the listing refs seen and the statuses of every page."""
    client = Client(served)
    seen_refs: set[str] = set()
    statuses: dict[str, int] = {}
    queue = deque(served.start_urls)
    queued = set(queue)
    world_hosts = {*served.hosts.values(), *served.shop_hosts}
    disallowed = (
        "/cart",
        "/checkout",
        "/login",
        "/compte/",
        "/accounts/",
        "/account/",
        "/admin/",
        "/api/private/",
    )
    while queue and len(statuses) < limit:
        url = queue.popleft()
        status, headers, body = client.get(url)
        statuses[url] = status
        if status != 200 or headers.get("content-type", "").startswith("image/"):
            continue
        seen_refs.update(r.decode() for r in re.findall(rb'data-listing-ref="([^"]+)"', body))
        if b'class="no-results"' in body:
            continue  # past the real pages of a never-ending "next"
        for found in links(url, body, headers.get("content-type", "")):
            found = normalise(found)
            parts = urlsplit(found)
            if (
                parts.hostname not in world_hosts
                or parts.path.startswith(disallowed)
                or "/agenda/" in parts.path
                or "/img/" in parts.path
            ):
                continue
            if found not in queued:
                queued.add(found)
                queue.append(found)
    return seen_refs, statuses


def test_every_listing_is_reachable_from_the_start_page(
    tame: ServedWorld, world_rows: list[dict[str, object]]
) -> None:
    refs, statuses = crawl(tame)
    assert refs == {str(row["external_id"]) for row in world_rows}
    assert set(statuses.values()) == {200}


def test_every_listing_is_reachable_in_the_hostile_world_by_the_contract_rules(
    world_dir: Path, world_rows: list[dict[str, object]]
) -> None:
    quick = Hostility.full().but(rate_limit=0, slow_share=0.0)
    with serve_world(world_dir, hostility=quick, write_truth=False) as served:
        refs, statuses = crawl(served)
    assert refs == {str(row["external_id"]) for row in world_rows}
    assert len(statuses) < 5000, "a trap was followed"


def _ref(body: bytes) -> str:
    found = re.search(rb'data-listing-ref="([^"]+)"', body)
    assert found is not None, body[:300]
    return found.group(1).decode()


def _first(served: ServedWorld, platform: str) -> dict[str, object]:
    rows = json.loads((served.world_dir / SERVED_FILE).read_text(encoding="utf-8"))["listings"]
    return next(r for r in rows if r["platform"] == platform and r["status"] == "live")


def test_shopmarket_next_link_never_ends_past_the_real_pages(hostile: ServedWorld) -> None:
    client = Client(hostile)
    status, _, body = client.get("http://www.shopmarket.eu/catalogue?page=500")
    assert status == 200
    assert b'class="no-results"' in body
    assert b'href="/catalogue?page=501"' in body
    with serve_world(hostile.world_dir, hostile=False, write_truth=False) as tame:
        _, _, tame_body = Client(tame).get("http://www.shopmarket.eu/catalogue?page=500")
    assert b'rel="next"' not in tame_body


def test_trendora_agenda_is_an_infinite_calendar(hostile: ServedWorld) -> None:
    client = Client(hostile)
    url = "http://www.trendora.fr/agenda/2026/06"
    for _ in range(30):
        status, _, body = client.get(url)
        assert status == 200
        found = re.search(rb'class="suivant-mois" href="([^"]+)"', body)
        assert found is not None
        url = urljoin(url, found.group(1).decode())
    assert url.endswith("/agenda/2028/12")
    assert b"data-listing-ref" not in body


def test_one_listing_is_served_under_several_urls(hostile: ServedWorld) -> None:
    client = Client(hostile)
    _, _, page = client.get("http://www.shopmarket.eu/catalogue?page=1")
    tracked = html.unescape(re.search(rb'class="result-link" href="([^"]+)"', page).group(1).decode())  # type: ignore[union-attr]
    assert "utm_source=" in tracked
    plain = tracked.split("?")[0]
    assert _ref(client.get("http://www.shopmarket.eu" + tracked)[2]) == _ref(
        client.get("http://www.shopmarket.eu" + plain)[2]
    )
    goods = str(_first(hostile, "Bazario")["url"])
    mobile = goods.replace("/goods/", "/m/goods/")
    assert _ref(client.get(mobile)[2]) == _ref(client.get(goods)[2])
    annonce = str(_first(hostile, "Trendora")["url"])
    _, _, body = client.get(annonce + "?xtor=AL-3")
    assert f'<link rel="canonical" href="{annonce}">'.encode() in body


def test_slow_pages_wait_before_answering(world_dir: Path) -> None:
    every_page_slow = Hostility.none().but(slow_share=1.0, slow_delay=0.4)
    with serve_world(world_dir, hostility=every_page_slow, write_truth=False) as served:
        client = Client(served)
        url = str(_first(served, "ShopMarket")["url"])
        started = time.perf_counter()
        status, _, _ = client.get(url)
        assert status == 200
        assert time.perf_counter() - started >= 0.4


def test_trendora_html_is_malformed_and_its_charset_lies(hostile: ServedWorld) -> None:
    status, headers, body = Client(hostile).get(str(_first(hostile, "Trendora")["url"]))
    assert status == 200
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert b'<meta charset="windows-1252">' in body
    body.decode("utf-8")  # the bytes really are UTF-8
    assert body.count(b"<div") > body.count(b"</div>")
    assert b"</html>" not in body


def test_bursts_above_the_rate_limit_get_429_with_retry_after(world_dir: Path) -> None:
    with serve_world(
        world_dir, hostility=Hostility.none().but(rate_limit=5, retry_after=2), write_truth=False
    ) as served:
        client = Client(served)
        answers = [client.get("http://www.shopmarket.eu/")[:2] for _ in range(30)]
        limited = [headers for status, headers in answers if status == 429]
        assert limited, "a burst of 30 requests to one host was never limited"
        assert all(h["retry-after"] == "2" for h in limited)
        assert client.get("http://global.bazario.com/")[0] == 200  # the limit is per host
        time.sleep(2.1)
        assert client.get("http://www.shopmarket.eu/")[0] == 200


def test_requests_are_counted_per_host_per_second(hostile: ServedWorld) -> None:
    client = Client(hostile)
    for _ in range(3):
        client.get("http://pixelgram.social/explore")
    client.get("http://www.linkdex.org/")
    assert hostile.stats.total("pixelgram.social") == 3
    assert sum(hostile.stats.per_second("pixelgram.social").values()) == 3
    assert 1 <= hostile.stats.max_per_second("pixelgram.social") <= 3
    assert hostile.stats.total("www.linkdex.org") == 1
    status, _, body = client.get(f"http://127.0.0.1:{hostile.http_address[1]}/__world/requests")
    assert status == 200
    assert sum(json.loads(body)["pixelgram.social"].values()) == 3


def test_robots_txt_disallows_and_one_site_asks_for_a_crawl_delay(hostile: ServedWorld) -> None:
    client = Client(hostile)
    _, _, shopmarket = client.get("http://www.shopmarket.eu/robots.txt")
    assert b"Disallow: /cart/" in shopmarket
    _, _, directory = client.get("http://www.linkdex.org/robots.txt")
    assert b"Crawl-delay: 1" in directory
    _, _, item = client.get(str(_first(hostile, "ShopMarket")["url"]))
    assert b'href="/cart/add?item=' in item  # the crawler is tempted
    assert hostile.stats.disallowed() == []
    client.get("http://www.shopmarket.eu/cart/add?item=1")
    assert hostile.stats.disallowed("www.shopmarket.eu") == [("www.shopmarket.eu", "/cart/add")]


def test_pages_change_and_listings_disappear_after_advance(hostile: ServedWorld) -> None:
    client = Client(hostile)
    before = {r["key"]: r for r in json.loads((hostile.world_dir / SERVED_FILE).read_text())["listings"]}
    pages = {
        key: client.get(str(row["url"]))[2] for key, row in before.items() if row["platform"] == "ShopMarket"
    }
    for _ in range(3):
        hostile.advance()
    status, _, body = client.get(f"http://127.0.0.1:{hostile.http_address[1]}/__world/status")
    assert json.loads(body)["epoch"] == 3
    after = json.loads((hostile.world_dir / SERVED_FILE).read_text())
    assert after["epoch"] == 3
    rows = [r for r in after["listings"] if r["key"] in pages]
    gone = [r for r in rows if r["status"] == "gone"]
    changed = [r for r in rows if r["status"] == "live" and r.get("changed_at_epochs")]
    assert gone and changed
    for row in gone:
        assert client.get(str(row["url"]))[0] == 410
    for row in changed:
        status, _, now = client.get(str(row["url"]))
        assert status == 200 and now != pages[str(row["key"])]
    unchanged = next(r for r in rows if r["status"] == "live" and not r.get("changed_at_epochs"))
    assert client.get(str(unchanged["url"]))[2] == pages[str(unchanged["key"])]
    catalogue = b"".join(client.get(f"http://www.shopmarket.eu/catalogue?page={n}")[2] for n in range(1, 10))
    assert all(f'data-listing-ref="{r["external_id"]}"'.encode() not in catalogue for r in gone)
    listed = set(re.findall(rb'href="/item/(\d+)', catalogue))
    assert all(str(r["url"]).rsplit("/", 1)[1].encode() not in listed for r in gone)


def test_the_market_is_reached_through_the_socks5_stand_in_only(hostile: ServedWorld) -> None:
    onion = f"http://{hostile.onion_host}/"
    status, _, body = Client(hostile).get(onion)
    assert status == 200 and b"board-link" in body
    status, _, _ = Client(hostile, credentials=("crawler", "any-password")).get(onion + "board/market?page=1")
    assert status == 200
    # Not through the front port, even with the onion name as Host...
    front = http.client.HTTPConnection(*hostile.http_address, timeout=5)
    front.request("GET", onion)
    assert front.getresponse().status == 404
    # ...nor straight to the market's own port: the connection is dropped unanswered.
    direct = http.client.HTTPConnection("127.0.0.1", hostile._market.port, timeout=5)
    direct.request("GET", "/", headers={"Host": hostile.onion_host})
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        direct.getresponse()
    # The proxy reaches nothing outside the world.
    with pytest.raises(ProxyError):
        Proxy.from_url(hostile.socks_proxy, rdns=True).connect(
            dest_host="example.com", dest_port=80, timeout=5
        )


def test_socks5_credentials_are_enforced_when_configured(world_dir: Path) -> None:
    with serve_world(
        world_dir, hostile=False, write_truth=False, socks_credentials=("alice", "s3cret")
    ) as served:
        onion = f"http://{served.onion_host}/"
        assert Client(served, credentials=("alice", "s3cret")).get(onion)[0] == 200
        with pytest.raises(ProxyError):
            Client(served, credentials=("alice", "wrong")).get(onion)
        with pytest.raises(ProxyError):
            Client(served).get(onion)  # no-auth is refused when credentials are required


def test_structured_data_is_json_ld_on_one_site_microdata_on_another_none_on_the_third(
    hostile: ServedWorld,
) -> None:
    extruct = pytest.importorskip("extruct")
    client = Client(hostile)
    found = {}
    for platform in ("ShopMarket", "Bazario", "Trendora"):
        url = str(_first(hostile, platform)["url"])
        found[platform] = extruct.extract(
            client.get(url)[2].decode("utf-8"), base_url=url, syntaxes=["json-ld", "microdata"]
        )
    assert found["ShopMarket"]["json-ld"][0]["@type"] == "Product"
    assert found["ShopMarket"]["json-ld"][0]["offers"]["@type"] == "Offer"
    assert found["Bazario"]["microdata"][0]["type"] == "https://schema.org/Product"
    assert found["Bazario"]["microdata"][0]["properties"]["offers"]["properties"]["price"]
    assert found["Trendora"] == {"json-ld": [], "microdata": []}


def test_search_finds_a_listing_by_the_words_of_its_title_on_every_site(hostile: ServedWorld) -> None:
    client = Client(hostile)
    searches = {
        "ShopMarket": "http://www.shopmarket.eu/search?",
        "Bazario": "http://global.bazario.com/search?",
        "Trendora": "http://www.trendora.fr/recherche?",
        "Pixelgram": "http://pixelgram.social/search?",
        "ShadowBazaar": f"http://{hostile.onion_host}/search?",
    }
    rows = json.loads((hostile.world_dir / SERVED_FILE).read_text())["listings"]
    for platform, prefix in searches.items():
        row = next(r for r in rows if r["platform"] == platform)
        status, _, body = client.get(prefix + urlencode({"q": first_words(hostile, row)}))
        assert status == 200
        item = str(row["url"]).rsplit("/", 1)[1].encode()
        assert item in body, platform
    assert client.get("http://www.shopmarket.eu/search?q=")[0] == 400


def first_words(served: ServedWorld, row: dict[str, object]) -> str:
    """The first three words of the listing's title as the world's files give it."""
    for line in (served.world_dir / "online" / "listings.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["external_id"] == row["external_id"]:
            return " ".join(str(record["title"]).split()[:3])
    raise AssertionError(row)


def test_pixelgram_profiles_continue_through_the_json_feed(hostile: ServedWorld) -> None:
    client = Client(hostile)
    rows = json.loads((hostile.world_dir / SERVED_FILE).read_text())["listings"]
    posts_by_author: dict[str, int] = {}
    for line in (hostile.world_dir / "online" / "listings.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["platform"] == "Pixelgram":
            posts_by_author[record["seller"]] = posts_by_author.get(record["seller"], 0) + 1
    author, count = max(posts_by_author.items(), key=lambda kv: kv[1])
    assert count > 6 and rows
    _, _, page = client.get(f"http://pixelgram.social/{author}")
    codes = set(re.findall(rb'href="/p/([^"?]+)', page))
    after = html.unescape(re.search(rb'id="feed" data-next="([^"]+)"', page).group(1).decode())  # type: ignore[union-attr]
    while after:
        status, headers, body = client.get("http://pixelgram.social" + after)
        assert status == 200 and headers["content-type"] == "application/json"
        payload = json.loads(body)
        codes.update(p["code"].encode() for p in payload["posts"])
        after = payload["next"]
    assert len(codes) == count
    assert client.get("http://pixelgram.social/api/feed/" + author + "?cursor=forged")[0] == 400


def test_unknown_hosts_and_bad_parameters_get_clear_errors(hostile: ServedWorld) -> None:
    client = Client(hostile)
    assert client.get("http://www.example.com/")[0] == 404
    assert client.get("http://global.bazario.com/list?limit=1000")[0] == 400
    assert client.get("http://www.trendora.fr/annonces?curseur=AAAA")[0] == 400
    assert client.get("http://www.shopmarket.eu/catalogue?page=abc")[0] == 400
    assert client.get("http://www.shopmarket.eu/img/../../world.json")[0] == 404


def test_a_busy_port_fails_clearly_and_leaves_no_server_running(world_dir: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        threads = threading.active_count()
        with pytest.raises(OSError, match="in use"):
            serve_world(world_dir, socks_port=busy, write_truth=False)
        with pytest.raises(OSError, match="in use"):
            serve_world(world_dir, port=busy, write_truth=False)
        assert threading.active_count() == threads
