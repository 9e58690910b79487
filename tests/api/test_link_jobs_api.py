"""Linking runs asked for through the API and the web: who may ask (a member with the write scope, one run
at a time per organisation), who sees them (only the organisation), and the server's runner, which starts
each in a process of its own (`countermark link run --job`) that records its run or why it failed."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from countermark.core.clock import utcnow
from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.core.errors import Conflict
from countermark.core.settings import Settings
from countermark.link import jobs as jobs_module
from countermark.link import runner as runner_module
from countermark.link.jobs import begin_job, claim_next, reap, request_job
from countermark.link.models import LinkJob, LinkNetwork, LinkRun
from countermark.link.runner import LinkJobRunner, settings_environment
from countermark.link.store_reads import link_organisation
from countermark.orgs.models import AuditEntry
from countermark.orgs.visibility import Principal
from countermark.web.app import create_app
from countermark.web.link_auto import organisations_due, queue_increments
from tests.api.conftest import Actors, make_actor
from tests.api.test_tokens_and_users import HTML, PASSWORD, add_user, csrf_of, sign_in
from tests.service.helpers import ingest, write_jsonl
from tests.service.test_link_store import AUTHORISED, LISTINGS, RING, SHIPMENTS

WAIT_SECONDS = 180  # a child process imports the command line and links: seconds, more on a busy machine


def _store_ring(store: AppContext, org: int, tmp_path: Path) -> None:
    for kind, rows in (("accounts", RING), ("listings", LISTINGS), ("shipments", SHIPMENTS),
                       ("authorised_sellers", AUTHORISED)):  # fmt: skip
        ingest(store, kind, write_jsonl(tmp_path / f"{kind}.jsonl", rows), org)


@pytest.fixture
def quiet_client(store: AppContext) -> Iterator[TestClient]:
    """A server whose runner does not start jobs: what was asked for stays queued."""
    store.settings.link_job_seconds = 0
    with TestClient(create_app(context=store), raise_server_exceptions=False) as client:
        yield client


def _writer_of(actors: Actors, org: str) -> Principal:
    return Principal(org_id=actors.org_ids[org], scopes=frozenset({"read", "write"}), email="a@c.example")


def _job(store: AppContext, job_id: int) -> LinkJob:
    with unit_of_work(store.sessions) as session:
        job = session.get(LinkJob, job_id)
        assert job is not None
        session.expunge(job)
        return job


def test_a_writer_asks_for_a_run_and_only_its_organisation_sees_it(
    quiet_client: TestClient, store: AppContext, actors: Actors
) -> None:
    client = quiet_client
    asked = client.post("/api/v1/link/jobs", json={"mode": "incremental"}, headers=actors.headers("customs"))
    assert asked.status_code == 202, asked.text
    job = asked.json()
    assert (job["status"], job["mode"]) == ("queued", "incremental")
    assert job["requested_by"] == "admin@customs.example"
    again = client.post("/api/v1/link/jobs", json={}, headers=actors.headers("customs"))
    assert again.status_code == 409 and again.json()["detail"] == {"job": job["id"]}
    assert "already queued" in again.json()["message"]
    # Another organisation asks for its own, and sees neither the first nor its existence.
    assert client.post("/api/v1/link/jobs", json={}, headers=actors.headers("police")).status_code == 202
    assert [j["id"] for j in client.get("/api/v1/link/jobs", headers=actors.headers("customs")).json()] == [
        job["id"]
    ]
    assert client.get(f"/api/v1/link/jobs/{job['id']}", headers=actors.headers("police")).status_code == 404
    assert client.get("/api/v1/link/jobs/999999", headers=actors.headers("customs")).status_code == 404
    mine = client.get(f"/api/v1/link/jobs/{job['id']}", headers=actors.headers("customs"))
    assert mine.status_code == 200 and mine.json()["id"] == job["id"]
    # Bad input is a client error; a read token and no token may not ask.
    for body in ({"mode": "everything"}, {"mode": "full", "org": 2}, []):
        answer = client.post("/api/v1/link/jobs", json=body, headers=actors.headers("brand"))
        assert answer.status_code == 422, body
    huge = client.get("/api/v1/link/jobs/99999999999999999999", headers=actors.headers("customs"))
    assert huge.status_code == 422
    assert client.get("/api/v1/link/jobs?limit=0", headers=actors.headers("customs")).status_code == 422
    make_actor(store, "reader", "Reader Org", "customs", "FR", actors, scopes=("read",))
    assert client.post("/api/v1/link/jobs", json={}, headers=actors.headers("reader")).status_code == 403
    assert client.post("/api/v1/link/jobs", json={}).status_code == 401
    with unit_of_work(store.sessions) as session:
        audited = session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "link.job.request")
        )
    assert audited == 2
    assert _job(store, job["id"]).status == "queued"  # the runner is off: nothing started it


def test_the_servers_runner_links_in_a_process_of_its_own(
    store: AppContext, actors: Actors, tmp_path: Path
) -> None:
    org = actors.org_ids["customs"]
    _store_ring(store, org, tmp_path)
    store.settings.link_job_seconds = 0.2
    with TestClient(create_app(context=store), raise_server_exceptions=False) as client:
        asked = client.post("/api/v1/link/jobs", json={"mode": "full"}, headers=actors.headers("customs"))
        assert asked.status_code == 202
        deadline = time.monotonic() + WAIT_SECONDS
        job = asked.json()
        while job["status"] in ("queued", "running") and time.monotonic() < deadline:
            time.sleep(0.5)
            job = client.get(f"/api/v1/link/jobs/{job['id']}", headers=actors.headers("customs")).json()
        assert job["status"] == "done", job
        networks = client.get("/api/v1/networks?operator=false", headers=actors.headers("customs")).json()
    assert networks["total"] == 1
    assert job["summary"]["mode"] == "full" and job["summary"]["networks"] == 1
    with unit_of_work(store.sessions) as session:
        run = session.get(LinkRun, job["run_id"])
        assert run is not None and run.owner_org_id == org and run.actor == "admin@customs.example"
        assert session.scalar(select(func.count()).select_from(LinkNetwork)) == 2
    finished = _job(store, job["id"])
    assert finished.pid is not None and finished.pid != __import__("os").getpid()
    log = store.settings.data_dir / "link" / "jobs" / f"{job['id']}.log"
    assert f"job {job['id']}: organisation {org}" in log.read_text(encoding="utf-8")


def _gone(pid: int, *, since: datetime | None = None) -> bool:
    return False


def _running(pid: int, *, since: datetime | None = None) -> bool:
    return True


def test_a_process_that_dies_or_is_lost_fails_its_job_with_the_reason(
    store: AppContext, actors: Actors, monkeypatch: pytest.MonkeyPatch
) -> None:
    customs = _writer_of(actors, "customs")
    with unit_of_work(store.sessions) as session:
        first = request_job(session=session, principal=customs, mode="full").id
    crash = [sys.executable, "-c", "import sys; print('linking went wrong: out of luck'); sys.exit(3)"]
    monkeypatch.setattr(runner_module, "job_command", lambda job_id: crash)
    runner = LinkJobRunner(store, host="test-host")
    assert runner.tick() == first
    assert runner.wait(60) == 3
    failed = _job(store, first)
    assert failed.status == "failed" and failed.finished_at is not None
    assert failed.message == "the linking process ended: linking went wrong: out of luck"
    assert runner.tick() is None  # nothing queued
    # A job whose process is gone (the server restarted, the process was killed) is failed by the reaper.
    with unit_of_work(store.sessions) as session:
        second = request_job(session=session, principal=customs, mode="full").id
        claimed = claim_next(session=session, host="test-host")
        assert claimed is not None and claimed.id == second
        assert claim_next(session=session, host="test-host") is None  # taken once only
        begin_job(session=session, job_id=second, host="test-host", pid=2_000_000_000)
        with pytest.raises(Conflict):
            begin_job(session=session, job_id=second, host="test-host", pid=1)  # already has a process
    with unit_of_work(store.sessions) as session:
        assert reap(session=session, host="elsewhere", alive=_gone) == []  # not this host's
        assert reap(session=session, host="test-host", alive=_running) == []
        assert reap(session=session, host="test-host", alive=_gone) == [second]
    lost = _job(store, second)
    assert lost.status == "failed" and "ended without a word" in lost.message
    with unit_of_work(store.sessions) as session, pytest.raises(Conflict):
        begin_job(session=session, job_id=second, host="test-host", pid=1)  # ended: no second life


def test_a_job_whose_process_id_now_names_a_later_process_is_reaped(
    store: AppContext, actors: Actors
) -> None:
    # The job's process died long ago and the system has given its id to a process started since (here
    # a real one, started after the job's record): the reaper must not take that one for the job's.
    customs = _writer_of(actors, "customs")
    with unit_of_work(store.sessions) as session:
        job_id = request_job(session=session, principal=customs, mode="full").id
        later = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        try:
            begin_job(session=session, job_id=job_id, host="test-host", pid=later.pid)
            job = session.get(LinkJob, job_id)
            assert job is not None
            job.started_at = utcnow() - timedelta(minutes=10)  # the record is older than the process
            session.flush()
            assert reap(session=session, host="test-host") == [job_id]
        finally:
            later.kill()
            later.wait()
    assert "ended without a word" in _job(store, job_id).message
    # This very process, named by a job that it took: alive, not reaped.
    with unit_of_work(store.sessions) as session:
        own = request_job(session=session, principal=customs, mode="full").id
        begin_job(session=session, job_id=own, host="test-host", pid=os.getpid())
    with unit_of_work(store.sessions) as session:
        assert reap(session=session, host="test-host") == []
    assert _job(store, own).status == "running"


def test_the_child_reads_the_same_settings_from_its_environment(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path / "data", database_url="postgresql+psycopg://u@h:5432/d?options=-csearch_path%3Ds",
        sql_echo=True, tick_seconds=0, link_job_seconds=7, default_tlp="RED",
    )  # fmt: skip
    env = settings_environment(settings)
    assert env["COUNTERMARK_SQL_ECHO"] == "true" and "COUNTERMARK_REDIS_URL" not in env
    monkey = pytest.MonkeyPatch()
    try:
        for name, value in env.items():
            monkey.setenv(name, value)
        assert Settings() == settings
    finally:
        monkey.undo()


def test_the_network_page_asks_for_a_run_with_its_form(store: AppContext, actors: Actors) -> None:
    add_user(store, actors, "customs", "analyst@customs.example")
    add_user(store, actors, "customs", "viewer@customs.example", role="viewer")
    store.settings.link_job_seconds = 0
    with TestClient(create_app(context=store), headers=HTML, follow_redirects=False) as client:
        _ask_through_the_page(client)


def _ask_through_the_page(client: TestClient) -> None:
    assert sign_in(client, "analyst@customs.example", PASSWORD).status_code == 303
    page = client.get("/networks")
    assert page.status_code == 200 and 'action="/networks/link"' in page.text and "Link now" in page.text
    refused = client.post("/networks/link", data={"mode": "full", "csrf_token": "forged"})
    assert refused.status_code == 403
    asked = client.post("/networks/link", data={"mode": "full", "csrf_token": csrf_of(page.text)})
    assert asked.status_code == 303 and asked.headers["location"] == "/networks?linking=queued"
    waiting = client.get("/networks?linking=queued")
    assert "waiting to start" in waiting.text and 'http-equiv="refresh"' in waiting.text
    assert 'action="/networks/link"' not in waiting.text  # no second run while one waits
    busy = client.post("/networks/link", data={"mode": "incremental", "csrf_token": csrf_of(page.text)})
    assert busy.status_code == 303 and busy.headers["location"] == "/networks?linking=busy"
    french = client.get("/networks?lang=fr")
    assert "en attente de démarrage" in french.text
    client.cookies.clear()
    assert sign_in(client, "viewer@customs.example", PASSWORD).status_code == 303
    seen = client.get("/networks")
    assert "waiting to start" in seen.text and 'action="/networks/link"' not in seen.text
    viewer_post = client.post("/networks/link", data={"mode": "full", "csrf_token": csrf_of(seen.text)})
    assert viewer_post.status_code == 404


def test_two_requests_at_once_still_queue_one_run(
    store: AppContext, actors: Actors, monkeypatch: pytest.MonkeyPatch
) -> None:
    customs = _writer_of(actors, "customs")
    with unit_of_work(store.sessions) as session:
        first = request_job(session=session, principal=customs, mode="full").id
    # The second request's look for an active job happens before the first one's commit: it finds none.
    monkeypatch.setattr(jobs_module, "ACTIVE", ())
    with unit_of_work(store.sessions) as session:
        with pytest.raises(Conflict, match="already queued or running"):
            request_job(session=session, principal=customs, mode="incremental")
        assert [j.id for j in session.scalars(select(LinkJob))] == [first]  # the transaction goes on


def test_organisations_with_new_records_get_an_incremental_run_queued(
    store: AppContext, actors: Actors, tmp_path: Path
) -> None:
    customs = actors.org_ids["customs"]
    _store_ring(store, customs, tmp_path)
    with unit_of_work(store.sessions) as session:
        link_organisation(session=session, owner_org_id=customs, actor="test")
    store.settings.link_auto_seconds = 0.01
    assert queue_increments(store) == []  # linked, nothing stored since; the police were never linked
    newcomer = [{"source": "t", "external_id": "A9", "platform": "shopmarket", "handle": "kicks-nine",
                 "country": "FR", "contacts": ["ring@fakes-mail.com"]}]  # fmt: skip
    ingest(store, "accounts", write_jsonl(tmp_path / "more.jsonl", newcomer), customs)
    with unit_of_work(store.sessions) as session:
        assert organisations_due(session, now=utcnow(), every_seconds=3600) == []  # linked less than 1 h ago
    queued = queue_increments(store)
    assert len(queued) == 1
    job = _job(store, queued[0])
    assert (job.owner_org_id, job.mode, job.status, job.requested_by) == (customs, "incremental", "queued",
                                                                          "scheduler")  # fmt: skip
    assert queue_increments(store) == []  # one is queued already
