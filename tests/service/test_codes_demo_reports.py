"""The world's consumer reports go through the public submit path in the demo step, once, and are matched."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from countermark.codes.models import CloneAlert, ConsumerReport
from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.demo.codes import DEMO_ANALYST, DEMO_CONFIRM_SCORE, run_authentication
from countermark.demo.world import load_world
from countermark.eval.codes import evaluate_report_matching, report_truth
from countermark.observe.models import Listing
from countermark.sim.reports import REPORTS_FILE
from tests.worlds import shared_world

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shared_world(tmp_path_factory, seed=7)  # copied before the demo step writes into it


def _noop(done: int, total: int) -> None:
    del done, total


def test_world_reports_are_submitted_once_matched_and_alerts_confirmed_only_above_the_bar(
    store: AppContext, built: Path
) -> None:
    world = store.settings.data_dir / "world"
    shutil.copytree(built, world)
    with unit_of_work(store.sessions) as session:
        load_world(session=session, blobs=store.blobs, world_dir=world)
        # The world's police shares the listings and accounts it observed with the community (GREEN), so the
        # rights holder who receives the reports may match them.
        assert set(session.scalars(select(Listing.tlp))) == {"GREEN"}
    with unit_of_work(store.sessions) as session:
        first = run_authentication(store, session, _noop)
    rows = [json.loads(line) for line in (world / REPORTS_FILE).read_text("utf-8").splitlines()]
    assert rows and f"{len(rows)} consumer reports submitted (0 refused), {len(rows)} matched" in first

    with unit_of_work(store.sessions) as session:
        second = run_authentication(store, session, _noop)
        stored = session.scalar(select(func.count()).select_from(ConsumerReport))
        unmatched = session.scalar(
            select(func.count()).select_from(ConsumerReport).where(ConsumerReport.matched_at.is_(None))
        )
        confirmed = session.scalars(select(CloneAlert).where(CloneAlert.status == "confirmed")).all()
        below = session.scalar(
            select(func.count())
            .select_from(CloneAlert)
            .where(CloneAlert.status == "open", CloneAlert.score >= DEMO_CONFIRM_SCORE)
        )
        truth = json.loads((world / "truth" / "truth.json").read_text("utf-8"))
        figures = evaluate_report_matching(session, truth, report_truth(world / "truth" / "truth.json"))
    assert "0 consumer reports submitted (0 refused), 0 matched" in second
    assert stored == len(rows) and unmatched == 0
    assert confirmed and below == 0
    assert all(a.score >= DEMO_CONFIRM_SCORE and a.decided_by == DEMO_ANALYST for a in confirmed)
    assert figures["reports_stored"] == len(rows)
    assert figures["recall_at_matches"] >= 0.5, figures
    assert figures["listing_match_precision"] <= figures["listing_match_precision_same_network"] <= 1.0
    assert figures["distractors_with_false_matches"] == 0.0, figures
