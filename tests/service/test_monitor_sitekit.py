"""A small hostile marketplace served on loopback for the crawler's tests, and the tests of the kit itself.

Pages: paginated search results, listings (half publishing JSON-LD, half readable only by selectors), the
same listing under a second URL, seller pages linking their other offers, images, an infinite calendar,
a robots.txt with a forbidden folder, a path answering 429 with Retry-After, a slow page, malformed HTML.
Listings can be changed or removed between crawls; every request is recorded with its time.
"""

from __future__ import annotations

import io
import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from PIL import Image

PER_PAGE = 5


def png(seed: int) -> bytes:
    """A small valid PNG, different for each seed."""
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), ((seed * 37) % 256, (seed * 91) % 256, (seed * 13) % 256)).save(buffer, "PNG")
    return buffer.getvalue()


@dataclass
class Item:
    """A listing the site serves."""

    id: int
    title: str
    price: str
    seller: str
    structured: bool


@dataclass
class SiteState:
    """What the site serves now, and every request it received."""

    items: dict[int, Item] = field(default_factory=dict)
    hits: list[tuple[float, str, str]] = field(default_factory=list)
    limited_once: set[str] = field(default_factory=set)
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


def _listing_page(item: Item, base: str) -> str:
    structured = ""
    if item.structured:
        data = {
            "@context": "https://schema.org",
            "@type": "Product",
            "name": item.title,
            "sku": f"SKU-{item.id}",
            "description": f"Brand new {item.title}, contact wa.me/33612345{item.id:03d}",
            "image": [f"{base}/img/{item.id}.png"],
            "offers": {
                "@type": "Offer",
                "price": item.price,
                "priceCurrency": "EUR",
                "seller": {"name": item.seller},
            },
        }
        structured = f'<script type="application/ld+json">{json.dumps(data)}</script>'
    return (
        f'<html lang="en"><head><title>{item.title} | Shop</title>'
        f'<link rel="canonical" href="{base}/item/{item.id}">{structured}</head><body>'
        f'<h1 class="title">{item.title}</h1><span class="price">€ {item.price}</span>'
        f'<span class="sku">SKU-{item.id}</span>'
        f'<a class="seller" href="/seller/{item.seller}">{item.seller}</a>'
        f'<img src="/img/{item.id}.png"><p class="ships">CN</p>'
        f"<div><p>unclosed <b>markup <i>here</div>"  # malformed on purpose
        f"</body></html>"
    )


class Handler(BaseHTTPRequestHandler):
    """Serves the site from the server's `state`."""

    server: Any
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def _send(
        self,
        status: int,
        body: bytes,
        kind: str = "text/html; charset=utf-8",
        extra: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        state: SiteState = self.server.state
        parts = urlsplit(self.path)
        with state.lock:
            state.hits.append((time.monotonic(), self.path, self.headers.get("User-Agent", "")))
            items = dict(state.items)
        if state.delay:
            time.sleep(state.delay)
        base = f"http://{self.headers['Host']}"
        path, query = parts.path, parse_qs(parts.query)
        if path == "/robots.txt":
            return self._send(200, b"User-agent: *\nDisallow: /private/\n", "text/plain")
        if path in ("/", "/search"):
            page = int(query.get("page", ["1"])[0])
            ids = sorted(items)
            shown = ids[(page - 1) * PER_PAGE : page * PER_PAGE]
            links = "".join(
                f'<li><a href="/item/{i}">x</a> <a href="/item/{i}?ref=search">again</a></li>' for i in shown
            )
            more = (
                f'<a class="next" href="/search?page={page + 1}">next</a>'
                if page * PER_PAGE < len(ids)
                else ""
            )
            extra = '<a href="/private/secret">secret</a><a href="/calendar/2026/1">calendar</a>'
            return self._send(200, f"<html><body><ul>{links}</ul>{more}{extra}</body></html>".encode())
        if path.startswith("/calendar/"):
            year, month = (int(x) for x in path.split("/")[2:4])
            nxt = f"/calendar/{year + month // 12}/{month % 12 + 1}"
            return self._send(200, f'<html><body><a href="{nxt}">next month</a></body></html>'.encode())
        if path.startswith("/item/"):
            item = items.get(int(path.split("/")[2]))
            if item is None:
                return self._send(404, b"<html><body>gone</body></html>")
            return self._send(200, _listing_page(item, base).encode())
        if path.startswith("/seller/"):
            name = path.split("/")[2]
            offers = "".join(f'<a href="/item/{i.id}">offer</a>' for i in items.values() if i.seller == name)
            bio = f'<p class="bio">Mail {name}@example.com</p>'
            body = f'<html><body><h1 class="handle">{name}</h1>{bio}{offers}</body></html>'
            return self._send(200, body.encode())
        if path.startswith("/img/"):
            return self._send(200, png(int(path.split("/")[2].split(".")[0])), "image/png")
        if path.startswith("/moved-item/"):  # an offer moved within the site
            return self._send(301, b"", "text/html", {"Location": f"/item/{path.split('/')[2]}"})
        if path.startswith("/moved/"):  # an offer's address now leads to the front page
            return self._send(301, b"", "text/html", {"Location": "/"})
        if path.startswith("/limited/"):
            with state.lock:
                first = path not in state.limited_once
                state.limited_once.add(path)
            if first:
                return self._send(429, b"slow down", "text/plain", {"Retry-After": "1"})
            return self._send(200, b"<html><body>ok</body></html>")
        return self._send(404, b"not here", "text/plain")


class TestSite:
    """The site, served on 127.0.0.1 on a free port for the duration of a test."""

    __test__ = False

    def __init__(self, items: int = 12, hidden_sellers: bool = False) -> None:
        self.state = SiteState()
        for i in range(1, items + 1):
            seller = f"seller{i % 3}" if not hidden_sellers else f"hidden{i}"
            self.state.items[i] = Item(i, f"Luxe watch model {i}", f"{100 + i}.50", seller, i % 2 == 0)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.state = self.state  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        """The site's origin."""
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> TestSite:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def hits_of(self, prefix: str) -> list[str]:
        """Paths requested that start with the prefix."""
        return [path for _, path, _ in self.state.hits if path.startswith(prefix)]


PROFILE = {
    "listing_url": r"/item/\d+",
    "seller_url": r"/seller/",
    "external_id": "span.sku::text",
    "title": "h1.title::text",
    "price": "span.price::text",
    "seller": "a.seller::text",
    "ships_from": "p.ships::text",
    "images": "img::attr(src)",
    "seller_handle": "h1.handle::text",
    "seller_bio": "p.bio::text",
    "max_per_pattern": 5,
}


def site_config(site: TestSite, **overrides: Any) -> dict[str, Any]:
    """A source configuration for the test site."""
    config: dict[str, Any] = {
        "start_urls": [f"{site.base}/search"],
        "profile": PROFILE,
        "politeness": {"concurrency_per_host": 4, "backoff_seconds": 0.1},
    }
    config.update(overrides)
    return config


@pytest.fixture
def site() -> Iterator[TestSite]:
    with TestSite() as served:
        yield served


def test_the_site_serves_robots_and_removes_listings(site: TestSite) -> None:
    with urllib.request.urlopen(f"{site.base}/robots.txt") as answer:
        assert b"Disallow: /private/" in answer.read()
    del site.state.items[1]
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{site.base}/item/1")
    assert refused.value.code == 404
