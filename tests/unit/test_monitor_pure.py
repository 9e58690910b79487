"""The monitor's pure parts: configuration, page reading, WARC records, Retry-After, raw HTTP over SOCKS."""

from __future__ import annotations

import asyncio
import gzip
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from countermark.core.blobs import MemoryBlobStore
from countermark.monitor.absorb_service import _by_content
from countermark.monitor.config import ExtractionProfile, SourceConfig, lookalike_spellings
from countermark.monitor.extract import json_links, parse_price, read_page, url_pattern
from countermark.monitor.politeness import HostGate, backoff_seconds, retry_after_seconds
from countermark.monitor.snapshot_store import FetchContent
from countermark.monitor.socks import SocksError, parse_response
from countermark.monitor.warc import verify_fetch, write_fetch

JSONLD_PAGE = """<html lang="fr"><head><link rel="canonical" href="/item/7">
<script type="application/ld+json">{"@context":"https://schema.org","@type":"Product","name":"Sac Aurel",
"sku":"A-7","image":["/img/7.jpg"],"offers":{"@type":"Offer","price":"89.90","priceCurrency":"EUR",
"seller":{"@type":"Organization","name":"bagshop"}}}</script></head>
<body><h1>ignored</h1><a href="/item/8?utm_source=x">next</a><a href="http://elsewhere.example/">out</a>
<div><p>unclosed <b>tags</body></html>"""


def test_structured_data_is_read_first_and_the_canonical_url_kept() -> None:
    profile = ExtractionProfile(listing_url=r"/item/\d+", normalise=[(r"[?&]utm_source=[^&]*", "")])
    facts = read_page("http://shop.example/item/7?ref=a", JSONLD_PAGE, profile, ["shop.example"])
    assert facts.kind == "listing" and facts.listing is not None
    assert facts.listing["external_id"] == "A-7" and facts.listing["title"] == "Sac Aurel"
    assert (facts.listing["price"], facts.listing["currency"], facts.listing["seller"]) == (
        "89.90",
        "EUR",
        "bagshop",
    )
    assert facts.listing["url"] == "http://shop.example/item/7" and facts.listing["language"] == "fr"
    assert facts.image_urls == ["http://shop.example/img/7.jpg"]
    assert facts.links == ["http://shop.example/item/8"]  # tracking dropped, other hosts not followed


@pytest.mark.parametrize(
    "script",
    [
        '[{"@type": "Product", "name": "Sac", "sku": "A-1"}, {}, {"@type": "Offer"}]',
        '{"@graph": [{"@type": "Product", "name": "Sac\tAurel", "sku": "A-2", "offers": [{"price": "9"}]}]}',
        '{"@type": ["Thing", "Product"], "name": "Sac", "image": "/img/1.jpg", "productID": "A-3"}',
        '// a comment first, which only extruct\'s lenient parser reads\n{"@type": "Product", "name": "Sac"}',
    ],
)
def test_json_ld_read_without_extruct_is_what_extruct_reads(script: str) -> None:
    page = f'<html><head><script type="application/ld+json">{script}</script></head><body></body></html>'
    profile = ExtractionProfile(listing_url=r"/item/\d+")
    direct = read_page("http://shop.example/item/1", page, profile, ["shop.example"])
    # A page that mentions microdata is read with extruct, JSON-LD included.
    through_extruct = read_page("http://shop.example/item/1", page + "<!-- itemscope -->", profile, [])
    assert direct.listing == through_extruct.listing and direct.listing is not None


def test_selectors_serve_pages_without_structured_data_and_markers_decide_the_kind() -> None:
    html = (
        '<div data-listing-ref="L-1"><h1 class="t">Montre</h1><span data-amount="41.99" data-currency="EUR">'
    )
    profile = ExtractionProfile(
        listing_marker="[data-listing-ref]",
        title="h1.t::text",
        external_id="[data-listing-ref]::attr(data-listing-ref)",
        price="[data-amount]::attr(data-amount)",
        currency="[data-currency]::attr(data-currency)",
    )
    facts = read_page("http://t.example/annonce/1", html, profile, ["t.example"])
    assert facts.listing is not None
    assert (facts.listing["external_id"], facts.listing["price"], facts.listing["currency"]) == (
        "L-1",
        "41.99",
        "EUR",
    )


@pytest.mark.parametrize(
    ("shown", "amount", "currency"),
    [
        ("€ 1.234,50", "1234.50", "EUR"),
        ("41,99 €", "41.99", "EUR"),
        ("1,299.00 USD", "1299.00", "USD"),
        ("$19.99", "19.99", "USD"),
        ("price on request", None, None),
    ],
)
def test_prices_are_read_in_both_decimal_conventions(
    shown: str, amount: str | None, currency: str | None
) -> None:
    assert parse_price(shown) == (amount, currency)


