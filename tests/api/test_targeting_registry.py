"""Rule profiles, trained models and decisions are their organisation's own (issue 12, item 11).

Customs (A) shares its declarations with the community (GREEN): another customs service (B) sees the
shipments, but not A's AMBER rules, models or lanes, cannot change any of A's, and scores with its own.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.ingest.readers import RawRow
from countermark.ingest.service import ingest_rows
from countermark.orgs.auth_service import set_password
from countermark.orgs.models import User
from countermark.targeting.models import Shipment, TargetingDecision, TargetingModelVersion
from tests.api.conftest import Actors
from tests.api.test_targeting_api import CHEAP_POST, DAY, _shipment
from tests.service.test_pages import browser, sign_in

PASSWORD = "correct horse battery staple 12"


@pytest.fixture
def world(client: TestClient, store: AppContext, actors: Actors) -> dict[str, Any]:
    """A's GREEN declarations, an AMBER and a GREEN rule, a selection, an AMBER and a GREEN model."""
    a = actors.org_ids["customs"]
    with unit_of_work(store.sessions) as session:
        report = ingest_rows(
            session=session,
            blobs=store.blobs,
            kind="shipments",
            owner_org_id=a,
            rows=[RawRow(line=i, data=_shipment(i, cheap=i == 1)) for i in (1, 2, 3)],
            actor="test",
            label="test",
            tlp="GREEN",
            source="tgt",
        )
        assert report.rejected == 0, report.rejects
        shipments = {s.external_id: s.id for s in session.scalars(select(Shipment))}
        models = {}
        for tlp in ("AMBER", "GREEN"):
            # Registry records (not trained: both inactive, so scoring reads no model until one is activated).
            version = TargetingModelVersion(
                owner_org_id=a,
                tlp=tlp,
                training_rows=10,
                positives=2,
                document="{}",
                active=False,
                created_by="t",
            )
            session.add(version)
            session.flush()
            models[tlp] = version.id
    headers = actors.headers("customs")
    amber = client.post("/api/v1/targeting/rules", json=CHEAP_POST, headers=headers)
    green = client.post(
        "/api/v1/targeting/rules", json={**CHEAP_POST, "name": "shared", "tlp": "GREEN"}, headers=headers
    )
    assert amber.status_code == green.status_code == 201, (amber.text, green.text)
    assert (amber.json()["tlp"], green.json()["tlp"]) == ("AMBER", "GREEN")
    selected = client.post(
        "/api/v1/targeting/select", json={"day": DAY, "red": 1, "exploration_share": 0.0}, headers=headers
    )
    assert selected.status_code == 200, selected.text
    with store.sessions() as session:
        decisions = list(session.scalars(select(TargetingDecision)))
    assert {(d.owner_org_id, d.tlp) for d in decisions} == {(a, "AMBER")}
    return {
        "shipments": shipments,
        "rules": {"AMBER": amber.json()["id"], "GREEN": green.json()["id"]},
        "models": models,
        "decision": decisions[0].id,
    }


def test_another_organisation_sees_none_of_the_lanes_chosen_on_shipments_it_can_see(
    client: TestClient, actors: Actors, world: dict[str, Any]
) -> None:
    b, a = actors.headers("abroad"), actors.headers("customs")
    assert len(client.get(f"/api/v1/targeting/selection?day={DAY}", headers=a).json()) == 3
    assert client.get("/api/v1/targeting/selection", headers=b).json() == []
    assert client.get(f"/api/v1/targeting/selection?day={DAY}", headers=b).json() == []
    assert client.get("/api/v1/targeting/decisions", headers=b).json()["items"] == []
    assert client.get(f"/api/v1/targeting/decisions/{world['decision']}", headers=b).status_code == 404
    export = client.get("/api/v1/targeting/decisions/export.csv", headers=b)
    assert export.status_code == 200 and export.text.strip().count("\n") == 0  # the header only
    assert len(client.get("/api/v1/targeting/decisions", headers=a).json()["items"]) == 3
    assert client.get(f"/api/v1/targeting/decisions/{world['decision']}", headers=a).status_code == 200


def test_rule_profiles_are_read_by_marking_and_changed_only_by_their_owner(
    client: TestClient, actors: Actors, world: dict[str, Any]
) -> None:
    b, a = actors.headers("abroad"), actors.headers("customs")
    amber, green = world["rules"]["AMBER"], world["rules"]["GREEN"]
    assert [p["id"] for p in client.get("/api/v1/targeting/profiles", headers=b).json()["items"]] == [green]
    assert client.get(f"/api/v1/targeting/profiles/{amber}", headers=b).status_code == 404
    assert client.get(f"/api/v1/targeting/profiles/{green}", headers=b).status_code == 200
    assert "cheap-post" not in client.get("/api/v1/targeting/profiles/export.csv", headers=b).text
    assert client.get("/api/v1/targeting/rules", headers=b).json() == []  # B's own rules: none
    for action in ("activate", "deactivate"):
        assert client.post(f"/api/v1/targeting/profiles/{amber}/{action}", headers=b).status_code == 404
        assert client.post(f"/api/v1/targeting/profiles/{green}/{action}", headers=b).status_code == 403
        assert client.post(f"/api/v1/targeting/profiles/99999/{action}", headers=b).status_code == 404
    # Saving a rule of the same name creates B's own, leaving A's untouched.
    mine = client.post("/api/v1/targeting/rules", json={**CHEAP_POST, "weight": 0.1}, headers=b)
    assert mine.status_code == 201 and mine.json()["id"] not in (amber, green)
    assert client.get(f"/api/v1/targeting/profiles/{amber}", headers=a).json()["weight"] == 0.8
    off = client.post(f"/api/v1/targeting/profiles/{amber}/deactivate", headers=a)
    assert off.status_code == 200 and off.json()["active"] is False


