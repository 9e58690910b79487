"""Stored listings scored at ingest, the alert queue API, verdicts, and a confirmed alert's case."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from countermark.cases.intake_service import open_from_listing
from countermark.cases.models import Case, CaseLink, EvidenceItem
from countermark.core.clock import utcnow
from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.core.http.deps import SESSION_COOKIE
from countermark.detect.alert_service import new_alert_backlog
from countermark.detect.models import DetectionAlert, DetectionVerdict, ListingScore
from countermark.detect.stored_service import register_model, score_stored_listings
from countermark.observe.models import Listing
from countermark.orgs.visibility import Principal
from tests.api.conftest import Actors
from tests.api.test_api_csrf import browser_session
from tests.unit.test_detect_engine import tiny_model

FAKE = {
    "source": "feed",
    "platform": "ShopMarket",
    "title": "Kel0ndo Ondine replica",
    "price": 20,
    "currency": "EUR",
    "language": "en",
    "ships_from": "CN",
    "observed_at": "2026-05-01T10:00:00Z",
}
GENUINE = {**FAKE, "title": "Kelondo Ondine EDP 30ml", "price": 180, "ships_from": "FR"}


def _rows(kind: dict[str, Any], prefix: str, count: int, seller: str) -> list[dict[str, Any]]:
    return [
        {
            **kind,
            "external_id": f"{prefix}{i}",
            "url": f"https://shopmarket.example/{prefix}{i}",
            "seller": seller,
        }
        for i in range(count)
    ]


def _ingest(client: TestClient, actors: Actors, rows: list[dict[str, Any]], tlp: str) -> dict[str, Any]:
    response = client.post(
        "/api/v1/ingest/listings", params={"tlp": tlp}, json=rows, headers=actors.headers("brand")
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
def alerts(store: AppContext, client: TestClient, actors: Actors) -> dict[str, int]:
    """A registered model, then the brand's listings ingested: GREEN fakes and genuine, AMBER fakes."""
    with unit_of_work(store.sessions) as session:
        register_model(session=session, blobs=store.blobs, model=tiny_model())
    _ingest(client, actors, _rows(FAKE, "g", 3, "fakes4u") + _rows(GENUINE, "ok", 3, "kelondo_shop"), "GREEN")
    _ingest(client, actors, _rows(FAKE, "a", 2, "hidden"), "AMBER")
    with unit_of_work(store.sessions) as session:
        rows = session.execute(select(Listing.external_id, DetectionAlert.id).join(
            DetectionAlert, DetectionAlert.listing_id == Listing.id)).all()  # fmt: skip
    return dict(rows)


def test_listings_are_scored_at_ingest_and_again_when_they_change(
    store: AppContext, client: TestClient, actors: Actors, alerts: dict[str, int]
) -> None:
    assert set(alerts) == {"g0", "g1", "g2", "a0", "a1"}
    with unit_of_work(store.sessions) as session:
        scores = session.scalars(select(ListingScore)).all()
        assert len(scores) == 8
        fake = next(s for s in scores if s.alert)
        assert fake.reasons[0]["code"] == "score" and fake.features and fake.signal_names
        assert any(r["code"] == "mark_leetspeak" and r["params"]["mark"] == "Kelondo" for r in fake.reasons)
        # Nothing new or changed: a second run scores nothing.
        assert score_stored_listings(session=session, blobs=store.blobs).scored == 0
        # The home page's work queue counts the new alerts the organisation may act on.
        owner = Principal(org_id=actors.org_ids["brand"], email="a@b")
        count, oldest, top = new_alert_backlog(session=session, principal=owner)
        assert count == 5 and oldest is not None and top in alerts.values()
        assert (
            new_alert_backlog(session=session, principal=Principal(org_id=actors.org_ids["police"]))[0] == 0
        )
    changed = [
        {**_rows(GENUINE, "g", 1, "fakes4u")[0], "version": 2}
    ]  # g0 now reads like the genuine product
    assert _ingest(client, actors, changed, "GREEN")["updated"] == 1
    with unit_of_work(store.sessions) as session:
        alert = session.get(DetectionAlert, alerts["g0"])
        assert alert is not None and alert.status == "cleared"
        score = session.scalar(select(ListingScore).where(ListingScore.listing_id == alert.listing_id))
        assert score is not None and score.listing_version == 2 and not score.alert


