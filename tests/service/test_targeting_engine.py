"""Targeting on a real store: results recorded, retraining from them, selection within capacity, scoring."""

from __future__ import annotations

import random
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import func, select

from countermark.cases.outcome_service import provide_case_outcomes
from countermark.core.context import AppContext
from countermark.core.db import unit_of_work
from countermark.core.errors import InvalidInput
from countermark.ingest.service import ingest_file
from countermark.targeting.calibration import Calibration
from countermark.targeting.engine_service import (
    retrain,
    score_declaration,
    select_for_day,
)
from countermark.targeting.models import InspectionResult, TargetingDecision, TargetingModelVersion
from countermark.targeting.schemas import RuleIn, ShipmentIn
from countermark.targeting.scorer_service import lane_cutoffs, loaded_scorer, recent_lane_shares
from countermark.targeting.selection import Capacity
from countermark.targeting.service import save_rule
from tests.service.helpers import ingest, make_org, write_jsonl

START = date(2024, 3, 1)
PARAMS = {"n_estimators": 20, "min_child_samples": 3, "n_jobs": 1}


def _shipment(i: int, rng: random.Random) -> dict[str, Any]:
    risky = i % 4 == 0
    return {
        "source": "t",
        "external_id": f"S{i}",
        "kind": "consignment",
        "declared_on": (START + timedelta(days=i // 10)).isoformat(),
        "transport_mode": "post",
        "consignor_name": "Shady Trading" if risky else f"Honest {i % 7}",
        "consignee_name": f"Person {i % 13}",
        "hs_code": "610910",
        "origin_country": "CN",
        "departure_country": "CN",
        "quantity": 1,
        "gross_mass_kg": "0.5",
        "declared_value": str(round(rng.uniform(1, 5) if risky else rng.uniform(20, 60), 2)),
        "currency": "EUR",
    }


def _results(ids: range) -> list[dict[str, Any]]:
    return [
        {
            "source": "t-insp",
            "external_id": f"I{i}",
            "shipment_source": "t",
            "shipment_external_id": f"S{i}",
            "inspected_on": (START + timedelta(days=i // 10 + 1)).isoformat(),
            "found": i % 4 == 0,
            "severity": 1 if i % 4 == 0 else 0,
        }
        for i in ids
    ]


def _load(store: AppContext, tmp_path: Path) -> int:
    provide_case_outcomes(store)  # as the app and the command line do
    rng = random.Random(1)
    org_id = make_org(store, "Customs")
    ingest(
        store, "shipments", write_jsonl(tmp_path / "s.jsonl", [_shipment(i, rng) for i in range(200)]), org_id
    )
    return org_id


def test_inspection_results_are_recorded_and_bad_rows_rejected_with_reasons(
    store: AppContext, tmp_path: Path
) -> None:
    org_id = _load(store, tmp_path)
    rows = [
        *_results(range(3)),
        {**_results(range(1))[0], "external_id": "bad", "shipment_external_id": "nope"},
        {**_results(range(1))[0], "external_id": "bad2", "severity": 2, "found": False},
    ]
    path = write_jsonl(tmp_path / "r.jsonl", rows)
    with unit_of_work(store.sessions) as session:
        report = ingest_file(
            session=session, blobs=store.blobs, kind="inspections", path=path, owner_org_id=org_id, actor="t"
        )
    assert (report.stored, report.rejected) == (3, 2)
    reasons = (tmp_path / "r.jsonl.rejects.jsonl").read_text()
    assert "is not stored" in reasons
    assert "needs found = true" in reasons
    with unit_of_work(store.sessions) as session:
        again = ingest_file(
            session=session, blobs=store.blobs, kind="inspections", path=path, owner_org_id=org_id, actor="t"
        )
        assert again.unchanged == 3
        assert session.scalar(select(func.count()).select_from(InspectionResult)) == 3


@pytest.mark.slow
def test_retraining_uses_recorded_results_and_the_new_model_scores(store: AppContext, tmp_path: Path) -> None:
    org_id = _load(store, tmp_path)
    with unit_of_work(store.sessions) as session, pytest.raises(InvalidInput, match="cannot train yet"):
        retrain(session=session, owner_org_id=org_id, actor="t")
    path = write_jsonl(tmp_path / "r.jsonl", _results(range(160)))
    with unit_of_work(store.sessions) as session:
        _record(store, session, path, org_id)
        version = retrain(session=session, owner_org_id=org_id, actor="t", params=PARAMS)
    assert (version.training_rows, version.positives) == (160, 40)
    with unit_of_work(store.sessions) as session:
        risky = score_declaration(
            ctx=store,
            session=session,
            owner_org_id=org_id,
            declaration=ShipmentIn.model_validate(
                {**_shipment(400, random.Random(2)), "declared_on": "2024-04-01"}
            ),
        )
        honest = score_declaration(
            ctx=store,
            session=session,
            owner_org_id=org_id,
            declaration=ShipmentIn.model_validate(
                {**_shipment(401, random.Random(2)), "declared_on": "2024-04-01"}
            ),
        )
    assert risky["model_score"] > honest["model_score"] + 0.2
    assert risky["reasons"][0]["part"] == "model"


@pytest.mark.slow
def test_selection_respects_capacity_records_reasons_and_rules_force_red(
    store: AppContext, tmp_path: Path
) -> None:
    org_id = _load(store, tmp_path)
    path = write_jsonl(tmp_path / "r.jsonl", _results(range(160)))
    day = START + timedelta(days=19)
    with unit_of_work(store.sessions) as session:
        _record(store, session, path, org_id)
        retrain(session=session, owner_org_id=org_id, actor="t", params=PARAMS)
        save_rule(
            session=session,
            owner_org_id=org_id,
            actor="t",
            rule=RuleIn(
                name="person 3",
                expression="importer == 'person 3'",
                reason="known mule address",
                instruction="open and photograph the contents",
            ),
        )
        decisions = select_for_day(
            ctx=store,
            session=session,
            owner_org_id=org_id,
            day=day,
            capacity=Capacity(red=3, yellow=2, exploration_share=0.34),
        )
    lanes = [d.lane for d in decisions]
    assert len(decisions) == 10
    assert (lanes.count("red"), lanes.count("yellow"), lanes.count("green")) == (3, 2, 5)
    assert sum(d.exploration for d in decisions) == 1
    forced = [d for d in decisions if any(r.get("rule") == "person 3" for r in d.reasons)]
    assert forced
    assert all(d.lane == "red" for d in forced)
    assert all(
        r["instruction"] == "open and photograph the contents"
        for d in forced
        for r in d.reasons
        if r["part"] == "rule"
    )
    with unit_of_work(store.sessions) as session:
        assert session.scalar(select(func.count()).select_from(TargetingDecision)) == 10
        assert session.scalar(select(func.count()).select_from(TargetingModelVersion)) == 1


def test_a_hostile_rule_is_refused_and_nothing_is_stored(store: AppContext, tmp_path: Path) -> None:
    org_id = _load(store, tmp_path)
    with pytest.raises(InvalidInput, match="not allowed"), unit_of_work(store.sessions) as session:
        save_rule(
            session=session,
            owner_org_id=org_id,
            actor="t",
            rule=RuleIn(name="evil", expression="__import__('os').system('id')", reason="x", instruction="y"),
        )


def test_single_score_cutoffs_follow_the_recent_capacity_on_calibrated_scores(
    store: AppContext, tmp_path: Path
) -> None:
    org_id = _load(store, tmp_path)
    path = write_jsonl(tmp_path / "r.jsonl", _results(range(160)))
    with unit_of_work(store.sessions) as session:
        _record(store, session, path, org_id)
        retrain(session=session, owner_org_id=org_id, actor="t", params=PARAMS)
        assert recent_lane_shares(session=session, owner_org_id=org_id) is None
        for offset in (18, 19):
            select_for_day(
                ctx=store,
                session=session,
                owner_org_id=org_id,
                day=START + timedelta(days=offset),
                capacity=Capacity(red=2, yellow=3, exploration_share=0.0),
            )
    with unit_of_work(store.sessions) as session:
        assert recent_lane_shares(session=session, owner_org_id=org_id) == (
            pytest.approx(0.2),
            pytest.approx(0.3),
        )
        scorer = loaded_scorer(ctx=store, session=session, owner_org_id=org_id)
        assert scorer.model is not None
        # 160 results are too few to calibrate (the basis says so); give the model a known calibration.
        assert "fixed thresholds" in scorer.cutoffs.basis
        scorer.model.calibration = Calibration(
            1.0, 0.0, tuple(np.linspace(0, 1, 101)), "2024-03-15", 200, 50, 0.1
        )
        cutoffs = lane_cutoffs(session=session, owner_org_id=org_id, model=scorer.model)
    assert cutoffs.red == pytest.approx(0.8) and cutoffs.yellow == pytest.approx(0.5)
    assert "last 28 days" in cutoffs.basis and "red 20.0%" in cutoffs.basis


def _record(store: AppContext, session: Any, path: Path, org_id: int) -> None:
    ingest_file(
        session=session, blobs=store.blobs, kind="inspections", path=path, owner_org_id=org_id, actor="t"
    )


def test_ad_hoc_scores_keep_serving_while_a_changed_history_is_rebuilt(
    store: AppContext, tmp_path: Path
) -> None:
    org_id = _load(store, tmp_path)
    first = write_jsonl(tmp_path / "r1.jsonl", _results(range(100)))
    with unit_of_work(store.sessions) as session:
        _record(store, session, first, org_id)
    with unit_of_work(store.sessions) as session:
        before = loaded_scorer(ctx=store, session=session, owner_org_id=org_id)
        assert before.model is None
    second = write_jsonl(tmp_path / "r2.jsonl", _results(range(100, 160)))
    with unit_of_work(store.sessions) as session:
        _record(store, session, second, org_id)
        retrain(session=session, owner_org_id=org_id, actor="t", params=PARAMS)
    with unit_of_work(store.sessions) as session:
        stale = loaded_scorer(ctx=store, session=session, owner_org_id=org_id, fresh=False)
    # The new model is in force at once; the old history index serves until the new one is built.
    assert stale.model is not None and stale.index is before.index
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with unit_of_work(store.sessions) as session:
            rebuilt = loaded_scorer(ctx=store, session=session, owner_org_id=org_id, fresh=False)
        if rebuilt.index is not before.index:
            break
        time.sleep(0.1)
    assert rebuilt.index is not before.index and rebuilt.model is not None
    with unit_of_work(store.sessions) as session:
        current = loaded_scorer(ctx=store, session=session, owner_org_id=org_id)
    assert current.history_stamp == rebuilt.history_stamp
    # Batch callers never accept a stale index: a new result makes them wait for the rebuild.
    third = write_jsonl(tmp_path / "r3.jsonl", _results(range(160, 170)))
    with unit_of_work(store.sessions) as session:
        _record(store, session, third, org_id)
    with unit_of_work(store.sessions) as session:
        assert loaded_scorer(ctx=store, session=session, owner_org_id=org_id).index is not rebuilt.index