def test_models_are_read_by_marking_and_activated_only_by_their_owner(
    client: TestClient, actors: Actors, world: dict[str, Any]
) -> None:
    b, a = actors.headers("abroad"), actors.headers("customs")
    amber, green = world["models"]["AMBER"], world["models"]["GREEN"]
    listed = client.get("/api/v1/targeting/models", headers=b).json()["items"]
    assert [m["id"] for m in listed] == [green] and "document" not in listed[0]
    assert client.get(f"/api/v1/targeting/models/{amber}", headers=b).status_code == 404
    assert client.post(f"/api/v1/targeting/models/{amber}/activate", headers=b).status_code == 404
    assert client.post(f"/api/v1/targeting/models/{green}/activate", headers=b).status_code == 403
    # B has no inspection results to train on: a clear 422, not A's data.
    assert client.post("/api/v1/targeting/models", headers=b).status_code == 422
    assert client.post(f"/api/v1/targeting/models/{green}/activate", headers=a).status_code == 200
    done = client.post(f"/api/v1/targeting/models/{amber}/activate", headers=a)
    assert done.status_code == 200 and done.json()["active"] is True
    states = {m["id"]: m["active"] for m in client.get("/api/v1/targeting/models", headers=a).json()["items"]}
    assert states == {amber: True, green: False}


def test_each_organisation_scores_with_its_own_rules(
    client: TestClient, actors: Actors, world: dict[str, Any]
) -> None:
    cheap = world["shipments"]["T-1"]
    by_a = client.post(f"/api/v1/targeting/score/{cheap}", headers=actors.headers("customs")).json()
    by_b = client.post(f"/api/v1/targeting/score/{cheap}", headers=actors.headers("abroad"))
    assert by_b.status_code == 200, by_b.text
    assert by_a["rule_score"] > 0 and by_b.json()["rule_score"] == 0
    assert not [r for r in by_b.json()["reasons"] if r.get("part") == "rule"]


def test_pages_show_another_organisation_none_of_the_lanes(
    client: TestClient, store: AppContext, actors: Actors, world: dict[str, Any]
) -> None:
    with unit_of_work(store.sessions) as session:
        for key in ("customs", "abroad"):
            user = session.scalar(select(User).where(User.email == f"admin@{key}.example"))
            assert user is not None
            set_password(session=session, user=user, password=PASSWORD)
    cheap = world["shipments"]["T-1"]
    pages = {}
    for key in ("customs", "abroad"):
        web = browser(client.app)  # type: ignore[arg-type]
        assert sign_in(web, f"admin@{key}.example", PASSWORD).status_code == 303
        pages[key] = [web.get(path).text for path in ("/targeting", f"/targeting/declarations/{cheap}")]
    assert "tgt:T-1" in pages["customs"][0] and "Selected lane" in pages["customs"][1]
    assert "tgt:T-1" not in pages["abroad"][0]
    assert "Selected lane" not in pages["abroad"][1] and "T-1" in pages["abroad"][1]
    rules = browser(client.app)  # type: ignore[arg-type]
    sign_in(rules, "admin@abroad.example", PASSWORD)
    assert "cheap-post" not in rules.get("/targeting/rules").text


def test_registry_writes_need_the_write_scope_and_filters_stay_within_what_is_visible(
    client: TestClient, store: AppContext, actors: Actors, world: dict[str, Any]
) -> None:
    from tests.api.conftest import make_actor

    make_actor(store, "reader", "Reader Org", "customs", "FR", actors, scopes=("read",))
    reader, a = actors.headers("reader"), actors.headers("customs")
    green_rule, green_model = world["rules"]["GREEN"], world["models"]["GREEN"]
    assert (
        client.post(f"/api/v1/targeting/profiles/{green_rule}/deactivate", headers=reader).status_code == 403
    )
    assert client.post(f"/api/v1/targeting/models/{green_model}/activate", headers=reader).status_code == 403
    assert client.post("/api/v1/targeting/models", headers=reader).status_code == 403
    owner = actors.org_ids["customs"]
    mine = client.get(f"/api/v1/targeting/profiles?owner_org_id={owner}&active=true", headers=a).json()
    assert sorted(p["name"] for p in mine["items"]) == ["cheap-post", "shared"]
    seen = client.get(f"/api/v1/targeting/profiles?owner_org_id={owner}", headers=reader).json()
    assert [p["name"] for p in seen["items"]] == ["shared"]
    assert client.get("/api/v1/targeting/decisions?lane=red", headers=reader).json()["items"] == []
