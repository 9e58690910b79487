"""Tokens and the life of users, as an outside attacker probed them ("Hardening", items 3, 7 and 9):
token scopes and expiry, password change and reset, disabling, throttling that spares the right password
from an address without failures, no cross-organisation e-mail oracle, and no 500 on malformed input."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from countermark.core.clock import utcnow
from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.orgs.auth_service import set_password
from countermark.orgs.models import AuditEntry, LoginAttempt, User, WebSession
from countermark.orgs.service import create_user
from countermark.web.app import create_app
from tests.api.conftest import Actors

HTML = {"accept": "text/html,application/xhtml+xml"}
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "correct horse battery"


@pytest.fixture
def app(store: AppContext) -> FastAPI:
    return create_app(context=store)


def browser(app: FastAPI, address: str = "203.0.113.1") -> TestClient:
    """A browser at this client address."""
    return TestClient(app, headers=HTML, follow_redirects=False, client=(address, 50000))


def csrf_of(html: str) -> str:
    found = CSRF_FIELD.search(html)
    assert found, "no CSRF field in the page"
    return found.group(1)


def sign_in(client: TestClient, email: str, password: str) -> Any:
    """Post the sign-in form as a browser does."""
    form = client.get("/login")
    return client.post(
        "/login", data={"email": email, "password": password, "csrf_token": csrf_of(form.text)}
    )


def api_session(client: TestClient, email: str, password: str = "correct horse battery") -> TestClient:
    """Sign the browser in and give it the session's CSRF header, which API writes by cookie need."""
    assert sign_in(client, email, password).status_code == 303
    client.headers["X-CSRF-Token"] = csrf_of(client.get("/password").text)
    return client


