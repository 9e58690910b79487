"""Pure parts of the crawled feed: what a seller page says of the seller (handle, country, "member since"),
WARC files written with cheap per-record gzip members that still verify, and the frontier's page count."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path

from countermark.monitor.config import ExtractionProfile
from countermark.monitor.extract import parse_since, read_page
from countermark.monitor.frontier import Frontier, FrontierEntry, fingerprint
from countermark.monitor.warc import response_payload, verify_fetch, write_fetch

PROFILE = ExtractionProfile(
    seller_marker="[data-account-ref]",
    seller_external_id="[data-account-ref]::attr(data-account-ref)",
    seller_handle="p.handle::text",
    seller_name="h1::text",
    seller_country=".country::text",
    seller_joined=".joined::text",
)


def test_member_since_reads_a_day_a_month_or_a_year() -> None:
    assert parse_since("Member since 2019-03-02") == "2019-03-02T00:00:00Z"
    assert parse_since("Joined 2021-11") == "2021-11-01T00:00:00Z"
    assert parse_since("Since 2018") == "2018-01-01T00:00:00Z"
    assert parse_since("Membre depuis le 2020-02-30") is None  # no such day
    assert parse_since("a while ago") is None and parse_since(None) is None


def test_a_seller_page_gives_the_handle_shown_the_country_and_the_date() -> None:
    page = (
        '<div data-account-ref="A-0007"><h1>Top Shop</h1><p class="handle">@top.shop</p>'
        '<p class="country">Based in fr</p><p class="joined">Member since 2019-03-02</p></div>'
    )
    facts = read_page("http://m.example/seller/x", page, PROFILE, ["m.example"])
    assert facts.kind == "seller" and facts.account is not None
    account = facts.account
    assert (account["external_id"], account["handle"], account["display_name"]) == (
        "A-0007",
        "top.shop",
        "Top Shop",
    )
    assert account["country"] == "FR" and account["joined_at"] == "2019-03-02T00:00:00Z"


def test_a_shop_whose_home_is_its_seller_page_is_named_by_its_host() -> None:
    page = '<section data-account-ref="A-0002"><h1>Quellwave</h1><p class="country">Japan</p></section>'
    facts = read_page("http://quellwave.com/", page, PROFILE, ["quellwave.com"])
    assert facts.account is not None and facts.account["handle"] == "quellwave.com"
    assert facts.account["country"] is None  # a word is not a country code


def _fetch(media_type: str, body: bytes) -> bytes:
    return write_fetch(
        url="http://m.example/x",
        method="GET",
        request_headers=[("Host", "m.example")],
        status=200,
        reason="OK",
        response_headers=[("Content-Type", media_type)],
        body=body,
        fetched_at=datetime(2026, 1, 2, tzinfo=UTC),
    ).data


def test_warc_records_are_gzip_members_that_verify_text_compressed_images_stored() -> None:
    html = b"<html>" + b"<p>same words again</p>" * 400 + b"</html>"
    image = bytes(range(256)) * 40
    for media_type, body in (("text/html; charset=utf-8", html), ("image/jpeg", image)):
        data = _fetch(media_type, body)
        check = verify_fetch(data)
        assert check.sound and check.records == 2 and check.body == body, check.problems
        assert response_payload(data) == body  # the page absorb stores is read from the WARC file
        assert gzip.decompress(data).count(b"WARC/1") == 2  # two members, each a whole record
    assert len(_fetch("text/html", html)) < len(html) // 5  # text is compressed
    assert len(_fetch("image/jpeg", image)) > len(image)  # an image is stored as it is


def test_the_frontier_keeps_its_count_across_pages_and_reopening(tmp_path: Path) -> None:
    path = tmp_path / "f.sqlite"
    frontier = Frontier(path)
    frontier.seed([("http://m.example/", "page")])
    entry = FrontierEntry(fingerprint("http://m.example/"), "http://m.example/", "page", 0)
    links = [(f"http://m.example/{i}", "page", None) for i in range(5)]
    added = frontier.complete(entry, status=200, record={}, links=links, cap=100, limit=4)
    assert len(added) == 3 and frontier.total() == 4  # the page limit counts what is held
    frontier.close()
    assert Frontier(path).total() == 4


def test_links_seen_again_are_not_added_twice_and_a_rolled_back_page_adds_its_links_later(
    tmp_path: Path,
) -> None:
    frontier = Frontier(tmp_path / "f.sqlite")
    frontier.seed([("http://m.example/", "page")])
    home = FrontierEntry(fingerprint("http://m.example/"), "http://m.example/", "page", 0)
    links = [("http://m.example/a", "page", None), ("http://m.example/b?x=1&y=2", "page", None)]
    first = frontier.complete(home, status=200, record={}, links=links, cap=100, limit=100)
    again = [("http://m.example/a", "page", None), ("http://m.example/b?y=2&x=1", "page", None)]
    second = frontier.complete(first[0], status=200, record={}, links=again, cap=100, limit=100)
    assert len(first) == 2 and second == []  # the same URL, or the same once canonicalised
    try:
        with frontier._transaction():
            frontier._add("http://m.example/c", "page", 1, None, None)
            raise RuntimeError("the page's transaction fails")
    except RuntimeError:
        pass
    third = frontier.complete(first[1], status=200, record={}, links=[("http://m.example/c", "page", None)],
                              cap=100, limit=100)  # fmt: skip
    assert [entry.url for entry in third] == ["http://m.example/c"] and frontier.total() == 4