def test_the_queue_shows_exactly_the_visible_alerts_filtered_and_ordered(
    client: TestClient, actors: Actors, alerts: dict[str, int]
) -> None:
    mine = client.get("/api/v1/alerts", params={"lang": "fr"}, headers=actors.headers("brand")).json()[
        "items"
    ]
    assert {a["id"] for a in mine} == set(alerts.values())
    assert [a["score"] for a in mine] == sorted((a["score"] for a in mine), reverse=True)
    assert any("déguise la marque Kelondo" in r["sentence"] for r in mine[0]["reasons"])
    # The police may see the GREEN listings, not the brand's alerts on them: their reasons are read against
    # the brand's registry and seller counts, their verdicts and cases are the brand's.
    assert client.get("/api/v1/alerts", headers=actors.headers("police")).json()["items"] == []
    for key in ("a0", "g0"):
        hidden = client.get(f"/api/v1/alerts/{alerts[key]}", headers=actors.headers("police"))
        assert hidden.status_code == 404
        absent = client.get("/api/v1/alerts/999999", headers=actors.headers("police")).json()
        assert hidden.json()["code"] == absent["code"] == "not_found"
    listing = client.get("/api/v1/listings", headers=actors.headers("police")).json()["items"]
    assert len(listing) == 6  # the listings stay visible as marked
    assert client.get("/api/v1/alerts/999999", headers=actors.headers("brand")).status_code == 404
    assert client.get("/api/v1/alerts").status_code == 401
    headers = actors.headers("brand")
    by_seller = client.get(
        "/api/v1/alerts", params={"country": "CN", "platform": "ShopMarket"}, headers=headers
    )
    assert len(by_seller.json()["items"]) == 5
    assert client.get("/api/v1/alerts", params={"country": "FR"}, headers=headers).json()["items"] == []
    signal = client.get("/api/v1/alerts", params={"signal": "replica_terms"}, headers=headers).json()["items"]
    assert signal and all(any(s["name"] == "replica_terms" for s in a["signals"]) for a in signal)
    uncertain = client.get("/api/v1/alerts", params={"order": "uncertainty"}, headers=headers).json()["items"]
    assert [a["uncertainty"] for a in uncertain] == sorted(a["uncertainty"] for a in uncertain)
    for params in ({"order": "random"}, {"status": "maybe"}, {"limit": 0}, {"brand": "x" * 300}):
        assert client.get("/api/v1/alerts", params=params, headers=headers).status_code == 422


