"""Issue #12, finding 5: write access followed visibility, not participation.

The platform added evidence to the rights holder's GREEN case (201, into the chain of custody and the
ledger), and customs moved a rights holder's GREEN case to 'referred'. A case is now changed only by its
participants — the organisation that owns it and its rights holder organisation — each in its role.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from countermark.cases.models import CustodyEntry, EvidenceItem
from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.ledger.models import LedgerEntry
from countermark.orgs.auth_service import create_api_token
from countermark.orgs.service import create_user
from tests.api.conftest import Actors

STATEMENTS = {
    "notifier_name": "Maison Aurel SA",
    "notifier_email": "legal@aurel.example",
    "explanation": "Bags bearing the AUREL mark that the holder never made.",
    "good_faith": True,
    "infringing_urls": ["https://shop.example/i/1"],
    "right_kind": "trademark",
    "right_name": "AUREL",
}


def _open(client: TestClient, actors: Actors, org: str, **body: Any) -> dict[str, Any]:
    response = client.post("/api/v1/cases", json=body, headers=actors.headers(org))
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def _evidence(client: TestClient, headers: dict[str, str], case_id: int, data: bytes = b"jpeg") -> Any:
    return client.post(
        f"/api/v1/cases/{case_id}/evidence",
        headers=headers,
        files={"file": ("photo.jpg", data, "image/jpeg")},
        data={"description": "listing photo", "source": "screenshot"},
    )


def _counts(store: AppContext) -> tuple[int, int, int]:
    with unit_of_work(store.sessions) as session:
        return (
            session.query(EvidenceItem).count(),
            session.query(CustodyEntry).count(),
            session.query(LedgerEntry).count(),
        )


def test_an_organisation_that_only_sees_a_green_case_cannot_add_evidence_to_it(
    client: TestClient, actors: Actors, store: AppContext
) -> None:
    case = _open(client, actors, "brand", procedure="notice_and_takedown", title="Fake totes", tlp="GREEN")
    assert client.get(f"/api/v1/cases/{case['id']}", headers=actors.headers("platform")).status_code == 200
    before = _counts(store)
    refused = _evidence(client, actors.headers("platform"), case["id"])
    assert refused.status_code == 403, refused.text
    assert "participants" in refused.json()["message"]
    assert _counts(store) == before  # nothing in the evidence, the chain of custody or the ledger
    notice = client.post(
        f"/api/v1/cases/{case['id']}/notices",
        json={"kind": "dsa", **STATEMENTS},
        headers=actors.headers("platform"),
    )
    assert notice.status_code == 403
    assert _evidence(client, actors.headers("brand"), case["id"]).status_code == 201


def test_an_organisation_that_only_sees_a_green_case_cannot_move_it(
    client: TestClient, actors: Actors
) -> None:
    case = _open(client, actors, "brand", procedure="investigation", title="Seized totes", tlp="GREEN")
    url = f"/api/v1/cases/{case['id']}/decisions"
    moved = client.post(url, json={"decision": "refer_to_police"}, headers=actors.headers("customs"))
    assert moved.status_code == 403, moved.text
    after = client.get(f"/api/v1/cases/{case['id']}", headers=actors.headers("brand")).json()
    assert after["step"] == "seized" and [e["kind"] for e in after["timeline"]] == ["opened"]
    # The owner is a rights holder: the customs officer's decision is not its to take either.
    own = client.post(url, json={"decision": "refer_to_police"}, headers=actors.headers("brand"))
    assert own.status_code == 403
    named = client.post(
        url, json={"decision": "refer_to_police", "role": "customs_officer"}, headers=actors.headers("brand")
    )
    assert named.status_code == 403 and "acts as rights_holder" in named.json()["message"]


def test_the_rights_holder_of_a_case_takes_its_own_decisions_and_no_others(
    client: TestClient, actors: Actors
) -> None:
    holder = actors.org_ids["brand"]
    case = _open(
        client,
        actors,
        "customs",
        procedure="eu_standard",
        title="Bags",
        tlp="GREEN",
        rights_holder_org_id=holder,
    )
    url = f"/api/v1/cases/{case['id']}/decisions"
    early = client.post(url, json={"decision": "notify"}, headers=actors.headers("brand"))
    assert early.status_code == 403  # the customs officer notifies, not the rights holder
    for outsider in ("abroad", "platform", "police"):  # they see the GREEN case but take no part in it
        response = client.post(url, json={"decision": "notify"}, headers=actors.headers(outsider))
        assert response.status_code == 403, (outsider, response.text)
    assert client.post(url, json={"decision": "notify"}, headers=actors.headers("customs")).status_code == 201
    confirm = {"decision": "confirm_infringement"}
    assert client.post(url, json=confirm, headers=actors.headers("abroad")).status_code == 403
    assert client.post(url, json=confirm, headers=actors.headers("customs")).status_code == 403
    confirmed = client.post(url, json=confirm, headers=actors.headers("brand"))
    assert confirmed.status_code == 201 and confirmed.json()["step"] == "awaiting_declarant"
    assert _evidence(client, actors.headers("brand"), case["id"], b"expert report").status_code == 201


def test_a_case_one_cannot_see_is_absent_to_every_write(client: TestClient, actors: Actors) -> None:
    case = _open(client, actors, "customs", procedure="eu_standard", title="Bags", tlp="AMBER")
    for outsider in ("brand", "platform", "police"):
        headers = actors.headers(outsider)
        assert _evidence(client, headers, case["id"]).status_code == 404
        decided = client.post(
            f"/api/v1/cases/{case['id']}/decisions", json={"decision": "notify"}, headers=headers
        )
        assert decided.status_code == 404
        notice = client.post(
            f"/api/v1/cases/{case['id']}/notices", json={"kind": "dsa", **STATEMENTS}, headers=headers
        )
        assert notice.status_code == 404
        status = client.post(
            f"/api/v1/cases/{case['id']}/notices/1/status", json={"status": "sent"}, headers=headers
        )
        assert status.status_code == 404


def test_a_notice_changes_status_only_by_the_organisation_that_issued_it(
    client: TestClient, actors: Actors
) -> None:
    holder = actors.org_ids["brand"]
    case = _open(
        client,
        actors,
        "customs",
        procedure="eu_standard",
        title="Bags",
        tlp="GREEN",
        rights_holder_org_id=holder,
    )
    url = f"/api/v1/cases/{case['id']}/notices"
    notice = client.post(url, json={"kind": "dsa", **STATEMENTS}, headers=actors.headers("brand"))
    assert notice.status_code == 201, notice.text
    status_url = f"{url}/{notice.json()['id']}/status"
    for other in ("customs", "platform"):
        refused = client.post(status_url, json={"status": "sent"}, headers=actors.headers(other))
        assert refused.status_code == 403, (other, refused.text)
    assert (
        client.post(status_url, json={"status": "sent"}, headers=actors.headers("brand")).status_code == 200
    )


def test_read_only_users_and_tokens_never_write(
    client: TestClient, actors: Actors, store: AppContext
) -> None:
    case = _open(client, actors, "customs", procedure="eu_standard", title="Bags", tlp="AMBER")
    with unit_of_work(store.sessions) as session:
        viewer = create_user(
            session=session,
            org_id=actors.org_ids["customs"],
            email="viewer@customs.example",
            display_name="v",
        )
        raw, _ = create_api_token(session=session, user=viewer, name="read", scopes=["read"])
    headers = {"Authorization": f"Bearer {raw}"}
    assert client.get(f"/api/v1/cases/{case['id']}", headers=headers).status_code == 200
    assert _evidence(client, headers, case["id"]).status_code == 403
    decided = client.post(
        f"/api/v1/cases/{case['id']}/decisions", json={"decision": "notify"}, headers=headers
    )
    assert decided.status_code == 403
    opened = client.post("/api/v1/cases", json={"procedure": "eu_standard", "title": "x"}, headers=headers)
    assert opened.status_code == 403


def test_naming_an_organisation_that_does_not_exist_as_rights_holder_is_a_client_error(
    client: TestClient, actors: Actors
) -> None:
    body = {"procedure": "eu_standard", "title": "Bags", "rights_holder_org_id": 999999}
    response = client.post("/api/v1/cases", json=body, headers=actors.headers("customs"))
    assert response.status_code == 422 and "no organisation 999999" in response.json()["message"]


def test_the_platform_a_takedown_case_names_takes_the_platforms_decisions_and_no_others(
    client: TestClient, actors: Actors, store: AppContext
) -> None:
    platform_id = actors.org_ids["platform"]
    case = _open(
        client,
        actors,
        "brand",
        procedure="notice_and_takedown",
        title="Fake totes on ShopMarket",
        tlp="GREEN",
        platform_org_id=platform_id,
    )
    assert case["platform_org_id"] == platform_id
    url = f"/api/v1/cases/{case['id']}/decisions"
    # Out of turn: the notice is not sent yet, and sending it is the rights holder's decision.
    early = client.post(url, json={"decision": "send_notice"}, headers=actors.headers("platform"))
    assert early.status_code == 403 and "another role than 'platform'" in early.json()["message"]
    sent = client.post(url, json={"decision": "send_notice"}, headers=actors.headers("brand"))
    assert sent.status_code == 201, sent.text
    # Customs sees the GREEN case but takes no part in it; the named platform acts as the platform.
    other = client.post(url, json={"decision": "action_taken"}, headers=actors.headers("customs"))
    assert other.status_code == 403
    acted = client.post(url, json={"decision": "action_taken"}, headers=actors.headers("platform"))
    assert acted.status_code == 201, acted.text
    after = client.get(f"/api/v1/cases/{case['id']}", headers=actors.headers("brand")).json()
    assert after["step"] == "actioned"
    # The platform adds evidence as a participant (its own record of the takedown).
    assert _evidence(client, actors.headers("platform"), case["id"], b"takedown log").status_code == 201


def test_only_a_platform_organisation_is_named_as_a_cases_platform(
    client: TestClient, actors: Actors
) -> None:
    for org_id in (actors.org_ids["customs"], 2_000_000):
        refused = client.post(
            "/api/v1/cases",
            json={
                "procedure": "notice_and_takedown",
                "title": "Fake totes",
                "platform_org_id": org_id,
            },
            headers=actors.headers("brand"),
        )
        assert refused.status_code == 422, refused.text
        assert "platform organisation" in refused.json()["message"]
