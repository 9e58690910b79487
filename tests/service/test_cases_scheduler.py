"""The server's scheduler: the running app applies lapsed deadlines by itself, and can be switched off."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import select

from countermark.cases.models import CaseEvent
from countermark.cases.scheduler import TickRunner
from countermark.cases.service import open_case
from countermark.core.clock import utcnow
from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.core.settings import Settings
from countermark.orgs.service import create_organisation


def _lapsed_case(ctx: AppContext) -> int:
    """An EU case opened a month ago whose first deadline (one working day) has long passed."""
    with unit_of_work(ctx.sessions) as session:
        customs = create_organisation(session=session, name="DGDDI", kind="customs", country="FR").id
        case = open_case(
            session=session,
            owner_org_id=customs,
            procedure="eu_standard",
            title="Bags at Roissy",
            at=utcnow() - timedelta(days=30),
            actor="officer",
        )
        assert case.due_at is not None and case.due_at < utcnow()
        return case.id


def _events(ctx: AppContext, case_id: int) -> int:
    """How many events the case has (one: opened; more once the scheduler applied the lapse)."""
    with ctx.sessions() as session:
        return len(session.scalars(select(CaseEvent.id).where(CaseEvent.case_id == case_id)).all())


def test_the_running_app_applies_a_lapsed_deadline_without_anyone_calling_tick(
    store: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    from countermark.web.app import create_app

    case_id = _lapsed_case(store)
    monkeypatch.setattr(store.settings, "tick_seconds", 0.05)
    app = create_app(context=store)
    with TestClient(app):
        runner = app.state.tick_runner
        assert runner is not None and runner.running
        deadline = time.monotonic() + 10
        while _events(store, case_id) == 1 and time.monotonic() < deadline:
            time.sleep(0.05)
    assert _events(store, case_id) > 1, "the scheduler did not move the lapsed case"
    assert not runner.running, "the scheduler did not stop with the app"
    assert app.state.tick_runner is None


def test_an_interval_of_zero_starts_nothing(store: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    from countermark.web.app import create_app

    case_id = _lapsed_case(store)
    monkeypatch.setattr(store.settings, "tick_seconds", 0.0)
    app = create_app(context=store)
    with TestClient(app):
        assert app.state.tick_runner is None
        time.sleep(0.2)
    assert _events(store, case_id) == 1


def test_the_interval_comes_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().tick_seconds == 300
    for raw, expected in (("12.5", 12.5), ("0", 0), ("-3", 0), ("nan", 0)):
        monkeypatch.setenv("COUNTERMARK_TICK_SECONDS", raw)
        assert Settings().tick_seconds == expected
    monkeypatch.setenv("COUNTERMARK_TICK_SECONDS", "soon")
    with pytest.raises(ValidationError, match="tick_seconds"):
        Settings()


def test_a_failing_run_is_logged_and_the_next_one_goes_ahead(caplog: pytest.LogCaptureFixture) -> None:
    calls: list[int] = []

    def job() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database unavailable")

    runner = TickRunner(job, 0.01)
    runner.start()
    deadline = time.monotonic() + 5
    while len(calls) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    runner.stop()
    assert len(calls) >= 3 and not runner.running
    assert "the scheduler's run failed" in caplog.text
