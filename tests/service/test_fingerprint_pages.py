"""Fingerprint pages through TestClient: bank list and page, thumbnails, and checking an item with CSRF."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.fingerprint import service
from countermark.orgs.auth_service import set_password
from countermark.orgs.service import create_organisation, create_user
from countermark.web.app import create_app
from tests.api.test_fingerprint_api import photo, reencoded

HTML = {"accept": "text/html,application/xhtml+xml"}
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "correct horse battery staple"


def _people(store: AppContext) -> dict[str, int]:
    """A brand with a RED bank (matchable by everyone) of one picture, and a customs officer; their ids."""
    with unit_of_work(store.sessions) as session:
        ids: dict[str, int] = {}
        for key, kind in (("brand", "rights_holder"), ("customs", "customs")):
            org = create_organisation(session=session, name=key.title(), kind=kind, country="FR")
            user = create_user(
                session=session, org_id=org.id, email=f"{key}@example.org", display_name=key, role="admin"
            )
            set_password(session=session, user=user, password=PASSWORD)
            ids[key] = org.id
        bank = service.create_bank(
            session=session,
            owner_org_id=ids["brand"],
            name="Genuine <b>bags</b>",
            purpose="genuine",
            tlp="RED",
            match_scope="everyone",
        )
        entry = service.add_image(ctx=store, session=session, bank=bank, data=photo(5), label="bag front")
        ids["bank"], ids["entry"] = bank.id, entry.id
        return ids


def _signed_in(store: AppContext, who: str) -> TestClient:
    client = TestClient(create_app(context=store), headers=HTML, follow_redirects=False)
    form = client.get("/login")
    token = CSRF_FIELD.search(form.text)
    assert token is not None
    done = client.post(
        "/login",
        data={"email": f"{who}@example.org", "password": PASSWORD, "csrf_token": token.group(1), "next": "/"},
    )
    assert done.status_code == 303, done.text
    return client


def test_the_owner_sees_its_bank_with_thumbnails_served_only_to_readers(store: AppContext) -> None:
    ids = _people(store)
    brand = _signed_in(store, "brand")
    listing = brand.get("/fingerprint")
    assert listing.status_code == 200 and f"/fingerprint/banks/{ids['bank']}" in listing.text
    assert "Genuine &lt;b&gt;bags&lt;/b&gt;" in listing.text  # escaped, never markup
    page = brand.get(f"/fingerprint/banks/{ids['bank']}")
    thumbnail = f"/api/v1/fingerprint/entries/{ids['entry']}/image"
    assert page.status_code == 200 and thumbnail in page.text and "bag front" in page.text
    assert brand.get(thumbnail).status_code == 200
    customs = _signed_in(store, "customs")
    assert f"/fingerprint/banks/{ids['bank']}" not in customs.get("/fingerprint").text
    assert customs.get(f"/fingerprint/banks/{ids['bank']}").status_code == 404
    assert customs.get(thumbnail).status_code == 404


def test_an_officer_checks_an_item_and_sees_the_match_without_the_entry(store: AppContext) -> None:
    ids = _people(store)
    customs = _signed_in(store, "customs")
    form = customs.get("/fingerprint/check")
    token = CSRF_FIELD.search(form.text)
    assert form.status_code == 200 and token is not None
    result = customs.post(
        "/fingerprint/check",
        data={"csrf_token": token.group(1)},
        files={"file": ("suspect.jpg", reencoded(photo(5)))},
    )
    assert result.status_code == 200, result.text
    assert "Genuine &lt;b&gt;bags&lt;/b&gt;" in result.text and ">pdq<" in result.text
    assert "bag front" not in result.text  # a match-only organisation never sees the entry
    assert f"/entries/{ids['entry']}/image" not in result.text
    brand = _signed_in(store, "brand")
    token = CSRF_FIELD.search(brand.get("/fingerprint/check").text)
    assert token is not None
    own = brand.post(
        "/fingerprint/check",
        data={"csrf_token": token.group(1)},
        files={"file": ("suspect.jpg", reencoded(photo(5)))},
    )
    assert f"/entries/{ids['entry']}/image" in own.text  # the owner sees the pictures side by side


def test_checking_without_the_csrf_token_or_with_bad_input_gives_a_page_not_a_crash(
    store: AppContext,
) -> None:
    _people(store)
    customs = _signed_in(store, "customs")
    refused = customs.post(
        "/fingerprint/check", data={"csrf_token": "forged"}, files={"file": ("a.jpg", photo(1))}
    )
    assert refused.status_code == 403
    token = CSRF_FIELD.search(customs.get("/fingerprint/check").text)
    assert token is not None
    empty = customs.post(
        "/fingerprint/check", data={"csrf_token": token.group(1)}, files={"file": ("a.jpg", b"")}
    )
    assert empty.status_code == 422 and "text/html" in empty.headers["content-type"]


def test_signed_out_browsers_are_sent_to_sign_in(store: AppContext) -> None:
    client = TestClient(create_app(context=store), headers=HTML, follow_redirects=False)
    for path in ("/fingerprint", "/fingerprint/check", "/fingerprint/banks/1"):
        assert client.get(path).status_code == 303
