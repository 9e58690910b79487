"""Product-code routes: public verification and reports, hostile input, rate limits, isolation."""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from countermark.codes import pages, throttle
from countermark.codes.models import RateLimitWindow
from countermark.core.context import AppContext, build_context
from countermark.core.db import unit_of_work
from countermark.core.ingestion import IngestContext
from countermark.observe.models import Listing
from countermark.observe.schemas import ListingIn
from countermark.observe.service import ingest_listing
from countermark.web.app import create_app
from tests.api.conftest import Actors
from tests.service.codes_fixtures import add_product, issue_codes


@pytest.fixture
def issued(store: AppContext, actors: Actors) -> dict[str, Any]:
    product_id = add_product(store, actors.org_ids["brand"])
    batch_id, uris = issue_codes(store, actors.org_ids["brand"], product_id, quantity=3)
    return {"product_id": product_id, "batch_id": batch_id, "uris": uris}


def _path(uri: str) -> str:
    return uri.split("://", 1)[1].split("/", 1)[1]


def test_anyone_verifies_a_code_and_the_scan_is_visible_only_to_its_holder(
    client: TestClient, actors: Actors, issued: dict[str, Any]
) -> None:
    response = client.get(
        "/api/v1/codes/verify", params={"uri": issued["uris"][0], "lat": 48.8566, "lon": 2.3522}
    )
    assert response.status_code == 200 and response.json()["verdict"] == "genuine"
    mine = client.get("/api/v1/codes/scans", headers=actors.headers("brand")).json()
    assert len(mine) == 1 and mine[0]["lat"] == 48.86
    assert client.get("/api/v1/codes/scans", headers=actors.headers("customs")).json() == []
    assert client.get("/api/v1/codes/scans").status_code == 401


def test_the_resolver_page_shows_the_verdict_and_a_report_button(
    client: TestClient, issued: dict[str, Any]
) -> None:
    page = client.get("/" + _path(issued["uris"][0]))
    assert page.status_code == 200 and 'data-verdict="genuine"' in page.text
    assert "Aurel tote" in page.text and "/codes/report?code=" in page.text
    tampered = client.get("/" + _path(issued["uris"][0]).replace("8030=", "8030=A"))
    assert 'data-verdict="bad_signature"' in tampered.text
    assert client.get("/01/09506000134353/21/X").status_code == 404


@pytest.mark.parametrize(
    "uri",
    [
        "",
        "javascript:alert(1)",
        "https://x/01/123/21/a",
        "https://x/" + "a" * 399,
        "https://x/01/09506000134352/21/<script>",
        "\x00",
    ],
)
def test_hostile_uris_get_a_verdict_or_a_422_never_a_500(client: TestClient, uri: str) -> None:
    response = client.get("/api/v1/codes/verify", params={"uri": uri})
    assert response.status_code in (200, 422)
    if response.status_code == 200:
        assert response.json()["verdict"] in ("malformed", "bad_signature")


def test_public_keys_export_without_an_account(client: TestClient, issued: dict[str, Any]) -> None:
    body = client.get("/api/v1/codes/public-keys").json()
    assert body["format"] == "countermark-code-keys/1" and body["keys"][0]["org"] == "Maison Aurel"
    assert "private" not in str(body).lower()


@pytest.fixture(autouse=True)
def _fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    # Windows are fixed in time; a test that crossed a minute boundary would count in two windows.
    monkeypatch.setattr(throttle, "_now", lambda: 1_800_000_030.0)


def test_verification_is_rate_limited_per_address(client: TestClient, issued: dict[str, Any]) -> None:
    statuses = [
        client.get("/api/v1/codes/verify", params={"uri": issued["uris"][1]}).status_code for _ in range(125)
    ]
    assert statuses.count(200) == 120 and statuses[-1] == 429


