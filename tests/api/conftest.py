"""An app on a migrated store, with organisations, users and tokens to act as."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from fastapi.testclient import TestClient

from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.orgs.auth_service import create_api_token
from countermark.orgs.service import create_organisation, create_user
from countermark.web.app import create_app


@dataclass
class Actors:
    """Organisations by name, and a bearer token per organisation (an admin user of each)."""

    org_ids: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, org: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[org]}"}


ORGS = {
    "customs": ("DGDDI", "customs", "FR"),
    "police": ("C3N", "police", "FR"),
    "brand": ("Maison Aurel", "rights_holder", "FR"),
    "platform": ("ShopMarket", "platform", "IE"),
    "abroad": ("GACC", "customs", "CN"),
}


def make_actor(
    ctx: AppContext,
    key: str,
    name: str,
    kind: str,
    country: str,
    actors: Actors,
    scopes: tuple[str, ...] = ("read", "write", "admin"),
) -> None:
    with unit_of_work(ctx.sessions) as session:
        org = create_organisation(session=session, name=name, kind=kind, country=country)
        user = create_user(
            session=session, org_id=org.id, email=f"admin@{key}.example", display_name=key, role="admin"
        )
        raw, _ = create_api_token(session=session, user=user, name="tests", scopes=list(scopes))
        actors.org_ids[key], actors.tokens[key] = org.id, raw


@pytest.fixture
def actors(store: AppContext) -> Actors:
    result = Actors()
    for key, (name, kind, country) in ORGS.items():
        make_actor(store, key, name, kind, country, result)
    return result


@pytest.fixture
def client(store: AppContext) -> Iterator[TestClient]:
    with TestClient(create_app(context=store), raise_server_exceptions=False) as test_client:
        yield test_client
