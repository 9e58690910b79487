"""`countermark detect run` scores the stored listings; verdicts become training data for `detect retrain`,
which prints the held-out change and scores the stored listings again with the new model."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from typer.testing import CliRunner

from countermark.cli.main import app
from countermark.core.clock import utcnow
from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.detect.alert_service import AlertFilters, give_verdict, list_alerts
from countermark.detect.model_store import model_path, save_model
from countermark.detect.models import DetectionModelRecord, ListingScore
from countermark.detect.verdict_training import verdict_rows
from countermark.ingest.readers import RawRow
from countermark.ingest.service import ingest_rows
from countermark.orgs.service import create_organisation
from countermark.orgs.visibility import Principal
from tests.unit.test_detect_engine import tiny_model


def _listing(i: int) -> dict[str, Any]:
    return {
        "source": "feed",
        "external_id": str(i),
        "platform": "ShopMarket",
        "url": f"https://shopmarket.example/{i}",
        "title": ["Kel0ndo Ondine replica", "Kelondo Ondine AAA 1:1", "Keelondo Ondine EDP"][i % 3],
        "price": 20 + i,
        "currency": "EUR",
        "seller": f"seller{i // 2}",
        "observed_at": "2026-05-01T10:00:00Z",
    }


def test_run_then_verdicts_then_retrain_rescoring_the_store(cli_env: AppContext) -> None:
    store = cli_env
    with unit_of_work(store.sessions) as session:
        org = create_organisation(session=session, name="Kelondo SA", kind="rights_holder", country="FR")
        report = ingest_rows(session=session, blobs=store.blobs, kind="listings",
                             rows=[RawRow(i, _listing(i)) for i in range(40)], owner_org_id=org.id,
                             actor="t", label="t")  # fmt: skip
        assert report.stored == 40
        assert session.scalar(select(ListingScore.id)) is None  # no model yet: nothing scored at ingest
        org_id = org.id
    save_model(tiny_model(), model_path(store.settings.data_dir))
    runner = CliRunner()
    run = runner.invoke(app, ["detect", "run"])
    assert run.exit_code == 0, run.output
    assert "40 stored listings, 40 scored" in run.output
    again = runner.invoke(app, ["detect", "run"])
    assert "0 scored" in again.output
    analyst = Principal(
        org_id=org_id, user_id=None, scopes=frozenset({"read", "write"}), email="analyst@k.example"
    )
    with unit_of_work(store.sessions) as session:
        alerts = list_alerts(session=session, principal=analyst, filters=AlertFilters(), limit=100)
        assert len(alerts) >= 30
        for alert, score in alerts:
            # The analyst confirms the replicas of even sellers and dismisses the others (e.g. a parody shop).
            verdict = "confirm" if int((score.seller or "seller1")[6:]) % 2 == 0 else "dismiss"
            give_verdict(session=session, blobs=store.blobs, principal=analyst, alert_id=alert.id,
                         verdict=verdict, reason="test", at=utcnow())  # fmt: skip
        rows = verdict_rows(session=session)
        assert len(rows) == len(alerts) and 0 < int(rows.labels.sum()) < len(rows)
        assert rows.X.shape[1] == len(tiny_model().features)
        before = session.scalar(
            select(DetectionModelRecord.version).where(DetectionModelRecord.active.is_(True))
        )
    retrained = runner.invoke(app, ["detect", "retrain", "--target-precision", "0.9"])
    assert retrained.exit_code == 0, retrained.output
    assert f"({len(alerts)} from verdicts" in retrained.output
    assert "previous model" in retrained.output and "recall" in retrained.output
    assert "40 stored listings scored again" in retrained.output
    # A few dozen verdicts: the shipped prior's rows are fitted on beside them (`--no-prior` to leave out).
    assert re.search(r"prior\s+rows\s+fitted\s+on\s+too:\s+[1-9]\d{3,}", retrained.output), retrained.output
    with unit_of_work(store.sessions) as session:
        active = session.scalar(
            select(DetectionModelRecord.version).where(DetectionModelRecord.active.is_(True))
        )
        assert active != before
        assert set(session.scalars(select(ListingScore.model_version))) == {active}
