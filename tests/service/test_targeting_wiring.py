"""The case outcomes targeting's intelligence reads: plugged in by the app and the command line, not lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from countermark.cases.outcome_service import StoredCaseOutcomes
from countermark.cli.common import app_context
from countermark.core.blobs import LocalBlobStore
from countermark.core.context import build_context
from countermark.core.db import unit_of_work
from countermark.core.settings import Settings
from countermark.link.case_networks import NetworkedCaseOutcomes
from countermark.targeting.outcomes import case_outcomes
from countermark.targeting.scorer_service import loaded_scorer
from countermark.web.app import create_app


def _settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=f"sqlite:///{tmp_path / 'cm.db'}")


def test_the_web_app_plugs_the_case_outcomes_into_its_context(tmp_path: Path) -> None:
    ctx = build_context(_settings(tmp_path), blobs=LocalBlobStore(tmp_path / "blobs"))
    try:
        app = create_app(context=ctx)
        assert app.state.ctx is ctx
        outcomes = case_outcomes(ctx)
        assert isinstance(outcomes, NetworkedCaseOutcomes)
        assert isinstance(outcomes.inner, StoredCaseOutcomes)
    finally:
        ctx.close()


def test_a_command_line_context_has_the_case_outcomes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COUNTERMARK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COUNTERMARK_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    with app_context(require_schema=False) as ctx:
        outcomes = case_outcomes(ctx)
        assert isinstance(outcomes, NetworkedCaseOutcomes)
        assert isinstance(outcomes.inner, StoredCaseOutcomes)


def test_scoring_on_a_context_nobody_wired_fails_instead_of_dropping_the_intelligence(tmp_path: Path) -> None:
    ctx = build_context(_settings(tmp_path), blobs=LocalBlobStore(tmp_path / "blobs"))
    try:
        with (
            pytest.raises(LookupError, match=r"targeting\.case_outcomes"),
            unit_of_work(ctx.sessions) as session,
        ):
            loaded_scorer(ctx=ctx, session=session, owner_org_id=1)
    finally:
        ctx.close()
