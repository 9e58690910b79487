"""Security headers on every response and framing ("Hardening", item 6).

The finding: a page on another port of the host framed `/tokens`, and HTML responses carried no
Content-Security-Policy, frame-ancestors/X-Frame-Options, X-Content-Type-Options or Referrer-Policy.
Now every response says nosniff, same-origin referrers, its own opener group and no powerful features;
every page gets a policy that loads from this origin only and forbids framing; the saved-page viewer's
blob keeps its sandbox policy and may be framed by this origin only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from countermark.core.context import AppContext
from countermark.core.http.templating import TEMPLATES_DIR
from countermark.observe.models import Listing
from countermark.web.app import create_app
from tests.browser.harness import store_in
from tests.browser.seed import Seeded, seed_store

HTML = {"accept": "text/html,application/xhtml+xml"}
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
# What a policy without 'unsafe-inline' blocks: inline scripts and styles, event handlers, javascript: URLs.
# A script file of this origin (`<script src="/...">`) is what the policy allows instead.
INLINE = re.compile(
    r"<script(?![^>]*\ssrc=\"/[^/])|<style|\sstyle\s*=|\son[a-z]+\s*=|javascript:", re.IGNORECASE
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FastAPI, AppContext, Seeded]]:
    """The app on a seeded SQLite store, shared by the tests of this module."""
    tmp = tmp_path_factory.mktemp("headers")
    with store_in(tmp) as ctx:
        yield create_app(context=ctx), ctx, seed_store(ctx, tmp)


@pytest.fixture
def app(site: tuple[FastAPI, AppContext, Seeded]) -> FastAPI:
    return site[0]


@pytest.fixture
def seeded(site: tuple[FastAPI, AppContext, Seeded]) -> Seeded:
    return site[2]


def browser(app: FastAPI, **options: Any) -> TestClient:
    return TestClient(app, headers=HTML, follow_redirects=False, raise_server_exceptions=False, **options)


def csrf_of(html: str) -> str:
    found = CSRF_FIELD.search(html)
    assert found, "no CSRF field in the page"
    return found.group(1)


def sign_in(client: TestClient, email: str, password: str) -> Any:
    """Post the sign-in form as a browser does; the response."""
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def signed_in(app: FastAPI, email: str, password: str) -> TestClient:
    client = browser(app)
    response = sign_in(client, email, password)
    assert response.status_code == 303, response.text
    return client


def policy(response: Any) -> dict[str, str]:
    """The Content-Security-Policy of a response, directive by directive."""
    directives = [part.strip() for part in response.headers["content-security-policy"].split(";")]
    return {d.split(" ", 1)[0]: (d.split(" ", 1)[1] if " " in d else "") for d in directives if d}


def assert_basics(response: Any) -> None:
    """What every response carries."""
    headers = response.headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["cross-origin-opener-policy"] == "same-origin"
    assert "camera=()" in headers["permissions-policy"] and "geolocation=()" in headers["permissions-policy"]


def assert_page_policy(response: Any) -> None:
    """What every HTML page carries: nothing from elsewhere, nobody may frame it."""
    assert_basics(response)
    assert "text/html" in response.headers["content-type"]
    rules = policy(response)
    assert rules["default-src"] == "'self'"
    assert rules["img-src"] == "'self' data:"
    assert rules["frame-ancestors"] == "'none'"
    assert rules["object-src"] == "'none'" and rules["base-uri"] == "'none'"
    assert rules["form-action"] == "'self'"
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"


def listing_with_snapshot(ctx: AppContext) -> int:
    with ctx.sessions() as session:
        found = session.scalar(select(Listing.id).where(Listing.external_id == "L-1"))
    assert found is not None
    return found


SIGNED_IN_PAGES = ["/", "/tokens", "/admin", "/rights", "/products/1", "/listings", "/accounts", "/shipments",
                   "/search?q=aurel", "/fingerprint", "/cases", "/codes", "/targeting", "/nowhere"]


def test_the_tokens_page_may_not_be_framed_by_another_page(app: FastAPI, seeded: Seeded) -> None:
    response = signed_in(app, seeded.brand_admin, seeded.password).get("/tokens")
    assert response.status_code == 200
    assert_page_policy(response)


@pytest.mark.parametrize("path", SIGNED_IN_PAGES)
def test_every_signed_in_page_gets_the_page_policy_and_needs_no_inline_code(
    app: FastAPI, seeded: Seeded, path: str
) -> None:
    response = signed_in(app, seeded.brand_admin, seeded.password).get(path)
    assert response.status_code in (200, 403, 404), response.text[:300]
    assert_page_policy(response)
    assert not INLINE.search(response.text), INLINE.search(response.text)


def test_the_listing_page_and_its_saved_page_frame(app: FastAPI, site: Any, seeded: Seeded) -> None:
    client = signed_in(app, seeded.brand_admin, seeded.password)
    page = client.get(f"/listings/{listing_with_snapshot(site[1])}")
    assert_page_policy(page)
    assert not INLINE.search(page.text)
    frame = re.search(r'<iframe class="snapshot" sandbox src="(/snapshots/listing/\d+)"', page.text)
    image = re.search(r'<img src="(/api/v1/blobs/[0-9a-f]{64})"', page.text)
    assert frame and image
    snapshot = client.get(frame.group(1))
    assert snapshot.status_code == 200 and "text/html" in snapshot.headers["content-type"]
    assert_basics(snapshot)
    rules = policy(snapshot)
    assert "sandbox" in rules and rules["default-src"] == "'none'"  # the route's own policy is kept
    assert rules["frame-ancestors"] == "'self'"  # the listing page (this origin) may frame it, no one else
    assert snapshot.headers["x-frame-options"] == "SAMEORIGIN"
    picture = client.get(image.group(1))
    assert picture.headers["content-type"] == "image/png"
    assert picture.headers["x-frame-options"] == "SAMEORIGIN"
    assert policy(picture)["default-src"] == "'none'"


@pytest.mark.parametrize("path", ["/login", "/codes/report", "/01/03760000000001/21/NOPE", "/nowhere"])
def test_public_pages_get_the_page_policy(app: FastAPI, path: str) -> None:
    response = browser(app).get(path)
    assert response.status_code in (200, 404, 422), response.text[:300]
    assert_page_policy(response)
    assert not INLINE.search(response.text)


def test_redirects_json_static_files_and_the_openapi_document_get_the_headers(app: FastAPI) -> None:
    client = browser(app)
    for response in (client.get("/tokens"), client.get("/api/v1/me"), client.get("/api/v1/openapi.json"),
                     client.get("/static/countermark.css"), client.get("/api/v1/nothing-here")):
        assert_basics(response)
        assert response.headers["x-frame-options"] == "DENY"
        assert policy(response)["frame-ancestors"] == "'none'"
    assert policy(client.get("/api/v1/me"))["default-src"] == "'none'"


def test_an_unexpected_error_is_secured_too(site: Any) -> None:
    app = create_app(context=site[1])

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("boom")

    for accept in ("application/json", "text/html"):
        response = browser(app).get("/boom", headers={"accept": accept})
        assert response.status_code == 500
        assert_basics(response)
        assert response.headers["x-frame-options"] == "DENY"
        assert policy(response)["frame-ancestors"] == "'none'"
    assert_page_policy(browser(app).get("/boom"))


def test_templates_hold_no_inline_script_style_or_handler() -> None:
    offenders = {
        path.name: found.group(0)
        for path in Path(TEMPLATES_DIR).glob("*.html")
        if (found := INLINE.search(path.read_text()))
    }
    assert offenders == {}


def test_signed_in_pages_name_the_csrf_token_for_scripts_of_this_origin(app: FastAPI, seeded: Seeded) -> None:
    page = signed_in(app, seeded.brand_admin, seeded.password).get("/").text
    meta = re.search(r'<meta name="csrf-token" content="([^"]+)">', page)
    field = CSRF_FIELD.search(page)
    assert meta and field and meta.group(1) == field.group(1)
    assert '<meta name="csrf-token"' not in browser(app).get("/login").text


@pytest.mark.parametrize("base_url", ["http://testserver", "https://testserver"])
def test_the_session_cookie_keeps_its_attributes(app: FastAPI, seeded: Seeded, base_url: str) -> None:
    response = sign_in(browser(app, base_url=base_url), seeded.brand_admin, seeded.password)
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("cm_session="))
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert "httponly" in attributes and "samesite=lax" in cookie.lower()
    assert ("secure" in attributes) == base_url.startswith("https")
