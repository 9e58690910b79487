"""The HTML pages through FastAPI's TestClient: sign-in, visibility, CSRF, hostile input, languages, chart."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.pofile import read_po
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

import countermark
from countermark.core.context import AppContext
from countermark.core.http.charts import bucket_counts, observations_chart
from countermark.core.http.deps import LOCALE_COOKIE, SESSION_COOKIE
from countermark.core.http.templating import TEMPLATES_DIR, TRANSLATIONS_DIR
from countermark.observe.models import Listing
from countermark.web.app import create_app
from tests.browser.harness import store_in
from tests.browser.seed import Seeded, seed_store

HTML = {"accept": "text/html,application/xhtml+xml"}
PACKAGE_DIR = Path(countermark.__file__).resolve().parent
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FastAPI, AppContext, Seeded]]:
    """The app on a seeded SQLite store, shared by the tests of this module."""
    tmp = tmp_path_factory.mktemp("pages")
    with store_in(tmp) as ctx:
        yield create_app(context=ctx), ctx, seed_store(ctx, tmp)


@pytest.fixture
def app(site: tuple[FastAPI, AppContext, Seeded]) -> FastAPI:
    return site[0]


@pytest.fixture
def seeded(site: tuple[FastAPI, AppContext, Seeded]) -> Seeded:
    return site[2]


def browser(app: FastAPI, **options: Any) -> TestClient:
    """A client that asks for HTML, as a browser does."""
    return TestClient(app, headers=HTML, follow_redirects=False, **options)


def csrf_of(html: str) -> str:
    found = CSRF_FIELD.search(html)
    assert found, "no CSRF field in the page"
    return found.group(1)


def sign_in(client: TestClient, email: str, password: str, next_path: str = "/") -> Any:
    """Post the sign-in form the way a browser does (with its double-submit token)."""
    form = client.get("/login")
    assert form.status_code == 200
    return client.post("/login", data={"email": email, "password": password, "csrf_token": csrf_of(form.text),
                                       "next": next_path})


def signed_in(app: FastAPI, email: str, password: str) -> TestClient:
    client = browser(app)
    response = sign_in(client, email, password)
    assert response.status_code == 303, response.text
    return client


def listing_id(ctx: AppContext, external_id: str) -> int:
    with ctx.sessions() as session:
        found = session.scalar(select(Listing.id).where(Listing.external_id == external_id))
    assert found is not None
    return found


PAGES = ["/", "/rights", "/rights/1", "/recordals", "/recordals/1", "/products", "/products/1",
         "/listings", "/listings/1", "/accounts", "/accounts/1", "/shipments", "/search", "/search?q=aurel",
         "/tokens", "/admin", "/password"]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_for_a_signed_in_user(app: FastAPI, seeded: Seeded, path: str) -> None:
    client = signed_in(app, seeded.brand_admin, seeded.password)
    response = client.get(path)
    assert response.status_code == 200, response.text[:500]
    assert "text/html" in response.headers["content-type"]
    assert "<html" in response.text and "Countermark" in response.text


def test_shipment_pages_render_for_customs(app: FastAPI, seeded: Seeded) -> None:
    client = signed_in(app, seeded.customs_analyst, seeded.password)
    listing = client.get("/shipments")
    assert listing.status_code == 200
    first = re.search(r'href="/shipments/(\d+)"', listing.text)
    assert first, "the analyst should see the office's shipments"
    detail = client.get(f"/shipments/{first.group(1)}")
    assert detail.status_code == 200
    assert "Guangzhou Trading Co" in detail.text and "+8613800138000" in detail.text


@pytest.mark.parametrize("path", [p for p in PAGES if "?" not in p])
def test_pages_send_signed_out_browsers_to_sign_in(app: FastAPI, path: str) -> None:
    response = browser(app).get(path)
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next={path}"


def test_sign_in_sets_an_httponly_lax_cookie_and_follows_a_local_next(app: FastAPI, seeded: Seeded) -> None:
    client = browser(app)
    target = "/listings?platform=shopmarket"
    response = sign_in(client, seeded.brand_viewer, seeded.password, next_path=target)
    assert response.status_code == 303
    assert response.headers["location"] == "/listings?platform=shopmarket"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE + "="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie


def test_session_cookie_is_secure_over_https(app: FastAPI, seeded: Seeded) -> None:
    client = browser(app, base_url="https://testserver")
    response = sign_in(client, seeded.brand_viewer, seeded.password)
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE + "="))
    assert "Secure" in cookie


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example",
                                    "javascript:1"])
def test_sign_in_never_redirects_to_another_site(app: FastAPI, seeded: Seeded, target: str) -> None:
    response = sign_in(browser(app), seeded.brand_viewer, seeded.password, next_path=target)
    assert response.status_code == 303
    assert response.headers["location"] == "/"


@pytest.mark.parametrize("token", ["", "forged"])
def test_sign_in_without_the_matching_csrf_token_is_refused(app: FastAPI, seeded: Seeded, token: str) -> None:
    client = browser(app)
    client.get("/login")
    response = client.post("/login", data={"email": seeded.brand_viewer, "password": seeded.password,
                                           "csrf_token": token})
    assert response.status_code == 403
    assert SESSION_COOKIE not in response.cookies


def test_sign_in_without_the_csrf_cookie_is_refused(app: FastAPI, seeded: Seeded) -> None:
    token = csrf_of(browser(app).get("/login").text)
    response = browser(app).post("/login", data={"email": seeded.brand_viewer, "password": seeded.password,
                                                 "csrf_token": token})
    assert response.status_code == 403


def test_wrong_password_shows_a_message_on_the_form(app: FastAPI, seeded: Seeded) -> None:
    response = sign_in(browser(app), seeded.customs_analyst, "not the password")
    assert response.status_code == 401
    assert "Wrong e-mail or password." in response.text
    assert 'value="analyst@douane.example"' in response.text


def test_repeated_failures_are_throttled_with_a_message_in_the_users_language(app: FastAPI,
                                                                               seeded: Seeded) -> None:
    client = browser(app)
    for _ in range(5):
        assert sign_in(client, seeded.outsider, "wrong password!").status_code == 401
    client.get("/login?lang=fr")
    response = sign_in(client, seeded.outsider, seeded.password)
    assert response.status_code == 429
    assert "Trop de connexions échouées" in response.text
    assert 0 < int(response.headers["retry-after"]) <= 15 * 60


def test_sign_out_ends_the_session(app: FastAPI, seeded: Seeded) -> None:
    client = signed_in(app, seeded.brand_viewer, seeded.password)
    raw = client.cookies[SESSION_COOKIE]
    token = csrf_of(client.get("/").text)
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["location"] == "/login"
    replay = browser(app, cookies={SESSION_COOKIE: raw}).get("/")
    assert replay.status_code == 303 and replay.headers["location"].startswith("/login")


def test_listings_show_only_what_the_organisation_may_see(app: FastAPI, seeded: Seeded) -> None:
    brand = signed_in(app, seeded.brand_admin, seeded.password).get("/listings?limit=200").text
    assert "AUREL tote bag replica 1" in brand
    assert "Community listing AUREL" in brand  # GREEN: the whole community
    assert "SECRET-LISTING" not in brand  # RED, another organisation's
    customs = signed_in(app, seeded.customs_analyst, seeded.password).get("/listings?limit=200").text
    assert "Community listing AUREL" in customs
    assert "AUREL tote bag replica" not in customs  # AMBER without a sharing group stays with the owner


def test_a_record_of_another_organisation_is_not_found(app: FastAPI, site: Any, seeded: Seeded) -> None:
    secret = listing_id(site[1], "L-RED")
    client = signed_in(app, seeded.brand_admin, seeded.password)
    assert client.get(f"/listings/{secret}").status_code == 404
    assert client.get("/listings/999999").status_code == 404


def test_dashboard_counts_and_search_follow_visibility(app: FastAPI, seeded: Seeded) -> None:
    customs = signed_in(app, seeded.customs_analyst, seeded.password)
    dashboard = customs.get("/").text
    assert re.search(r'card-number">1</span>\s*<span class="card-label">Listings', dashboard)
    assert re.search(r'card-number">4</span>\s*<span class="card-label">Shipments', dashboard)
    assert "<svg" in dashboard and 'class="chart-bar"' in dashboard
    results = customs.get("/search?q=aurel").text
    assert "Community listing AUREL" in results and "AUREL tote bag replica" not in results
    brand_results = signed_in(app, seeded.brand_admin, seeded.password).get("/search?q=8613800138000").text
    assert "+8613800138000" in brand_results and "/shipments/" not in brand_results


def test_listing_detail_shows_images_identifiers_and_a_sandboxed_snapshot(app: FastAPI, site: Any,
                                                                          seeded: Seeded) -> None:
    client = signed_in(app, seeded.brand_admin, seeded.password)
    page = client.get(f"/listings/{listing_id(site[1], 'L-1')}").text
    frame = re.search(r'<iframe class="snapshot" sandbox src="(/snapshots/listing/\d+)"', page)
    assert frame, "the snapshot must be shown in a sandboxed frame"
    image = re.search(r'<img src="/api/v1/blobs/([0-9a-f]{64})"', page)
    assert image
    assert "luxe.outlet88@example.com" in page and "TLP:AMBER" in page
    snapshot = client.get(frame.group(1))
    assert snapshot.status_code == 200 and "sandbox" in snapshot.headers["content-security-policy"]
    assert client.get(f"/api/v1/blobs/{image.group(1)}").headers["content-type"] == "image/png"


def test_blobs_of_records_you_may_not_see_are_not_served(app: FastAPI, site: Any, seeded: Seeded) -> None:
    page = signed_in(app, seeded.brand_admin, seeded.password).get(f"/listings/{listing_id(site[1], 'L-1')}")
    digest = re.search(r'<img src="/api/v1/blobs/([0-9a-f]{64})"', page.text)
    assert digest
    customs = signed_in(app, seeded.customs_analyst, seeded.password)
    assert customs.get(f"/api/v1/blobs/{digest.group(1)}").status_code == 404


@pytest.mark.parametrize(("path", "data"), [
    ("/tokens", {"name": "x", "scopes": "read", "expires_in_days": "30"}),
    ("/tokens/1/revoke", {}),
    ("/admin/users", {"email": "new@aurel.example", "display_name": "N", "role": "viewer",
                      "password": "long enough password"}),
    ("/admin/users/2/role", {"role": "admin"}),
    ("/admin/users/2/password", {}),
    ("/admin/users/2/disable", {}),
    ("/admin/users/2/enable", {}),
    ("/password", {"current_password": "x", "new_password": "long enough password",
                   "confirm_password": "long enough password"}),
    ("/language", {"lang": "fr"}),
    ("/logout", {}),
])
@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_forms_reject_a_missing_or_wrong_csrf_token(app: FastAPI, seeded: Seeded, path: str,
                                                    data: dict[str, str], token: str | None) -> None:
    client = signed_in(app, seeded.brand_admin, seeded.password)
    form = dict(data) if token is None else {**data, "csrf_token": token}
    response = client.post(path, data=form)
    assert response.status_code == 403
    assert "did not come from this site" in response.text
    assert client.get("/").status_code == 200  # still signed in: nothing happened


def test_token_is_shown_once_works_on_the_api_and_can_be_revoked(app: FastAPI, seeded: Seeded) -> None:
    client = signed_in(app, seeded.brand_admin, seeded.password)
    token = csrf_of(client.get("/tokens").text)
    created = client.post("/tokens", data={"csrf_token": token, "name": "nightly export", "scopes": ["read"],
                                           "expires_in_days": "30"})
    assert created.status_code == 201
    assert created.headers["cache-control"] == "no-store"
    raw = re.search(r'id="new-token"[^>]*value="(cm_[^"]+)"', created.text)
    assert raw, "the new token is shown once"
    again = client.get("/tokens").text
    assert raw.group(1) not in again and "nightly export" in again
    api = TestClient(app)
    bearer = {"authorization": f"Bearer {raw.group(1)}"}
    assert api.get("/api/v1/listings", headers=bearer).status_code == 200
    token_id = re.search(r'action="/tokens/(\d+)/revoke"', again)
    assert token_id
    revoked = client.post(f"/tokens/{token_id.group(1)}/revoke", data={"csrf_token": token})
    assert revoked.status_code == 303
    assert api.get("/api/v1/listings", headers=bearer).status_code == 401
    assert "revoked" in client.get("/tokens").text


def test_a_viewer_cannot_grant_a_token_more_than_reading(app: FastAPI, seeded: Seeded) -> None:
    client = signed_in(app, seeded.brand_viewer, seeded.password)
    page = client.get("/tokens").text
    assert 'value="write"' not in page
    response = client.post("/tokens", data={"csrf_token": csrf_of(page), "name": "sneaky",
                                            "scopes": ["write"], "expires_in_days": "30"})
    assert response.status_code == 403
    assert "only scopes you have" in response.text


def test_administration_is_for_administrators(app: FastAPI, seeded: Seeded) -> None:
    viewer = signed_in(app, seeded.brand_viewer, seeded.password)
    assert viewer.get("/admin").status_code == 403
    assert 'href="/admin"' not in viewer.get("/").text


def test_an_administrator_adds_a_user_who_can_then_sign_in(app: FastAPI, seeded: Seeded) -> None:
    admin = signed_in(app, seeded.brand_admin, seeded.password)
    token = csrf_of(admin.get("/admin").text)
    response = admin.post("/admin/users", data={"csrf_token": token, "email": "officer@aurel.example",
                                                "display_name": "Nadia Officer", "role": "officer",
                                                "password": "another good password", "locale": "zh"})
    assert response.status_code == 303
    assert "officer@aurel.example" in admin.get("/admin").text
    newcomer = signed_in(app, "officer@aurel.example", "another good password")
    assert "仪表板" in newcomer.get("/").text  # the language chosen for the user
    short = admin.post("/admin/users", data={"csrf_token": token, "email": "x@aurel.example",
                                             "display_name": "X", "role": "viewer", "password": "short"})
    assert short.status_code == 422 and "at least 10 characters" in short.text


HOSTILE = [
    "/listings?sort=password_hash", "/listings?sort=-nope", "/listings?cursor=garbage",
    "/listings?cursor=eyJ4Ijox", "/listings?account_id=abc", "/listings?limit=0", "/listings?limit=-5",
    "/listings?limit=99999999999999999999", "/listings?q=%00", "/listings?q=" + "a" * 5000,
    "/shipments?declared_on=yesterday", "/listings/99999999999999999999", "/listings/abc", "/listings/-1",
    "/rights/0", "/search?q=%00", "/search?q=" + "x" * 1000,
]


@pytest.mark.parametrize("path", HOSTILE)
def test_hostile_query_strings_give_a_client_error_not_a_crash(app: FastAPI, seeded: Seeded,
                                                               path: str) -> None:
    response = signed_in(app, seeded.brand_admin, seeded.password).get(path)
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    assert "Traceback" not in response.text


def test_sql_in_a_filter_is_only_a_value_that_matches_nothing(app: FastAPI, seeded: Seeded) -> None:
    response = signed_in(app, seeded.brand_admin, seeded.password).get(
        "/listings?platform=%27%20OR%201%3D1%20--")
    assert response.status_code == 200
    assert "Nothing here that you may see." in response.text


def test_script_in_data_is_escaped(app: FastAPI, seeded: Seeded) -> None:
    response = signed_in(app, seeded.brand_admin, seeded.password).get("/search?q=<script>alert(1)</script>")
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;" in response.text


def test_language_switches_by_query_and_persists_per_user(app: FastAPI, seeded: Seeded) -> None:
    client = signed_in(app, seeded.brand_viewer, seeded.password)
    french = client.get("/listings?lang=fr")
    assert "Annonces" in french.text and 'lang="fr"' in french.text
    assert french.cookies.get(LOCALE_COOKIE) == "fr"
    assert "3 mars 2025" in french.text  # dates follow the locale
    chinese = client.get("/?lang=zh").text
    assert "仪表板" in chinese
    saved = client.post("/language", data={"csrf_token": csrf_of(chinese), "lang": "fr", "next": "/rights"})
    assert saved.status_code == 303 and saved.headers["location"] == "/rights"
    fresh = signed_in(app, seeded.brand_viewer, seeded.password)
    assert "Tableau de bord" in fresh.get("/").text  # the user's saved language, on a new session
    client.post("/language", data={"csrf_token": csrf_of(chinese), "lang": "en", "next": "/"})


def test_errors_are_pages_in_the_users_language(app: FastAPI, seeded: Seeded) -> None:
    response = signed_in(app, seeded.brand_admin, seeded.password).get("/listings/999999?lang=fr")
    assert response.status_code == 404
    assert "Introuvable" in response.text


# Catalogues


def _interface_strings() -> set[str]:
    strings = set()
    jinja = {"**.html": {"trim_blocks": "true", "lstrip_blocks": "true"}}
    for _, _, message, _, _ in extract_from_dir(str(TEMPLATES_DIR), [("**.html", "jinja2.ext:babel_extract")],
                                                jinja):
        strings.add(message if isinstance(message, str) else message[0])
    page_modules = sorted(PACKAGE_DIR.rglob("*pages.py"))
    assert len(page_modules) >= 8
    for module in page_modules:
        for _, message, _, _ in extract_from_file("python", str(module)):
            strings.add(message if isinstance(message, str) else message[0])
    return strings


@pytest.mark.parametrize("locale", ["fr", "zh"])
def test_every_interface_string_is_translated(locale: str) -> None:
    with (TRANSLATIONS_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    translated = {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}
    strings = _interface_strings()
    assert len(strings) > 150
    missing = sorted(strings - set(translated))
    assert not missing, f"{len(missing)} strings missing from the {locale} catalogue: {missing[:10]}"
    for msgid in strings:
        assert set(re.findall(r"%\(\w+\)s", msgid)) == set(re.findall(r"%\(\w+\)s", translated[msgid])), msgid


# Chart


def test_chart_fills_the_days_without_observations() -> None:
    unit, buckets = bucket_counts({date(2025, 3, 1): 2, date(2025, 3, 4): 1})
    assert unit == "day"
    assert buckets == [(date(2025, 3, 1), 2), (date(2025, 3, 2), 0), (date(2025, 3, 3), 0),
                       (date(2025, 3, 4), 1)]


def test_chart_groups_by_week_then_month_when_the_span_is_long() -> None:
    days = {date(2025, 1, 1) + timedelta(days=i): 1 for i in range(200)}
    unit, buckets = bucket_counts(days)
    assert unit == "week" and sum(c for _, c in buckets) == 200 and all(d.weekday() == 0 for d, _ in buckets)
    years = {date(2015, 1, 1) + timedelta(days=i): 1 for i in range(0, 3650, 3)}
    unit, buckets = bucket_counts(years)
    assert unit == "month" and all(d.day == 1 for d, _ in buckets) and len(buckets) <= 121


def test_chart_is_an_accessible_svg_with_escaped_labels() -> None:
    svg = observations_chart({date(2025, 3, 1): 4, date(2025, 3, 2): 1}, title="<Listings>",
                             empty_text="none", date_label=lambda d: d.strftime("%d/%m"),
                             number_label=lambda n: f"#{n}")
    assert svg.startswith("<svg") and 'role="img"' in svg and "<title>&lt;Listings&gt;</title>" in svg
    assert svg.count('class="chart-bar"') == 2
    assert "<title>01/03: #4</title>" in svg
    assert "none" in observations_chart({}, title="t", empty_text="none")
