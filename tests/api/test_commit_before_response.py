"""A write is committed before its answer leaves the server.

A browser follows a sign-in's 303 at once, and an API client reads what it just wrote: if the transaction
committed after the answer was sent (FastAPI's default for a dependency with `yield`), the next request
could miss the write — a CI run saw a sign-in bounce back to the form this way — and a commit that failed
would follow a success already given. The app is wrapped so that, the moment the answer's status line is
sent, another session looks for the row the request wrote. And a commit the database refuses is an
answer the client can act on (409, 503 with a time to retry), with nothing kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError, OperationalError

from countermark.core.context import AppContext
from countermark.orgs.models import ApiToken, WebSession
from countermark.web.app import create_app
from tests.api.conftest import Actors
from tests.api.test_tokens_and_users import HTML, PASSWORD, add_user, csrf_of

Asgi = Callable[[dict[str, Any], Any, Any], Any]


def watching(app: Asgi, path: str, seen: Callable[[], int], counts: list[int]) -> Asgi:
    """The app, noting `seen()` when the status line of an answer to `path` is sent."""

    async def asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
        async def send_watched(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start" and scope.get("path") == path:
                counts.append(seen())
            await send(message)

        await app(scope, receive, send_watched)

    return asgi


def _count(store: AppContext, model: Any) -> int:
    with store.sessions() as other:  # a session of its own: sees only what is committed
        return int(other.scalar(select(func.count()).select_from(model)) or 0)


def test_a_sign_in_is_committed_before_the_browser_is_sent_on(store: AppContext, actors: Actors) -> None:
    add_user(store, actors, "customs", "officer@douane.example")
    counts: list[int] = []
    app = watching(create_app(context=store), "/login", lambda: _count(store, WebSession), counts)
    with TestClient(app, headers=HTML, follow_redirects=False) as client:
        form = client.get("/login")
        answer = client.post("/login", data={"email": "officer@douane.example", "password": PASSWORD,
                                             "csrf_token": csrf_of(form.text)})
        assert answer.status_code == 303
        assert counts == [0, 1], "the session was not yet committed when the redirect left"
        assert client.get("/", follow_redirects=False).status_code == 200


def test_an_api_write_is_committed_before_its_answer(store: AppContext, actors: Actors) -> None:
    counts: list[int] = []
    before = _count(store, ApiToken)
    app = watching(create_app(context=store), "/api/v1/tokens", lambda: _count(store, ApiToken), counts)
    with TestClient(app) as client:
        answer = client.post("/api/v1/tokens", headers=actors.headers("brand"),
                             json={"name": "reader", "scopes": ["read"], "expires_in_days": 7})
        assert answer.status_code == 201, answer.text
        assert counts == [before + 1], "the token was not yet committed when the 201 left"


def _refusing(store: AppContext, error: Exception) -> Callable[[], None]:
    """Make every commit of the store's sessions fail with `error` (as the database would refuse it);
    the returned function puts things back."""

    def refuse(session: Any) -> None:
        raise error

    event.listen(store.sessions, "before_commit", refuse)
    return lambda: event.remove(store.sessions, "before_commit", refuse)


def test_a_write_the_database_refuses_at_the_commit_is_a_conflict_and_nothing_is_kept(
    store: AppContext, actors: Actors
) -> None:
    before = _count(store, ApiToken)
    clash = IntegrityError("COMMIT", None, Exception("UNIQUE constraint failed: api_tokens.token_hash"))
    restore = _refusing(store, clash)
    try:
        with TestClient(create_app(context=store), raise_server_exceptions=False) as client:
            answer = client.post("/api/v1/tokens", headers=actors.headers("brand"),
                                 json={"name": "reader", "scopes": ["read"], "expires_in_days": 7})
    finally:
        restore()
    assert answer.status_code == 409, answer.text
    assert answer.json()["code"] == "conflict" and "reload and try again" in answer.json()["message"]
    assert _count(store, ApiToken) == before


def test_a_database_that_is_locked_or_gone_is_a_503_with_a_time_to_retry_in_the_readers_language(
    store: AppContext, actors: Actors
) -> None:
    add_user(store, actors, "customs", "officer@douane.example")
    with TestClient(create_app(context=store), headers=HTML, follow_redirects=False,
                    raise_server_exceptions=False) as client:
        client.cookies.set("cm_locale", "fr")
        form = client.get("/login")
        restore = _refusing(store, OperationalError("COMMIT", None, Exception("database is locked")))
        try:
            answer = client.post("/login", data={"email": "officer@douane.example", "password": PASSWORD,
                                                 "csrf_token": csrf_of(form.text)})
        finally:
            restore()
    assert answer.status_code == 503 and int(answer.headers["retry-after"]) > 0
    assert "la base de données est occupée ou injoignable" in answer.text
    assert _count(store, WebSession) == 0