def add_user(ctx: AppContext, actors: Actors, org: str, email: str, role: str = "analyst") -> int:
    with unit_of_work(ctx.sessions) as session:
        user = create_user(
            session=session, org_id=actors.org_ids[org], email=email, display_name=email, role=role
        )
        set_password(session=session, user=user, password=PASSWORD)
        return user.id


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def make_token(
    client: TestClient, headers: dict[str, str], scopes: list[str], days: int = 90
) -> dict[str, Any]:
    response = client.post(
        "/api/v1/tokens",
        json={"name": f"t-{'-'.join(scopes)}", "scopes": scopes, "expires_in_days": days},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def audit_actions(ctx: AppContext, subject_type: str) -> list[str]:
    with ctx.sessions() as session:
        return list(session.scalars(select(AuditEntry.action).where(AuditEntry.subject_type == subject_type)))


# Item 3: tokens


def test_a_read_token_can_neither_create_nor_revoke_tokens(client: TestClient, actors: Actors) -> None:
    admin = actors.headers("brand")
    lasting = make_token(client, admin, ["read", "write"], days=365)
    reader = bearer(make_token(client, admin, ["read"], days=1)["token"])

    minted = client.post(
        "/api/v1/tokens",
        json={"name": "forever", "scopes": ["read"], "expires_in_days": None},
        headers=reader,
    )
    revoked = client.delete(f"/api/v1/tokens/{lasting['id']}", headers=reader)

    assert minted.status_code == 403, minted.text
    assert "browser session or a token with the 'admin' scope" in minted.json()["message"]
    assert revoked.status_code == 403
    assert client.get("/api/v1/rights", headers=bearer(lasting["token"])).status_code == 200
    assert client.get("/api/v1/tokens", headers=reader).status_code == 200  # reading them is fine


def test_a_write_token_cannot_mint_tokens_either(client: TestClient, actors: Actors) -> None:
    writer = bearer(make_token(client, actors.headers("brand"), ["read", "write"])["token"])
    response = client.post("/api/v1/tokens", json={"name": "x", "scopes": ["read"]}, headers=writer)
    assert response.status_code == 403


def test_a_token_minted_by_a_token_has_no_more_scopes_and_no_later_expiry(
    client: TestClient, actors: Actors
) -> None:
    short = make_token(client, actors.headers("brand"), ["read", "admin"], days=2)
    creator = bearer(short["token"])

    wider = client.post("/api/v1/tokens", json={"name": "w", "scopes": ["write"]}, headers=creator)
    child = make_token(client, creator, ["read"], days=365)

    assert wider.status_code == 403 and "only scopes you have" in wider.json()["message"]
    assert datetime.fromisoformat(child["expires_at"]) <= datetime.fromisoformat(short["expires_at"])
    assert client.get("/api/v1/me", headers=bearer(child["token"])).status_code == 200


def test_every_token_expires(client: TestClient, actors: Actors) -> None:
    response = client.post(
        "/api/v1/tokens",
        json={"name": "forever", "scopes": ["read"], "expires_in_days": None},
        headers=actors.headers("brand"),
    )
    assert response.status_code == 422
    assert "every token expires" in response.json()["message"]


def test_a_browser_session_manages_tokens_through_the_api(
    app: FastAPI, store: AppContext, actors: Actors
) -> None:
    add_user(store, actors, "brand", "analyst@aurel.example")
    web = api_session(browser(app), "analyst@aurel.example")
    created = web.post("/api/v1/tokens", json={"name": "from the browser", "scopes": ["read", "write"]})
    assert created.status_code == 201, created.text
    assert web.delete(f"/api/v1/tokens/{created.json()['id']}").status_code == 200


def test_tokens_of_another_organisation_are_not_found(client: TestClient, actors: Actors) -> None:
    police = make_token(client, actors.headers("police"), ["read"])
    response = client.delete(f"/api/v1/tokens/{police['id']}", headers=actors.headers("brand"))
    assert response.status_code == 404
    assert client.get("/api/v1/me", headers=bearer(police["token"])).status_code == 200


# Item 7: throttling


def test_failures_from_one_address_do_not_lock_out_the_right_password_from_another(
    app: FastAPI, store: AppContext, actors: Actors
) -> None:
    add_user(store, actors, "brand", "analyst@aurel.example")
    attacker, owner = browser(app, "198.51.100.7"), browser(app, "203.0.113.20")
    for _ in range(5):
        assert sign_in(attacker, "analyst@aurel.example", "wrong password!").status_code == 401

    blocked = sign_in(attacker, "analyst@aurel.example", PASSWORD)
    signed_in = sign_in(owner, "analyst@aurel.example", PASSWORD)

    assert blocked.status_code == 429
    assert 800 < int(blocked.headers["retry-after"]) <= 900
    assert "Try again in 15 minutes" in blocked.text
    assert signed_in.status_code == 303


def test_the_lock_of_an_address_ends_with_the_window(app: FastAPI, store: AppContext, actors: Actors) -> None:
    add_user(store, actors, "brand", "analyst@aurel.example")
    web = browser(app)
    for _ in range(5):
        sign_in(web, "analyst@aurel.example", "wrong password!")
    with unit_of_work(store.sessions) as session:
        for attempt in session.scalars(select(LoginAttempt)):
            attempt.at = utcnow() - timedelta(minutes=15, seconds=1)
    assert sign_in(web, "analyst@aurel.example", PASSWORD).status_code == 303


def test_a_sprayer_behind_a_shared_proxy_does_not_lock_out_its_known_users(
    app: FastAPI, store: AppContext, actors: Actors
) -> None:
    proxy = "192.0.2.10"
    add_user(store, actors, "brand", "regular@aurel.example")
    add_user(store, actors, "brand", "newcomer@aurel.example")
    assert sign_in(browser(app, proxy), "regular@aurel.example", PASSWORD).status_code == 303
    with unit_of_work(store.sessions) as session:
        session.add_all(
            LoginAttempt(email=f"victim{i}@aurel.example", origin=proxy, succeeded=False) for i in range(20)
        )

    regular = sign_in(browser(app, proxy), "regular@aurel.example", PASSWORD)
    newcomer = sign_in(browser(app, proxy), "newcomer@aurel.example", PASSWORD)

    assert regular.status_code == 303  # signed in from this address before: not locked out
    assert newcomer.status_code == 429 and int(newcomer.headers["retry-after"]) > 0
    assert sign_in(browser(app, "203.0.113.99"), "newcomer@aurel.example", PASSWORD).status_code == 303


def test_guessing_spread_over_many_addresses_gets_one_try_per_address(
    app: FastAPI, store: AppContext, actors: Actors
) -> None:
    add_user(store, actors, "brand", "analyst@aurel.example")
    with unit_of_work(store.sessions) as session:
        session.add_all(
            LoginAttempt(email="analyst@aurel.example", origin=f"198.51.100.{i}", succeeded=False)
            for i in range(50)
        )
    assert sign_in(browser(app, "198.51.100.3"), "analyst@aurel.example", PASSWORD).status_code == 429
    assert sign_in(browser(app, "203.0.113.5"), "analyst@aurel.example", PASSWORD).status_code == 303


# Item 7: password change, reset, disabling


def test_a_user_changes_their_password_and_their_other_sessions_end(
    app: FastAPI, store: AppContext, actors: Actors
) -> None:
    add_user(store, actors, "brand", "analyst@aurel.example")
    here = api_session(browser(app), "analyst@aurel.example")
    elsewhere = browser(app, "203.0.113.50")
    sign_in(elsewhere, "analyst@aurel.example", PASSWORD)

    changed = here.post(
        "/api/v1/me/password", json={"current_password": PASSWORD, "new_password": "a brand new passphrase"}
    )

    assert changed.status_code == 200, changed.text
    assert changed.json() == {"sessions_ended": 1}
    assert here.get("/api/v1/me").status_code == 200
    assert elsewhere.get("/").status_code == 303  # sent to sign in
    assert sign_in(browser(app, "203.0.113.51"), "analyst@aurel.example", PASSWORD).status_code == 401
    assert (
        sign_in(browser(app, "203.0.113.52"), "analyst@aurel.example", "a brand new passphrase").status_code
        == 303
    )
    assert "change_password" in audit_actions(store, "user")


def test_changing_a_password_needs_the_current_one_and_guessing_it_is_throttled(
    app: FastAPI, store: AppContext, actors: Actors
) -> None:
    add_user(store, actors, "brand", "analyst@aurel.example")
    web = api_session(browser(app), "analyst@aurel.example")
    for _ in range(5):
        wrong = web.post(
            "/api/v1/me/password", json={"current_password": "guess guess", "new_password": "x" * 12}
        )
        assert wrong.status_code == 403 and wrong.json()["code"] == "wrong_password"
    throttled = web.post("/api/v1/me/password", json={"current_password": PASSWORD, "new_password": "x" * 12})
    assert throttled.status_code == 429
    assert int(throttled.headers["retry-after"]) > 0
    assert throttled.json()["detail"]["retry_after"] == int(throttled.headers["retry-after"])


def test_a_read_token_cannot_change_the_password(
    client: TestClient, store: AppContext, actors: Actors
) -> None:
    reader = bearer(make_token(client, actors.headers("brand"), ["read"])["token"])
    response = client.post(
        "/api/v1/me/password", json={"current_password": "x", "new_password": "y" * 12}, headers=reader
    )
    assert response.status_code == 403


def test_an_administrator_resets_a_password_shown_once_and_the_users_sessions_end(
    app: FastAPI, client: TestClient, store: AppContext, actors: Actors
) -> None:
    user_id = add_user(store, actors, "brand", "analyst@aurel.example")
    web = browser(app)
    sign_in(web, "analyst@aurel.example", PASSWORD)

    reset = client.post(f"/api/v1/users/{user_id}/password", json={}, headers=actors.headers("brand"))
    chosen = client.post(
        f"/api/v1/users/{user_id}/password",
        json={"password": "chosen by the admin"},
        headers=actors.headers("brand"),
    )

    assert reset.status_code == 200, reset.text
    generated = reset.json()["password"]
    assert len(generated) >= 16 and reset.json()["sessions_ended"] == 1
    assert chosen.json()["password"] is None
    assert web.get("/").status_code == 303
    assert (
        sign_in(browser(app, "203.0.113.8"), "analyst@aurel.example", "chosen by the admin").status_code
        == 303
    )
    with store.sessions() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "reset_password")).all()
        assert len(entries) == 2 and generated not in str([e.detail for e in entries])