def test_batches_are_issued_in_the_background_and_isolated(
    client: TestClient, actors: Actors, issued: dict[str, Any]
) -> None:
    created = client.post(
        "/api/v1/codes/batches",
        headers=actors.headers("brand"),
        json={"product_id": issued["product_id"], "quantity": 1200, "label": "spring"},
    )
    assert created.status_code == 202
    batch = client.get(
        f"/api/v1/codes/batches/{created.json()['id']}", headers=actors.headers("brand")
    ).json()
    assert batch["status"] == "done" and batch["percent"] == 100
    codes = client.get(f"/api/v1/codes/batches/{batch['id']}/codes", headers=actors.headers("brand")).json()
    assert len(codes) == 1000 and codes[0]["uri"].startswith("https://testserver/01/")
    for other in ("customs", "abroad"):
        assert (
            client.get(f"/api/v1/codes/batches/{batch['id']}", headers=actors.headers(other)).status_code
            == 404
        )
        assert client.get("/api/v1/codes/batches", headers=actors.headers(other)).json() == []
    stolen = client.post(
        "/api/v1/codes/batches",
        headers=actors.headers("customs"),
        json={"product_id": issued["product_id"], "quantity": 5},
    )
    assert stolen.status_code == 404
    assert (
        client.post(
            "/api/v1/codes/batches",
            headers=actors.headers("brand"),
            json={"product_id": issued["product_id"], "quantity": 0},
        ).status_code
        == 422
    )


def test_epcis_alerts_and_decisions_through_the_api(
    client: TestClient, actors: Actors, issued: dict[str, Any]
) -> None:
    uri = issued["uris"][0]
    document = {
        "type": "EPCISDocument",
        "epcisBody": {
            "eventList": [
                {
                    "type": "ObjectEvent",
                    "eventTime": "2025-03-01T10:00:00Z",
                    "eventTimeZoneOffset": "+00:00",
                    "action": "ADD",
                    "epcList": [uri],
                    "bizStep": "commissioning",
                    "disposition": "active",
                },
                {
                    "type": "ObjectEvent",
                    "eventTime": "2025-03-02T10:00:00Z",
                    "action": "OBSERVE",
                    "epcList": [uri],
                },
            ]
        },
    }
    report = client.post("/api/v1/codes/events", headers=actors.headers("brand"), json=document).json()
    assert report["stored"] == 1 and "eventTimeZoneOffset" in report["rejected"][0]["reason"]
    assert (
        client.post("/api/v1/codes/events", headers=actors.headers("brand"), json="nope").status_code == 422
    )
    for lat, lon in ((48.85, 2.35), (6.52, 3.38)):
        client.get("/api/v1/codes/verify", params={"uri": uri, "lat": lat, "lon": lon})
    assert client.post("/api/v1/codes/detect", headers=actors.headers("brand")).json()["opened"] == 1
    alerts = client.get("/api/v1/codes/alerts", headers=actors.headers("brand")).json()
    assert (
        alerts[0]["status"] == "open"
        and client.get("/api/v1/codes/alerts", headers=actors.headers("police")).json() == []
    )
    assert (
        client.post(
            f"/api/v1/codes/alerts/{alerts[0]['id']}",
            headers=actors.headers("police"),
            json={"decision": "dismissed"},
        ).status_code
        == 404
    )
    decided = client.post(
        f"/api/v1/codes/alerts/{alerts[0]['id']}",
        headers=actors.headers("brand"),
        json={"decision": "confirmed", "note": "same serial in Lagos"},
    )
    assert decided.json()["status"] == "confirmed"
    assert client.get("/api/v1/codes/verify", params={"uri": uri}).json()["verdict"] == "suspected_clone"


