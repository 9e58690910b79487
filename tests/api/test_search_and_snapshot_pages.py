"""The search page says when a section is cut and links to the full list; a saved page shows the pictures
of its own site, site-relative ones too (findings of a browser walk)."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.core.http.deps import SESSION_COOKIE
from countermark.ingest.readers import RawRow
from countermark.ingest.service import ingest_rows
from countermark.observe.models import Listing
from countermark.web.evidence_pages import inline_pictures
from tests.api.conftest import Actors
from tests.api.test_api_csrf import browser_session


def _listings(client: TestClient, actors: Actors, prefix: str, title: str, count: int) -> None:
    rows = [
        {"source": "feed", "external_id": f"{prefix}{i}", "platform": "ShopMarket", "title": f"{title} {i}",
         "url": f"https://shopmarket.example/{prefix}{i}", "observed_at": "2026-05-01T10:00:00Z"}
        for i in range(count)
    ]  # fmt: skip
    response = client.post("/api/v1/ingest/listings", json=rows, headers=actors.headers("brand"))
    assert response.status_code == 200, response.text


def test_a_cut_search_section_says_so_and_links_to_the_whole_list(
    store: AppContext, client: TestClient, actors: Actors
) -> None:
    _listings(client, actors, "z", "Zebra print tote", 23)
    _listings(client, actors, "o", "Okapi scarf", 3)
    cookie, _ = browser_session(store, "admin@brand.example")
    client.cookies.set(SESSION_COOKIE, cookie)
    page = client.get("/search", params={"q": "zebra", "lang": "en"}).text
    assert page.count('href="/listings/') == 20
    total = re.search(r'<p class="muted" id="search-total">(.*?)</p>', page, re.S)
    assert total and "More than 20 results for" in total.group(1), page
    assert '<span class="count">20+</span>' in page
    assert "Only the 20 newest are shown." in page and 'href="/listings?q=zebra"' in page
    # The list it links to holds them all.
    whole = client.get("/listings", params={"q": "zebra", "limit": 50, "lang": "en"}).text
    assert len(set(re.findall(r'href="/listings/(\d+)"', whole))) == 23
    french = client.get("/search", params={"q": "zebra", "lang": "fr"}).text
    assert "Plus de 20 résultats" in french and "Tout voir dans la liste" in french
    # A section that is whole says nothing more.
    whole_section = client.get("/search", params={"q": "okapi", "lang": "en"}).text
    assert "3 results for" in whole_section and "/listings?q=" not in whole_section
    assert "More than" not in whole_section and '<span class="count">3</span>' in whole_section
    # The API says which kinds were cut.
    found = client.get("/api/v1/search", params={"q": "zebra"}, headers=actors.headers("brand")).json()
    assert found["more"] == ["listings"] and len(found["results"]["listings"]) == 20
    whole_api = client.get("/api/v1/search", params={"q": "okapi"}, headers=actors.headers("brand")).json()
    assert whole_api["more"] == []


def _png(colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def test_pictures_of_the_pages_own_site_are_inlined_whatever_the_form_of_their_address() -> None:
    page = (
        '<img src="/img/a.jpg" alt="a"><img src="https://shop.example/img/b.jpg" alt="b">'
        '<img src="https://cdn.example/x.jpg" alt="x"><img src="//cdn.example/y.jpg" alt="y">'
        '<img src="../c.jpg" alt="c"><img src=" /img/a.jpg " alt="again">'
        '<img src="data:image/gif;base64,R0" alt="d">'
    )
    one, two, three = ("image/png", b"one"), ("image/jpeg", b"two"), ("image/png", b"three")
    shown = inline_pictures(page, [one, two, three], "https://shop.example/annonce/12")
    inline = {name: f'src="data:{kind};base64,{base64.b64encode(data).decode()}"'
              for name, (kind, data) in zip("abc", (one, two, three), strict=True)}  # fmt: skip
    assert f'{inline["a"]} alt="a"' in shown and f'{inline["b"]} alt="b"' in shown
    assert f'{inline["c"]} alt="c"' in shown
    assert f'{inline["a"]} alt="again"' in shown  # the same address is the same picture
    # Another site's pictures stay as they were (the page's policy blocks them), so does an inline one.
    assert 'src="https://cdn.example/x.jpg"' in shown and 'src="//cdn.example/y.jpg"' in shown
    assert 'src="data:image/gif;base64,R0"' in shown
    # Without the page's address, a site-relative picture is still the page's own.
    assert inline["a"] in inline_pictures('<img src="/img/a.jpg">', [one])


def test_the_saved_page_of_a_listing_inlines_its_site_relative_pictures(
    store: AppContext, client: TestClient, actors: Actors, tmp_path: Path
) -> None:
    files = tmp_path / "files"
    (files / "img").mkdir(parents=True)
    (files / "img" / "front.png").write_bytes(_png((200, 30, 30)))
    (files / "img" / "back.png").write_bytes(_png((30, 30, 200)))
    (files / "page.html").write_text(
        '<html><body><h1>Tote</h1><img src="/img/front.png" alt="front">'
        '<img src="/img/back.png" alt="back"></body></html>',
        encoding="utf-8",
    )
    row = {"external_id": "S-1", "platform": "shopmarket", "url": "https://shopmarket.example/item/1",
           "title": "Tote with a saved page", "observed_at": "2026-05-01T10:00:00Z",
           "images": ["img/front.png", "img/back.png"], "snapshot": "page.html"}  # fmt: skip
    with unit_of_work(store.sessions) as session:
        report = ingest_rows(session=session, blobs=store.blobs, kind="listings",
                             rows=[RawRow(line=1, data=row)], owner_org_id=actors.org_ids["brand"],
                             actor="t", label="t", tlp="AMBER", source="seed", base_dir=files)  # fmt: skip
        assert report.rejected == 0, report.rejects
        listing_id = session.scalar(select(Listing.id).where(Listing.external_id == "S-1"))
    cookie, _ = browser_session(store, "admin@brand.example")
    client.cookies.set(SESSION_COOKIE, cookie)
    saved = client.get(f"/snapshots/listing/{listing_id}")
    assert saved.status_code == 200
    assert "img-src data:" in saved.headers["content-security-policy"]
    assert 'src="/img/' not in saved.text
    assert saved.text.count('src="data:image/png;base64,') == 2