@pytest.mark.parametrize(("who", "expected"), [("police", 404), ("self", 403), ("reader", 403)])
def test_only_an_administrator_of_the_same_organisation_resets_someone_else(
    client: TestClient, store: AppContext, actors: Actors, who: str, expected: int
) -> None:
    target = add_user(store, actors, "brand", "analyst@aurel.example")
    headers = actors.headers("police")
    if who == "self":
        with store.sessions() as session:
            target = session.scalars(select(User.id).where(User.email == "admin@brand.example")).one()
        headers = actors.headers("brand")
    elif who == "reader":
        headers = bearer(make_token(client, actors.headers("brand"), ["read"])["token"])
    response = client.post(f"/api/v1/users/{target}/password", json={}, headers=headers)
    assert response.status_code == expected, response.text


def test_a_disabled_user_is_shut_out_at_once_and_can_be_enabled_again(
    app: FastAPI, client: TestClient, store: AppContext, actors: Actors
) -> None:
    user_id = add_user(store, actors, "brand", "analyst@aurel.example")
    web = api_session(browser(app), "analyst@aurel.example")
    token = web.post("/api/v1/tokens", json={"name": "feed", "scopes": ["read"]}).json()["token"]
    admin = actors.headers("brand")

    disabled = client.post(f"/api/v1/users/{user_id}/disable", headers=admin)

    assert disabled.status_code == 200 and disabled.json()["disabled_at"]
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401
    assert web.get("/").status_code == 303
    refused = sign_in(browser(app, "203.0.113.9"), "analyst@aurel.example", PASSWORD)
    assert refused.status_code == 403 and "This account is disabled" in refused.text
    with store.sessions() as session:
        assert session.scalars(select(WebSession).where(WebSession.user_id == user_id)).all() == []

    enabled = client.post(f"/api/v1/users/{user_id}/enable", headers=admin)
    assert enabled.status_code == 200 and enabled.json()["disabled_at"] is None
    assert sign_in(browser(app, "203.0.113.10"), "analyst@aurel.example", PASSWORD).status_code == 303
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401  # revoked tokens stay revoked
    assert {"disable", "enable"} <= set(audit_actions(store, "user"))


