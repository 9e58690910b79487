"""Cookie-signed API writes need the session's CSRF token ("Hardening", item 6).

The finding: a page on the same site (another port of the host) made the signed-in officer's browser add
evidence to a customs case through `/api/v1`, because the API took the session cookie for writes without
a CSRF token. Now a cookie-authenticated unsafe request to `/api/v1/*` must carry the session's token in
`X-CSRF-Token` or gets a 403 in JSON; bearer-token requests are unaffected.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.core.http.deps import SESSION_COOKIE
from countermark.core.http.security import CSRF_HEADER
from countermark.orgs.auth_service import start_web_session
from countermark.orgs.models import User
from countermark.share.collections_service import create_collection
from tests.api.conftest import Actors

OFFICER = "admin@customs.example"
TAXII = "application/taxii+json;version=2.1"


def browser_session(store: AppContext, email: str) -> tuple[str, str]:
    """A browser session of a user, as signing in opens it: the cookie value and the session's CSRF token."""
    with unit_of_work(store.sessions) as session:
        user = session.scalar(select(User).where(User.email == email))
        assert user is not None
        raw, web_session = start_web_session(session=session, user=user, origin=None)
        return raw, web_session.csrf_token


@pytest.fixture
def officer(store: AppContext, actors: Actors, client: TestClient) -> str:
    """Sign the client's "browser" in as the customs officer; the session's CSRF token."""
    raw, csrf = browser_session(store, OFFICER)
    client.cookies.set(SESSION_COOKIE, raw)
    return csrf


def open_case(client: TestClient, actors: Actors) -> int:
    response = client.post("/api/v1/cases", json={"procedure": "eu_standard", "title": "Bags at Roissy"},
                           headers=actors.headers("customs"))
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def add_evidence(client: TestClient, case_id: int, headers: dict[str, Any]) -> Any:
    """Post an evidence file as a form does (multipart: no CORS preflight stops it from another origin)."""
    return client.post(
        f"/api/v1/cases/{case_id}/evidence",
        headers=headers,
        files={"file": ("parcel.jpg", b"\xff\xd8 jpeg bytes", "image/jpeg")},
        data={"description": "planted", "source": "another page"},
    )


def evidence_of(client: TestClient, actors: Actors, case_id: int) -> list[Any]:
    detail = client.get(f"/api/v1/cases/{case_id}", headers=actors.headers("customs"))
    assert detail.status_code == 200, detail.text
    return list(detail.json()["evidence"])


def assert_refused(response: Any) -> None:
    assert response.status_code == 403, response.text
    body = response.json()
    assert body["status"] == 403 and body["code"] == "csrf_token_invalid"
    assert CSRF_HEADER in body["message"] and "Bearer" in body["message"]


@pytest.mark.parametrize("token", [None, b"", b"wrong-token", "é-not-ascii".encode()])
def test_evidence_cannot_be_planted_through_the_officers_session_cookie(
    client: TestClient, actors: Actors, officer: str, token: bytes | None
) -> None:
    case_id = open_case(client, actors)
    assert_refused(add_evidence(client, case_id, {} if token is None else {CSRF_HEADER: token}))
    assert evidence_of(client, actors, case_id) == []


def test_the_token_of_another_session_does_not_do(
    store: AppContext, client: TestClient, actors: Actors, officer: str
) -> None:
    _, brand_token = browser_session(store, "admin@brand.example")
    case_id = open_case(client, actors)
    assert_refused(add_evidence(client, case_id, {CSRF_HEADER: brand_token}))
    assert evidence_of(client, actors, case_id) == []