def test_a_calendar_trap_has_one_url_shape_and_json_feeds_give_links() -> None:
    assert url_pattern("http://a/agenda/2026/11") == url_pattern("http://a/agenda/2031/2")
    assert url_pattern("http://a/list?offset=30&limit=30") == url_pattern("http://a/list?limit=30&offset=60")
    data = {"posts": [{"url": "/p/abc", "caption": "x"}], "next": "/api/feed/u?cursor=2"}
    links = json_links("http://px.example/api/feed/u", data, ExtractionProfile(), ["px.example"])
    assert sorted(links) == ["http://px.example/api/feed/u?cursor=2", "http://px.example/p/abc"]


def test_a_configuration_names_every_field_at_fault() -> None:
    with pytest.raises(ValidationError) as refused:
        SourceConfig.model_validate({"start_urls": ["ftp://x"], "proxy": "gopher://p:1"})
    fields = {str(error["loc"][0]) for error in refused.value.errors()}
    assert fields == {"start_urls", "proxy"}
    config = SourceConfig(
        search_url="http://s.example/search?q={query}", search_terms=["Aurel"], lookalikes=True
    )
    assert config.seeds()[0] == "http://s.example/search?q=Aurel" and len(config.seeds()) > 5
    assert "aure1" in lookalike_spellings("Aurel") and "aurel" not in lookalike_spellings("Aurel")


def test_a_fetch_is_written_as_request_and_response_records_whose_digests_verify() -> None:
    fetch = write_fetch(
        url="http://a.example/x",
        method="GET",
        request_headers=[("User-Agent", "t")],
        status=200,
        reason="OK",
        response_headers=[("Content-Type", "text/html")],
        body=b"<html>page</html>",
        fetched_at=datetime(2026, 1, 2, tzinfo=UTC),
    )
    check = verify_fetch(fetch.data, block_digest=fetch.block_digest)
    assert check.sound and check.records == 2 and check.body == b"<html>page</html>"
    raw = gzip.decompress(fetch.data).replace(b"<html>page</html>", b"<html>PAGE</html>")
    tampered = verify_fetch(gzip.compress(raw), block_digest=fetch.block_digest)
    assert not tampered.sound


def test_retry_after_is_read_as_seconds_or_a_date_and_back_off_doubles() -> None:
    assert retry_after_seconds("3", 0.0) == 3.0
    assert retry_after_seconds("Thu, 01 Jan 1970 00:00:10 GMT", 4.0) == 6.0
    assert retry_after_seconds("soon", 0.0) is None
    assert [backoff_seconds(0.5, n) for n in (1, 2, 3)] == [0.5, 1.0, 2.0]


def test_a_host_gets_at_most_its_rate_in_any_second_spread_over_the_second_and_none_while_closed() -> None:
    async def send(gate: HostGate, workers: int, each: int) -> list[float]:
        sent: list[float] = []

        async def worker() -> None:
            for _ in range(each):
                sent.append(await gate.wait_turn("shop.example"))

        await asyncio.gather(*(worker() for _ in range(workers)))
        return sorted(sent)

    def most(sent: list[float], window: float) -> int:
        return max(sum(1 for t in sent if start <= t < start + window) for start in sent)

    sent = asyncio.run(send(HostGate(rate=50), workers=8, each=15))
    assert most(sent, 1.0) <= 50 and sent[-1] - sent[0] >= 1.0  # 120 requests: more than two seconds' worth
    assert most(sent, 0.1) <= 8  # a twentieth of a second's requests at once, the rest spread
    closed = HostGate()
    closed.close("shop.example", 0.3)
    started = time.monotonic()
    assert asyncio.run(send(closed, workers=1, each=1))[0] - started >= 0.29


def test_raw_http_answers_are_parsed_chunked_or_not() -> None:
    status, headers, body = parse_response(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\n"
    )
    assert (status, body) == (200, b"abcd") and headers[0][0] == b"Transfer-Encoding"
    assert parse_response(b"HTTP/1.0 404 Not Found\r\nContent-Length: 3\r\n\r\nno!extra")[2] == b"no!"
    with pytest.raises(SocksError):
        parse_response(b"SSH-2.0-OpenSSH\r\n\r\n")


def test_a_page_named_by_content_is_copied_when_the_blob_store_keeps_no_files(tmp_path: Path) -> None:
    """Linked from a local store (see the crawl run tests); from a store without files, written."""
    blobs = MemoryBlobStore()
    page = b"<html>a listing</html>"
    digest = blobs.put(page)
    name = _by_content(tmp_path, FetchContent(tmp_path), {}, digest, blobs, page)
    assert name == f"pages/{digest}" and (tmp_path / name).read_bytes() == page
    assert _by_content(tmp_path, FetchContent(tmp_path), {}, digest, blobs, b"") == name  # kept as it is
    assert (tmp_path / name).read_bytes() == page
