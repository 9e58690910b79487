"""Case routes: open, list by deadline, decide, evidence upload, notices, validation and isolation."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import Actors


def open_case(client: TestClient, actors: Actors, org: str = "customs", **body: Any) -> dict[str, Any]:
    payload = {"procedure": "eu_standard", "title": "Bags at Roissy", **body}
    response = client.post("/api/v1/cases", json=payload, headers=actors.headers(org))
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def test_a_case_is_opened_listed_by_deadline_and_shown_with_its_timeline(
    client: TestClient, actors: Actors
) -> None:
    case = open_case(client, actors)
    assert case["step"] == "detained" and case["deadline"]["article"] == "Art. 17(3)"
    assert case["allowed"]["customs_officer"] == ["notify", "refer_investigation", "release"]
    soon = client.get(
        "/api/v1/cases", params={"due_before": "2100-01-01T00:00:00Z"}, headers=actors.headers("customs")
    )
    assert [c["id"] for c in soon.json()["items"]] == [case["id"]]
    past = client.get(
        "/api/v1/cases", params={"due_before": "2000-01-01T00:00:00Z"}, headers=actors.headers("customs")
    )
    assert past.json()["items"] == []
    detail = client.get(f"/api/v1/cases/{case['id']}", headers=actors.headers("customs")).json()
    assert [e["kind"] for e in detail["timeline"]] == ["opened"]


def test_a_customs_decision_moves_the_case_and_a_rights_holder_decision_needs_its_role(
    client: TestClient, actors: Actors
) -> None:
    case = open_case(client, actors)
    url = f"/api/v1/cases/{case['id']}/decisions"
    moved = client.post(url, json={"decision": "notify"}, headers=actors.headers("customs"))
    assert moved.status_code == 201 and moved.json()["step"] == "awaiting_holder"
    wrong = client.post(url, json={"decision": "confirm_infringement"}, headers=actors.headers("customs"))
    assert wrong.status_code == 403
    out_of_turn = client.post(url, json={"decision": "declarant_agrees"}, headers=actors.headers("customs"))
    assert out_of_turn.status_code == 409 and "not possible" in out_of_turn.json()["message"]


def test_another_organisation_cannot_see_or_act_on_a_case(client: TestClient, actors: Actors) -> None:
    case = open_case(client, actors)
    for org in ("brand", "abroad", "platform"):
        headers = actors.headers(org)
        assert client.get(f"/api/v1/cases/{case['id']}", headers=headers).status_code == 404
        assert client.get("/api/v1/cases", headers=headers).json()["items"] == []
        assert (
            client.post(
                f"/api/v1/cases/{case['id']}/decisions", json={"decision": "notify"}, headers=headers
            ).status_code
            == 404
        )
        assert client.get(f"/api/v1/cases/{case['id']}/notices", headers=headers).status_code == 404
    assert client.get(f"/api/v1/cases/{case['id']}").status_code == 401


def test_malformed_requests_are_client_errors(client: TestClient, actors: Actors) -> None:
    headers = actors.headers("customs")
    assert (
        client.post("/api/v1/cases", json={"procedure": "nope", "title": "x"}, headers=headers).status_code
        == 422
    )
    assert (
        client.post(
            "/api/v1/cases", json={"procedure": "eu_standard", "title": "x", "tlp": "PINK"}, headers=headers
        ).status_code
        == 422
    )
    assert client.post("/api/v1/cases", json={}, headers=headers).status_code == 422
    assert client.post("/api/v1/cases", json={"shipment_id": 999999}, headers=headers).status_code == 404
    assert client.get("/api/v1/cases", params={"due_before": "soon"}, headers=headers).status_code == 422
    assert (
        client.get("/api/v1/cases", params={"due_before": "2025-01-01T00:00"}, headers=headers).status_code
        == 422
    )
    assert client.get("/api/v1/cases/abc", headers=headers).status_code == 422


def test_evidence_upload_stores_the_file_by_digest_with_its_custody(
    client: TestClient, actors: Actors
) -> None:
    case = open_case(client, actors)
    response = client.post(
        f"/api/v1/cases/{case['id']}/evidence",
        headers=actors.headers("customs"),
        files={"file": ("parcel.jpg", b"\xff\xd8 jpeg bytes", "image/jpeg")},
        data={"description": "Parcel opened at the hub", "source": "officer's camera"},
    )
    assert response.status_code == 201, response.text
    detail = client.get(f"/api/v1/cases/{case['id']}", headers=actors.headers("customs")).json()
    [item] = detail["evidence"]
    assert item["sha256"] == response.json()["sha256"] and item["custody"][0]["action"] == "added"
    missing = client.post(
        f"/api/v1/cases/{case['id']}/evidence",
        headers=actors.headers("customs"),
        files={"file": ("x.bin", b"x", "application/octet-stream")},
        data={"source": "s"},
    )
    assert missing.status_code == 422


def test_notices_are_generated_validated_and_tracked(client: TestClient, actors: Actors) -> None:
    case = open_case(client, actors, org="brand", procedure="notice_and_takedown", title="Fake totes")
    url = f"/api/v1/cases/{case['id']}/notices"
    statements = {
        "notifier_name": "Maison Aurel SA",
        "notifier_email": "legal@aurel.example",
        "explanation": "Bags bearing the AUREL mark that the holder never made.",
        "good_faith": True,
        "infringing_urls": ["https://shop.example/i/1"],
        "right_kind": "trademark",
        "right_name": "AUREL",
    }
    headers = actors.headers("brand")
    refused = client.post(url, json={"kind": "dmca", **statements}, headers=headers)
    assert refused.status_code == 422 and "copyright only" in refused.json()["message"]
    incomplete = client.post(url, json={"kind": "dsa", **statements, "good_faith": False}, headers=headers)
    assert incomplete.status_code == 422 and "(d)" in incomplete.json()["message"]
    created = client.post(url, json={"kind": "dsa", **statements}, headers=headers)
    assert created.status_code == 201 and created.json()["status"] == "draft"
    status_url = f"{url}/{created.json()['id']}/status"
    assert client.post(status_url, json={"status": "sent"}, headers=headers).json()["status"] == "sent"
    assert client.post(status_url, json={"status": "relisted"}, headers=headers).status_code == 422
    listed = client.get(url, headers=headers).json()["items"]
    assert [h["status"] for h in listed[0]["history"]] == ["draft", "sent"]