def test_the_sessions_own_token_in_the_header_lets_the_browser_write(
    client: TestClient, actors: Actors, officer: str
) -> None:
    case_id = open_case(client, actors)
    response = add_evidence(client, case_id, {CSRF_HEADER: officer})
    assert response.status_code == 201, response.text
    assert [item["sha256"] for item in evidence_of(client, actors, case_id)] == [response.json()["sha256"]]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/v1/cases", {"procedure": "eu_standard", "title": "Opened by someone else"}),
        ("POST", "/api/v1/tokens", {"name": "stolen", "scopes": ["read", "write"]}),
        ("DELETE", "/api/v1/tokens/{token_id}", None),
        ("PUT", "/api/v1/markings/cases/{case_id}", {"tlp": "CLEAR"}),
        ("POST", "/api/v1/codes/detect", None),
    ],
)
def test_every_unsafe_method_needs_the_token_and_changes_nothing_without_it(
    client: TestClient, actors: Actors, officer: str, method: str, path: str, body: dict[str, Any] | None
) -> None:
    bearer = actors.headers("customs")
    case_id = open_case(client, actors)
    token_id = client.get("/api/v1/tokens", headers=bearer).json()[0]["id"]
    url = path.format(token_id=token_id, case_id=case_id)

    def state() -> tuple[Any, ...]:
        cases = client.get("/api/v1/cases", headers=bearer).json()["items"]
        tokens = client.get("/api/v1/tokens", headers=bearer).json()
        return ([(c["id"], c["tlp"]) for c in cases], [(t["id"], t["revoked_at"]) for t in tokens],
                client.get("/api/v1/codes/alerts", headers=bearer).json())

    before = state()
    assert_refused(client.request(method, url, json=body))
    assert state() == before
    allowed = client.request(method, url, json=body, headers={CSRF_HEADER: officer})
    assert allowed.status_code in (200, 201), allowed.text


def test_reads_with_the_cookie_need_no_token(client: TestClient, officer: str) -> None:
    me = client.get("/api/v1/me")
    assert me.status_code == 200 and me.json()["email"] == OFFICER
    assert client.get("/api/v1/cases").status_code == 200
    assert client.head("/api/v1/openapi.json").status_code in (200, 405)


def test_bearer_requests_need_no_csrf_token_even_beside_a_cookie(
    client: TestClient, actors: Actors, officer: str
) -> None:
    case_id = open_case(client, actors)  # the officer's cookie is on the client too: the bearer token wins
    response = add_evidence(client, case_id, actors.headers("customs"))
    assert response.status_code == 201, response.text
    client.cookies.clear()
    alone = client.post("/api/v1/cases", json={"procedure": "eu_standard", "title": "x"},
                        headers=actors.headers("brand"))
    assert alone.status_code in (201, 403) and alone.json().get("code") != "csrf_token_invalid"


def test_without_a_live_session_a_write_is_unauthenticated_not_a_csrf_failure(
    client: TestClient, actors: Actors
) -> None:
    client.cookies.set(SESSION_COOKIE, "not-a-session")
    response = client.post("/api/v1/cases", json={"procedure": "eu_standard", "title": "x"})
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


def test_a_form_token_that_is_not_ascii_is_refused_not_a_server_error(
    client: TestClient, officer: str
) -> None:
    response = client.post("/language", data={"csrf_token": "é", "lang": "fr", "next": "/"},
                           follow_redirects=False)
    assert response.status_code == 403
    assert client.post("/language", data={"csrf_token": officer, "lang": "fr", "next": "/"},
                       follow_redirects=False).status_code == 303


def test_taxii_writes_through_the_session_cookie_need_the_token_too(
    store: AppContext, client: TestClient, actors: Actors, officer: str
) -> None:
    """TAXII's media type already forces a preflight across origins; the header is defence in depth."""
    with unit_of_work(store.sessions) as session:
        uuid = create_collection(
            session, title="FR", owner_org_id=actors.org_ids["customs"], sharing_group_id=None
        ).uuid
    url = f"/taxii2/api/collections/{uuid}/objects/"
    headers = {"Accept": TAXII, "Content-Type": TAXII}
    refused = client.post(url, content=b'{"objects": []}', headers=headers)
    assert refused.status_code == 403 and "csrf" in refused.text.lower(), refused.text
    allowed = client.post(url, content=b'{"objects": []}', headers={**headers, CSRF_HEADER: officer})
    assert allowed.status_code == 202, allowed.text
