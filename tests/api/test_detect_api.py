"""POST /api/v1/detect/score: bounded, authenticated, bad listings rejected with reasons, never a 500."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.detect.api import MAX_BODY_BYTES, MAX_LISTINGS
from countermark.detect.model_store import model_path, save_model
from countermark.ingest.readers import RawRow
from countermark.ingest.service import ingest_rows
from tests.api.conftest import Actors
from tests.unit.test_detect_engine import tiny_model

URL = "/api/v1/detect/score"
GOOD = {
    "source": "feed",
    "external_id": "1",
    "platform": "ShopMarket",
    "url": "https://shopmarket.example/1",
    "title": "Kel0ndo Ondine replica",
    "price": 20,
    "currency": "EUR",
    "seller": "fakes",
    "observed_at": "2026-05-01T10:00:00Z",
}


@pytest.fixture
def trained(store: AppContext) -> AppContext:
    save_model(tiny_model(), model_path(store.settings.data_dir))
    return store


def test_listings_are_scored_with_reasons_and_bad_ones_rejected(
    trained: AppContext, client: TestClient, actors: Actors
) -> None:
    body = {
        "language": "fr",
        "listings": [GOOD, {**GOOD, "external_id": "2", "price": "cheap"}, "not an object"],
    }
    response = client.post(URL, json=body, headers=actors.headers("brand"))
    assert response.status_code == 200, response.text
    result = response.json()
    assert [s["key"] for s in result["scored"]] == ["feed:1"]
    assert result["scored"][0]["alert"] is True
    assert any("Kelondo" in r for r in result["scored"][0]["reasons"])
    assert [r["line"] for r in result["rejected"]] == [2, 3]
    assert result["rejected"][0]["errors"][0].startswith("price")


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_a_time_beyond_the_calendar_in_utc_is_a_rejected_row(
    trained: AppContext, client: TestClient, actors: Actors, when: str
) -> None:
    body = {"listings": [GOOD, {**GOOD, "external_id": "2", "observed_at": when}]}
    response = client.post(URL, json=body, headers=actors.headers("brand"))
    assert response.status_code == 200, response.text
    rejected = response.json()["rejected"]
    assert [r["line"] for r in rejected] == [2] and "out of range" in rejected[0]["errors"][0]


def test_a_token_is_required(trained: AppContext, client: TestClient) -> None:
    assert client.post(URL, json={"listings": [GOOD]}).status_code == 401


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"listings": []}, 422),
        ({"listings": [GOOD] * (MAX_LISTINGS + 1)}, 422),
        ({"items": [GOOD]}, 422),
        ({"listings": [GOOD], "language": "xx"}, 422),
        ([GOOD], 422),
    ],
)
def test_malformed_bodies_get_a_useful_4xx(
    trained: AppContext, client: TestClient, actors: Actors, body: object, status: int
) -> None:
    response = client.post(URL, json=body, headers=actors.headers("brand"))
    assert response.status_code == status
    assert set(response.json()) >= {"status", "code", "message"}


def test_invalid_json_and_oversized_bodies_are_refused(
    trained: AppContext, client: TestClient, actors: Actors
) -> None:
    headers = {**actors.headers("brand"), "content-type": "application/json"}
    assert client.post(URL, content=b"{nope", headers=headers).status_code == 422
    nested = client.post(URL, content=b"[" * 5000 + b"]" * 5000, headers=headers)
    assert nested.status_code == 422 and "nested too deeply" in nested.json()["message"]
    big = b'{"listings": ["' + b"x" * (MAX_BODY_BYTES + 10) + b'"]}'
    response = client.post(URL, content=big, headers=headers)
    assert response.status_code == 413 and response.json()["code"] == "too_large"


def test_without_a_model_the_answer_says_how_to_train_one(
    store: AppContext, client: TestClient, actors: Actors
) -> None:
    response = client.post(URL, json={"listings": [GOOD]}, headers=actors.headers("brand"))
    assert response.status_code == 404
    assert "countermark detect retrain" in response.json()["message"]


def test_listings_are_compared_with_the_marks_the_callers_organisation_may_see(
    trained: AppContext, client: TestClient, actors: Actors
) -> None:
    right = {"source": "reg", "external_id": "Z1", "kind": "trademark", "name": "Zorvane", "brand": "Zorvane",
             "holder_name": "Maison Aurel", "registration_number": "Z1", "office": "EUIPO",
             "jurisdictions": ["EU"]}  # fmt: skip
    with unit_of_work(trained.sessions) as session:
        report = ingest_rows(session=session, blobs=trained.blobs, kind="rights", rows=[RawRow(1, right)],
                             owner_org_id=actors.org_ids["brand"], actor="t", label="t",
                             tlp="RED")  # fmt: skip
        assert report.stored == 1
    body = {"listings": [{**GOOD, "title": "Z0rvane tote replica AAA"}]}
    own = client.post(URL, json=body, headers=actors.headers("brand")).json()["scored"][0]
    assert own["brand"] == "Zorvane" and any("Zorvane" in r for r in own["reasons"])
    # The mark is RED: another organisation's listings are not read against it, nor told of it.
    other = client.post(URL, json=body, headers=actors.headers("platform")).json()["scored"][0]
    assert other["brand"] is None and not any("Zorvane" in r for r in other["reasons"])