def test_an_administrator_cannot_disable_themself(
    client: TestClient, store: AppContext, actors: Actors
) -> None:
    with store.sessions() as session:
        own = session.scalars(select(User.id).where(User.email == "admin@brand.example")).one()
    assert client.post(f"/api/v1/users/{own}/disable", headers=actors.headers("brand")).status_code == 403


# Item 9: no e-mail oracle across organisations


def test_a_taken_e_mail_gets_the_same_answer_whoever_holds_it(client: TestClient, actors: Actors) -> None:
    def create(email: str) -> Any:
        return client.post(
            "/api/v1/users",
            headers=actors.headers("brand"),
            json={"email": email, "display_name": "X", "password": "long enough password"},
        )

    in_own_org = create("admin@brand.example")
    in_other_org = create("admin@police.example")

    assert in_own_org.status_code == in_other_org.status_code == 409
    assert in_own_org.json() == in_other_org.json()
    assert "police" not in in_other_org.text.lower() and "C3N" not in in_other_org.text


# Malformed input: a useful 4xx, never a 500


MALFORMED: list[tuple[str, str, Any]] = [
    ("delete", "/api/v1/tokens/abc", None),
    ("delete", "/api/v1/tokens/99999999999999999999", None),
    ("delete", "/api/v1/tokens/0", None),
    ("post", "/api/v1/tokens", []),
    ("post", "/api/v1/tokens", {"name": "nul\x00", "scopes": ["read"]}),
    ("post", "/api/v1/tokens", {"name": "x", "scopes": ["root"]}),
    ("post", "/api/v1/tokens", {"name": "x", "scopes": ["read"], "expires_in_days": 99999999999999999999}),
    (
        "post",
        "/api/v1/users",
        {"email": "a@b.example", "display_name": "nul\x00", "password": "long enough pw"},
    ),
    ("post", "/api/v1/users", {"email": "not an e-mail", "display_name": "x", "password": "long enough pw"}),
    ("post", "/api/v1/organisations", {"name": "nul\x00org", "kind": "other", "country": "FR"}),
    ("post", "/api/v1/sharing-groups", {"name": "g\x00", "member_org_ids": []}),
    ("post", "/api/v1/sharing-groups", {"name": "group", "member_org_ids": [99999999999999999999]}),
    ("post", "/api/v1/sharing-groups", {"name": "group", "member_org_ids": [-1]}),
    ("put", "/api/v1/markings/listings/99999999999", {"tlp": "RED"}),
    ("put", "/api/v1/markings/listings/1", {"tlp": "RED", "sharing_group_id": 99999999999}),
    ("put", "/api/v1/markings/nothing/1", {"tlp": "RED"}),
    ("post", "/api/v1/users/abc/password", {}),
    ("post", "/api/v1/users/99999999999/password", {}),
    ("post", "/api/v1/users/1/password", {"password": "short"}),
    ("post", "/api/v1/users/0/disable", None),
    ("post", "/api/v1/users/99999999999/enable", None),
    ("post", "/api/v1/me/password", {}),
    ("post", "/api/v1/me/password", {"current_password": 1, "new_password": ["x"]}),
    ("get", "/api/v1/audit?limit=abc", None),
    ("get", "/api/v1/audit?limit=99999999999999999999", None),
]


