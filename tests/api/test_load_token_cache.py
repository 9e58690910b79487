"""Bearer tokens under load (issue 12, item 10): verified once, no write per request, revocation honoured.

Every API request used to read the token, its user and the sharing groups, and to write the token's
`last_used_at`: on SQLite each read request then queued behind the one writer.
"""

from __future__ import annotations

import time
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event, update

from countermark.core.clock import utcnow
from countermark.core.context import AppContext
from countermark.core.db import make_engine
from countermark.orgs.auth_service import TokenCache
from countermark.orgs.models import ApiToken
from countermark.orgs.visibility import Principal
from tests.api.conftest import Actors


def _statements(store: AppContext) -> list[str]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement.split()[0].upper() + " " + statement)

    event.listen(store.engine, "before_cursor_execute", record)
    return seen


def test_repeated_requests_neither_write_nor_reread_the_token(
    client: TestClient, store: AppContext, actors: Actors
) -> None:
    headers = actors.headers("customs")
    assert client.get("/api/v1/listings", headers=headers).status_code == 200
    seen = _statements(store)
    for _ in range(30):
        assert client.get("/api/v1/listings?limit=5", headers=headers).status_code == 200
    writes = [s for s in seen if s.startswith(("UPDATE", "INSERT", "DELETE"))]
    token_reads = [s for s in seen if "FROM api_tokens" in s]
    assert writes == [] and token_reads == []


def test_revoking_or_disabling_in_this_process_takes_effect_at_once(
    client: TestClient, actors: Actors
) -> None:
    brand = actors.headers("brand")
    minted = client.post(
        "/api/v1/tokens", json={"name": "short", "scopes": ["read"], "expires_in_days": 1}, headers=brand
    ).json()
    token_headers = {"Authorization": f"Bearer {minted['token']}"}
    assert client.get("/api/v1/listings", headers=token_headers).status_code == 200  # now cached
    assert client.delete(f"/api/v1/tokens/{minted['id']}", headers=brand).status_code == 200
    refused = client.get("/api/v1/listings", headers=token_headers)
    assert refused.status_code == 401 and "revoked" in refused.text


def test_a_revocation_by_another_process_is_honoured_within_the_cache_lifetime(
    client: TestClient, store: AppContext, actors: Actors
) -> None:
    store.caches["orgs.token_cache"] = TokenCache(ttl=0.5).watch(store.sessions)
    headers = actors.headers("police")
    assert client.get("/api/v1/listings", headers=headers).status_code == 200
    other = make_engine(str(store.engine.url.render_as_string(hide_password=False)))  # another process
    with other.begin() as connection:
        connection.execute(update(ApiToken).values(revoked_at=utcnow()))
    other.dispose()
    time.sleep(0.6)
    assert client.get("/api/v1/listings", headers=headers).status_code == 401


def test_a_cached_principal_never_outlives_its_token() -> None:
    cache = TokenCache(ttl=60)
    principal = Principal(org_id=1)
    cache.put("cm_a_b", principal, utcnow())  # expires now
    cache.put("cm_c_d", principal, None)
    assert cache.get("cm_a_b") is None and cache.get("cm_c_d") is principal
    assert cache.get("cm_x_y") is None
