"""The monitoring API and pages: owner-only writes, nothing seen across organisations, runs and snapshots
readable by who may see them, a snapshot attached to a case as evidence in one step."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from countermark.cases.models import EvidenceItem
from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.ledger.models import LedgerEntry
from countermark.monitor.run_service import run_source
from countermark.observe.models import Listing
from tests.api.conftest import Actors
from tests.service.test_monitor_sitekit import TestSite, site_config


def _add(
    client: TestClient, actors: Actors, org: str, config: dict[str, object], name: str = "market"
) -> int:
    answer = client.post(
        "/api/v1/monitor/sources",
        headers=actors.headers(org),
        json={"name": name, "platform": "testmarket", "config": config},
    )
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def test_sources_are_written_by_their_owner_only_and_unseen_elsewhere(
    client: TestClient, actors: Actors
) -> None:
    config: dict[str, object] = {"start_urls": ["http://127.0.0.1:9/"]}
    source_id = _add(client, actors, "brand", config)
    mine = client.get(f"/api/v1/monitor/sources/{source_id}", headers=actors.headers("brand"))
    assert mine.status_code == 200 and mine.json()["config"]["start_urls"] == ["http://127.0.0.1:9/"]
    for path in (f"/api/v1/monitor/sources/{source_id}", f"/api/v1/monitor/sources/{source_id}/runs"):
        assert client.get(path, headers=actors.headers("police")).status_code == 404
    refused = client.patch(
        f"/api/v1/monitor/sources/{source_id}", headers=actors.headers("police"), json={"paused": True}
    )
    assert refused.status_code == 404
    assert client.get("/api/v1/monitor/sources", headers=actors.headers("police")).json()["items"] == []
    paused = client.patch(
        f"/api/v1/monitor/sources/{source_id}", headers=actors.headers("brand"), json={"paused": True}
    )
    assert paused.status_code == 200 and paused.json()["paused"] is True


def test_a_bad_configuration_is_a_422_with_the_reason(client: TestClient, actors: Actors) -> None:
    answer = client.post(
        "/api/v1/monitor/sources",
        headers=actors.headers("brand"),
        json={"name": "x", "platform": "p", "config": {"start_urls": ["ftp://nope"], "proxy": "gopher://x"}},
    )
    assert answer.status_code == 422
    body = answer.json()
    assert "start_urls" in body["message"] and "proxy" in body["message"]
    assert client.post("/api/v1/monitor/sources", json={}).status_code == 401


def test_runs_and_snapshots_are_read_by_who_may_see_them_and_become_evidence(
    client: TestClient, actors: Actors, store: AppContext
) -> None:
    with TestSite(items=2) as site:
        source_id = _add(client, actors, "brand", site_config(site))
        run = run_source(store, source_id, actor="test")
    assert run.status == "done"
    got = client.get(f"/api/v1/monitor/runs/{run.id}", headers=actors.headers("brand")).json()
    assert got["listings"]["new"] == 2 and got["progress"] == 1.0
    assert client.get(f"/api/v1/monitor/runs/{run.id}", headers=actors.headers("police")).status_code == 404
    snaps = client.get(
        "/api/v1/monitor/snapshots",
        headers=actors.headers("brand"),
        params={"listing_source": f"monitor:{source_id}", "external_id": "SKU-1"},
    ).json()["items"]
    assert snaps and snaps[0]["http_status"] == 200
    snapshot_id = snaps[0]["id"]
    warc = client.get(f"/api/v1/monitor/snapshots/{snapshot_id}/warc", headers=actors.headers("brand"))
    assert warc.status_code == 200 and warc.content[:2] == b"\x1f\x8b"
    assert (
        client.get(
            f"/api/v1/monitor/snapshots/{snapshot_id}/warc", headers=actors.headers("police")
        ).status_code
        == 404
    )
    with unit_of_work(store.sessions) as session:
        listing_id = session.scalar(select(Listing.id).where(Listing.external_id == "SKU-1"))
    case = client.post("/api/v1/cases", headers=actors.headers("brand"), json={"listing_id": listing_id})
    assert case.status_code == 201, case.text
    case_id = case.json()["id"]
    refused = client.post(
        f"/api/v1/monitor/snapshots/{snapshot_id}/evidence",
        headers=actors.headers("police"),
        json={"case_id": case_id},
    )
    assert refused.status_code == 404
    added = client.post(
        f"/api/v1/monitor/snapshots/{snapshot_id}/evidence",
        headers=actors.headers("brand"),
        json={"case_id": case_id},
    )
    assert added.status_code == 201, added.text
    with unit_of_work(store.sessions) as session:
        item = session.scalar(select(EvidenceItem).where(EvidenceItem.id == added.json()["evidence_id"]))
        assert item is not None and item.blob_sha256 == snaps[0]["warc_sha256"]
    with unit_of_work(store.sessions) as session:
        entered = session.scalar(select(LedgerEntry).where(LedgerEntry.content_hash == item.blob_sha256))
        assert entered is not None  # in the ledger, in the same step