def test_the_owner_gives_verdicts_and_a_confirmation_opens_or_joins_a_case(
    store: AppContext, client: TestClient, actors: Actors, alerts: dict[str, int]
) -> None:
    body = {"verdict": "dismiss", "reason": "genuine product"}
    seen = client.post(f"/api/v1/alerts/{alerts['g1']}/verdict", json=body, headers=actors.headers("police"))
    assert seen.status_code == 404
    control = {"verdict": "dismiss", "reason": "genuine\u0000 product"}
    nul = client.post(f"/api/v1/alerts/{alerts['g1']}/verdict", json=control, headers=actors.headers("brand"))
    assert nul.status_code == 422 and "control characters" in nul.json()["message"]
    hidden = client.post(
        f"/api/v1/alerts/{alerts['a1']}/verdict", json=body, headers=actors.headers("police")
    )
    assert hidden.status_code == 404
    for bad in ({"verdict": "maybe"}, {"verdict": "confirm", "reason": "x" * 1001}, {}):
        response = client.post(
            f"/api/v1/alerts/{alerts['g1']}/verdict", json=bad, headers=actors.headers("brand")
        )
        assert response.status_code == 422
    done = client.post(f"/api/v1/alerts/{alerts['g1']}/verdict", json=body, headers=actors.headers("brand"))
    assert done.status_code == 200, done.text
    assert done.json()["alert"]["status"] == "dismissed" and done.json()["alert"]["case_id"] is None
    detail = client.get(f"/api/v1/alerts/{alerts['g1']}", headers=actors.headers("brand")).json()
    assert detail["verdicts"][0]["reason"] == "genuine product"
    headers = actors.headers("brand")
    with unit_of_work(store.sessions) as session:
        listing_id = session.get(DetectionAlert, alerts["g2"]).listing_id  # type: ignore[union-attr]
        brand = Principal(org_id=actors.org_ids["brand"], scopes=frozenset({"read", "write"}), email="a@b")
        existing = open_from_listing(
            session=session, principal=brand, listing_id=listing_id, at=utcnow(), actor="t"
        )
        existing_id = existing.id
    joined = client.post(
        f"/api/v1/alerts/{alerts['g2']}/verdict", json={"verdict": "confirm"}, headers=headers
    )
    assert joined.json()["alert"]["case_id"] == existing_id
    opened = client.post(
        f"/api/v1/alerts/{alerts['g0']}/verdict",
        json={"verdict": "confirm", "reason": "counterfeit"},
        headers=headers,
    ).json()["alert"]
    assert opened["status"] == "confirmed" and opened["case_id"] not in (None, existing_id)
    with unit_of_work(store.sessions) as session:
        case = session.get(Case, opened["case_id"])
        assert case is not None and case.owner_org_id == actors.org_ids["brand"]
        links = session.scalars(select(CaseLink.subject_type).where(CaseLink.case_id == case.id)).all()
        assert "listing" in links
        evidence = session.scalars(select(EvidenceItem).where(EvidenceItem.case_id == case.id)).all()
        assert any(e.description.startswith("Listing detection: The model puts") for e in evidence)
        verdicts = session.scalars(select(DetectionVerdict.verdict).order_by(DetectionVerdict.id)).all()
        assert verdicts == ["dismiss", "confirm", "confirm"]
    notices = client.get(f"/api/v1/cases/{opened['case_id']}", headers=headers)
    assert notices.status_code == 200


def test_the_queue_pages_filter_show_the_evidence_and_take_verdicts_with_csrf(
    store: AppContext, client: TestClient, actors: Actors, alerts: dict[str, int]
) -> None:
    cookie, csrf = browser_session(store, "admin@brand.example")
    client.cookies.set(SESSION_COOKIE, cookie)
    queue = client.get("/alerts", params={"order": "uncertainty", "signal": "mark_leetspeak", "lang": "fr"})
    assert queue.status_code == 200 and f'href="/alerts/{alerts["g0"]}?' in queue.text
    assert "déguise la marque Kelondo" in queue.text
    # The signal filter names each signal in the reader's language, its code as the value sent.
    option = '<option value="mark_leetspeak" selected>marque déguisée par des chiffres ou symboles</option>'
    assert option in queue.text
    assert client.get("/alerts", params={"order": "sideways"}).status_code == 422
    first = alerts["g0"]
    detail = client.get(f"/alerts/{first}", params={"lang": "en"})
    assert detail.status_code == 200
    for shown in ("mark disguised with digits or symbols", "mark_leetspeak", 'id="alert-confirm"',
                  'id="alert-dismiss"', 'aria-live="polite"',
                  "j next alert", 'src="/alerts/keys.js"', f'value="{csrf}"', "/listings/"):  # fmt: skip
        assert shown in detail.text
    script = client.get("/alerts/keys.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert 'event.key === "c"' in script.text
    form = {"verdict": "dismiss", "reason": "second-hand", "back": "order=uncertainty"}
    assert client.post(f"/alerts/{first}/verdict", data={**form, "csrf_token": "forged"}).status_code == 403
    done = client.post(f"/alerts/{first}/verdict", data={**form, "csrf_token": csrf, "next_id": alerts["g1"]},
                       follow_redirects=False)  # fmt: skip
    assert done.status_code == 303 and done.headers["location"] == f"/alerts/{alerts['g1']}?order=uncertainty"
    assert client.get(f"/alerts/{alerts['a0']}").status_code == 200
    police_cookie, _ = browser_session(store, "admin@police.example")
    client.cookies.set(SESSION_COOKIE, police_cookie)
    assert client.get(f"/alerts/{alerts['a0']}").status_code == 404
    # A GREEN listing the police may see: its alert is the brand's, not shown to them.
    assert client.get(f"/alerts/{alerts['g1']}").status_code == 404
    assert f'href="/alerts/{alerts["g1"]}' not in client.get("/alerts").text
