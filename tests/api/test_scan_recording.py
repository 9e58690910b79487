"""Public verification stores a scan once per code, device, place and verdict an hour (issue 12, item 9).

The finding: each public verification GET wrote a scan row (2,000 GETs, 2,062 rows). Clone detection
reads those rows, so what it needs must still be stored: scans from other places, other devices, other
verdicts, and the same device again once the hour has passed.
"""

from __future__ import annotations

from datetime import timedelta
from itertools import count
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from countermark.codes import history_service, service, throttle
from countermark.codes.models import CloneAlert, CodeScan
from countermark.codes.scan_service import SCAN_REPEAT_WINDOW, stored_keys
from countermark.core.clock import utcnow
from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from tests.api.conftest import Actors
from tests.service.codes_fixtures import add_product, issue_codes

PARIS = {"lat": 48.8566, "lon": 2.3522}
NEW_YORK = {"lat": 40.7128, "lon": -74.006}


@pytest.fixture
def uris(store: AppContext, actors: Actors) -> list[str]:
    org = actors.org_ids["brand"]
    return issue_codes(store, org, add_product(store, org), quantity=3)[1]


@pytest.fixture(autouse=True)
def _slow_client(monkeypatch: pytest.MonkeyPatch) -> None:
    # One request every 0.6 s of the limiter's clock: 100 a minute, under the 120 it allows, so every
    # GET below is a verification (the limit is tested in test_codes_api.py).
    ticks = count()
    monkeypatch.setattr(throttle, "_now", lambda: 1_800_000_000.0 + 0.6 * next(ticks))


def _scans(store: AppContext) -> int:
    with unit_of_work(store.sessions) as session:
        return int(session.scalar(select(func.count()).select_from(CodeScan)) or 0)


def _verify(client: TestClient, uri: str, agent: str = "phone-a", **place: Any) -> dict[str, Any]:
    response = client.get("/api/v1/codes/verify", params={"uri": uri, **place}, headers={"user-agent": agent})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_five_hundred_gets_from_one_client_store_one_scan(
    client: TestClient, store: AppContext, uris: list[str]
) -> None:
    # Issue 12 found 2,062 rows after 2,000 GETs; 500 tell the same (one row, not 500) in a quarter the time.
    verdicts = {_verify(client, uris[0], **PARIS)["verdict"] for _ in range(500)}
    assert verdicts == {"genuine"}
    assert _scans(store) == 1


def test_what_clone_detection_reads_is_still_stored(
    client: TestClient, store: AppContext, uris: list[str]
) -> None:
    for _ in range(50):
        _verify(client, uris[0], **PARIS)
    assert _scans(store) == 1
    _verify(client, uris[0], "phone-a", **NEW_YORK)  # the same device elsewhere
    _verify(client, uris[0], "phone-b", **PARIS)  # another device
    _verify(client, uris[0], "phone-a")  # no place given
    _verify(client, uris[1], "phone-a", **PARIS)  # another code
    for _ in range(20):
        _verify(client, uris[0], "phone-b", **PARIS)
    assert _scans(store) == 5


def test_a_copied_code_scanned_far_apart_is_still_detected(
    client: TestClient, store: AppContext, uris: list[str]
) -> None:
    for _ in range(200):  # a genuine buyer refreshing the page in Paris
        _verify(client, uris[0], "phone-a", **PARIS)
    for _ in range(200):  # the copy, scanned in New York minutes later
        _verify(client, uris[0], "phone-b", **NEW_YORK)
    assert _scans(store) == 2
    with unit_of_work(store.sessions) as session:
        counts = history_service.detect_clones(session=session)
        alerts = session.scalars(select(CloneAlert)).all()
    assert counts["opened"] == 1 and len(alerts) == 1
    assert any("km/h" in reason for reason in alerts[0].reasons)
    assert _verify(client, uris[0], "phone-c", **PARIS)["verdict"] == "suspected_clone"
    # A new verdict is new information: the same device's scan is stored again at once.
    assert _scans(store) == 3
    _verify(client, uris[0], "phone-a", **PARIS)
    assert _scans(store) == 4


def test_the_same_device_is_stored_again_after_the_window(store: AppContext, uris: list[str]) -> None:
    salt = service.scanner_salt(store.settings.keys_dir)
    start = utcnow() - timedelta(hours=5)
    moments = [start, start + timedelta(minutes=10), start + SCAN_REPEAT_WINDOW + timedelta(seconds=1)]
    stored = []
    for moment in moments:
        with unit_of_work(store.sessions) as session:
            _, scan = service.verify_and_record(
                session=session,
                uri=uris[2],
                keys=stored_keys(session=session),
                salt=salt,
                at=moment,
                device="198.51.100.7|phone",
                **PARIS,
            )
            assert scan is not None
            stored.append(scan.id)
    assert stored[0] == stored[1] != stored[2]
    assert _scans(store) == 2


def test_imported_scans_keep_their_own_identity(store: AppContext, uris: list[str]) -> None:
    salt = service.scanner_salt(store.settings.keys_dir)
    at = utcnow()
    for external_id in ("s-1", "s-2", "s-1"):
        with unit_of_work(store.sessions) as session:
            service.verify_and_record(
                session=session,
                uri=uris[2],
                keys=stored_keys(session=session),
                salt=salt,
                at=at,
                device="scanner-7",
                source="partner",
                external_id=external_id,
            )
    assert _scans(store) == 2  # two distinct imported scans, the repeated id once