def _form(client: TestClient, code: str) -> dict[str, str]:
    page = client.get("/codes/report", params={"code": code})
    token = page.text.split('name="token" value="', 1)[1].split('"', 1)[0]
    return {
        "token": token,
        "code": code,
        "bought_at": "market",
        "shop": "Stall 9",
        "description": "bad stitching",
    }


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (30, 30), (10, 200, 10)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_the_public_report_form_resists_bots_and_reaches_only_the_holder(
    client: TestClient, actors: Actors, issued: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    form = _form(client, issued["uris"][0])
    too_fast = client.post("/codes/report", data=form)
    assert too_fast.status_code == 422
    monkeypatch.setattr(pages, "MIN_FILL_SECONDS", 0.0)
    assert client.post("/codes/report", data={**form, "token": "123.forged"}).status_code == 422
    robot = client.post("/codes/report", data={**form, "website": "http://spam.example"})
    assert robot.status_code == 200 and "Thank you" in robot.text
    assert client.get("/api/v1/codes/reports", headers=actors.headers("brand")).json() == []
    big = client.post(
        "/codes/report", data=form, files={"photos": ("a.png", b"\x89PNG" + b"0" * (5 * 2**20))}
    )
    assert big.status_code == 422
    fake = client.post("/codes/report", data=form, files={"photos": ("a.png", b"<svg onload=alert(1)>")})
    assert fake.status_code == 422
    sent = client.post("/codes/report", data=form, files={"photos": ("a.png", _png(), "image/png")})
    assert sent.status_code == 200 and "Thank you" in sent.text
    mine = client.get("/api/v1/codes/reports", headers=actors.headers("brand")).json()
    assert len(mine) == 1 and len(mine[0]["photos"]) == 1 and mine[0]["shop"] == "Stall 9"
    assert client.get("/api/v1/codes/reports", headers=actors.headers("platform")).json() == []
    assert client.get("/api/v1/codes/hotspots", headers=actors.headers("platform")).json() == []
    assert (
        client.post(
            f"/api/v1/codes/reports/{mine[0]['id']}/reward",
            headers=actors.headers("platform"),
            json={"status": "paid"},
        ).status_code
        == 404
    )
    statuses = [client.post("/codes/report", data=form).status_code for _ in range(4)]
    assert statuses[-1] == 429


def test_only_admins_manage_keys_and_revocation_reaches_verifiers(
    client: TestClient, actors: Actors, issued: dict[str, Any], store: AppContext
) -> None:
    from tests.api.conftest import make_actor

    make_actor(store, "reader", "Reader Org", "rights_holder", "FR", actors, scopes=("read",))
    assert client.post("/api/v1/codes/keys", headers=actors.headers("reader")).status_code == 403
    keys = client.get("/api/v1/codes/keys", headers=actors.headers("brand")).json()
    revoked = client.post(
        f"/api/v1/codes/keys/{keys[0]['key_id']}/revoke",
        headers=actors.headers("brand"),
        json={"reason": "printer leaked it"},
    )
    assert revoked.json()["status"] == "revoked"
    assert (
        client.get("/api/v1/codes/verify", params={"uri": issued["uris"][0]}).json()["verdict"]
        == "revoked_key"
    )
    assert (
        client.post(
            f"/api/v1/codes/keys/{keys[0]['key_id']}/revoke",
            headers=actors.headers("customs"),
            json={"reason": "x"},
        ).status_code
        == 404
    )
    time.sleep(0)


def test_two_app_instances_over_one_database_share_the_rate_limit(
    client: TestClient, store: AppContext, issued: dict[str, Any]
) -> None:
    other_context = build_context(store.settings)  # its own engine, as a second worker process has
    try:
        with TestClient(create_app(context=other_context), raise_server_exceptions=False) as other:
            statuses = []
            for n in range(122):
                app = client if n % 2 else other
                statuses.append(
                    app.get("/api/v1/codes/verify", params={"uri": issued["uris"][2]}).status_code
                )
        assert statuses.count(200) == 120 and statuses[-2:] == [429, 429]
    finally:
        other_context.close()
    with store.sessions() as session:
        hashes = session.scalars(select(RateLimitWindow.client_hash)).all()
    assert len(hashes) == 1 and "testclient" not in hashes[0]


SELLER = "deals.lux88@lux-mail.net"


def _listing(store: AppContext, org_id: int) -> int:
    with unit_of_work(store.sessions) as session:
        ctx = IngestContext(session, store.blobs, None, "test", org_id, "GREEN")
        ingest_listing(
            ctx,
            ListingIn(
                external_id="l1",
                platform="market",
                url="https://www.shopmarket.ie/item/884512377",
                title="Aurel tote",
                description=f"mail {SELLER}",
                seller="luxdeals88",
                observed_at=datetime(2025, 3, 1, tzinfo=UTC),
            ),
        )
        listing_id = session.scalar(select(Listing.id))
        assert listing_id is not None
        return listing_id


def test_a_public_report_is_matched_at_once_and_only_its_holder_sees_the_matches(
    client: TestClient,
    actors: Actors,
    issued: dict[str, Any],
    store: AppContext,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    listing_id = _listing(store, actors.org_ids["platform"])
    monkeypatch.setattr(pages, "MIN_FILL_SECONDS", 0.0)
    form = {**_form(client, issued["uris"][0]), "url": "https://www.shopmarket.ie/item/884512377",
            "description": f"fake, seller {SELLER}", "shop": "luxdeals88"}  # fmt: skip
    assert client.post("/codes/report", data=form).status_code == 200
    report_id = client.get("/api/v1/codes/reports", headers=actors.headers("brand")).json()[0]["id"]
    body = client.get(f"/api/v1/codes/reports/{report_id}", headers=actors.headers("brand")).json()
    assert body["matched_at"] is not None
    listing = next(m for m in body["matches"] if m["subject_type"] == "listing")
    assert (
        listing["subject_id"] == listing_id and listing["strength"] == 1.0 and "address" in listing["reason"]
    )
    assert any(t["value"] == SELLER for t in body["threads"])
    for org in ("platform", "police"):
        assert (
            client.get(f"/api/v1/codes/reports/{report_id}", headers=actors.headers(org)).status_code == 404
        )
        again = client.post(f"/api/v1/codes/reports/{report_id}/match", headers=actors.headers(org))
        assert again.status_code == 404
    rematched = client.post(f"/api/v1/codes/reports/{report_id}/match", headers=actors.headers("brand"))
    assert rematched.status_code == 200 and len(rematched.json()["matches"]) == len(body["matches"])
    for bad in ("0", "x", "99999999999"):
        assert client.get(f"/api/v1/codes/reports/{bad}", headers=actors.headers("brand")).status_code == 422


def test_confirming_a_cluster_through_the_api_opens_its_case_once(
    client: TestClient, actors: Actors, issued: dict[str, Any]
) -> None:
    brand = actors.headers("brand")
    for uri in issued["uris"][:2]:
        for lat, lon in ((48.85, 2.35), (6.52, 3.38)):
            client.get("/api/v1/codes/verify", params={"uri": uri, "lat": lat, "lon": lon})
    assert client.post("/api/v1/codes/detect", headers=brand).json()["opened"] == 2
    alerts = client.get("/api/v1/codes/alerts", headers=brand).json()
    first = client.post(
        f"/api/v1/codes/alerts/{alerts[0]['id']}", headers=brand, json={"decision": "confirmed"}
    )
    assert first.json()["cases_opened"] == []
    second = client.post(
        f"/api/v1/codes/alerts/{alerts[1]['id']}", headers=brand, json={"decision": "confirmed"}
    )
    opened = second.json()["cases_opened"]
    assert len(opened) == 1
    cluster = client.get("/api/v1/codes/clusters", headers=brand).json()[0]
    assert cluster["case_id"] == opened[0]
    again = client.post(f"/api/v1/codes/clusters/{cluster['key']}/case", headers=brand).json()
    assert again == {"key": cluster["key"], "case_id": opened[0], "opened": False, "trigger": "confirmed"}
    detail = client.get(f"/api/v1/codes/clusters/{cluster['key']}", headers=brand).json()
    assert detail["confirmed_alerts"] == 2 and len(detail["serials"]) == 2
    case = client.get(f"/api/v1/cases/{opened[0]}", headers=brand)
    assert case.status_code == 200
    police = actors.headers("police")
    assert client.post(f"/api/v1/codes/clusters/{cluster['key']}/case", headers=police).status_code == 404
    assert client.get(f"/api/v1/codes/clusters/{cluster['key']}", headers=police).status_code == 404
    assert client.post("/api/v1/codes/clusters/not-a-key/case", headers=brand).status_code == 422