@pytest.mark.parametrize(("method", "path", "body"), MALFORMED)
def test_malformed_access_requests_get_a_useful_4xx(
    client: TestClient, actors: Actors, method: str, path: str, body: Any
) -> None:
    kwargs: dict[str, Any] = {} if body is None else {"json": body}
    response = client.request(method.upper(), path, headers=actors.headers("brand"), **kwargs)
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    assert {"status", "code", "message"} <= set(response.json())


@pytest.fixture
def signed_in_admin(app: FastAPI, store: AppContext, actors: Actors) -> TestClient:
    with unit_of_work(store.sessions) as session:
        admin = session.scalars(select(User).where(User.email == "admin@brand.example")).one()
        set_password(session=session, user=admin, password=PASSWORD)
    web = browser(app)
    assert sign_in(web, "admin@brand.example", PASSWORD).status_code == 303
    return web


def test_the_admin_page_resets_disables_and_enables(
    signed_in_admin: TestClient, app: FastAPI, store: AppContext, actors: Actors
) -> None:
    user_id = add_user(store, actors, "brand", "analyst@aurel.example")
    page = signed_in_admin.get("/admin")
    token = csrf_of(page.text)
    assert f'action="/admin/users/{user_id}/password"' in page.text

    reset = signed_in_admin.post(f"/admin/users/{user_id}/password", data={"csrf_token": token})
    shown = re.search(r'id="new-password"[^>]*value="([^"]+)"', reset.text)
    assert reset.status_code == 200 and reset.headers["cache-control"] == "no-store" and shown
    assert shown.group(1) not in signed_in_admin.get("/admin").text  # shown once
    assert sign_in(browser(app, "203.0.113.11"), "analyst@aurel.example", shown.group(1)).status_code == 303

    disabled = signed_in_admin.post(f"/admin/users/{user_id}/disable", data={"csrf_token": token})
    assert disabled.status_code == 303
    assert sign_in(browser(app, "203.0.113.12"), "analyst@aurel.example", shown.group(1)).status_code == 403
    assert (
        signed_in_admin.post(f"/admin/users/{user_id}/enable", data={"csrf_token": token}).status_code == 303
    )
    assert sign_in(browser(app, "203.0.113.13"), "analyst@aurel.example", shown.group(1)).status_code == 303


def test_the_password_page_changes_the_password(app: FastAPI, store: AppContext, actors: Actors) -> None:
    add_user(store, actors, "brand", "analyst@aurel.example")
    web = browser(app)
    sign_in(web, "analyst@aurel.example", PASSWORD)
    token = csrf_of(web.get("/password").text)
    form = {"csrf_token": token, "current_password": PASSWORD, "new_password": "new passphrase here"}

    mismatch = web.post("/password", data={**form, "confirm_password": "something else"})
    wrong = web.post(
        "/password",
        data={**form, "current_password": "not it at all", "confirm_password": "new passphrase here"},
    )
    done = web.post("/password", data={**form, "confirm_password": "new passphrase here"})

    assert mismatch.status_code == 422 and "The two new passwords differ." in mismatch.text
    assert wrong.status_code == 403 and "Your current password is wrong." in wrong.text
    assert done.status_code == 303 and done.headers["location"] == "/password?changed=1"
    assert "Your password was changed" in web.get("/password?changed=1").text
    assert (
        sign_in(browser(app, "203.0.113.14"), "analyst@aurel.example", "new passphrase here").status_code
        == 303
    )
